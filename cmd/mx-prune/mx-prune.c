/*
 * mx-prune: delete finished agent runs and PR transitions older than the
 * retention, in small batches so that a service writing at the same
 * time never waits long.
 */

#include <err.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "mx.h"

/* Rows deleted per transaction: a few milliseconds of the write lock. */
#define BATCH		500
/* Longest pause between batches, in nanoseconds. */
#define PAUSE_MAX	100000000L

enum { F_TABLE, F_ROWS, F_COUNT };

static const struct out_field fields[F_COUNT] = {
	{ "table", OUT_TEXT },
	{ "rows", OUT_INT },
};

/*
 * What is old in each table; open runs (finished_at NULL) never are.
 * ?1 is the cutoff.  The scan form hides the columns from the planner
 * (a unary +) so that it walks rowids, one pass over the table in all.
 */
static const struct prune_table {
	const char	*name;
	const char	*columns;	/* those the conditions need */
	const char	*old;
	const char	*old_scan;
} prune_tables[] = {
	{ "agent_run_history", "repo_full_name,finished_at",
	    "finished_at IS NOT NULL AND finished_at < ?1",
	    "+finished_at IS NOT NULL AND +finished_at < ?1" },
	{ "pr_status_history", "repo_full_name,changed_at",
	    "changed_at < ?1", "+changed_at < ?1" },
};
#define NTABLES	(sizeof(prune_tables) / sizeof(prune_tables[0]))

static int	cutoff(sqlite3 *, const struct mx_window *, char *, size_t);
static int	count_old(sqlite3 *, const struct prune_table *,
		    const struct mx_opts *, const char *, long long *);
static int	delete_old(sqlite3 *, const struct prune_table *,
		    const struct mx_opts *, const char *, long long *);
static void	pause_for(const struct timespec *);
static _Noreturn void usage(void);

static struct mx_opts opts;

