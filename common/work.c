/*
 * mx: tracked and blocked work (design section 5), shared by mx-prs,
 * which lists it, and mx-metrics, which counts it for the overview.
 */

#include <stdio.h>
#include <string.h>

#include "mx.h"

/* Which of the snapshot tables and columns this state.db has. */
void
work_schema(sqlite3 *db, struct work_schema *ws)
{
	memset(ws, 0, sizeof(*ws));
	ws->prs = db_has_columns(db, "pr_feedback_state",
	    "repo_full_name,pr_number,issue_number,branch,status,"
	    "last_seen_head_sha");
	ws->issues = db_has_columns(db, "issue_runs",
	    "repo_full_name,issue_number,status,branch,error");
	ws->github_state = ws->issues &&
	    db_has_columns(db, "issue_runs", "github_state");
	ws->takeover = db_has_columns(db, "issue_takeover_state",
	    "repo_full_name,issue_number,ignore_active");
	ws->followup = db_has_columns(db, "pre_pr_followup_state",
	    "repo_full_name,issue_number,branch,waiting_reason");
	ws->events = db_has_columns(db, "feedback_events",
	    "repo_full_name,pr_number,updated_at,processed_at");
	ws->tokens = db_has_columns(db, "action_tokens",
	    "repo_full_name,scope_kind,scope_number,status,"
	    "observed_updated_at");
	ws->cursors = db_has_columns(db, "github_comment_poll_cursors",
	    "repo_full_name,surface,scope_number,last_updated_at,"
	    "last_comment_id");
}

/*
 * Append to sql the clauses that leave out work of issues a human took
 * over (issue_takeover_state.ignore_active = 1) and of closed issues
 * (lower(issue_runs.github_state) = 'closed').  alias names the row's
 * table, which has repo_full_name and issue_number.
 */
void
work_exclusions(const struct work_schema *ws, const char *alias, char *sql,
    size_t len)
{
	size_t	 n = strlen(sql);

	if (ws->takeover && n < len)
		n += (size_t)snprintf(sql + n, len - n,
		    " AND NOT EXISTS (SELECT 1 FROM issue_takeover_state t"
		    " WHERE t.repo_full_name = %s.repo_full_name"
		    " AND t.issue_number = %s.issue_number"
		    " AND t.ignore_active = 1)", alias, alias);
	if (ws->github_state && n < len)
		snprintf(sql + n, len - n,
		    " AND NOT EXISTS (SELECT 1 FROM issue_runs c"
		    " WHERE c.repo_full_name = %s.repo_full_name"
		    " AND c.issue_number = %s.issue_number"
		    " AND lower(c.github_state) = 'closed')", alias, alias);
}

static int
count_one(sqlite3 *db, const char *sql, const char *repo, long long *n)
{
	sqlite3_stmt	*st;
	long long	 one;
	int		 rc;

	if ((st = db_prepare(db, sql)) == NULL)
		return db_status(sqlite3_extended_errcode(db));
	if (repo != NULL)
		db_bind_text(st, 1, repo);
	if ((rc = db_count(db, st, &one)) == 0)
		*n += one;
	return rc;
}

/*
 * Write into sql the FROM and WHERE clauses that select one part of the
 * tracked and blocked work of section 5, exclusions included:
 * pr_feedback_state as p for the PR parts, issue_runs as i for issues
 * awaiting a follow-up.  With repo set, the clauses narrow to the repo
 * bound as parameter ?1.  mx-prs lists and work_count() counts what
 * these clauses select, so the two never disagree.  Returns 0, or -1
 * when this database lacks the part's table (the part is empty).
 */
int
work_from(const struct work_schema *ws, enum work_part part, int repo,
    char *sql, size_t len)
{
	const char	*status;

	switch (part) {
	case WORK_TRACKED:
	case WORK_BLOCKED:
		if (!ws->prs)
			return -1;
		status = part == WORK_TRACKED ? "awaiting_feedback" :
		    "blocked";
		/*
		 * The IN term repeats the WHERE of a partial index on the
		 * open PRs, which SQLite uses only when the query does.
		 */
		snprintf(sql, len, " FROM pr_feedback_state p"
		    " WHERE p.status IN ('awaiting_feedback', 'blocked')"
		    " AND p.status = '%s'%s", status,
		    repo ? " AND p.repo_full_name = ?1" : "");
		work_exclusions(ws, "p", sql, len);
		return 0;
	case WORK_FOLLOWUP:
		if (!ws->issues)
			return -1;
		snprintf(sql, len, " FROM issue_runs i"
		    " WHERE i.status = 'awaiting_issue_followup'%s",
		    repo ? " AND i.repo_full_name = ?1" : "");
		work_exclusions(ws, "i", sql, len);
		return 0;
	}
	return -1;
}

/*
 * Count blocked work (blocked PRs and issues awaiting follow-up) and
 * tracked PRs (awaiting feedback), with the exclusions of section 5, of
 * one repo or all (repo NULL).  Returns 0 or an exit status after a
 * warning.
 */
int
work_count(sqlite3 *db, const char *repo, long long *blocked,
    long long *tracked)
{
	static const enum work_part	 parts[] = {
		WORK_BLOCKED, WORK_TRACKED, WORK_FOLLOWUP
	};
	struct work_schema		 ws;
	char				 from[2048], sql[2100];
	size_t				 k;
	int				 rc;

	*blocked = *tracked = 0;
	work_schema(db, &ws);
	for (k = 0; k < sizeof(parts) / sizeof(parts[0]); k++) {
		if (work_from(&ws, parts[k], repo != NULL, from,
		    sizeof(from)) == -1)
			continue;
		snprintf(sql, sizeof(sql), "SELECT count(*)%s", from);
		rc = count_one(db, sql, repo, parts[k] == WORK_TRACKED ?
		    tracked : blocked);
		if (rc != 0)
			return rc;
	}
	return 0;
}
