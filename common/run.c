/*
 * mx: the fields of an agent run, named and typed once for every
 * command that prints runs (mx-runs, mx-history, mx-reconcile).
 */

#include "mx.h"

const struct out_field run_fields[RF_COUNT] = {
	{ "run_id", OUT_TEXT },
	{ "repo_full_name", OUT_TEXT },
	{ "run_kind", OUT_TEXT },
	{ "issue_number", OUT_INT },
	{ "pr_number", OUT_INT },
	{ "flow", OUT_TEXT },
	{ "branch", OUT_TEXT },
	{ "started_at", OUT_TEXT },
	{ "finished_at", OUT_TEXT },
	{ "terminal_status", OUT_TEXT },
	{ "failure_class", OUT_TEXT },
	{ "error", OUT_TEXT },
	{ "duration_seconds", OUT_REAL },
	{ "elapsed_seconds", OUT_REAL },
	{ "busy", OUT_BOOL },
	{ "prompt", OUT_TEXT },
	{ "codex_mode", OUT_TEXT },
	{ "codex_session_id", OUT_TEXT },
	{ "codex_invocation_started_at", OUT_TEXT },
};
