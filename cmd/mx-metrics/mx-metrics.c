/*
 * mx-metrics: runtime and failure metrics of the agent runs that finished
 * in a window, overall and per repository, run kind or failure class.
 */

#include <err.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "mx.h"

enum {
	F_GROUP, F_TERMINAL, F_FAILED, F_RATE, F_MEAN, F_STDDEV, F_P50,
	F_P95, F_COUNT
};

/* The name of F_GROUP is the grouping column's, set from -g. */
static struct out_field fields[F_COUNT] = {
	{ "repo_full_name", OUT_TEXT },
	{ "terminal_count", OUT_INT },
	{ "failed_count", OUT_INT },
	{ "failure_rate", OUT_REAL },
	{ "mean_runtime_seconds", OUT_REAL },
	{ "stddev_runtime_seconds", OUT_REAL },
	{ "p50_runtime_seconds", OUT_REAL },
	{ "p95_runtime_seconds", OUT_REAL },
};

/* -g: what the rows after the overall row are grouped by. */
static const struct grouping {
	const char	*name;		/* as -g takes it */
	const char	*column;	/* its column, also the field name */
	const char	*key;		/* JSON key of the array of groups */
} groupings[] = {
	{ "repo", "repo_full_name", "per_repo" },
	{ "kind", "run_kind", "per_kind" },
	{ "failure_class", "failure_class", "per_failure_class" },
	{ NULL, NULL, NULL }
};

/* The columns our queries read, for db_table_ok(). */
#define METRIC_COLUMNS	"repo_full_name,run_kind,finished_at," \
			"terminal_status,failure_class,duration_seconds," \
			"meta_json"

/*
 * The metrics sample of design section 5, as MergeXO's query layer
 * writes it; the window bound is appended when there is one.
 */
#define SAMPLE_WHERE	"finished_at IS NOT NULL" \
	" AND run_kind IN ('issue_flow', 'implementation_flow'," \
	" 'pre_pr_followup')" \
	" AND terminal_status IN ('completed', 'failed', 'blocked'," \
	" 'interrupted')"
#define SAMPLE_COLUMNS	"COUNT(*)," \
	" SUM(CASE WHEN terminal_status = 'failed' THEN 1 ELSE 0 END)," \
	" AVG(duration_seconds), AVG(duration_seconds * duration_seconds)"

/* One row of output: the overall row or one group. */
struct stats {
	char		*key;		/* group key; NULL for SQL NULL */
	size_t		 keylen;
	long long	 terminal;
	long long	 failed;
	double		 rate;
	double		 mean;
	double		 stddev;
	double		 p50;
	double		 p95;
	size_t		 start;		/* its durations in durs.v */
	size_t		 n;
};

/*
 * The durations the aggregate mx_durations() collects: each group's are
 * contiguous in v (SQLite finishes one group before it starts the next),
 * and seg lists them by the handle the aggregate returns.
 */
struct durs {
	double		*v;
	size_t		 len, cap;
	size_t		(*seg)[2];
	size_t		 nseg, segcap;
};

struct metrics {
	const struct grouping	*g;
	struct mx_window	 window;
	char			 cutoff[64];	/* finished_at >= this */
	int			 history;	/* the table is there */
	int			 percentiles;	/* p50 or p95 is shown */
	struct stats		 overall;
	struct stats		*groups;
	size_t			 ngroups;
	long long		 active, blocked, tracked, failures;
	struct durs		 durs;
};

static const struct grouping *grouping(const char *);
static int	read_metrics(sqlite3 *, const struct mx_opts *,
		    struct metrics *);
static int	read_cutoff(sqlite3 *, struct metrics *);
static int	read_overview(sqlite3 *, const struct mx_opts *,
		    struct metrics *);
static int	read_overall(sqlite3 *, const struct mx_opts *,
		    struct metrics *);
static int	read_groups(sqlite3 *, const struct mx_opts *,
		    struct metrics *);
static void	finish_stats(struct stats *, struct durs *);
static void	select_kth(double *, size_t, size_t);
static void	print_metrics(struct out *, const struct mx_opts *,
		    const struct metrics *);
static void	free_metrics(struct metrics *);
static _Noreturn void usage(void);

static struct mx_opts opts;

