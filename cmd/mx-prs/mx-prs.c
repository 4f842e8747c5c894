/*
 * mx-prs: list the work MergeXO tracks (PRs awaiting review feedback)
 * and the work that is blocked (blocked PRs, issues awaiting a
 * follow-up): why, how much feedback waits, and when it last moved.
 */

#include <err.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "mx.h"

enum {
	F_REPO, F_PR, F_ISSUE, F_STATUS, F_BRANCH, F_SHA, F_REASON,
	F_PENDING, F_UPDATED, F_COUNT
};

static const struct out_field fields[F_COUNT] = {
	{ "repo_full_name", OUT_TEXT },
	{ "pr_number", OUT_INT },
	{ "issue_number", OUT_INT },
	{ "status", OUT_TEXT },
	{ "branch", OUT_TEXT },
	{ "last_seen_head_sha", OUT_TEXT },
	{ "blocked_reason", OUT_TEXT },
	{ "pending_event_count", OUT_INT },
	{ "updated_at", OUT_TEXT },
};

/* The sets -s takes. */
static const char *const sets[] = { "tracked", "blocked", NULL };
#define S_TRACKED	(1UL << 0)
#define S_BLOCKED	(1UL << 1)

/* The comment poll surfaces of PRs and of issues. */
#define PR_SURFACES	"'pr_review_comments', 'pr_issue_comments', " \
			"'pr_review_summaries'"
#define ISSUE_SURFACES	"'issue_pre_pr_followups', " \
			"'issue_post_pr_redirects', 'issue_operator_commands'"

/* The follow-up of the issue row i. */
#define FOLLOWUP	"FROM pre_pr_followup_state f " \
			"WHERE f.repo_full_name = i.repo_full_name " \
			"AND f.issue_number = i.issue_number"

/* The action token scope_kind of a row of w. */
#define SCOPE_KIND	"CASE WHEN w.pr IS NULL THEN 'issue' ELSE 'pr' END"

#define SQL_MAX		16384

/* How the query reads each source: seek per row (1) or one pass (0). */
struct plan {
	int	 event_seek;
	int	 token_seek;
};

static int	list_work(sqlite3 *, struct out *, const struct mx_opts *,
		    unsigned long);
static void	warn_schema(sqlite3 *, const struct work_schema *);
static int	build_sql(const struct work_schema *, const struct plan *,
		    unsigned long, int, char *, size_t);
static int	add_part(const struct work_schema *, enum work_part, int,
		    char *, size_t);
static void	cat(char *, size_t, const char *, ...)
		    __attribute__((__format__(__printf__, 3, 4)));
static sqlite3_stmt *prepare_active(sqlite3 *);
static int	feedback_active(sqlite3 *, sqlite3_stmt *, sqlite3_stmt *,
		    int *);
static _Noreturn void usage(void);

static struct mx_opts opts;

