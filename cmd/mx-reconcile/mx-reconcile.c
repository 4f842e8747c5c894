/*
 * mx-reconcile: before MergeXO starts, mark the runs a stopped service
 * left open as interrupted and clear the pointers to them, in one
 * transaction; also bring the schema up to the toolkit's shape.
 */

#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "mx.h"

/* The snapshot tables whose active_run_id may point at a run. */
static const char *const pointer_tables[] = {
	"issue_runs", "pr_feedback_state", NULL
};

/* Open runs in mx-runs' order: started_at, repo, issue. */
#define OPEN_RUNS	"FROM agent_run_history WHERE finished_at IS NULL%s " \
			"ORDER BY started_at, repo_full_name, issue_number"
#define REPO_AND	" AND repo_full_name = ?"

struct result {
	char		**ids;		/* reconciled run ids, for -v */
	size_t		  nids;
	long long	  runs;
	long long	  pointers;
};

static void	check_lock(const struct mx_opts *, int);
static int	reconcile(sqlite3 *, const struct mx_opts *, int,
		    struct result *);
static int	preview(sqlite3 *, const struct mx_opts *);
static long long clear_pointers(sqlite3 *, const struct mx_opts *, int);
static int	print_runs(sqlite3 *, const struct mx_opts *,
		    struct result *);
static int	history_ok(sqlite3 *);
static int	sql_now(sqlite3 *, char *, size_t);
static int	bind_step(sqlite3_stmt *, const char *, const char *);
static _Noreturn void usage(void);

static struct mx_opts opts;
static struct out *out;