int
main(int argc, char *argv[])
{
	struct metrics	 m;
	struct out	*out;
	sqlite3		*db;
	const char	*window = NULL;
	int		 ch, status;

	opt_init(&opts, "mx-metrics [-HJj] [-c config] [-d database] "
	    "[-g repo|kind|failure_class]\n"
	    "                  [-n rows] [-o field,...] [-r repo] "
	    "[-w window]");
	memset(&m, 0, sizeof(m));
	m.g = &groupings[0];
	while ((ch = getopt_long(argc, argv, "+c:d:g:HJjn:o:r:w:",
	    mx_longopts, NULL)) != -1) {
		switch (ch) {
		case 'g':
			m.g = grouping(optarg);
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
	if (window == NULL)
		window = opts.default_window != NULL ?
		    opts.default_window : "24h";
	if (tm_window(window, &m.window) == -1) {
		warnx("-w: %s: bad window (use 1h, 24h, 7d, 30d, N[smhdw] "
		    "or all)", window);
		usage();
	}
	fields[F_GROUP].name = m.g->column;

	out = out_open(&opts, fields, F_COUNT, NULL);
	m.percentiles = out_selected(out, F_P50) || out_selected(out, F_P95);
	db = db_open(&opts, DB_RDONLY);		/* exits 66 or 75 itself */
	if ((status = read_metrics(db, &opts, &m)) == 0)
		print_metrics(out, &opts, &m);
	if (opts.jflag || status != 0)
		out_free(out);
	else
		out_close(out);
	free_metrics(&m);
	db_close(db);
	opt_free(&opts);
	return out_finish(status);		/* flushes and checks stdout */
}

/* The grouping -g names; a bad name gets one line and the usage. */
static const struct grouping *
grouping(const char *name)
{
	const struct grouping	*g;

	for (g = groupings; g->name != NULL; g++)
		if (strcmp(g->name, name) == 0)
			return g;
	warnx("-g: %s: unknown grouping (valid: repo, kind, failure_class)",
	    name);
	usage();
}

/*
 * Read everything in one read transaction, so that every figure comes
 * from the same snapshot.  The overview is only part of -j.  An older
 * state.db without agent_run_history gives zeros after one warning.
 */
static int
read_metrics(sqlite3 *db, const struct mx_opts *o, struct metrics *m)
{
	int	 status = 0;

	if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		return db_error(db);
	m->history = db_table_ok(db, "agent_run_history", METRIC_COLUMNS);
	status = read_cutoff(db, m);
	if (status == 0 && o->jflag)
		status = read_overview(db, o, m);
	if (status == 0 && m->history)
		status = read_overall(db, o, m);
	if (status == 0 && m->history)
		status = read_groups(db, o, m);
	/* Ending a read transaction cannot fail in a way that matters. */
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	return status;
}

/*
 * Work out the window's lower bound once, so that every query of this
 * run counts the same rows whatever the clock does meanwhile.
 */
static int
read_cutoff(sqlite3 *db, struct metrics *m)
{
	sqlite3_stmt	*st;
	const char	*s;
	int		 status = 0;

	if (m->window.seconds < 0)
		return 0;
	if ((st = db_prepare(db, "SELECT strftime('" MX_TSFMT "', 'now', ?)"))
	    == NULL)
		return db_status(sqlite3_extended_errcode(db));
	db_bind_text(st, 1, m->window.modifier);
	if (sqlite3_step(st) != SQLITE_ROW ||
	    (s = (const char *)sqlite3_column_text(st, 0)) == NULL)
		status = db_error(db);
	else
		snprintf(m->cutoff, sizeof(m->cutoff), "%s", s);
	sqlite3_finalize(st);
	return status;
}

/*
 * Append the window and repo clauses to sql: placeholders only, bound
 * by bind_sample().
 */
static void
sample_sql(char *sql, size_t len, const struct mx_opts *o,
    const struct metrics *m)
{
	if (m->window.seconds >= 0)
		strncat(sql, " AND finished_at >= ?", len - strlen(sql) - 1);
	if (o->repo != NULL)
		strncat(sql, " AND repo_full_name = ?", len - strlen(sql) - 1);
}

static void
bind_sample(sqlite3_stmt *st, const struct mx_opts *o,
    const struct metrics *m)
{
	int	 i = 1;

	if (m->window.seconds >= 0)
		db_bind_text(st, i++, m->cutoff);
	if (o->repo != NULL)
		db_bind_text(st, i++, o->repo);
}

/* Run st, which yields one integer; add it to *n. */
static int
count_rows(sqlite3 *db, sqlite3_stmt *st, long long *n)
{
	int	 status = 0;

	if (sqlite3_step(st) == SQLITE_ROW)
		*n += sqlite3_column_int64(st, 0);
	else
		status = db_error(db);
	sqlite3_finalize(st);
	return status;
}

/*
 * The overview: open runs whose meta_json says codex_active is true,
 * blocked and tracked work, and failed runs of any kind in the window.
 */
static int
read_overview(sqlite3 *db, const struct mx_opts *o, struct metrics *m)
{
	sqlite3_stmt	*st;
	struct run_meta	 meta;
	char		 sql[512];
	int		 rc, status;

	if ((status = work_count(db, o->repo, &m->blocked, &m->tracked)) != 0)
		return status;
	if (!m->history)
		return 0;
	snprintf(sql, sizeof(sql), "SELECT meta_json FROM agent_run_history "
	    "WHERE finished_at IS NULL%s",
	    o->repo != NULL ? " AND repo_full_name = ?" : "");
	if ((st = db_prepare(db, sql)) == NULL)
		return db_status(sqlite3_extended_errcode(db));
	if (o->repo != NULL)
		db_bind_text(st, 1, o->repo);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		meta_parse((const char *)sqlite3_column_text(st, 0),
		    (size_t)sqlite3_column_bytes(st, 0), &meta);
		m->active += meta.codex_active;
		meta_free(&meta);
	}
	status = rc != SQLITE_DONE ? db_error(db) : 0;
	sqlite3_finalize(st);
	if (status != 0)
		return status;

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM agent_run_history "
	    "WHERE terminal_status = 'failed' AND finished_at IS NOT NULL");
	sample_sql(sql, sizeof(sql), o, m);
	if ((st = db_prepare(db, sql)) == NULL)
		return db_status(sqlite3_extended_errcode(db));
	bind_sample(st, o, m);
	return count_rows(db, st, &m->failures);
}

