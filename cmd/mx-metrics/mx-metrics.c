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
 * The metrics sample of design section 5 beyond finished_at IS NOT NULL
 * and the window, as MergeXO's query layer writes it.
 */
#define SAMPLE_TERMS	"run_kind IN ('issue_flow', 'implementation_flow'," \
	" 'pre_pr_followup')" \
	" AND terminal_status IN ('completed', 'failed', 'blocked'," \
	" 'interrupted')"

/* The columns of the one pass (read_sample()). */
enum { C_KEY, C_FAILED, C_D, C_DSQ, C_SAMPLE };

/*
 * One row of output: the overall row or one group.  The sums are
 * AVG()'s, kept as SQLite 3.40 keeps them: each non-NULL value added in
 * turn to a double, in the order the rows come.
 */
struct stats {
	char		*key;		/* group key; NULL for SQL NULL */
	size_t		 keylen;
	int		 type;		/* the key's SQLite type */
	long long	 terminal;
	long long	 failed;
	long long	 nd, nsq;	/* non-NULL d and d * d */
	double		 sum, sumsq;	/* their sums */
	double		*v;		/* durations, for the percentiles */
	size_t		 nv, vcap;
	double		 rate;
	double		 mean;
	double		 stddev;
	double		 p50;
	double		 p95;
};

struct metrics {
	const struct grouping	*g;
	struct mx_window	 window;
	char			 cutoff[64];	/* finished_at >= this */
	int			 history;	/* the table is there */
	int			 percentiles;	/* p50 or p95 is shown */
	int			 by_finished;	/* index led by finished_at */
	int			 by_repo;	/* led by repo, finished_at */
	struct stats		 overall;
	struct stats		*groups;
	size_t			 ngroups, gcap;
	size_t			*slots;		/* group index + 1; 0 free */
	size_t			 nslots;
	long long		 active, blocked, tracked, failures;
};

static const struct grouping *grouping(const char *);
static int	read_metrics(sqlite3 *, const struct mx_opts *,
		    struct metrics *);
static int	read_cutoff(sqlite3 *, struct metrics *);
static int	read_overview(sqlite3 *, const struct mx_opts *,
		    struct metrics *);
static int	read_sample(sqlite3 *, const struct mx_opts *,
		    struct metrics *);
static struct stats *group(struct metrics *, sqlite3_stmt *);
static void	rehash(struct metrics *, size_t);
static void	add_row(struct stats *, sqlite3_stmt *, int, int);
static void	finish_groups(struct metrics *);
static void	finish_stats(struct stats *);
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
	opt_window(&opts, window, &m.window);
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
	if (m->history) {
		m->by_finished = db_has_index(db, "agent_run_history",
		    "finished_at", 0);
		m->by_repo = db_has_index(db, "agent_run_history",
		    "repo_full_name,finished_at", 0);
	}
	status = read_cutoff(db, m);
	if (status == 0 && o->jflag)
		status = read_overview(db, o, m);
	if (status == 0 && m->history)
		status = read_sample(db, o, m);
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
 * by bind_sample().  Without an index led by finished_at, a window over
 * all repositories is read as one range per repository of MergeXO's
 * (repo_full_name, finished_at) index rather than the whole table.
 */