int
main(int argc, char *argv[])
{
	struct out	*out;
	sqlite3		*db;
	unsigned long	 set = 0;
	int		 ch, status;

	opt_init(&opts, "mx-prs [-HJj] [-c config] [-d database] [-n rows] "
	    "[-o field,...] [-r repo]\n"
	    "              [-s tracked|blocked]");
	while ((ch = getopt_long(argc, argv, "+c:d:HJjn:o:r:s:",
	    mx_longopts, NULL)) != -1) {
		switch (ch) {
		case 's':
			set = enum_mask(sets, optarg, "-s", "set");
			break;
		default:
			if (!opt_common(&opts, ch, optarg))
				usage();
			break;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 0)
		usage();
	if (set == 0)
		set = S_TRACKED | S_BLOCKED;

	cfg_load(&opts);
	out = out_open(&opts, fields, F_COUNT, NULL);
	db = db_open(&opts, DB_RDONLY);		/* exits 66 or 75 itself */
	status = list_work(db, out, &opts, set);
	out_close(out);
	db_close(db);
	opt_free(&opts);
	return out_finish(status);		/* flushes and checks stdout */
}

/*
 * Print the tracked and blocked work of the chosen sets, leaving out
 * PRs whose feedback turn is running now.
 */
static int
list_work(sqlite3 *db, struct out *out, const struct mx_opts *o,
    unsigned long set)
{
	struct work_schema	 ws;
	struct plan		 pl;
	sqlite3_stmt		*st, *active = NULL;
	long long		 left = o->limit;
	char			*sql;
	int			 rc = SQLITE_DONE, status = 0;
	int			 busy, ispr, i;

	work_schema(db, &ws);
	if (!ws.prs || !ws.issues)
		warn_schema(db, &ws);
	/*
	 * Events need an index that holds them all: one on the pending
	 * events alone cannot give the latest event.
	 */
	pl.event_seek = db_has_index(db, "feedback_events",
	    "repo_full_name,pr_number", 0);
	pl.token_seek = db_has_index(db, "action_tokens",
	    "repo_full_name,scope_kind,scope_number", 1);
	sql = xmalloc(SQL_MAX);
	if (build_sql(&ws, &pl, set, o->repo != NULL, sql, SQL_MAX) == -1) {
		free(sql);
		return 0;
	}
	st = db_prepare(db, sql);
	free(sql);
	if (st == NULL)
		return EX_SOFTWARE;
	if (o->repo != NULL)
		db_bind_text(st, 1, o->repo);
	active = prepare_active(db);
	while (left != 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		ispr = sqlite3_column_type(st, 1) != SQLITE_NULL;
		if (ispr &&
		    (status = feedback_active(db, active, st, &busy)) != 0)
			break;
		if (ispr && busy)
			continue;
		for (i = 0; i < F_UPDATED; i++)
			out_column(out, (size_t)i, st, i);
		if (sqlite3_column_type(st, F_UPDATED) != SQLITE_NULL)
			out_column(out, F_UPDATED, st, F_UPDATED);
		else if (!o->jflag && !o->Jflag)
			out_text(out, F_UPDATED, "-", 1);
		out_row(out);
		if (left > 0)
			left--;
	}
	if (status == 0 && left != 0 && rc != SQLITE_DONE)
		status = db_error(db);
	sqlite3_finalize(active);
	sqlite3_finalize(st);
	return status;
}

/*
 * Say once on stderr which of the two tables the work comes from this
 * older database lacks; the other one still gives its rows.
 */
static void
warn_schema(sqlite3 *db, const struct work_schema *ws)
{
	if (!ws->prs && !ws->issues)
		warnx("%s: no usable pr_feedback_state or issue_runs table; "
		    "showing no rows (older MergeXO?)", db_file());
	else if (!ws->prs)
		warnx("%s: %s table pr_feedback_state; showing no PRs "
		    "(older MergeXO?)", db_file(),
		    db_has_table(db, "pr_feedback_state") ? "incomplete" :
		    "no");
	else if (!ws->issues)
		warnx("%s: %s table issue_runs; showing no issues or "
		    "blocked reasons (older MergeXO?)", db_file(),
		    db_has_table(db, "issue_runs") ? "incomplete" : "no");
}

/*
 * Build the query of the chosen sets into sql.  First the open rows of
 * each part (w); then, for just those rows, pending events and the
 * latest observable activity (a Julian day number, NULL when none).
 * A source with an index on its keys is looked up row by row, a few
 * seeks; one without is read once, filtered by the rows' keys with IN,
 * never once per row.  Order: latest activity (none last), repo,
 * issue, PR.  Returns 0, or -1 when no part has a table to read.
 */
static int
build_sql(const struct work_schema *ws, const struct plan *pl,
    unsigned long set, int repo, char *sql, size_t len)
{
	int	 n = 0;

	/*
	 * An empty first SELECT names the columns of the union and gives
	 * them the affinity of the key columns they are compared with
	 * (without it the lookups below could not use an index).  The
	 * one-pass reads are NOT INDEXED: walking the primary key by repo
	 * would fetch every row at random, a plain scan reads in order.
	 */
	snprintf(sql, len, "WITH w AS (SELECT CAST(NULL AS TEXT) AS repo, "
	    "CAST(NULL AS INTEGER) AS pr, CAST(NULL AS INTEGER) AS issue, "
	    "NULL AS status, NULL AS branch, NULL AS sha, NULL AS reason "
	    "WHERE 0");
	if (set & S_TRACKED)
		n += add_part(ws, WORK_TRACKED, repo, sql, len);
	if (set & S_BLOCKED) {
		n += add_part(ws, WORK_BLOCKED, repo, sql, len);
		n += add_part(ws, WORK_FOLLOWUP, repo, sql, len);
	}
	if (n == 0)
		return -1;
	cat(sql, len, ")");
	if (ws->events && !pl->event_seek)
		cat(sql, len, ", pend AS (SELECT repo_full_name AS repo, "
		    "pr_number AS pr, count(*) AS n "
		    "FROM feedback_events NOT INDEXED "
		    "WHERE processed_at IS NULL "
		    "AND (repo_full_name, pr_number) "
		    "IN (SELECT repo, pr FROM w WHERE pr IS NOT NULL) "
		    "GROUP BY 1, 2), "
		    "eact AS (SELECT repo_full_name AS repo, pr_number AS pr, "
		    "max(julianday(updated_at)) AS t "
		    "FROM feedback_events NOT INDEXED "
		    "WHERE (repo_full_name, pr_number) "
		    "IN (SELECT repo, pr FROM w WHERE pr IS NOT NULL) "
		    "GROUP BY 1, 2)");
	if (ws->tokens && !pl->token_seek)
		cat(sql, len, ", tact AS (SELECT repo_full_name AS repo, "
		    "scope_kind AS kind, scope_number AS scope, "
		    "max(julianday(observed_updated_at)) AS t "
		    "FROM action_tokens NOT INDEXED "
		    "WHERE status = 'observed' "
		    "AND (repo_full_name, scope_kind, scope_number) "
		    "IN (SELECT repo, " SCOPE_KIND ", coalesce(pr, issue) "
		    "FROM w) GROUP BY 1, 2, 3)");

	/* Pending events. */
	cat(sql, len, ", x AS (SELECT w.*, ");
	if (!ws->events)
		cat(sql, len, "0");
	else if (pl->event_seek)
		cat(sql, len, "CASE WHEN w.pr IS NULL THEN 0 ELSE "
		    "(SELECT count(*) FROM feedback_events e "
		    "WHERE e.repo_full_name = w.repo AND e.pr_number = w.pr "
		    "AND e.processed_at IS NULL) END");
	else
		cat(sql, len, "coalesce(pend.n, 0)");

	/*
	 * The latest observable activity.  Multi-argument max() is NULL
	 * when any argument is: each source counts 0 when it has none.
	 */
	cat(sql, len, " AS pending, nullif(max(");
	if (ws->events && pl->event_seek)
		cat(sql, len, "coalesce((SELECT max(julianday(e.updated_at)) "
		    "FROM feedback_events e WHERE e.repo_full_name = w.repo "
		    "AND e.pr_number = w.pr), 0), ");
	else if (ws->events)
		cat(sql, len, "coalesce(eact.t, 0), ");
	if (ws->tokens && pl->token_seek)
		cat(sql, len, "coalesce((SELECT "
		    "max(julianday(t.observed_updated_at)) "
		    "FROM action_tokens t WHERE t.repo_full_name = w.repo "
		    "AND t.scope_kind = " SCOPE_KIND " "
		    "AND t.scope_number = coalesce(w.pr, w.issue) "
		    "AND t.status = 'observed'), 0), ");
	else if (ws->tokens)
		cat(sql, len, "coalesce(tact.t, 0), ");
	/* Cursors have their key as primary key: always a seek. */
	if (ws->cursors)
		cat(sql, len, "coalesce(CASE WHEN w.pr IS NOT NULL THEN "
		    "(SELECT max(julianday(c.last_updated_at)) "
		    "FROM github_comment_poll_cursors c "
		    "WHERE c.repo_full_name = w.repo "
		    "AND c.surface IN (" PR_SURFACES ") "
		    "AND c.scope_number = w.pr AND c.last_comment_id > 0) "
		    "ELSE (SELECT max(julianday(c.last_updated_at)) "
		    "FROM github_comment_poll_cursors c "
		    "WHERE c.repo_full_name = w.repo "
		    "AND c.surface IN (" ISSUE_SURFACES ") "
		    "AND c.scope_number = w.issue AND c.last_comment_id > 0) "
		    "END, 0), ");
	cat(sql, len, "0, 0), 0) AS act FROM w");
	if (ws->events && !pl->event_seek)
		cat(sql, len, " LEFT JOIN pend "
		    "ON pend.repo = w.repo AND pend.pr = w.pr "
		    "LEFT JOIN eact ON eact.repo = w.repo AND eact.pr = w.pr");
	if (ws->tokens && !pl->token_seek)
		cat(sql, len, " LEFT JOIN tact ON tact.repo = w.repo "
		    "AND tact.kind = " SCOPE_KIND " "
		    "AND tact.scope = coalesce(w.pr, w.issue)");
	cat(sql, len, ") SELECT repo, pr, issue, status, branch, sha, reason, "
	    "pending, strftime('%s', act) FROM x "
	    "ORDER BY act IS NULL, act DESC, repo, issue, coalesce(pr, 0)",
	    MX_TSFMT);
	if (strlen(sql) >= len - 1)
		errx(EX_SOFTWARE, "query too long");
	return 0;
}

/*
 * Append one part of the work as a SELECT of the columns repo, pr,
 * issue, status, branch, sha and reason of its open rows.  A table this
 * database lacks contributes nothing: returns 0 then, else 1.
 */
static int
add_part(const struct work_schema *ws, enum work_part part, int repo,
    char *sql, size_t len)
{
	char	 from[4096];

	if (work_from(ws, part, repo, from, sizeof(from)) == -1)
		return 0;
	if (part != WORK_FOLLOWUP)
		cat(sql, len, " UNION ALL SELECT p.repo_full_name, "
		    "p.pr_number, p.issue_number, p.status, "
		    "coalesce(nullif(p.branch, ''), '-'), "
		    "p.last_seen_head_sha, %s%s",
		    part == WORK_BLOCKED && ws->issues ?
		    "(SELECT r.error FROM issue_runs r "
		    "WHERE r.repo_full_name = p.repo_full_name "
		    "AND r.issue_number = p.issue_number)" : "NULL", from);
	else if (ws->followup)
		cat(sql, len, " UNION ALL SELECT i.repo_full_name, NULL, "
		    "i.issue_number, i.status, coalesce(nullif(i.branch, ''), "
		    "(SELECT nullif(f.branch, '') " FOLLOWUP "), '-'), NULL, "
		    "coalesce((SELECT nullif(f.waiting_reason, '') " FOLLOWUP
		    "), i.error)%s", from);
	else
		cat(sql, len, " UNION ALL SELECT i.repo_full_name, NULL, "
		    "i.issue_number, i.status, "
		    "coalesce(nullif(i.branch, ''), '-'), NULL, i.error%s",
		    from);
	return 1;
}

/* Append printf-style text to sql. */
static void
cat(char *sql, size_t len, const char *fmt, ...)
{
	va_list	 ap;
	size_t	 n = strlen(sql);

	if (n >= len - 1)
		return;
	va_start(ap, fmt);
	vsnprintf(sql + n, len - n, fmt, ap);
	va_end(ap);
}

/*
 * The lookup of a PR's open feedback turns, or NULL when this database
 * keeps no run history (then no PR is left out).
 */
static sqlite3_stmt *
prepare_active(sqlite3 *db)
{
	if (!db_has_columns(db, "agent_run_history",
	    "repo_full_name,run_kind,pr_number,finished_at,meta_json"))
		return NULL;
	return db_prepare(db, "SELECT meta_json FROM agent_run_history "
	    "WHERE repo_full_name = ? AND finished_at IS NULL "
	    "AND run_kind = 'feedback_turn' AND pr_number = ?");
}

/*
 * Set *busy when the PR of the current row of st has an open
 * feedback_turn run whose meta_json says codex_active: that PR shows
 * under active agents instead.  Returns 0 or an exit status.
 */
static int
feedback_active(sqlite3 *db, sqlite3_stmt *active, sqlite3_stmt *st,
    int *busy)
{
	struct run_meta	 meta;
	int		 rc = SQLITE_DONE;

	*busy = 0;
	if (active == NULL)
		return 0;
	sqlite3_reset(active);
	sqlite3_bind_value(active, 1, sqlite3_column_value(st, 0));
	sqlite3_bind_value(active, 2, sqlite3_column_value(st, 1));
	while (!*busy && (rc = sqlite3_step(active)) == SQLITE_ROW) {
		meta_parse((const char *)sqlite3_column_text(active, 0),
		    (size_t)sqlite3_column_bytes(active, 0), &meta);
		*busy = meta.codex_active;
		meta_free(&meta);
	}
	if (!*busy && rc != SQLITE_DONE)
		return db_error(db);
	return 0;
}

static _Noreturn void
usage(void)
{
	opt_usage(&opts);
}