/*
 * Take count, failed, AVG(d) and AVG(d * d) from columns col.. of st
 * and derive the row's figures as MergeXO does: stddev is
 * sqrt(max(0, AVG(d * d) - AVG(d)^2)), 0 below two rows; failure rate
 * failed / terminal, all 0 without rows.
 */
static void
take_sample(struct stats *s, sqlite3_stmt *st, int col)
{
	double	 msq;

	s->terminal = sqlite3_column_int64(st, col);
	if (s->terminal < 1)
		return;
	s->failed = sqlite3_column_int64(st, col + 1);
	s->mean = sqlite3_column_double(st, col + 2);
	msq = sqlite3_column_double(st, col + 3);
	s->rate = (double)s->failed / (double)s->terminal;
	if (s->terminal >= 2)
		s->stddev = sqrt(fmax(0.0, msq - s->mean * s->mean));
}

/*
 * The overall row: MergeXO's own statement, so that AVG() adds the same
 * values in the same order and the mean and stddev agree to the bit.
 */
static int
read_overall(sqlite3 *db, const struct mx_opts *o, struct metrics *m)
{
	sqlite3_stmt	*st;
	char		 sql[1024];
	int		 status = 0;

	snprintf(sql, sizeof(sql), "SELECT " SAMPLE_COLUMNS
	    " FROM agent_run_history WHERE " SAMPLE_WHERE);
	sample_sql(sql, sizeof(sql), o, m);
	if ((st = db_prepare(db, sql)) == NULL)
		return db_status(sqlite3_extended_errcode(db));
	bind_sample(st, o, m);
	if (sqlite3_step(st) == SQLITE_ROW)
		take_sample(&m->overall, st, 0);
	else
		status = db_error(db);
	sqlite3_finalize(st);
	return status;
}

/*
 * mx_durations(d): an aggregate that appends each non-NULL d of its group
 * (as AVG() reads it) to the durations and returns a handle to them.
 */
static void
durations_step(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	struct durs	*d = sqlite3_user_data(ctx);
	size_t		*g;

	(void)argc;
	if (sqlite3_value_numeric_type(argv[0]) == SQLITE_NULL)
		return;
	if ((g = sqlite3_aggregate_context(ctx, 2 * sizeof(*g))) == NULL) {
		sqlite3_result_error_nomem(ctx);
		return;
	}
	if (g[1] == 0)
		g[0] = d->len;
	else if (g[0] + g[1] != d->len) {
		sqlite3_result_error(ctx, "mx_durations: groups interleave",
		    -1);
		return;
	}
	if (d->len == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 1024;
		d->v = xrealloc(d->v, d->cap, sizeof(*d->v));
	}
	d->v[d->len++] = sqlite3_value_double(argv[0]);
	g[1]++;
}