int
main(int argc, char *argv[])
{
	struct result	 res;
	sqlite3		*db;
	int		 ch, fflag = 0, Iflag = 0, nflag = 0, vflag = 0;
	int		 status;

	opt_init(&opts, "mx-reconcile [-fInv] [-c config] [-d database] "
	    "[-r repo]");
	while ((ch = getopt_long(argc, argv, "+c:d:fInr:v", mx_longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'f':
			fflag = 1;
			break;
		case 'I':
			Iflag = 1;
			break;
		case 'n':
			nflag = 1;
			break;
		case 'v':
			vflag = 1;
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
	check_lock(&opts, fflag);		/* exits 75 while it is held */
	memset(&res, 0, sizeof(res));
	if (nflag) {
		db = db_open(&opts, DB_RDONLY);	/* exits 66 or 75 itself */
		status = schema_ensure(db, SCHEMA_INDEXES | SCHEMA_DRYRUN);
		if (status == 0 && !Iflag)
			status = preview(db, &opts);
	} else {
		db = schema_open(&opts);	/* exits 66 or 75 itself */
		status = schema_ensure(db, SCHEMA_INDEXES |
		    (vflag ? SCHEMA_VERBOSE : 0));
		if (status == 0 && !Iflag)
			status = reconcile(db, &opts, vflag, &res);
		if (status == 0 && vflag)
			status = print_runs(db, &opts, &res);
	}
	out_close(out);
	while (res.nids > 0)
		free(res.ids[--res.nids]);
	free(res.ids);
	db_close(db);
	opt_free(&opts);
	return out_finish(status);		/* flushes and checks stdout */
}

/*
 * Refuse (exit 75) while writer.lock names a live process: the service
 * runs, and its open runs are not stale.  A lock we cannot read or
 * parse may be the service's too, so it is refused as well.  A lock of
 * a dead process is stale and ignored; -f ignores any lock.
 */
static void
check_lock(const struct mx_opts *o, int force)
{
	struct mx_lock	 lk;
	char		*path, why[256];
	int		 r;

	if (force)
		return;
	path = lock_path(o->dbpath);
	r = lock_read(path, &lk, why, sizeof(why));
	if (r == LOCK_BAD)
		errx(EX_TEMPFAIL, "%s: malformed lock (%s); the service may "
		    "be running (-f overrides)", path, why);
	if (r == LOCK_OK && lock_alive(&lk))
		errx(EX_TEMPFAIL, "%s: service running: pid %lld, command %s%s"
		    "%s (-f overrides)", path, lk.pid,
		    lk.command != NULL ? lk.command : "unknown",
		    lk.started_at != NULL ? ", started " : "",
		    lk.started_at != NULL ? lk.started_at : "");
	lock_free(&lk);
	free(path);
}

/* Return 1 if agent_run_history has the columns reconcile uses. */
static int
history_ok(sqlite3 *db)
{
	return db_table_ok(db, "agent_run_history",
	    "run_id,repo_full_name,issue_number,started_at,finished_at,"
	    "terminal_status,failure_class,duration_seconds");
}

/*
 * Put SQLite's now in buf, in the form MergeXO writes: one timestamp
 * for every run reconciled.  Returns 0, or -1 on an SQL error.
 */
static int
sql_now(sqlite3 *db, char *buf, size_t len)
{
	sqlite3_stmt	*st;
	int		 rc;

	st = db_prepare(db, "SELECT strftime('" MX_TSFMT "', 'now')");
	if (st == NULL)
		return -1;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		snprintf(buf, len, "%s", sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

/*
 * Bind the text a (if not NULL) and then b (if not NULL) from parameter
 * 1 on and step st once; return the step's result.
 */
static int
bind_step(sqlite3_stmt *st, const char *a, const char *b)
{
	int	 i = 1;

	if (a != NULL)
		db_bind_text(st, i++, a);
	if (b != NULL)
		db_bind_text(st, i, b);
	return sqlite3_step(st);
}

/*
 * Design section 5, in one IMMEDIATE transaction: every open run (of
 * the -r repo) becomes interrupted / unknown, finished now, with its
 * duration; then the active_run_id pointers (of that repo) that point
 * at no open run are cleared.  With keep, the run ids are kept in res
 * for -v.
 */
static int
reconcile(sqlite3 *db, const struct mx_opts *o, int keep, struct result *res)
{
	sqlite3_stmt	*st = NULL;
	char		 sql[512], now[40];
	int		 rc, status = 0, history;

	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return db_error(db);
	history = history_ok(db);
	if (history && keep) {
		snprintf(sql, sizeof(sql), "SELECT run_id " OPEN_RUNS,
		    o->repo != NULL ? REPO_AND : "");
		if ((st = db_prepare(db, sql)) == NULL)
			goto fail;
		if (o->repo != NULL)
			db_bind_text(st, 1, o->repo);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			res->ids = xrealloc(res->ids, res->nids + 1,
			    sizeof(*res->ids));
			res->ids[res->nids++] = xstrdup(
			    (const char *)sqlite3_column_text(st, 0));
		}
		if (rc != SQLITE_DONE)
			goto fail;
		sqlite3_finalize(st);
	}
	if (history) {
		if (sql_now(db, now, sizeof(now)) == -1)
			goto fail;
		snprintf(sql, sizeof(sql), "UPDATE agent_run_history SET "
		    "finished_at = ?1, terminal_status = 'interrupted', "
		    "failure_class = 'unknown', duration_seconds = "
		    "max(0.0, (julianday(?1) - julianday(started_at)) "
		    "* 86400.0) WHERE finished_at IS NULL%s",
		    o->repo != NULL ? " AND repo_full_name = ?2" : "");
		if ((st = db_prepare(db, sql)) == NULL ||
		    bind_step(st, now, o->repo) != SQLITE_DONE)
			goto fail;
		res->runs = sqlite3_changes(db);
		sqlite3_finalize(st);
		st = NULL;
	}
	if ((res->pointers = clear_pointers(db, o, 0)) == -1)
		goto fail;
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		goto fail;
	if (keep && res->runs + res->pointers > 0)
		warnx("reconciled %lld run%s, cleared %lld active_run_id "
		    "pointer%s", res->runs, res->runs == 1 ? "" : "s",
		    res->pointers, res->pointers == 1 ? "" : "s");
	return 0;
fail:
	status = db_error(db);
	sqlite3_finalize(st);
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	res->runs = 0;
	return status;
}

/*
 * Clear (or with dry, count) the active_run_id pointers (of the -r
 * repo) that point at no open run, in each snapshot table that has
 * them.  A dry run counts those that would dangle after reconciling:
 * with -r, runs of other repos stay open; without, none does.  Returns
 * the number, or -1 on an SQL error.
 */
static long long
clear_pointers(sqlite3 *db, const struct mx_opts *o, int dry)
{
	sqlite3_stmt	*st;
	char		 sql[768], open[256];
	long long	 total = 0;
	int		 i, rc, history;

	/*
	 * Without a history table (a dry run on an older MergeXO) no run is
	 * open, so every pointer dangles; a table we cannot read is left
	 * alone.
	 */
	history = db_has_table(db, "agent_run_history");
	if (history && !db_has_columns(db, "agent_run_history",
	    "run_id,finished_at,repo_full_name"))
		return 0;
	if (history && (!dry || o->repo != NULL))
		snprintf(open, sizeof(open), " AND NOT EXISTS (SELECT 1 "
		    "FROM agent_run_history h "
		    "WHERE h.run_id = t.active_run_id "
		    "AND h.finished_at IS NULL%s)", dry ?
		    " AND h.repo_full_name <> ?1" : "");
	else
		open[0] = '\0';
	for (i = 0; pointer_tables[i] != NULL; i++) {
		if (!db_has_columns(db, pointer_tables[i],
		    "repo_full_name,active_run_id"))
			continue;
		snprintf(sql, sizeof(sql), "%s %s AS t%s WHERE "
		    "t.active_run_id IS NOT NULL%s%s",
		    dry ? "SELECT count(*) FROM" : "UPDATE",
		    pointer_tables[i], dry ? "" : " SET active_run_id = NULL",
		    o->repo != NULL ? " AND t.repo_full_name = ?1" : "", open);
		if ((st = db_prepare(db, sql)) == NULL)
			return -1;
		rc = bind_step(st, o->repo, NULL);
		if (rc == SQLITE_ROW && dry)
			total += sqlite3_column_int64(st, 0);
		else if (rc == SQLITE_DONE && !dry)
			total += sqlite3_changes(db);
		else {
			sqlite3_finalize(st);
			return -1;
		}
		sqlite3_finalize(st);
	}
	return total;
}

/*
 * -n: print the open runs as reconciling would leave them and count
 * the pointers it would clear; change nothing.  One read transaction,
 * so runs and pointers come from the same snapshot.
 */
static int
preview(sqlite3 *db, const struct mx_opts *o)
{
	sqlite3_stmt	*st = NULL;
	char		 sql[768], now[40];
	long long	 runs = 0, pointers;
	int		 rc, status;

	if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		return db_error(db);
	if (db_has_table(db, "agent_run_history") && history_ok(db)) {
		if (sql_now(db, now, sizeof(now)) == -1)
			goto fail;
		snprintf(sql, sizeof(sql), "SELECT run_id, repo_full_name, "
		    "run_kind, issue_number, pr_number, flow, branch, "
		    "started_at, ?1, 'interrupted', 'unknown', error, "
		    "max(0.0, (julianday(?1) - julianday(started_at)) "
		    "* 86400.0) " OPEN_RUNS, o->repo != NULL ?
		    " AND repo_full_name = ?2" : "");
		if ((st = db_prepare(db, sql)) == NULL)
			goto fail;
		db_bind_text(st, 1, now);
		if (o->repo != NULL)
			db_bind_text(st, 2, o->repo);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			if (out == NULL)
				out = out_open(o, run_fields, RF_STORED, NULL);
			out_columns(out, st, RF_STORED);
			out_row(out);
			runs++;
		}
		if (rc != SQLITE_DONE)
			goto fail;
		sqlite3_finalize(st);
		st = NULL;
	}
	if ((pointers = clear_pointers(db, o, 1)) == -1)
		goto fail;
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	if (runs + pointers > 0)
		warnx("would reconcile %lld run%s, clear %lld active_run_id "
		    "pointer%s", runs, runs == 1 ? "" : "s", pointers,
		    pointers == 1 ? "" : "s");
	return 0;
fail:
	status = db_error(db);
	sqlite3_finalize(st);
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return status;
}

/* -v: print the reconciled runs as they are stored now. */
static int
print_runs(sqlite3 *db, const struct mx_opts *o, struct result *res)
{
	sqlite3_stmt	*st;
	size_t		 k;
	int		 rc;

	if (res->nids == 0)
		return 0;
	st = db_prepare(db, "SELECT " RUN_SELECT " FROM agent_run_history "
	    "WHERE run_id = ?");
	if (st == NULL)
		return EX_SOFTWARE;
	out = out_open(o, run_fields, RF_STORED, NULL);
	for (k = 0; k < res->nids; k++) {
		sqlite3_reset(st);
		db_bind_text(st, 1, res->ids[k]);
		if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			out_columns(out, st, RF_STORED);
			out_row(out);
		} else if (rc != SQLITE_DONE)
			return db_done(db, st, rc);
	}
	sqlite3_finalize(st);
	return 0;
}

static _Noreturn void
usage(void)
{
	opt_usage(&opts);
}
