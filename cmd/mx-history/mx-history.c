/*
 * mx-history: what happened to an issue or a PR: its agent runs, its
 * status changes, or both in one timeline; without one, how issues
 * ended (merged or closed).
 */

#include <err.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "mx.h"

/* -i: an issue's runs, as mx-runs' finished fields (run_fields). */

/* -p: a PR's status changes. */
enum {
	P_ID, P_REPO, P_PR, P_ISSUE, P_FROM, P_TO, P_REASON, P_DETAIL,
	P_CHANGED, P_COUNT
};

static const struct out_field pr_fields[P_COUNT] = {
	{ "id", OUT_INT },
	{ "repo_full_name", OUT_TEXT },
	{ "pr_number", OUT_INT },
	{ "issue_number", OUT_INT },
	{ "from_status", OUT_TEXT },
	{ "to_status", OUT_TEXT },
	{ "reason", OUT_TEXT },
	{ "detail", OUT_TEXT },
	{ "changed_at", OUT_TEXT },
};

/* -i -t: an issue's timeline. */
enum {
	T_AT, T_REPO, T_ISSUE, T_EVENT, T_PR, T_RUN_ID, T_KIND, T_FLOW,
	T_BRANCH, T_FROM, T_STATUS, T_CLASS, T_REASON, T_DETAIL,
	T_DURATION, T_COUNT
};

static const struct out_field timeline_fields[T_COUNT] = {
	{ "at", OUT_TEXT },
	{ "repo_full_name", OUT_TEXT },
	{ "issue_number", OUT_INT },
	{ "event", OUT_TEXT },
	{ "pr_number", OUT_INT },
	{ "run_id", OUT_TEXT },
	{ "run_kind", OUT_TEXT },
	{ "flow", OUT_TEXT },
	{ "branch", OUT_TEXT },
	{ "from_status", OUT_TEXT },
	{ "status", OUT_TEXT },
	{ "failure_class", OUT_TEXT },
	{ "reason", OUT_TEXT },
	{ "detail", OUT_TEXT },
	{ "duration_seconds", OUT_REAL },
};

#define TIMELINE_DEFAULT "at,repo_full_name,event,pr_number,run_id," \
			"run_kind,from_status,status,failure_class,reason," \
			"detail,duration_seconds"

/* Neither: how issues ended. */
enum {
	O_REPO, O_ISSUE, O_PR, O_STATUS, O_OUTCOME, O_BRANCH, O_UPDATED,
	O_COUNT
};

static const struct out_field outcome_fields[O_COUNT] = {
	{ "repo_full_name", OUT_TEXT },
	{ "issue_number", OUT_INT },
	{ "pr_number", OUT_INT },
	{ "status", OUT_TEXT },
	{ "outcome", OUT_TEXT },
	{ "branch", OUT_TEXT },
	{ "updated_at", OUT_TEXT },
};

/*
 * The queries of -i, -p and the outcomes: %s takes the repo clause, ?1
 * the number, ?3 the row limit, ?4 the offset.
 */
#define RUNS_SQL	"SELECT " RUN_SELECT " FROM agent_run_history " \
			"WHERE issue_number = ?1%s " \
			"ORDER BY started_at DESC, run_id DESC " \
			"LIMIT ?3 OFFSET ?4"
#define CHANGES_SQL	"SELECT id, repo_full_name, pr_number, " \
			"issue_number, from_status, to_status, reason, " \
			"detail, changed_at FROM pr_status_history " \
			"WHERE pr_number = ?1%s " \
			"ORDER BY changed_at DESC, id DESC LIMIT ?3 OFFSET ?4"
#define OUTCOME_COLUMNS	"repo_full_name,issue_number,pr_number," \
			"status,branch,updated_at"