static void
durations_final(sqlite3_context *ctx)
{
	struct durs	*d = sqlite3_user_data(ctx);
	size_t		*g;

	if (d->nseg == d->segcap) {
		d->segcap = d->segcap ? d->segcap * 2 : 16;
		d->seg = xrealloc(d->seg, d->segcap, sizeof(*d->seg));
	}
	if ((g = sqlite3_aggregate_context(ctx, 0)) != NULL) {
		d->seg[d->nseg][0] = g[0];
		d->seg[d->nseg][1] = g[1];
	} else {
		d->seg[d->nseg][0] = d->len;
		d->seg[d->nseg][1] = 0;
	}
	sqlite3_result_int64(ctx, (sqlite3_int64)d->nseg++);
}

/*
 * One row per group, in the group's order: MergeXO's per-repo statement
 * grouped by the -g column, plus mx_durations() for the percentiles
 * when they are shown.
 */
static int
read_groups(sqlite3 *db, const struct mx_opts *o, struct metrics *m)
{
	sqlite3_stmt	*st;
	struct stats	*s;
	sqlite3_int64	 h;
	char		 sql[1024];
	size_t		 cap = 0;
	int		 rc;

	if (m->percentiles && sqlite3_create_function_v2(db, "mx_durations",
	    1, SQLITE_UTF8 | SQLITE_DIRECTONLY, &m->durs, NULL,
	    durations_step, durations_final, NULL) != SQLITE_OK)
		return db_error(db);
	snprintf(sql, sizeof(sql), "SELECT %s, " SAMPLE_COLUMNS "%s"
	    " FROM agent_run_history WHERE " SAMPLE_WHERE, m->g->column,
	    m->percentiles ? ", mx_durations(duration_seconds)" : "");
	sample_sql(sql, sizeof(sql), o, m);
	snprintf(sql + strlen(sql), sizeof(sql) - strlen(sql),
	    " GROUP BY %s ORDER BY %s", m->g->column, m->g->column);
	if ((st = db_prepare(db, sql)) == NULL)
		return db_status(sqlite3_extended_errcode(db));
	bind_sample(st, o, m);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (m->ngroups == cap) {
			cap = cap ? cap * 2 : 16;
			m->groups = xrealloc(m->groups, cap,
			    sizeof(*m->groups));
		}
		s = &m->groups[m->ngroups++];
		memset(s, 0, sizeof(*s));
		if (sqlite3_column_type(st, 0) != SQLITE_NULL) {
			s->keylen = (size_t)sqlite3_column_bytes(st, 0);
			s->key = xstrndup((const char *)sqlite3_column_text(st,
			    0), s->keylen);
		}
		take_sample(s, st, 1);
		if (m->percentiles) {
			h = sqlite3_column_int64(st, 5);
			if (h < 0 || (size_t)h >= m->durs.nseg)
				errx(EX_SOFTWARE, "mx_durations: bad handle");
			s->start = m->durs.seg[h][0];
			s->n = m->durs.seg[h][1];
		}
	}
	rc = rc != SQLITE_DONE ? db_error(db) : 0;
	sqlite3_finalize(st);
	if (rc != 0)
		return rc;
	/* Each group's durations first: the overall pass reorders them all. */
	for (s = m->groups; s < m->groups + m->ngroups; s++)
		finish_stats(s, &m->durs);
	m->overall.start = 0;
	m->overall.n = m->durs.len;
	finish_stats(&m->overall, &m->durs);
	return 0;
}

/*
 * Fill in s's percentiles from its durations (reordered in place): the
 * nearest rank, the value at 0-based index ceil(p / 100 * n) - 1 of
 * the sorted durations, in integers so no rounding moves it; 0 when
 * there are none.
 */
static void
finish_stats(struct stats *s, struct durs *d)
{
	double	*a = d->v + s->start;
	size_t	 k50, k95;

	if (s->n == 0)
		return;
	k50 = (50 * s->n + 99) / 100 - 1;
	k95 = (95 * s->n + 99) / 100 - 1;
	select_kth(a, s->n, k95);
	s->p95 = a[k95];
	/* The k95 smallest now come first, in some order. */
	if (k50 < k95)
		select_kth(a, k95, k50);
	s->p50 = a[k50];
}

