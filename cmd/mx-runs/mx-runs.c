/*
 * mx-runs: list agent runs from MergeXO's state.db: what runs now, what
 * sits idle, and what finished in a window.
 */

#include <err.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "mx.h"

#define DEFAULT_FIELDS	"run_id,repo_full_name,run_kind,issue_number," \
			"pr_number,flow,branch,started_at,elapsed_seconds,busy"

/* The states -s takes: the terminal statuses come first, in order. */
static const char *const states[] = {
	"completed", "failed", "blocked", "merged", "closed", "interrupted",
	"active", "idle", "open", "finished", "all", NULL
};
#define S_TERMINAL	0x3fUL
#define S_ACTIVE	(1UL << 6)
#define S_IDLE		(1UL << 7)
#define S_OPEN		(1UL << 8)
#define S_FINISHED	(1UL << 9)
#define S_ALL		(1UL << 10)

/* The columns both queries select, in this order. */
#define SELECT_COLUMNS	"SELECT " RUN_SELECT ", "

struct query {
	unsigned long	 state;
	unsigned long	 kinds;		/* 0: all */
	long long	 issue;		/* -1: any */
	long long	 pr;		/* -1: any */
	struct mx_window window;
	long long	 left;		/* rows still to print, -1: all */
	int		 repos_in;	/* see main() */
};

static int	list_open(sqlite3 *, struct out *, const struct mx_opts *,
		    struct query *);
static int	list_finished(sqlite3 *, struct out *, const struct mx_opts *,
		    struct query *);
static int	bind_filters(sqlite3_stmt *, int, const struct mx_opts *,
		    const struct query *);
static void	put_row(struct out *, sqlite3_stmt *, const struct run_meta *,
		    int);
static _Noreturn void usage(void);

static struct mx_opts opts;