#define OUTCOMES_SQL	"SELECT repo_full_name, issue_number, " \
			"pr_number, status, CASE status " \
			"WHEN 'merged' THEN 'completed' " \
			"ELSE 'abandoned' END, branch, updated_at " \
			"FROM issue_runs " \
			"WHERE status IN ('merged', 'closed')%s " \
			"ORDER BY updated_at DESC, repo_full_name, " \
			"issue_number, coalesce(pr_number, 0) " \
			"LIMIT ?3 OFFSET ?4"

#define SQL_MAX		8192

struct query {
	long long	 issue;		/* -i; -1: none */
	long long	 pr;		/* -p; -1: none */
	long long	 offset;	/* -O */
	int		 tflag;
};

static int	list_timeline(sqlite3 *, struct out *,
		    const struct mx_opts *, const struct query *);
static void	timeline_sql(sqlite3 *, char *, size_t, int);
static void	cat(char *, size_t, const char *, ...)
		    __attribute__((__format__(__printf__, 3, 4)));
static int	list_rows(sqlite3 *, struct out *, const char *,
		    const char *, const char *, const struct mx_opts *,
		    const struct query *, size_t);
static void	bind_query(sqlite3_stmt *, const struct mx_opts *,
		    const struct query *);
static _Noreturn void usage(void);

static struct mx_opts opts;

