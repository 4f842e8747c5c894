/*
 * gen: write a MergeXO-shaped state.db of a given number of agent runs
 * for make bench.  The output depends only on the size and the "now"
 * anchor: every issue draws from its own splitmix64 stream, numbered
 * from the newest backwards, so a larger database is the smaller one
 * with a longer history behind it.
 *
 * Shape: about 5,555 runs a day across 20 repositories (1,000,000 runs
 * = 180 days), one issue per ten runs, three in four issues get a PR,
 * about 20 runs open at "now", half a PR transition per run, several
 * feedback events per PR, action tokens and poll cursors.
 */

#include <err.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#define GEN_VERSION	1
#define RUNS_PER_DAY	(1000000.0 / 180.0)
#define DAY_MS		86400000LL
#define NREPO		20
#define SEED		0x6d782d62656e6368ULL	/* "mx-bench" */

enum { K_ISSUE, K_PRE, K_IMPL, K_FB };
enum { S_COMPLETED, S_FAILED, S_BLOCKED, S_MERGED, S_CLOSED,
	S_INTERRUPTED };
enum { O_MERGED, O_CLOSED, O_FAILED };
enum { P_NONE, P_AWAITING, P_BLOCKED, P_MERGED, P_CLOSED };

static const char *const kinds[] = {
	"issue_flow", "pre_pr_followup", "implementation_flow",
	"feedback_turn"
};
static const char *const statuses[] = {
	"completed", "failed", "blocked", "merged", "closed", "interrupted"
};
static const char *const classes[] = {
	"agent_error", "tests_failed", "policy_block", "github_error",
	"history_rewrite", "timeout", "unknown"
};
static const char *const prstatuses[] = {
	NULL, "awaiting_feedback", "blocked", "merged", "closed"
};
static const char *const flows[] = { "design_doc", "bugfix", "small_job" };
static const char *const repos[NREPO] = {
	"acme/api", "acme/web", "globex/core", "acme/mobile",
	"initech/tps", "acme/billing", "globex/sdk-python", "umbrella/lab",
	"acme/infra", "globex/dashboard", "initech/reports", "acme/search",
	"umbrella/pipeline", "globex/cli", "acme/auth", "initech/etl",
	"umbrella/ml-models", "globex/sdk-go", "acme/docs", "umbrella/ops"
};
static const char *const words[] = {
	"the", "agent", "should", "update", "handler", "so", "that", "it",
	"returns", "a", "clear", "error", "when", "request", "is", "missing",
	"field", "and", "add", "tests", "for", "edge", "cases", "in",
	"parser", "module", "keep", "public", "API", "stable", "refactor",
	"retry", "loop", "with", "backoff", "limit", "log", "warning",
	"config", "value", "from", "environment", "document", "behaviour",
	"README", "migration", "schema", "column", "index", "query", "slow",
	"page", "cache", "invalidate", "after", "write", "review", "comment",
	"address", "reviewer", "feedback", "rename", "variable", "split",
	"function", "into", "smaller", "helpers", "remove", "dead", "code",
	"fix", "flaky", "test", "timeout", "CI", "pipeline", "lint", "format",
	"type", "annotations", "check", "null", "pointer", "bounds", "input",
	"validation", "user", "facing", "message", "translate", "string",
	"upgrade", "dependency", "pin", "version", "lockfile", "build",
	"docker", "image", "deploy", "staging", "rollback", "feature", "flag",
	"metrics", "dashboard", "latency", "p95", "budget", "memory", "leak",
	"goroutine", "thread", "pool", "connection", "database", "transaction",
	"lock", "contention", "deadlock", "webhook", "payload", "signature",
	"token", "expiry", "refresh", "session", "cookie", "header", "CORS",
	"endpoint", "pagination", "cursor", "sort", "order", "filter",
	"search", "results", "empty", "state", "loading", "spinner", "button",
	"modal", "accessibility", "label", "keyboard", "navigation", "mobile",
	"layout", "regression", "snapshot", "fixture", "mock", "client",
	"server", "worker", "queue", "job", "scheduler", "cron", "report",
	"export", "CSV", "JSON", "encoding", "UTF-8", "timezone", "UTC",
	"date", "parsing", "rounding", "currency", "invoice", "tax", "rate"
};
#define NWORDS	(sizeof(words) / sizeof(words[0]))

struct rng {
	uint64_t	 s;
};

struct issue {
	int64_t		 arrive;	/* ms since the epoch */
	int64_t		 pr_at;		/* PR opened; 0: none (yet) */
	int64_t		 close_at;	/* outcome; > now: in progress */
	int64_t		 last_at;	/* latest activity up to now */
	int64_t		 retry_at;	/* next run after a failure */
	uint64_t	 seed;
	uint64_t	 active_seed;	/* the open run; 0: none */
	uint64_t	 err_seed;	/* the last failed run */
	uint32_t	 number;	/* the PR is number + 1 */
	uint32_t	 retries;
	uint8_t		 repo, flow, has_pr, outcome;
	uint8_t		 done, status, prstatus, err_class, waiting;
	uint8_t		 takeover, ghstate;
};

struct run {
	int64_t		 start, end;	/* end > now: open */
	uint64_t	 seed;
	uint32_t	 issue;
	uint8_t		 kind, status, fclass, active;
};

struct trans {
	int64_t		 at;
	uint64_t	 seed;
	uint32_t	 issue;
	uint8_t		 from, to, reason;
};

struct event {
	int64_t		 at, processed;	/* processed 0: pending */
	uint32_t	 issue, ordinal;
	uint8_t		 kind;
};