static int
cmp_double(const void *a, const void *b)
{
	double	 x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void
swap(double *a, double *b)
{
	double	 t = *a;

	*a = *b;
	*b = t;
}

/*
 * Reorder a[0..n) so that a[k] holds the value it would hold sorted,
 * nothing above it is smaller and nothing below it larger: quickselect
 * with three-way partitions (many equal durations cost nothing), and a
 * sort of what is left when the pivots keep doing badly.
 */
static void
select_kth(double *a, size_t n, size_t k)
{
	size_t	 lo = 0, hi = n, lt, gt, i, budget = 64;
	double	 p;

	while (hi - lo > 1) {
		if (budget-- == 0) {
			qsort(a + lo, hi - lo, sizeof(*a), cmp_double);
			return;
		}
		/* Median of three as the pivot. */
		i = lo + (hi - lo) / 2;
		if (a[i] < a[lo])
			swap(&a[i], &a[lo]);
		if (a[hi - 1] < a[lo])
			swap(&a[hi - 1], &a[lo]);
		if (a[hi - 1] < a[i])
			swap(&a[hi - 1], &a[i]);
		p = a[i];
		/* a[lo..lt) < p, a[lt..i) == p, a[gt..hi) > p. */
		lt = lo;
		gt = hi;
		i = lo;
		while (i < gt) {
			if (a[i] < p)
				swap(&a[lt++], &a[i++]);
			else if (a[i] > p)
				swap(&a[i], &a[--gt]);
			else
				i++;
		}
		if (k < lt)
			hi = lt;
		else if (k >= gt)
			lo = gt;
		else
			return;
	}
}

static void
jset(json_t *obj, const char *key, json_t *v)
{
	if (json_object_set_new_nocheck(obj, key, v) == -1)
		errx(EX_SOFTWARE, "out of memory");
}

/* Set the fields of one row; the label stands in for the group key. */
static void
put_stats(struct out *out, const struct stats *s, const char *label,
    size_t len)
{
	out_text(out, F_GROUP, label, (int)len);
	out_int(out, F_TERMINAL, s->terminal);
	out_int(out, F_FAILED, s->failed);
	out_real(out, F_RATE, s->rate);
	out_real(out, F_MEAN, s->mean);
	out_real(out, F_STDDEV, s->stddev);
	out_real(out, F_P50, s->p50);
	out_real(out, F_P95, s->p95);
}

/*
 * Write the overall row, labelled with the repo filter or __all__, then
 * the groups (at most -n of them): as TSV or JSON Lines rows, or for -j
 * as one document with the window, the filter, the time and the
 * overview.
 */
static void
print_metrics(struct out *out, const struct mx_opts *o,
    const struct metrics *m)
{
	const char	*label = o->repo != NULL ? o->repo : "__all__";
	json_t		*doc, *ov, *arr;
	size_t		 i, n = m->ngroups;
	char		 now[64];

	if (o->limit >= 0 && (unsigned long long)o->limit < n)
		n = (size_t)o->limit;
	put_stats(out, &m->overall, label, strlen(label));
	if (!o->jflag) {
		out_row(out);
		for (i = 0; i < n; i++) {
			put_stats(out, &m->groups[i], m->groups[i].key,
			    m->groups[i].keylen);
			out_row(out);
		}
		return;
	}
	if ((doc = json_object()) == NULL || (ov = json_object()) == NULL ||
	    (arr = json_array()) == NULL)
		errx(EX_SOFTWARE, "out of memory");
	tm_now(now, sizeof(now));
	jset(doc, "window", json_string(m->window.text));
	jset(doc, "repo_filter", o->repo != NULL ?
	    out_jstring(o->repo, strlen(o->repo)) : json_null());
	jset(doc, "generated_at", json_string(now));
	jset(ov, "active_agents", json_integer(m->active));
	jset(ov, "blocked", json_integer(m->blocked));
	jset(ov, "tracked", json_integer(m->tracked));
	jset(ov, "failures", json_integer(m->failures));
	jset(doc, "overview", ov);
	jset(doc, "overall", out_row_object(out));
	for (i = 0; i < n; i++) {
		put_stats(out, &m->groups[i], m->groups[i].key,
		    m->groups[i].keylen);
		if (json_array_append_new(arr, out_row_object(out)) == -1)
			errx(EX_SOFTWARE, "out of memory");
	}
	jset(doc, m->g->key, arr);
	out_json(doc);
	json_decref(doc);
}

static void
free_metrics(struct metrics *m)
{
	size_t	 i;

	for (i = 0; i < m->ngroups; i++)
		free(m->groups[i].key);
	free(m->groups);
	free(m->durs.v);
	free(m->durs.seg);
}

static _Noreturn void
usage(void)
{
	opt_usage(&opts);
}