int
main(int argc, char *argv[])
{
	struct query	 q;
	struct out	*out;
	sqlite3		*db;
	const char	*window = NULL;
	int		 ch, status = 0;

	opt_init(&opts, "mx-runs [-HJj] [-c config] [-d database] "
	    "[-i issue] [-k kind,...] [-n rows]\n"
	    "               [-o field,...] [-p pr] [-r repo] [-s state,...] "
	    "[-w window]");
	memset(&q, 0, sizeof(q));
	q.issue = q.pr = -1;
	while ((ch = getopt_long(argc, argv, "+c:d:Hi:Jjk:n:o:p:r:s:w:",
	    mx_longopts, NULL)) != -1) {
		switch (ch) {
		case 'i':
			q.issue = opt_number(optarg, "-i", 1, LLONG_MAX);
			break;
		case 'k':
			q.kinds = enum_mask(mx_run_kinds, optarg, "-k",
			    "run kind");
			break;
		case 'p':
			q.pr = opt_number(optarg, "-p", 1, LLONG_MAX);
			break;
		case 's':
			q.state = enum_mask(states, optarg, "-s", "state");
			break;
		case 'w':
			window = optarg;
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

	cfg_load(&opts);
	opt_window(&opts, window, &q.window);
	if (q.state == 0)
		q.state = S_ACTIVE;
	if (q.state & (S_ALL | S_OPEN))
		q.state |= S_ACTIVE | S_IDLE;
	if (q.state & S_ALL)
		q.state |= S_FINISHED;
	q.left = opts.limit;

	out = out_open(&opts, run_fields, RF_COUNT, DEFAULT_FIELDS);
	db = db_open(&opts, DB_RDONLY);		/* exits 66 or 75 itself */
	if (db_table_ok(db, "agent_run_history", RUN_COLUMNS)) {
		/*
		 * Without an index led by finished_at (the mx_ indexes),
		 * open runs and a window of all repositories are read as
		 * one range per repository of MergeXO's (repo_full_name,
		 * finished_at) index, not by a pass over the table.
		 */
		q.repos_in = !db_has_index(db, "agent_run_history",
		    "finished_at", 0) && db_has_index(db, "agent_run_history",
		    "repo_full_name,finished_at", 0);
		if (q.state & (S_ACTIVE | S_IDLE))
			status = list_open(db, out, &opts, &q);
		if (status == 0 && (q.state & (S_FINISHED | S_TERMINAL)))
			status = list_finished(db, out, &opts, &q);
	}
	out_close(out);
	db_close(db);
	opt_free(&opts);
	return out_finish(status);		/* flushes and checks stdout */
}

/*
 * Bind the repo, kind, issue and PR filters from parameter i on, in the
 * order the query text puts them; return the next parameter index.
 */
static int
bind_filters(sqlite3_stmt *st, int i, const struct mx_opts *o,
    const struct query *q)
{
	int	 k;

	if (o->repo != NULL)
		db_bind_text(st, i++, o->repo);
	for (k = 0; mx_run_kinds[k] != NULL; k++)
		if (q->kinds & (1UL << k))
			db_bind_text(st, i++, mx_run_kinds[k]);
	if (q->issue != -1)
		sqlite3_bind_int64(st, i++, q->issue);
	if (q->pr != -1)
		sqlite3_bind_int64(st, i++, q->pr);
	return i;
}

/*
 * Append the filter clauses to sql: placeholders only, never the
 * values themselves.
 */
static void
filter_sql(char *sql, size_t len, const struct mx_opts *o,
    const struct query *q)
{
	int	 k, n = 0;

	if (o->repo != NULL)
		strncat(sql, " AND repo_full_name = ?", len - strlen(sql) - 1);
	if (q->kinds != 0) {
		strncat(sql, " AND run_kind IN (", len - strlen(sql) - 1);
		for (k = 0; mx_run_kinds[k] != NULL; k++)
			if (q->kinds & (1UL << k))
				strncat(sql, n++ ? ", ?" : "?",
				    len - strlen(sql) - 1);
		strncat(sql, ")", len - strlen(sql) - 1);
	}
	if (q->issue != -1)
		strncat(sql, " AND issue_number = ?", len - strlen(sql) - 1);
	if (q->pr != -1)
		strncat(sql, " AND pr_number = ?", len - strlen(sql) - 1);
}

/*
 * Open runs (finished_at IS NULL), oldest first: started_at, repo,
 * issue.  A run is active when meta_json.codex_active is JSON true,
 * idle otherwise.
 */
static int
list_open(sqlite3 *db, struct out *out, const struct mx_opts *o,
    struct query *q)
{
	sqlite3_stmt	*st;
	struct run_meta	 meta;
	char		 sql[1024];
	int		 rc = SQLITE_DONE, want;

	snprintf(sql, sizeof(sql), "%s"
	    "max(0.0, (julianday('now') - julianday(started_at)) * 86400.0), "
	    "meta_json FROM agent_run_history WHERE finished_at IS NULL",
	    SELECT_COLUMNS);
	filter_sql(sql, sizeof(sql), o, q);
	if (o->repo == NULL && q->repos_in)
		strncat(sql, " AND repo_full_name IN " DB_RUN_REPOS,
		    sizeof(sql) - strlen(sql) - 1);
	/*
	 * The few open runs are found by finished_at IS NULL and sorted:
	 * the + keeps SQLite from walking a started_at index in order
	 * instead, which reads a repository's whole history.
	 */
	strncat(sql, " ORDER BY +started_at, repo_full_name, issue_number",
	    sizeof(sql) - strlen(sql) - 1);
	if ((st = db_prepare(db, sql)) == NULL)
		return EX_SOFTWARE;
	bind_filters(st, 1, o, q);
	while (q->left != 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		meta_parse((const char *)sqlite3_column_text(st, 14),
		    (size_t)sqlite3_column_bytes(st, 14), &meta);
		want = meta.codex_active ? (q->state & S_ACTIVE) :
		    (q->state & S_IDLE);
		if (want) {
			put_row(out, st, &meta, 1);
			if (q->left > 0)
				q->left--;
		}
		meta_free(&meta);
	}
	/* Stopped by the row limit, the statement ended well. */
	return db_done(db, st, q->left != 0 ? rc : SQLITE_DONE);
}

/*
 * Finished runs in the window, newest first (finished_at desc, run_id
 * desc), with the chosen terminal statuses, or all of them.
 */
static int
list_finished(sqlite3 *db, struct out *out, const struct mx_opts *o,
    struct query *q)
{
	sqlite3_stmt	*st;
	struct run_meta	 meta;
	char		 sql[1024];
	int		 rc, k, i, n = 0;

	snprintf(sql, sizeof(sql), "%s"
	    "max(0.0, (julianday(finished_at) - julianday(started_at)) "
	    "* 86400.0), meta_json FROM agent_run_history "
	    "WHERE finished_at IS NOT NULL", SELECT_COLUMNS);
	if (q->window.seconds >= 0)
		strncat(sql, " AND finished_at >= strftime('" MX_TSFMT
		    "', 'now', ?)", sizeof(sql) - strlen(sql) - 1);
	if (!(q->state & S_FINISHED)) {
		strncat(sql, " AND terminal_status IN (",
		    sizeof(sql) - strlen(sql) - 1);
		for (k = 0; mx_terminal_statuses[k] != NULL; k++)
			if (q->state & (1UL << k))
				strncat(sql, n++ ? ", ?" : "?",
				    sizeof(sql) - strlen(sql) - 1);
		strncat(sql, ")", sizeof(sql) - strlen(sql) - 1);
	}
	filter_sql(sql, sizeof(sql), o, q);
	if (o->repo == NULL && q->repos_in && q->window.seconds >= 0)
		strncat(sql, " AND repo_full_name IN " DB_RUN_REPOS,
		    sizeof(sql) - strlen(sql) - 1);
	strncat(sql, " ORDER BY finished_at DESC, run_id DESC LIMIT ?",
	    sizeof(sql) - strlen(sql) - 1);
	if ((st = db_prepare(db, sql)) == NULL)
		return EX_SOFTWARE;
	i = 1;
	if (q->window.seconds >= 0)
		db_bind_text(st, i++, q->window.modifier);
	if (!(q->state & S_FINISHED))
		for (k = 0; mx_terminal_statuses[k] != NULL; k++)
			if (q->state & (1UL << k))
				db_bind_text(st, i++, mx_terminal_statuses[k]);
	i = bind_filters(st, i, o, q);
	sqlite3_bind_int64(st, i, q->left);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (out_selected(out, RF_PROMPT) ||
		    out_selected(out, RF_MODE) ||
		    out_selected(out, RF_SESSION) ||
		    out_selected(out, RF_INVOCATION))
			meta_parse((const char *)sqlite3_column_text(st, 14),
			    (size_t)sqlite3_column_bytes(st, 14), &meta);
		else
			memset(&meta, 0, sizeof(meta));
		put_row(out, st, &meta, 0);
		meta_free(&meta);
	}
	return db_done(db, st, rc);
}

/* One row: columns 0-12 as selected, 13 elapsed, meta's fields. */
static void
put_row(struct out *out, sqlite3_stmt *st, const struct run_meta *m,
    int open)
{
	out_columns(out, st, RF_ELAPSED + 1);
	if (open)
		out_bool(out, RF_BUSY, m->codex_active);
	else
		out_null(out, RF_BUSY);
	out_text(out, RF_PROMPT, m->prompt, -1);
	out_text(out, RF_MODE, m->codex_mode, -1);
	out_text(out, RF_SESSION, m->codex_session_id, -1);
	out_text(out, RF_INVOCATION, m->codex_invocation_started_at, -1);
	out_row(out);
}

static _Noreturn void
usage(void)
{
	opt_usage(&opts);
}