struct token {
	int64_t		 at, observed;	/* observed 0: NULL */
	uint64_t	 seed;
	uint32_t	 issue;
	uint8_t		 pr, status;
};

#define ARRAY(type, name)	struct { type *v; size_t n, cap; } name
static ARRAY(struct issue, issues);
static ARRAY(struct run, runs);
static ARRAY(struct trans, transitions);
static ARRAY(struct event, events);
static ARRAY(struct token, tokens);

#define PUSH(a)	(((a).n == (a).cap ? grow((void **)&(a).v, &(a).cap, \
		    sizeof(*(a).v)) : (void)0), &(a).v[(a).n++])

static int64_t	 now;
static double	 repo_cdf[NREPO];

static void	 grow(void **, size_t *, size_t);
static uint64_t	 next(struct rng *);
static double	 u01(struct rng *);
static double	 lognormal(struct rng *, double, double);
static int	 geometric(struct rng *, double);
static void	 plan(void);
static void	 simulate(struct issue *, uint32_t, long long *);
static void	 write_db(const char *, const char *);
static _Noreturn void usage(void);

int
main(int argc, char *argv[])
{
	const char	*out = NULL, *schema = "tests/schema.sql";
	char		*end;
	long long	 want = 0, have = 0;
	double		 w, sum = 0;
	size_t		 i;
	int		 ch, r;

	now = (int64_t)time(NULL) * 1000;
	while ((ch = getopt(argc, argv, "n:o:s:t:V")) != -1) {
		switch (ch) {
		case 'n':
			want = strtoll(optarg, &end, 10);
			if (*end != '\0' || want < 1 || want > 100000000)
				errx(EX_USAGE, "-n: %s: bad number of runs",
				    optarg);
			break;
		case 'o':
			out = optarg;
			break;
		case 's':
			schema = optarg;
			break;
		case 't':
			now = strtoll(optarg, &end, 10) * 1000;
			if (*end != '\0' || now <= 0)
				errx(EX_USAGE, "-t: %s: bad time", optarg);
			break;
		case 'V':
			printf("%d\n", GEN_VERSION);
			return 0;
		default:
			usage();
		}
	}
	argc -= optind;
	if (argc != 0 || want == 0 || out == NULL)
		usage();

	for (r = 0; r < NREPO; r++) {
		w = 1.0 / pow(r + 1.0, 0.7);
		sum += w;
		repo_cdf[r] = sum;
	}
	for (r = 0; r < NREPO; r++)
		repo_cdf[r] /= sum;

	/* Issues from the newest backwards until there are enough runs. */
	while (have < want) {
		struct issue *is = PUSH(issues);

		simulate(is, (uint32_t)(issues.n - 1), &have);
	}
	/* The oldest issue gives only its latest runs. */
	if (have > want) {
		size_t	 first = runs.n, k = 0, drop = (size_t)(have - want);
		uint32_t last = (uint32_t)(issues.n - 1);

		for (i = 0; i < runs.n; i++)
			if (runs.v[i].issue == last && i < first)
				first = i;
		/* Its runs were pushed in time order: drop the first ones. */
		for (i = 0; i < runs.n; i++) {
			if (i >= first && runs.v[i].issue == last && drop > 0) {
				drop--;
				continue;
			}
			runs.v[k++] = runs.v[i];
		}
		runs.n = k;
	}
	plan();
	write_db(out, schema);
	return 0;
}

static void
grow(void **v, size_t *cap, size_t size)
{
	size_t	 n = *cap ? *cap * 2 : 4096;
	void	*p;

	if ((p = realloc(*v, n * size)) == NULL)
		err(EX_OSERR, NULL);
	*v = p;
	*cap = n;
}