int
main(int argc, char *argv[])
{
	struct query	 q;
	struct out	*out;
	sqlite3		*db;
	int		 ch, status = 0;

	opt_init(&opts, "mx-history [-HJjt] [-c config] [-d database] "
	    "[-i issue | -p pr] [-n rows]\n"
	    "                  [-O offset] [-o field,...] [-r repo]");
	memset(&q, 0, sizeof(q));
	q.issue = q.pr = -1;
	while ((ch = getopt_long(argc, argv, "+c:d:Hi:Jjn:O:o:p:r:t",
	    mx_longopts, NULL)) != -1) {
		switch (ch) {
		case 'i':
			q.issue = opt_number(optarg, "-i", 1, LLONG_MAX);
			break;
		case 'O':
			q.offset = opt_number(optarg, "-O", 0, LLONG_MAX);
			break;
		case 'p':
			q.pr = opt_number(optarg, "-p", 1, LLONG_MAX);
			break;
		case 't':
			q.tflag = 1;
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
	if (q.issue != -1 && q.pr != -1) {
		warnx("-i and -p cannot be used together");
		usage();
	}
	if (q.tflag && q.issue == -1) {
		warnx("-t: needs -i issue (the timeline of one issue)");
		usage();
	}

	cfg_load(&opts);
	if (q.tflag)
		out = out_open(&opts, timeline_fields, T_COUNT,
		    TIMELINE_DEFAULT);
	else if (q.issue != -1)
		out = out_open(&opts, run_fields, RF_STORED, NULL);
	else if (q.pr != -1)
		out = out_open(&opts, pr_fields, P_COUNT, NULL);
	else
		out = out_open(&opts, outcome_fields, O_COUNT, NULL);
	db = db_open(&opts, DB_RDONLY);		/* exits 66 or 75 itself */
	if (q.tflag)
		status = list_timeline(db, out, &opts, &q);
	else if (q.issue != -1)
		status = list_rows(db, out, "agent_run_history", RUN_COLUMNS,
		    RUNS_SQL, &opts, &q, RF_STORED);
	else if (q.pr != -1)
		status = list_rows(db, out, "pr_status_history",
		    TRANSITION_COLUMNS, CHANGES_SQL, &opts, &q, P_COUNT);
	else
		status = list_rows(db, out, "issue_runs", OUTCOME_COLUMNS,
		    OUTCOMES_SQL, &opts, &q, O_COUNT);
	out_close(out);
	db_close(db);
	opt_free(&opts);
	return out_finish(status);		/* flushes and checks stdout */
}

/*
 * Print the timeline of -i: a run_start of a run still open has the
 * status active or idle, as mx-runs tells them apart.
 */
static int
list_timeline(sqlite3 *db, struct out *out, const struct mx_opts *o,
    const struct query *q)
{
	sqlite3_stmt	*st;
	struct run_meta	 meta;
	char		 sql[SQL_MAX];
	int		 i, rc;

	timeline_sql(db, sql, sizeof(sql), o->repo != NULL);
	if ((st = db_prepare(db, sql)) == NULL)
		return EX_SOFTWARE;
	bind_query(st, o, q);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		for (i = 0; i < T_COUNT; i++)
			out_column(out, (size_t)i, st, i);
		if (sqlite3_column_type(st, T_COUNT) != SQLITE_NULL) {
			meta_parse((const char *)sqlite3_column_text(st,
			    T_COUNT), (size_t)sqlite3_column_bytes(st,
			    T_COUNT), &meta);
			out_text(out, T_STATUS, meta.codex_active ? "active" :
			    "idle", -1);
			meta_free(&meta);
		}
		out_row(out);
	}
	return db_done(db, st, rc);
}

/*
 * Build the timeline query: the issue's runs, each a run_start event
 * and, once finished, a run_finish event, merged with every status
 * change of the PRs linked to the issue in the same repo (named by a
 * change of the issue, by one of its runs, by issue_runs.pr_number or
 * by pr_feedback_state).  Columns: the timeline fields in order, then
 * meta_json of open runs' starts.  Order: time (as julianday(), so
 * mixed ISO forms compare right; unreadable times last); at one
 * instant, finishes first, then PR changes by id, then starts, runs by
 * run_id; a run that finishes the instant it starts keeps its start
 * just before its finish.  Tables the database lacks contribute
 * nothing; with none at all the query selects no rows.
 */
static void
timeline_sql(sqlite3 *db, char *sql, size_t len, int repo)
{
	const char	*rc = repo ? " AND repo_full_name = ?2" : "";
	const char	*sep = "";
	int		 runs, changes;

	runs = db_table_ok(db, "agent_run_history", RUN_COLUMNS);
	changes = db_table_ok(db, "pr_status_history", TRANSITION_COLUMNS);
	sql[0] = '\0';
	if (changes) {
		cat(sql, len, "WITH linked(repo, pr) AS ("
		    "SELECT repo_full_name, pr_number FROM pr_status_history "
		    "WHERE issue_number = ?1%s", rc);
		if (runs)
			cat(sql, len, " UNION SELECT repo_full_name, "
			    "pr_number FROM agent_run_history "
			    "WHERE issue_number = ?1 "
			    "AND pr_number IS NOT NULL%s", rc);
		if (db_has_columns(db, "issue_runs",
		    "repo_full_name,issue_number,pr_number"))
			cat(sql, len, " UNION SELECT repo_full_name, "
			    "pr_number FROM issue_runs "
			    "WHERE issue_number = ?1 "
			    "AND pr_number IS NOT NULL%s", rc);
		if (db_has_columns(db, "pr_feedback_state",
		    "repo_full_name,issue_number,pr_number"))
			cat(sql, len, " UNION SELECT repo_full_name, "
			    "pr_number FROM pr_feedback_state "
			    "WHERE issue_number = ?1%s", rc);
		cat(sql, len, ") ");
	}
	cat(sql, len, "SELECT at, repo, issue, event, pr, run_id, kind, "
	    "flow, branch, from_status, status, class, reason, detail, "
	    "duration, meta FROM (");
	if (runs) {
		cat(sql, len, "SELECT started_at AS at, "
		    "julianday(started_at) AS t, "
		    "CASE WHEN julianday(finished_at) = julianday(started_at) "
		    "THEN 0 ELSE 2 END AS rank, run_id AS k, 0 AS sub, "
		    "repo_full_name AS repo, issue_number AS issue, "
		    "'run_start' AS event, pr_number AS pr, run_id, "
		    "run_kind AS kind, flow, branch, NULL AS from_status, "
		    "NULL AS status, NULL AS class, NULL AS reason, "
		    "NULL AS detail, NULL AS duration, "
		    "CASE WHEN finished_at IS NULL "
		    "THEN coalesce(meta_json, '{}') END AS meta "
		    "FROM agent_run_history WHERE issue_number = ?1%s "
		    "UNION ALL SELECT finished_at, julianday(finished_at), 0, "
		    "run_id, 1, repo_full_name, issue_number, 'run_finish', "
		    "pr_number, run_id, run_kind, flow, branch, NULL, "
		    "terminal_status, failure_class, NULL, error, "
		    "duration_seconds, NULL FROM agent_run_history "
		    "WHERE issue_number = ?1 AND finished_at IS NOT NULL%s",
		    rc, rc);
		sep = " UNION ALL ";
	}
	if (changes)
		cat(sql, len, "%sSELECT h.changed_at AS at, "
		    "julianday(h.changed_at) AS t, 1 AS rank, h.id AS k, "
		    "0 AS sub, h.repo_full_name AS repo, "
		    "h.issue_number AS issue, 'pr_transition' AS event, "
		    "h.pr_number AS pr, NULL AS run_id, NULL AS kind, "
		    "NULL AS flow, NULL AS branch, h.from_status, "
		    "h.to_status AS status, NULL AS class, h.reason, "
		    "h.detail, NULL AS duration, NULL AS meta "
		    "FROM pr_status_history h JOIN linked l "
		    "ON h.repo_full_name = l.repo AND h.pr_number = l.pr",
		    sep);
	if (!runs && !changes)
		cat(sql, len, "SELECT NULL AS at, NULL AS t, NULL AS rank, "
		    "NULL AS k, NULL AS sub, NULL AS repo, NULL AS issue, "
		    "NULL AS event, NULL AS pr, NULL AS run_id, "
		    "NULL AS kind, NULL AS flow, NULL AS branch, "
		    "NULL AS from_status, NULL AS status, NULL AS class, "
		    "NULL AS reason, NULL AS detail, NULL AS duration, "
		    "NULL AS meta WHERE 0");
	cat(sql, len, ") ORDER BY t IS NULL, t, rank, k, sub "
	    "LIMIT ?3 OFFSET ?4");
	if (strlen(sql) >= len - 1)
		errx(EX_SOFTWARE, "query too long");
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
 * Print the rows of the query fmt (its %s takes the repo clause), whose
 * columns are the output fields in order.  When the table lacks the
 * columns the query reads, say so once and print no rows.
 */
static int
list_rows(sqlite3 *db, struct out *out, const char *table, const char *cols,
    const char *fmt, const struct mx_opts *o, const struct query *q,
    size_t ncols)
{
	sqlite3_stmt	*st;
	char		 sql[SQL_MAX];
	int		 rc;

	if (!db_table_ok(db, table, cols))
		return 0;
	snprintf(sql, sizeof(sql), fmt,
	    o->repo != NULL ? " AND repo_full_name = ?2" : "");
	if ((st = db_prepare(db, sql)) == NULL)
		return EX_SOFTWARE;
	bind_query(st, o, q);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		out_columns(out, st, ncols);
		out_row(out);
	}
	return db_done(db, st, rc);
}

/*
 * Bind the issue or PR number (?1), the repo (?2, when -r is given),
 * the row limit (?3) and the offset (?4).
 */
static void
bind_query(sqlite3_stmt *st, const struct mx_opts *o, const struct query *q)
{
	if (q->issue != -1)
		sqlite3_bind_int64(st, 1, q->issue);
	else if (q->pr != -1)
		sqlite3_bind_int64(st, 1, q->pr);
	if (o->repo != NULL)
		db_bind_text(st, 2, o->repo);
	sqlite3_bind_int64(st, 3, o->limit);
	sqlite3_bind_int64(st, 4, q->offset);
}

static _Noreturn void
usage(void)
{
	opt_usage(&opts);
}