static void
sample_sql(char *sql, size_t len, const struct mx_opts *o,
    const struct metrics *m)
{
	if (m->window.seconds >= 0)
		strncat(sql, " AND finished_at >= ?", len - strlen(sql) - 1);
	if (o->repo != NULL)
		strncat(sql, " AND repo_full_name = ?", len - strlen(sql) - 1);
	else if (m->window.seconds >= 0 && !m->by_finished && m->by_repo)
		strncat(sql, " AND repo_full_name IN " DB_RUN_REPOS,
		    len - strlen(sql) - 1);
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

/*
 * The overview: open runs whose meta_json says codex_active is true,
 * and blocked and tracked work; read_sample() counts the failed runs of
 * any kind in the window.
 */
static int
read_overview(sqlite3 *db, const struct mx_opts *o, struct metrics *m)
{
	sqlite3_stmt	*st;
	struct run_meta	 meta;
	char		 sql[1024];
	int		 rc, status;

	if ((status = work_count(db, o->repo, &m->blocked, &m->tracked)) != 0)
		return status;
	if (!m->history)
		return 0;
	snprintf(sql, sizeof(sql), "SELECT meta_json FROM agent_run_history "
	    "WHERE finished_at IS NULL%s",
	    o->repo != NULL ? " AND repo_full_name = ?" :
	    !m->by_finished && m->by_repo ?
	    " AND repo_full_name IN " DB_RUN_REPOS : "");
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
	return db_done(db, st, rc);
}

/*
 * The sample in one pass, in finished_at order: the overall row and
 * every group, their sums and their durations, computed here.  With an
 * index led by finished_at (mx_runs_finished) the pass is one range of
 * it and never touches the table; it is also the order in which SQLite
 * reads MergeXO's own overall statement on that index, and per group
 * the order of MergeXO's per-repo statement on (repo_full_name,
 * finished_at), but for rows that finished at the same instant.  So
 * AVG() adds the same values in the same order and the mean and stddev
 * agree with MergeXO's to the bit.  With -j the pass reads every run
 * of the window, to count the failed ones of any kind too.
 */
static int
read_sample(sqlite3 *db, const struct mx_opts *o, struct metrics *m)
{
	sqlite3_stmt	*st;
	struct stats	*g;
	char		 sql[2048];
	int		 failed, rc;

	snprintf(sql, sizeof(sql), "SELECT %s, terminal_status = 'failed', "
	    "duration_seconds, duration_seconds * duration_seconds%s "
	    "FROM agent_run_history WHERE finished_at IS NOT NULL%s",
	    m->g->column, o->jflag ? ", " SAMPLE_TERMS : "",
	    o->jflag ? "" : " AND " SAMPLE_TERMS);
	sample_sql(sql, sizeof(sql), o, m);
	strncat(sql, " ORDER BY finished_at", sizeof(sql) - strlen(sql) - 1);
	if ((st = db_prepare(db, sql)) == NULL)
		return db_status(sqlite3_extended_errcode(db));
	bind_sample(st, o, m);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		failed = sqlite3_column_int(st, C_FAILED);
		if (o->jflag) {
			m->failures += failed;
			if (!sqlite3_column_int(st, C_SAMPLE))
				continue;
		}
		g = group(m, st);
		add_row(&m->overall, st, failed, 0);
		add_row(g, st, failed, m->percentiles);
	}
	rc = db_done(db, st, rc);
	if (rc == 0)
		finish_groups(m);
	return rc;
}

/* FNV-1a of the key's type and bytes. */
static size_t
key_hash(int type, const void *key, size_t len)
{
	const unsigned char	*p = key;
	unsigned long		 h = 2166136261UL;

	h = (h ^ (unsigned)type) * 16777619UL;
	while (len-- > 0)
		h = ((h ^ *p++) * 16777619UL) & 0xffffffffUL;
	return (size_t)h;
}

/* Make the hash table of the groups n slots large (a power of two). */
static void
rehash(struct metrics *m, size_t n)
{
	size_t	 i, h;

	free(m->slots);
	m->slots = xcalloc(n, sizeof(*m->slots));
	m->nslots = n;
	for (i = 0; i < m->ngroups; i++) {
		h = key_hash(m->groups[i].type, m->groups[i].key,
		    m->groups[i].keylen) & (n - 1);
		while (m->slots[h] != 0)
			h = (h + 1) & (n - 1);
		m->slots[h] = i + 1;
	}
}

/*
 * The group of the current row of st, added when new: groups are told
 * apart by type and bytes, as GROUP BY tells them apart (a text and a
 * blob of the same bytes are two groups; the grouping columns have TEXT
 * affinity, so numbers are stored as text).
 */
static struct stats *
group(struct metrics *m, sqlite3_stmt *st)
{
	struct stats	*g;
	const void	*key;
	size_t		 len, i;
	int		 type;

	type = sqlite3_column_type(st, C_KEY);
	key = type == SQLITE_BLOB ? sqlite3_column_blob(st, C_KEY) :
	    (const void *)sqlite3_column_text(st, C_KEY);
	len = key != NULL ? (size_t)sqlite3_column_bytes(st, C_KEY) : 0;
	if (m->nslots == 0)
		rehash(m, 64);
	for (i = key_hash(type, key, len) & (m->nslots - 1);
	    m->slots[i] != 0; i = (i + 1) & (m->nslots - 1)) {
		g = &m->groups[m->slots[i] - 1];
		if (g->type == type && g->keylen == len &&
		    (len == 0 || memcmp(g->key, key, len) == 0))
			return g;
	}
	if (m->ngroups == m->gcap) {
		m->gcap = m->gcap ? m->gcap * 2 : 16;
		m->groups = xrealloc(m->groups, m->gcap, sizeof(*m->groups));
	}
	g = &m->groups[m->ngroups++];
	memset(g, 0, sizeof(*g));
	g->type = type;
	if (type != SQLITE_NULL) {
		g->keylen = len;
		g->key = xmalloc(len + 1);
		if (len > 0)
			memcpy(g->key, key, len);
		g->key[len] = '\0';
	}
	m->slots[i] = m->ngroups;
	/* At most half full, so a probe ends soon. */
	if (2 * m->ngroups > m->nslots)
		rehash(m, 2 * m->nslots);
	return g;
}