int
main(int argc, char *argv[])
{
	struct mx_window	 age;
	struct out		*out = NULL;
	sqlite3			*db;
	const char		*aflag = NULL;
	char			 when[40], deflt[32];
	long long		 rows[NTABLES];
	size_t			 t;
	int			 ch, nflag = 0, vflag = 0, status;

	opt_init(&opts, "mx-prune [-nv] [-a age] [-c config] [-d database] "
	    "[-r repo]");
	while ((ch = getopt_long(argc, argv, "+a:c:d:nr:v", mx_longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'a':
			aflag = optarg;
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
	if (aflag == NULL) {
		snprintf(deflt, sizeof(deflt), "%lldd", opts.retention_days);
		aflag = deflt;
	}
	if (tm_window(aflag, &age) == -1 || age.seconds < 0) {
		warnx("-a: %s: bad age (use N[smhdw], e.g. 90d; all is "
		    "refused)", aflag);
		usage();
	}

	memset(rows, 0, sizeof(rows));
	if (nflag)
		db = db_open(&opts, DB_RDONLY);	/* exits 66 or 75 itself */
	else
		db = schema_open(&opts);	/* exits 66 or 75 itself */
	status = nflag ? 0 : schema_ensure(db, SCHEMA_TABLES);
	if (status == 0)
		status = cutoff(db, &age, when, sizeof(when));
	for (t = 0; status == 0 && t < NTABLES; t++) {
		if (!db_has_table(db, prune_tables[t].name))
			continue;
		if (!db_table_ok(db, prune_tables[t].name,
		    prune_tables[t].columns))
			continue;
		status = nflag ?
		    count_old(db, &prune_tables[t], &opts, when, &rows[t]) :
		    delete_old(db, &prune_tables[t], &opts, when, &rows[t]);
	}
	if (nflag || vflag) {
		out = out_open(&opts, fields, F_COUNT, NULL);
		for (t = 0; t < NTABLES; t++) {
			out_text(out, F_TABLE, prune_tables[t].name, -1);
			out_int(out, F_ROWS, rows[t]);
			out_row(out);
		}
		out_close(out);
	}
	db_close(db);
	opt_free(&opts);
	return out_finish(status);		/* flushes and checks stdout */
}

/*
 * Put in buf the time AGE ago, as MergeXO writes timestamps: rows are
 * old when their time is before it in a text comparison, as windows
 * compare.  Computed once, so every batch uses the same cutoff.
 */
static int
cutoff(sqlite3 *db, const struct mx_window *age, char *buf, size_t len)
{
	sqlite3_stmt	*st;
	int		 rc;

	st = db_prepare(db, "SELECT strftime('" MX_TSFMT "', 'now', ?)");
	if (st == NULL)
		return EX_SOFTWARE;
	db_bind_text(st, 1, age->modifier);
	if ((rc = sqlite3_step(st)) != SQLITE_ROW ||
	    sqlite3_column_type(st, 0) != SQLITE_TEXT) {
		rc = rc == SQLITE_ROW ? EX_SOFTWARE : db_error(db);
		sqlite3_finalize(st);
		return rc;
	}
	snprintf(buf, len, "%s", sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return 0;
}

/* -n: count the rows of pt that are old, of the -r repo if given. */
static int
count_old(sqlite3 *db, const struct prune_table *pt,
    const struct mx_opts *o, const char *when, long long *n)
{
	sqlite3_stmt	*st;
	char		 sql[256];

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s WHERE %s%s",
	    pt->name, pt->old, o->repo != NULL ?
	    " AND repo_full_name = ?2" : "");
	if ((st = db_prepare(db, sql)) == NULL)
		return EX_SOFTWARE;
	db_bind_text(st, 1, when);
	if (o->repo != NULL)
		db_bind_text(st, 2, o->repo);
	return db_count(db, st, n);
}

/*
 * Delete the old rows of pt (of the -r repo) BATCH at a time.  The rows
 * are found outside any transaction, walking rowids upwards so that no
 * row is looked at twice; each batch is then deleted in its own short
 * IMMEDIATE transaction, its condition checked again, so a row that
 * changed in between is kept.  Between batches we pause as long as the
 * batch held the write lock, so a waiting writer gets at least half the
 * time.  *n gets the number deleted, even on error.
 */
static int
delete_old(sqlite3 *db, const struct prune_table *pt,
    const struct mx_opts *o, const char *when, long long *n)
{
	sqlite3_stmt	*sel = NULL, *del = NULL;
	struct timespec	 t0, t1, held;
	sqlite3_int64	 last = 0, ids[BATCH];
	const char	*repo;
	char		 sql[384];
	long long	 done;
	int		 k, got, rc, status = 0;

	repo = o->repo != NULL ? " AND +repo_full_name = ?2" : "";
	snprintf(sql, sizeof(sql), "SELECT rowid FROM %s WHERE rowid > ?3 "
	    "AND %s%s ORDER BY rowid LIMIT %d", pt->name, pt->old_scan, repo,
	    BATCH);
	if ((sel = db_prepare(db, sql)) == NULL)
		return EX_SOFTWARE;
	snprintf(sql, sizeof(sql), "DELETE FROM %s WHERE rowid = ?3 AND %s%s",
	    pt->name, pt->old, repo);
	if ((del = db_prepare(db, sql)) == NULL) {
		sqlite3_finalize(sel);
		return EX_SOFTWARE;
	}
	db_bind_text(sel, 1, when);
	db_bind_text(del, 1, when);
	if (o->repo != NULL) {
		db_bind_text(sel, 2, o->repo);
		db_bind_text(del, 2, o->repo);
	}
	for (;;) {
		sqlite3_bind_int64(sel, 3, last);
		for (got = 0; (rc = sqlite3_step(sel)) == SQLITE_ROW; )
			ids[got++] = sqlite3_column_int64(sel, 0);
		sqlite3_reset(sel);
		if (rc != SQLITE_DONE) {
			status = db_error(db);
			break;
		}
		if (got == 0)
			break;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) !=
		    SQLITE_OK) {
			status = db_error(db);
			break;
		}
		for (done = 0, k = 0; rc == SQLITE_DONE && k < got; k++) {
			sqlite3_bind_int64(del, 3, ids[k]);
			rc = sqlite3_step(del);
			sqlite3_reset(del);
			if (rc == SQLITE_DONE)
				done += sqlite3_changes(db);
		}
		if (rc != SQLITE_DONE || sqlite3_exec(db, "COMMIT", NULL,
		    NULL, NULL) != SQLITE_OK) {
			status = db_error(db);
			sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
			break;
		}
		*n += done;
		last = ids[got - 1];
		if (got < BATCH)
			break;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		held.tv_sec = t1.tv_sec - t0.tv_sec;
		held.tv_nsec = t1.tv_nsec - t0.tv_nsec;
		if (held.tv_nsec < 0) {
			held.tv_sec--;
			held.tv_nsec += 1000000000L;
		}
		pause_for(&held);
	}
	sqlite3_finalize(sel);
	sqlite3_finalize(del);
	return status;
}

/* Sleep for d, at least a millisecond and at most PAUSE_MAX. */
static void
pause_for(const struct timespec *d)
{
	struct timespec	 ts = *d;

	if (ts.tv_sec > 0 || ts.tv_nsec > PAUSE_MAX) {
		ts.tv_sec = 0;
		ts.tv_nsec = PAUSE_MAX;
	} else if (ts.tv_nsec < 1000000L)
		ts.tv_nsec = 1000000L;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		continue;
}

static _Noreturn void
usage(void)
{
	opt_usage(&opts);
}