static uint64_t
next(struct rng *r)
{
	uint64_t	 z;

	z = (r->s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static double
u01(struct rng *r)
{
	return (double)(next(r) >> 11) * 0x1.0p-53;
}

/* A log-normal draw around median with shape sigma (Box-Muller). */
static double
lognormal(struct rng *r, double median, double sigma)
{
	double	 a = u01(r), b = u01(r), z;

	if (a < 1e-300)
		a = 1e-300;
	z = sqrt(-2.0 * log(a)) * cos(2.0 * M_PI * b);
	return median * exp(sigma * z);
}

/* How many more times something happens, each time with odds p. */
static int
geometric(struct rng *r, double p)
{
	int	 n = 0;

	while (n < 1000 && u01(r) < p)
		n++;
	return n;
}

static int64_t
clampms(double s, double lo, double hi)
{
	if (s < lo)
		s = lo;
	if (s > hi)
		s = hi;
	return (int64_t)(s * 1000.0);
}

/*
 * Draw issue j (0 = the newest) and its runs, transitions, events and
 * tokens; add the runs that started by now to *have.  Nothing happens
 * after now: later runs are not written, events after now are not
 * seen yet, processing after now leaves the event pending.
 */
static void
simulate(struct issue *is, uint32_t j, long long *have)
{
	struct rng	 r, ar;
	struct run	*ru, *prev = NULL;
	struct trans	*tr;
	struct event	*ev;
	struct token	*tk;
	static double	 back;		/* ms of arrivals behind now */
	double		 u, issues_per_day;
	int64_t		 t, fb_start[512], fb_end[512];
	int		 n_issue, n_pre, n_impl, n_fb, nplan, k, kind, nfb = 0;
	int		 pr_state = P_NONE, nev, e, turn;
	uint8_t		 plan_kind[1024];

	memset(is, 0, sizeof(*is));
	r.s = SEED ^ ((uint64_t)(j + 1) * 0xd1b54a32d192ed03ULL);
	next(&r);
	is->seed = next(&r);

	/*
	 * Arrivals: a Poisson stream at the rate that gives RUNS_PER_DAY
	 * runs, runs per issue being 1.1 + 1.5 + 0.946 + 0.76 * 8.5.
	 */
	issues_per_day = RUNS_PER_DAY / (1.1 + 1.5 + 0.946 + 0.76 * 8.5);
	ar.s = is->seed;
	back += -log(1.0 - u01(&ar)) * (double)DAY_MS / issues_per_day;
	is->arrive = now - (int64_t)back - 45000;

	u = u01(&r);
	for (k = 0; k < NREPO - 1 && u > repo_cdf[k]; k++)
		;
	is->repo = (uint8_t)k;
	/* Number from the newest down, two apart: the PR takes the odd one. */
	{
		static uint32_t	 count[NREPO];

		is->number = 60000 - 2 * count[k]++;
	}
	is->flow = (uint8_t)(next(&r) % 3);
	is->has_pr = u01(&r) < 0.76;
	n_issue = 1 + (u01(&r) < 0.1);
	if ((n_pre = geometric(&r, 0.6)) > 100)
		n_pre = 100;
	n_impl = is->has_pr ? 1 + (u01(&r) < 0.15) : (u01(&r) < 0.3);
	n_fb = is->has_pr ? 1 + geometric(&r, 7.5 / 8.5) : 0;
	if (n_fb > 500)
		n_fb = 500;	/* with n_pre <= 100, nplan < 1024 */
	nplan = 0;
	for (k = 0; k < n_issue; k++)
		plan_kind[nplan++] = K_ISSUE;
	for (k = 0; k < n_pre; k++)
		plan_kind[nplan++] = K_PRE;
	for (k = 0; k < n_impl; k++)
		plan_kind[nplan++] = K_IMPL;
	for (k = 0; k < n_fb; k++)
		plan_kind[nplan++] = K_FB;
	u = u01(&r);
	if (is->has_pr)
		is->outcome = u < 0.85 ? O_MERGED : O_CLOSED;
	else
		is->outcome = u < 0.9 ? O_CLOSED : O_FAILED;

	is->status = 0;
	is->last_at = is->arrive;
	t = is->arrive;
	for (k = 0; k < nplan; k++) {
		kind = plan_kind[k];
		if (k > 0) {
			switch (kind) {
			case K_PRE:	/* waiting for the human's answer */
				t += clampms(lognormal(&r, 480, 1.0), 20,
				    86400);
				break;
			case K_FB:	/* waiting for review */
				t += clampms(lognormal(&r, 300, 1.0), 10,
				    86400);
				break;
			default:
				t += clampms(lognormal(&r, 60, 0.8), 5, 7200);
				break;
			}
		}
		if (t > now)
			break;
		ru = PUSH(runs);
		ru->start = t;
		ru->end = t + clampms(lognormal(&r, 180, 1.0), 30, 7200);
		ru->seed = next(&r);
		ru->issue = j;
		ru->kind = (uint8_t)kind;
		ru->active = 0;
		u = u01(&r);
		if (u < 0.12) {
			ru->status = S_FAILED;
			u = u01(&r);
			ru->fclass = u < 0.35 ? 0 : u < 0.65 ? 1 :
			    u < 0.70 ? 2 : u < 0.80 ? 3 : u < 0.83 ? 4 :
			    u < 0.93 ? 5 : 6;
		} else if (u < 0.14) {
			ru->status = S_BLOCKED;
			ru->fclass = 2;
		} else if (u < 0.15) {
			ru->status = S_INTERRUPTED;
			ru->fclass = 6;
		} else {
			ru->status = S_COMPLETED;
			ru->fclass = 255;
		}
		if (k == nplan - 1 && kind == K_FB && u01(&r) < 0.3)
			ru->status = is->outcome == O_MERGED ? S_MERGED :
			    S_CLOSED;
		(*have)++;
		if (ru->end > now) {
			ru->active = u01(&r) < 0.65;
			is->active_seed = ru->seed;
			is->last_at = ru->start;
		} else
			is->last_at = ru->end;
		if (kind == K_FB && nfb < 512) {
			fb_start[nfb] = ru->start;
			fb_end[nfb++] = ru->end;
		}
		/* Transitions around feedback turns. */
		if (kind == K_FB && pr_state == P_BLOCKED) {
			tr = PUSH(transitions);
			tr->at = ru->start;
			tr->seed = next(&r);
			tr->issue = j;
			tr->from = P_BLOCKED;
			tr->to = P_AWAITING;
			tr->reason = 3;
			pr_state = P_AWAITING;
		}
		if (ru->end <= now && ru->status != S_COMPLETED &&
		    ru->status != S_MERGED && ru->status != S_CLOSED) {
			is->err_seed = ru->seed;
			is->err_class = ru->fclass;
		}
		if (kind == K_IMPL && k + 1 < nplan &&
		    plan_kind[k + 1] == K_FB && ru->end <= now) {
			is->pr_at = ru->end;
			tr = PUSH(transitions);
			tr->at = ru->end + 1000;
			tr->seed = next(&r);
			tr->issue = j;
			tr->from = P_NONE;
			tr->to = P_AWAITING;
			tr->reason = 0;
			pr_state = P_AWAITING;
		}
		if (kind == K_FB && ru->end <= now && pr_state == P_AWAITING &&
		    (ru->status == S_FAILED || ru->status == S_BLOCKED ||
		    u01(&r) < 0.16)) {
			tr = PUSH(transitions);
			tr->at = ru->end + 500;
			tr->seed = next(&r);
			tr->issue = j;
			tr->from = P_AWAITING;
			tr->to = P_BLOCKED;
			tr->reason = ru->status == S_COMPLETED ? 2 : 1;
			pr_state = P_BLOCKED;
		}
		/* A token when the run posted a comment. */
		if (ru->end <= now && u01(&r) < (kind == K_FB ? 0.7 : 0.5)) {
			tk = PUSH(tokens);
			tk->at = ru->end;
			tk->seed = next(&r);
			tk->issue = j;
			tk->pr = kind == K_FB || kind == K_IMPL;
			u = u01(&r);
			tk->status = u < 0.93 ? 2 : u < 0.97 ? 1 :
			    u < 0.99 ? 3 : 0;
			tk->observed = ru->end + clampms(5 + 55 * u01(&r), 1,
			    60);
			if (tk->status != 2 || tk->observed > now) {
				if (tk->status == 2)
					tk->status = 1;
				tk->observed = 0;
			}
		}
		prev = ru;
		t = ru->end;
		if (t > now)
			break;
	}
	if (k == nplan) {
		is->close_at = t + clampms(lognormal(&r, 600, 1.0), 30, 86400);
		if (is->close_at <= now) {
			is->done = 1;
			is->last_at = is->close_at;
		}
	} else
		is->close_at = INT64_MAX;

	/* Feedback events: in the wait before a feedback turn. */
	nev = is->has_pr ? 1 + geometric(&r, 0.8) : 0;
	for (e = 0; e < nev && is->pr_at != 0; e++) {
		int64_t	 lo, hi, at;

		/* The turn that handles it; nfb: one after the last seen. */
		turn = (int)(next(&r) % (uint64_t)(n_fb + (is->done ? 0 : 1)));
		if (turn < nfb) {
			lo = turn == 0 ? is->pr_at : fb_end[turn - 1];
			hi = fb_start[turn];
		} else {
			lo = nfb > 0 ? fb_end[nfb - 1] : is->pr_at;
			hi = lo + clampms(lognormal(&r, 300, 1.0), 10, 86400);
		}
		if (hi <= lo)
			hi = lo + 1000;
		at = lo + (int64_t)(u01(&r) * (double)(hi - lo));
		if (at > now)
			continue;
		ev = PUSH(events);
		ev->at = at;
		ev->issue = j;
		ev->ordinal = (uint32_t)e;
		ev->kind = (uint8_t)(next(&r) % 3);
		ev->processed = turn < nfb ? fb_start[turn] + 1500 : 0;
		if (ev->processed > now || (is->done && u01(&r) < 0.002))
			ev->processed = 0;
		if (at > is->last_at)
			is->last_at = at;
	}

	/* The snapshot rows as they stand now. */
	if (is->done) {
		is->status = is->outcome == O_MERGED ? 3 : is->outcome ==
		    O_CLOSED ? 4 : 5;
		if (is->pr_at != 0) {
			tr = PUSH(transitions);
			tr->at = is->close_at;
			tr->seed = next(&r);
			tr->issue = j;
			tr->from = (uint8_t)pr_state;
			tr->to = is->outcome == O_MERGED ? P_MERGED : P_CLOSED;
			tr->reason = is->outcome == O_MERGED ? 4 : 5;
			is->prstatus = tr->to;
		}
		u = u01(&r);
		is->ghstate = is->outcome == O_FAILED ? 1 : u < 0.15 ? 0 : 2;
		is->takeover = u01(&r) < 0.002 ? 1 + (u01(&r) < 0.9) : 0;
	} else {
		struct run	*cur = prev;
		int		 in_run = cur != NULL && cur->end > now;

		/* The run under way, or the one waited for (k either way). */
		kind = k < nplan ? plan_kind[k] : -1;
		if (is->pr_at != 0) {
			is->status = 1;		/* awaiting_feedback */
			is->prstatus = pr_state == P_BLOCKED && !in_run ?
			    P_BLOCKED : P_AWAITING;
		} else if (kind == K_PRE && !in_run) {
			is->status = 2;		/* awaiting_issue_followup */
			is->waiting = 1;
		} else if (!in_run && cur != NULL &&
		    cur->status == S_FAILED) {
			is->status = 5;		/* failed, will retry */
			is->retries = 1 + (uint32_t)(next(&r) % 3);
			is->retry_at = cur->end + clampms(lognormal(&r, 120,
			    0.8), 10, 3600);
		} else
			is->status = 0;		/* running */
		u = u01(&r);
		is->ghstate = u < 0.03 ? 2 : u < 0.05 ? 3 : 1;
		is->takeover = u01(&r) < 0.05 ? 1 + (u01(&r) < 0.9) : 0;
	}
}

static int
cmp_run(const void *a, const void *b)
{
	const struct run *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->seed < y->seed ? -1 : x->seed > y->seed;
}

static int
cmp_trans(const void *a, const void *b)
{
	const struct trans *x = a, *y = b;

	if (x->at != y->at)
		return x->at < y->at ? -1 : 1;
	return x->seed < y->seed ? -1 : x->seed > y->seed;
}

static int
cmp_event(const void *a, const void *b)
{
	const struct event *x = a, *y = b;

	if (x->at != y->at)
		return x->at < y->at ? -1 : 1;
	if (x->issue != y->issue)
		return x->issue < y->issue ? -1 : 1;
	return x->ordinal < y->ordinal ? -1 : x->ordinal > y->ordinal;
}

static int
cmp_token(const void *a, const void *b)
{
	const struct token *x = a, *y = b;

	if (x->at != y->at)
		return x->at < y->at ? -1 : 1;
	return x->seed < y->seed ? -1 : x->seed > y->seed;
}

/* Everything in the order MergeXO would have inserted it: by time. */
static void
plan(void)
{
	qsort(runs.v, runs.n, sizeof(*runs.v), cmp_run);
	qsort(transitions.v, transitions.n, sizeof(*transitions.v),
	    cmp_trans);
	qsort(events.v, events.n, sizeof(*events.v), cmp_event);
	qsort(tokens.v, tokens.n, sizeof(*tokens.v), cmp_token);
}

/* ms since the epoch as strftime('%Y-%m-%dT%H:%M:%fZ') writes it. */
static const char *
ts(int64_t ms, char *b)
{
	int64_t	 s = ms / 1000, z = s / 86400, sod = s % 86400;
	int64_t	 era, doe, yoe, y, doy, mp, d, m, f = ms % 1000;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	y += m <= 2;
	b[0] = (char)('0' + y / 1000 % 10);
	b[1] = (char)('0' + y / 100 % 10);
	b[2] = (char)('0' + y / 10 % 10);
	b[3] = (char)('0' + y % 10);
	b[4] = '-';
	b[5] = (char)('0' + m / 10);
	b[6] = (char)('0' + m % 10);
	b[7] = '-';
	b[8] = (char)('0' + d / 10);
	b[9] = (char)('0' + d % 10);
	b[10] = 'T';
	b[11] = (char)('0' + sod / 36000);
	b[12] = (char)('0' + sod / 3600 % 10);
	b[13] = ':';
	b[14] = (char)('0' + sod % 3600 / 600);
	b[15] = (char)('0' + sod % 600 / 60);
	b[16] = ':';
	b[17] = (char)('0' + sod % 60 / 10);
	b[18] = (char)('0' + sod % 10);
	b[19] = '.';
	b[20] = (char)('0' + f / 100);
	b[21] = (char)('0' + f / 10 % 10);
	b[22] = (char)('0' + f % 10);
	b[23] = 'Z';
	b[24] = '\0';
	return b;
}

/* 32 hex digits from a seed: run ids and tokens. */
static const char *
hexid(uint64_t seed, char *b)
{
	struct rng	 r = { seed };

	snprintf(b, 33, "%016llx%016llx", (unsigned long long)next(&r),
	    (unsigned long long)next(&r));
	return b;
}

/* A UUID from a seed: codex session ids. */
static const char *
uuid(uint64_t seed, char *b)
{
	struct rng	 r = { seed ^ 0x5555555555555555ULL };
	uint64_t	 a = next(&r), c = next(&r);

	snprintf(b, 37, "%08llx-%04llx-4%03llx-%04llx-%012llx",
	    (unsigned long long)(a >> 32), (unsigned long long)(a >> 16 &
	    0xffff), (unsigned long long)(a & 0xfff),
	    (unsigned long long)((c >> 48 & 0x3fff) | 0x8000),
	    (unsigned long long)(c & 0xffffffffffffULL));
	return b;
}

/* n words of text into b (NUL-terminated); returns the length. */
static size_t
text(struct rng *r, int n, char *b, size_t len, int newlines)
{
	size_t	 o = 0, w;
	int	 i;

	for (i = 0; i < n; i++) {
		const char *s = words[next(r) % NWORDS];

		w = strlen(s);
		if (o + w + 3 >= len)
			break;
		if (i > 0) {
			if (newlines && next(r) % 23 == 0) {
				memcpy(b + o, "\\n", 2);
				o += 2;
			} else
				b[o++] = ' ';
		}
		memcpy(b + o, s, w);
		o += w;
	}
	b[o] = '\0';
	return o;
}

static const char *
slug(uint64_t seed, char *b, size_t len)
{
	struct rng	 r = { seed };
	size_t		 i, n;

	n = text(&r, 3, b, len, 0);
	for (i = 0; i < n; i++)
		if (b[i] == ' ')
			b[i] = '-';
		else if (b[i] >= 'A' && b[i] <= 'Z')
			b[i] = (char)(b[i] - 'A' + 'a');
	return b;
}

/* The error text of a failed or blocked run. */
static const char *
errtext(uint64_t seed, int fclass, char *b, size_t len)
{
	struct rng	 r = { seed ^ 0xe770e770e770e770ULL };
	char		 t[512];

	text(&r, 8 + (int)(next(&r) % 40), t, sizeof(t), 0);
	switch (fclass) {
	case 0:
		snprintf(b, len, "codex exited with status 1: %s", t);
		break;
	case 1:
		snprintf(b, len, "tests failed: %d failing in "
		    "tests/test_%s.py: %s", 1 + (int)(next(&r) % 9),
		    words[next(&r) % NWORDS], t);
		break;
	case 2:
		snprintf(b, len, "policy: change touches protected path "
		    ".github/workflows/%s.yml", words[next(&r) % NWORDS]);
		break;
	case 3:
		snprintf(b, len, "GitHub API error 502: Bad Gateway (%s)", t);
		break;
	case 4:
		snprintf(b, len, "branch history was rewritten: expected "
		    "%08llx", (unsigned long long)next(&r));
		break;
	case 5:
		snprintf(b, len, "agent timed out after %d s",
		    600 + (int)(next(&r) % 6600));
		break;
	default:
		snprintf(b, len, "interrupted: %s", t);
		break;
	}
	return b;
}

static void
check(sqlite3 *db, int rc, const char *what)
{
	if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
		errx(EX_SOFTWARE, "%s: %s", what, sqlite3_errmsg(db));
}

static sqlite3_stmt *
prep(sqlite3 *db, const char *sql)
{
	sqlite3_stmt	*st;

	check(db, sqlite3_prepare_v2(db, sql, -1, &st, NULL), sql);
	return st;
}

static void
step(sqlite3 *db, sqlite3_stmt *st)
{
	check(db, sqlite3_step(st), sqlite3_sql(st));
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

static void
bt(sqlite3_stmt *st, int i, const char *s)
{
	if (s == NULL)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
}

static void
bint(sqlite3_stmt *st, int i, int64_t v)
{
	sqlite3_bind_int64(st, i, v);
}

static char *
readfile(const char *path)
{
	FILE	*f;
	char	*b;
	long	 n;

	if ((f = fopen(path, "r")) == NULL)
		err(EX_NOINPUT, "%s", path);
	if (fseek(f, 0, SEEK_END) == -1 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) == -1)
		err(EX_IOERR, "%s", path);
	if ((b = malloc((size_t)n + 1)) == NULL)
		err(EX_OSERR, NULL);
	if (fread(b, 1, (size_t)n, f) != (size_t)n)
		err(EX_IOERR, "%s", path);
	b[n] = '\0';
	fclose(f);
	return b;
}

static void
exec(sqlite3 *db, const char *sql)
{
	char	*msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		errx(EX_SOFTWARE, "%s: %s", sql, msg);
}

static void
write_runs(sqlite3 *db)
{
	sqlite3_stmt	*st;
	struct run	*ru;
	struct issue	*is;
	struct rng	 r;
	char		 id[40], sid[40], b1[32], b2[32], b3[32], br[128],
			 sl[96], er[1024], meta[4096], prompt[3072];
	size_t		 i;
	int		 open;

	st = prep(db, "INSERT INTO agent_run_history(run_id, repo_full_name,"
	    " run_kind, issue_number, pr_number, flow, branch, started_at,"
	    " finished_at, terminal_status, failure_class, error,"
	    " duration_seconds, meta_json)"
	    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
	for (i = 0; i < runs.n; i++) {
		ru = &runs.v[i];
		is = &issues.v[ru->issue];
		open = ru->end > now;
		r.s = ru->seed;
		bt(st, 1, hexid(ru->seed, id));
		bt(st, 2, repos[is->repo]);
		bt(st, 3, kinds[ru->kind]);
		bint(st, 4, is->number);
		if (ru->kind == K_FB || (ru->kind == K_IMPL && is->has_pr))
			bint(st, 5, is->number + 1);
		bt(st, 6, ru->kind == K_FB ? NULL : ru->kind == K_IMPL ?
		    "implementation" : flows[is->flow]);
		snprintf(br, sizeof(br), "agent/%s/issue-%u-%s",
		    flows[is->flow], is->number, slug(is->seed, sl,
		    sizeof(sl)));
		bt(st, 7, ru->kind == K_ISSUE && is->flow == 0 ? NULL : br);
		bt(st, 8, ts(ru->start, b1));
		if (!open) {
			bt(st, 9, ts(ru->end, b2));
			bt(st, 10, statuses[ru->status]);
			if (ru->fclass != 255) {
				bt(st, 11, classes[ru->fclass]);
				bt(st, 12, errtext(ru->seed, ru->fclass, er,
				    sizeof(er)));
			}
			sqlite3_bind_double(st, 13,
			    (double)(ru->end - ru->start) / 1000.0);
		}
		/* Most runs keep the prompt that started them. */
		if (next(&r) % 20 == 0 && !open)
			bt(st, 14, "{}");
		else {
			text(&r, 10 + (int)(next(&r) % 100), prompt,
			    sizeof(prompt), 1);
			snprintf(meta, sizeof(meta), "{\"codex_active\":%s,"
			    "\"codex_mode\":\"%s\",\"codex_session_id\":\"%s\","
			    "\"codex_invocation_started_at\":\"%s\","
			    "\"last_prompt\":\"%s\"}",
			    open && ru->active ? "true" : "false",
			    ru->kind == K_FB ? "resume" : "exec",
			    uuid(is->seed, sid), ts(ru->start + 800, b3),
			    prompt);
			bt(st, 14, meta);
		}
		step(db, st);
	}
	sqlite3_finalize(st);
}

static void
write_transitions(sqlite3 *db)
{
	static const char *const reasons[] = {
		"pr_opened", "feedback_turn_failed", "checks_failed",
		"feedback_resumed", "pr_merged", "pr_closed"
	};
	sqlite3_stmt	*st;
	struct trans	*tr;
	struct issue	*is;
	char		 b[32], er[1024];
	size_t		 i;

	st = prep(db, "INSERT INTO pr_status_history(repo_full_name,"
	    " pr_number, issue_number, from_status, to_status, reason,"
	    " detail, changed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
	for (i = 0; i < transitions.n; i++) {
		tr = &transitions.v[i];
		is = &issues.v[tr->issue];
		bt(st, 1, repos[is->repo]);
		bint(st, 2, is->number + 1);
		bint(st, 3, is->number);
		bt(st, 4, prstatuses[tr->from]);
		bt(st, 5, prstatuses[tr->to]);
		bt(st, 6, reasons[tr->reason]);
		if (tr->reason == 1)
			bt(st, 7, errtext(tr->seed, (int)(tr->seed % 7), er,
			    sizeof(er)));
		else if (tr->reason == 2)
			bt(st, 7, "required check ci/test failed");
		bt(st, 8, ts(tr->at, b));
		step(db, st);
	}
	sqlite3_finalize(st);
}

static void
write_events(sqlite3 *db)
{
	static const char *const ekinds[] = {
		"review_comment", "issue_comment", "review"
	};
	sqlite3_stmt	*st;
	struct event	*ev;
	struct issue	*is;
	char		 key[128], b1[32], b2[32], b3[32];
	size_t		 i;
	int64_t		 cid;

	st = prep(db, "INSERT INTO feedback_events(repo_full_name,"
	    " event_key, pr_number, issue_number, kind, comment_id,"
	    " updated_at, processed_at, created_at)"
	    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
	for (i = 0; i < events.n; i++) {
		ev = &events.v[i];
		is = &issues.v[ev->issue];
		cid = 1000000000LL + ev->at / 1000 % 1000000000LL * 4 +
		    ev->ordinal % 4;
		snprintf(key, sizeof(key), "%s:%u:%u:%lld", ekinds[ev->kind],
		    is->number + 1, ev->ordinal, (long long)cid);
		bt(st, 1, repos[is->repo]);
		bt(st, 2, key);
		bint(st, 3, is->number + 1);
		bint(st, 4, is->number);
		bt(st, 5, ekinds[ev->kind]);
		bint(st, 6, cid);
		bt(st, 7, ts(ev->at, b1));
		bt(st, 8, ev->processed ? ts(ev->processed, b2) : NULL);
		bt(st, 9, ts(ev->at + 20000 < now ? ev->at + 20000 : now, b3));
		step(db, st);
	}
	sqlite3_finalize(st);
}

static void
write_tokens(sqlite3 *db)
{
	static const char *const tstatus[] = {
		"planned", "posted", "observed", "failed"
	};
	sqlite3_stmt	*st;
	struct token	*tk;
	struct issue	*is;
	char		 id[40], b1[32], b2[32], b3[32];
	size_t		 i;

	st = prep(db, "INSERT INTO action_tokens(repo_full_name, token,"
	    " scope_kind, scope_number, source, status, attempt_count,"
	    " observed_comment_id, observed_updated_at, created_at,"
	    " updated_at) VALUES (?, ?, ?, ?, 'orchestrator', ?, ?, ?, ?,"
	    " ?, ?)");
	for (i = 0; i < tokens.n; i++) {
		tk = &tokens.v[i];
		is = &issues.v[tk->issue];
		bt(st, 1, repos[is->repo]);
		bt(st, 2, hexid(tk->seed, id));
		bt(st, 3, tk->pr ? "pr" : "issue");
		bint(st, 4, is->number + (tk->pr ? 1 : 0));
		bt(st, 5, tstatus[tk->status]);
		bint(st, 6, 1 + (tk->status == 3 ? 2 : 0));
		if (tk->observed) {
			bint(st, 7, 2000000000LL + (int64_t)(tk->seed %
			    1000000000ULL));
			bt(st, 8, ts(tk->observed, b1));
		}
		bt(st, 9, ts(tk->at, b2));
		bt(st, 10, ts(tk->observed ? tk->observed : tk->at, b3));
		step(db, st);
	}
	sqlite3_finalize(st);
}

/* issue_runs, pr_feedback_state, follow-ups, takeovers and cursors. */
static void
write_snapshots(sqlite3 *db)
{
	static const char *const istatus[] = {
		"running", "awaiting_feedback", "awaiting_issue_followup",
		"merged", "closed", "failed"
	};
	static const char *const ghstates[] = { NULL, "open", "closed",
	    "CLOSED" };
	static const char *const isurf[] = { "issue_pre_pr_followups",
	    "issue_post_pr_redirects", "issue_operator_commands" };
	static const char *const psurf[] = { "pr_review_comments",
	    "pr_issue_comments", "pr_review_summaries" };
	sqlite3_stmt	*si, *sp, *sf, *st, *sc;
	struct issue	*is;
	struct rng	 r;
	char		 br[128], sl[96], url[128], er[1024], id[40], b1[32],
			 b2[32], sha[48], why[512];
	size_t		 i;
	int		 k, inprog;
	int64_t		 at;

	si = prep(db, "INSERT INTO issue_runs(repo_full_name, issue_number,"
	    " status, branch, pr_number, pr_url, error, updated_at,"
	    " github_state, last_failure_class, retry_count, next_retry_at,"
	    " active_run_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
	sp = prep(db, "INSERT INTO pr_feedback_state(repo_full_name,"
	    " pr_number, issue_number, branch, status, last_seen_head_sha,"
	    " updated_at, active_run_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
	sf = prep(db, "INSERT INTO pre_pr_followup_state(repo_full_name,"
	    " issue_number, flow, branch, context_json, waiting_reason,"
	    " last_checkpoint_sha, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?,"
	    " ?)");
	st = prep(db, "INSERT INTO issue_takeover_state(repo_full_name,"
	    " issue_number, ignore_active, updated_at) VALUES (?, ?, ?, ?)");
	sc = prep(db, "INSERT INTO github_comment_poll_cursors("
	    "repo_full_name, surface, scope_number, last_updated_at,"
	    " last_comment_id, bootstrap_complete, updated_at)"
	    " VALUES (?, ?, ?, ?, ?, 1, ?)");
	/* Oldest first, the order MergeXO met them in. */
	for (i = issues.n; i-- > 0;) {
		is = &issues.v[i];
		if (is->arrive > now)
			continue;
		r.s = is->seed ^ 0x1234567887654321ULL;
		inprog = !is->done;
		snprintf(br, sizeof(br), "agent/%s/issue-%u-%s",
		    flows[is->flow], is->number, slug(is->seed, sl,
		    sizeof(sl)));
		snprintf(url, sizeof(url), "https://github.com/%s/pull/%u",
		    repos[is->repo], is->number + 1);
		snprintf(sha, sizeof(sha), "%016llx%016llx%08llx",
		    (unsigned long long)next(&r), (unsigned long long)next(&r),
		    (unsigned long long)(next(&r) >> 32));
		at = is->last_at;

		bt(si, 1, repos[is->repo]);
		bint(si, 2, is->number);
		bt(si, 3, istatus[is->status]);
		bt(si, 4, br);
		if (is->pr_at != 0) {
			bint(si, 5, is->number + 1);
			bt(si, 6, url);
		}
		if (is->err_seed != 0 && (is->status == 5 ||
		    is->prstatus == P_BLOCKED || (inprog && next(&r) % 3 == 0)
		    || next(&r) % 10 == 0)) {
			bt(si, 7, errtext(is->err_seed, is->err_class, er,
			    sizeof(er)));
			bt(si, 10, classes[is->err_class]);
		}
		bt(si, 8, ts(at, b1));
		bt(si, 9, ghstates[is->ghstate]);
		bint(si, 11, is->retries);
		if (is->retry_at != 0)
			bt(si, 12, ts(is->retry_at, b2));
		if (is->active_seed != 0)
			bt(si, 13, hexid(is->active_seed, id));
		step(db, si);

		if (is->pr_at != 0) {
			bt(sp, 1, repos[is->repo]);
			bint(sp, 2, is->number + 1);
			bint(sp, 3, is->number);
			bt(sp, 4, br);
			bt(sp, 5, prstatuses[is->prstatus]);
			bt(sp, 6, sha);
			bt(sp, 7, ts(at, b1));
			if (is->active_seed != 0)
				bt(sp, 8, hexid(is->active_seed, id));
			step(db, sp);
		}
		if (is->waiting) {
			text(&r, 6 + (int)(next(&r) % 20), why, sizeof(why), 0);
			bt(sf, 1, repos[is->repo]);
			bint(sf, 2, is->number);
			bt(sf, 3, flows[is->flow]);
			bt(sf, 4, br);
			bt(sf, 5, "{\"questions\":1}");
			bt(sf, 6, why);
			bt(sf, 7, sha);
			bt(sf, 8, ts(at, b1));
			step(db, sf);
		}
		if (is->takeover) {
			bt(st, 1, repos[is->repo]);
			bint(st, 2, is->number);
			bint(st, 3, is->takeover == 2);
			bt(st, 4, ts(at, b1));
			step(db, st);
		}
		for (k = 0; k < 3; k++) {
			bt(sc, 1, repos[is->repo]);
			bt(sc, 2, isurf[k]);
			bint(sc, 3, is->number);
			bt(sc, 4, ts(is->arrive + (int64_t)(next(&r) % 60000),
			    b1));
			bint(sc, 5, next(&r) % 10 < 3 ? 0 : 1000000000LL +
			    is->arrive / 1000 % 1000000000LL);
			bt(sc, 6, ts(at, b2));
			step(db, sc);
		}
		for (k = 0; k < 3 && is->pr_at != 0; k++) {
			bt(sc, 1, repos[is->repo]);
			bt(sc, 2, psurf[k]);
			bint(sc, 3, is->number + 1);
			bt(sc, 4, ts(at - (int64_t)(next(&r) % 60000), b1));
			bint(sc, 5, next(&r) % 10 < 2 ? 0 : 1000000000LL +
			    at / 1000 % 1000000000LL);
			bt(sc, 6, ts(at, b2));
			step(db, sc);
		}
	}
	sqlite3_finalize(si);
	sqlite3_finalize(sp);
	sqlite3_finalize(sf);
	sqlite3_finalize(st);
	sqlite3_finalize(sc);
}

/*
 * Write the database to path.tmp with the journal off, then switch it
 * to WAL as MergeXO's files are and rename it into place.
 */
static void
write_db(const char *path, const char *schema)
{
	sqlite3		*db;
	char		 tmp[4096], tmp2[4096], b[32];
	char		*sql;
	struct timespec	 t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	unlink(tmp);
	if (sqlite3_open(tmp, &db) != SQLITE_OK)
		errx(EX_CANTCREAT, "%s: %s", tmp, sqlite3_errmsg(db));
	sql = readfile(schema);
	exec(db, sql);
	free(sql);
	exec(db, "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;"
	    " PRAGMA locking_mode = EXCLUSIVE; PRAGMA cache_size = -524288;"
	    " PRAGMA temp_store = MEMORY");
	exec(db, "BEGIN");
	write_snapshots(db);
	write_runs(db);
	write_transitions(db);
	write_events(db);
	write_tokens(db);
	exec(db, "COMMIT");
	exec(db, "PRAGMA locking_mode = NORMAL; PRAGMA journal_mode = WAL");
	if (sqlite3_close(db) != SQLITE_OK)
		errx(EX_SOFTWARE, "%s: close failed", tmp);
	/* A -wal or -shm left by readers of an older file would poison it. */
	snprintf(tmp2, sizeof(tmp2), "%s-wal", path);
	unlink(tmp2);
	snprintf(tmp2, sizeof(tmp2), "%s-shm", path);
	unlink(tmp2);
	if (rename(tmp, path) == -1)
		err(EX_CANTCREAT, "%s", path);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	fprintf(stderr, "gen: %s: %zu runs, %zu issues, %zu transitions, "
	    "%zu events, %zu tokens, now %s, %.1f s\n", path, runs.n,
	    issues.n, transitions.n, events.n, tokens.n, ts(now, b),
	    (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
}

static _Noreturn void
usage(void)
{
	fprintf(stderr, "usage: gen [-V] -n runs -o database [-s schema.sql] "
	    "[-t epoch]\n");
	exit(EX_USAGE);
}