/*
 * Count the current row of st in s and add its duration and the square
 * SQLite computed to the sums, each when not NULL, as AVG() would:
 * sqlite3_column_double() converts a value the way AVG() reads it.
 * With keep, also keep the duration for the percentiles.
 */
static void
add_row(struct stats *s, sqlite3_stmt *st, int failed, int keep)
{
	double	 d;

	s->terminal++;
	s->failed += failed != 0;
	if (sqlite3_column_type(st, C_DSQ) != SQLITE_NULL) {
		s->nsq++;
		s->sumsq += sqlite3_column_double(st, C_DSQ);
	}
	if (sqlite3_column_type(st, C_D) == SQLITE_NULL)
		return;
	d = sqlite3_column_double(st, C_D);
	s->nd++;
	s->sum += d;
	if (!keep)
		return;
	if (s->nv == s->vcap) {
		s->vcap = s->vcap ? s->vcap * 2 : 256;
		s->v = xrealloc(s->v, s->vcap, sizeof(*s->v));
	}
	s->v[s->nv++] = d;
}

/* The order of GROUP BY: NULL, numbers, text, blobs; bytes within. */
static int
cmp_group(const void *a, const void *b)
{
	static const int	 rank[] = { 0, 1, 1, 2, 3, 0 };
	const struct stats	*x = a, *y = b;
	size_t			 n = x->keylen < y->keylen ? x->keylen :
				    y->keylen;
	int			 c;

	if (rank[x->type] != rank[y->type])
		return rank[x->type] - rank[y->type];
	if (n > 0 && (c = memcmp(x->key, y->key, n)) != 0)
		return c;
	return (x->keylen > y->keylen) - (x->keylen < y->keylen);
}

/*
 * Put the groups in the order of their keys and finish every row: each
 * group's percentiles from its durations, then the overall ones from
 * all of them together.
 */
static void
finish_groups(struct metrics *m)
{
	struct stats	*g;
	size_t		 i, n = 0;

	/* Loop by index: groups is NULL when there are none. */
	if (m->ngroups > 1)
		qsort(m->groups, m->ngroups, sizeof(*m->groups), cmp_group);
	for (i = 0; i < m->ngroups; i++) {
		finish_stats(&m->groups[i]);
		n += m->groups[i].nv;
	}
	if (m->percentiles && n > 0) {
		m->overall.v = xmalloc(n * sizeof(*m->overall.v));
		for (i = 0; i < m->ngroups; i++) {
			g = &m->groups[i];
			memcpy(m->overall.v + m->overall.nv, g->v,
			    g->nv * sizeof(*g->v));
			m->overall.nv += g->nv;
			free(g->v);
			g->v = NULL;
		}
	}
	finish_stats(&m->overall);
}

/*
 * Derive the figures of s as MergeXO does: mean = AVG(d), stddev =
 * sqrt(max(0, AVG(d * d) - AVG(d)^2)), 0 below two rows; failure rate
 * failed / terminal; all 0 without rows (AVG() of nothing is NULL, read
 * as 0).  Then the percentiles from the durations (reordered in place):
 * the nearest rank, the value at 0-based index ceil(p / 100 * n) - 1 of
 * the sorted durations, in integers so no rounding moves it; 0 when
 * there are none.
 */
static void
finish_stats(struct stats *s)
{
	double	*a = s->v, msq;
	size_t	 k50, k95;

	if (s->terminal < 1)
		return;
	s->mean = s->nd > 0 ? s->sum / (double)s->nd : 0.0;
	msq = s->nsq > 0 ? s->sumsq / (double)s->nsq : 0.0;
	s->rate = (double)s->failed / (double)s->terminal;
	if (s->terminal >= 2)
		s->stddev = sqrt(fmax(0.0, msq - s->mean * s->mean));
	if (s->nv == 0)
		return;
	k50 = (50 * s->nv + 99) / 100 - 1;
	k95 = (95 * s->nv + 99) / 100 - 1;
	select_kth(a, s->nv, k95);
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

	for (i = 0; i < m->ngroups; i++) {
		free(m->groups[i].key);
		free(m->groups[i].v);
	}
	free(m->groups);
	free(m->slots);
	free(m->overall.v);
}

static _Noreturn void
usage(void)
{
	opt_usage(&opts);
}
