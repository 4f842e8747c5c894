/*
 * mx-record: the instrumentation side.  Start, finish and annotate agent
 * runs and append PR status changes to MergeXO's history tables, from
 * any orchestrator or shell script.
 */

#include <ctype.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "mx.h"

#define RUN_ID_MAX	128

/* What a subcommand writes: the texts it binds, checked and normalized. */
struct rec {
	const char	*run_id;
	const char	*kind;
	long long	 issue;		/* -1: not given */
	long long	 pr;		/* -1: not given */
	const char	*flow;
	const char	*branch;
	const char	*meta;
	const char	*status;
	const char	*class;
	const char	*error;
	const char	*from;
	const char	*to;
	const char	*reason;
	const char	*detail;
	char		*when;		/* normalized -t, or NULL for now */
	char		 id[RUN_ID_MAX + 1];
};

static void	start_args(int, char **, struct rec *);
static void	finish_args(int, char **, struct rec *);
static void	meta_args(int, char **, struct rec *);
static void	transition_args(int, char **, struct rec *);
static int	run_operand(int, char **, struct rec *, const char *);
static int	start(sqlite3 *, struct rec *);
static int	finish(sqlite3 *, struct rec *);
static int	meta(sqlite3 *, struct rec *);
static int	transition(sqlite3 *, struct rec *);
static int	not_open(sqlite3 *, const char *);
static int	update_open(sqlite3 *, sqlite3_stmt *, const char *);
static int	history(sqlite3 *, const char *, const char *);
static const char *text_arg(const char *, const char *, int);
static char	*time_arg(const char *, const char *);
static void	run_id_arg(const char *, const char *, char *);
static void	json_arg(const char *, const char *);
static void	new_run_id(char *);
static void	reset_getopt(void);
static _Noreturn void usage(void);

static struct mx_opts opts;

#ifndef __GLIBC__
extern int optreset;	/* BSD getopt; declared only for __BSD_VISIBLE */
#endif

int
main(int argc, char *argv[])
{
	struct rec	 r;
	sqlite3		*db;
	const char	*cmd;
	int		 ch, status;

	opt_init(&opts, "mx-record [-c config] [-d database] start -i issue "
	    "-k kind -r repo\n"
	    "           [-b branch] [-f flow] [-m meta_json] [-p pr] "
	    "[-t started_at]\n"
	    "           [-u run_id]\n"
	    "       mx-record [-c config] [-d database] finish run_id "
	    "-s status\n"
	    "           [-c class] [-e error] [-t finished_at]\n"
	    "       mx-record [-c config] [-d database] meta run_id "
	    "meta_json\n"
	    "       mx-record [-c config] [-d database] transition -i issue "
	    "-p pr\n"
	    "           -r repo -T to [-D detail] [-F from] [-R reason] "
	    "[-t changed_at]");
	while ((ch = getopt_long(argc, argv, "+c:d:", mx_longopts,
	    NULL)) != -1) {
		if (!opt_common(&opts, ch, optarg))
			usage();
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		usage();

	memset(&r, 0, sizeof(r));
	r.issue = r.pr = -1;
	cmd = argv[0];
	if (strcmp(cmd, "start") == 0)
		start_args(argc, argv, &r);
	else if (strcmp(cmd, "finish") == 0)
		finish_args(argc, argv, &r);
	else if (strcmp(cmd, "meta") == 0)
		meta_args(argc, argv, &r);
	else if (strcmp(cmd, "transition") == 0)
		transition_args(argc, argv, &r);
	else {
		warnx("%s: unknown command (valid: start, finish, meta, "
		    "transition)", cmd);
		usage();
	}

	db = schema_open(&opts);		/* exits 66 or 75 itself */
	if (cmd[0] == 't' && r.from != NULL && strcmp(r.from, r.to) == 0 &&
	    r.reason == NULL && r.detail == NULL)
		status = 0;			/* no change to record */
	else if ((status = schema_ensure(db, SCHEMA_TABLES)) == 0) {
		if (cmd[0] == 's')
			status = start(db, &r);
		else if (cmd[0] == 'f')
			status = finish(db, &r);
		else if (cmd[0] == 'm')
			status = meta(db, &r);
		else
			status = transition(db, &r);
	}
	db_close(db);
	free(r.when);
	opt_free(&opts);
	return out_finish(status);		/* flushes and checks stdout */
}

/* Restart getopt on a subcommand's arguments, argv[0] its name. */
static void
reset_getopt(void)
{
#ifdef __GLIBC__
	optind = 0;
#else
	optreset = 1;
	optind = 1;
#endif
}

static void
start_args(int argc, char **argv, struct rec *r)
{
	int	 ch;

	reset_getopt();
	while ((ch = getopt_long(argc, argv, "+b:f:i:k:m:p:r:t:u:",
	    mx_longopts, NULL)) != -1) {
		switch (ch) {
		case 'b':
			r->branch = text_arg("-b", optarg, 0);
			break;
		case 'f':
			r->flow = text_arg("-f", optarg, 0);
			break;
		case 'i':
			r->issue = opt_number(optarg, "-i", 1, LLONG_MAX);
			break;
		case 'k':
			r->kind = mx_run_kinds[enum_check(mx_run_kinds, optarg,
			    "-k", "run kind")];
			break;
		case 'm':
			json_arg("-m", optarg);
			r->meta = optarg;
			break;
		case 'p':
			r->pr = opt_number(optarg, "-p", 1, LLONG_MAX);
			break;
		case 'r':
			text_arg("-r", optarg, 0);
			opt_common(&opts, ch, optarg);
			break;
		case 't':
			free(r->when);
			r->when = time_arg("-t", optarg);
			break;
		case 'u':
			run_id_arg("-u", optarg, r->id);
			break;
		default:
			if (!opt_common(&opts, ch, optarg))
				usage();
			break;
		}
	}
	if (optind != argc)
		usage();
	if (r->issue == -1 || r->kind == NULL || opts.repo == NULL) {
		warnx("start: -i, -k and -r are required");
		usage();
	}
	if (r->id[0] == '\0')
		new_run_id(r->id);
	r->run_id = r->id;
}

/*
 * Take the run id operand of finish and meta, before the options as the
 * examples write it, or after them; return the index of the first
 * operand left after the options.
 */
static int
run_operand(int argc, char **argv, struct rec *r, const char *optstring)
{
	const char	*name = argv[0];
	int		 ch, first = 1;

	if (argc > 1 && argv[1][0] != '-') {
		run_id_arg("run_id", argv[1], r->id);
		first = 2;
	}
	reset_getopt();
	argv += first - 1;
	argc -= first - 1;
	while ((ch = getopt_long(argc, argv, optstring, mx_longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'c':
			r->class = mx_failure_classes[enum_check(
			    mx_failure_classes, optarg, "-c",
			    "failure class")];
			break;
		case 'e':
			r->error = text_arg("-e", optarg, 1);
			break;
		case 's':
			r->status = mx_terminal_statuses[enum_check(
			    mx_terminal_statuses, optarg, "-s",
			    "terminal status")];
			break;
		case 't':
			free(r->when);
			r->when = time_arg("-t", optarg);
			break;
		default:
			if (!opt_common(&opts, ch, optarg))
				usage();
			break;
		}
	}
	if (r->id[0] == '\0' && optind < argc)
		run_id_arg("run_id", argv[optind++], r->id);
	if (r->id[0] == '\0') {
		warnx("%s: a run_id is required", name);
		usage();
	}
	r->run_id = r->id;
	return optind + first - 1;
}

static void
finish_args(int argc, char **argv, struct rec *r)
{
	if (run_operand(argc, argv, r, "+c:e:s:t:") != argc)
		usage();
	if (r->status == NULL) {
		warnx("finish: -s is required (valid: %s)",
		    enum_names(mx_terminal_statuses));
		usage();
	}
}

static void
meta_args(int argc, char **argv, struct rec *r)
{
	int	 i;

	i = run_operand(argc, argv, r, "+");
	if (i != argc - 1)
		usage();
	json_arg("meta_json", argv[i]);
	r->meta = argv[i];
}

static void
transition_args(int argc, char **argv, struct rec *r)
{
	int	 ch;

	reset_getopt();
	while ((ch = getopt_long(argc, argv, "+D:F:i:p:R:r:T:t:",
	    mx_longopts, NULL)) != -1) {
		switch (ch) {
		case 'D':
			r->detail = text_arg("-D", optarg, 1);
			break;
		case 'F':
			r->from = text_arg("-F", optarg, 0);
			break;
		case 'i':
			r->issue = opt_number(optarg, "-i", 1, LLONG_MAX);
			break;
		case 'p':
			r->pr = opt_number(optarg, "-p", 1, LLONG_MAX);
			break;
		case 'R':
			r->reason = text_arg("-R", optarg, 1);
			break;
		case 'r':
			text_arg("-r", optarg, 0);
			opt_common(&opts, ch, optarg);
			break;
		case 'T':
			r->to = text_arg("-T", optarg, 0);
			break;
		case 't':
			free(r->when);
			r->when = time_arg("-t", optarg);
			break;
		default:
			if (!opt_common(&opts, ch, optarg))
				usage();
			break;
		}
	}
	if (optind != argc)
		usage();
	if (r->issue == -1 || r->pr == -1 || opts.repo == NULL ||
	    r->to == NULL) {
		warnx("transition: -i, -p, -r and -T are required");
		usage();
	}
}

/*
 * Check a text option: valid UTF-8 and, unless multiline, free of
 * control characters.  Exits 64 on a bad one.  Returns s, or NULL for
 * an empty one (an empty optional value is no value).
 */
static const char *
text_arg(const char *opt, const char *s, int multiline)
{
	const unsigned char	*u = (const unsigned char *)s;
	size_t			 i, k, n = strlen(s);

	for (i = 0; i < n; i += k) {
		if ((k = utf8_valid_prefix(u + i, n - i)) == 0) {
			warnx("%s: not valid UTF-8", opt);
			exit(EX_USAGE);
		}
		if (!multiline && k == 1 && (u[i] < 0x20 || u[i] == 0x7f)) {
			warnx("%s: control character in value", opt);
			exit(EX_USAGE);
		}
	}
	return n > 0 ? s : NULL;
}

/*
 * Check a timestamp: an ISO 8601 date and time that SQLite reads (an
 * offset or Z allowed).  Return it normalized to UTC as MergeXO writes
 * timestamps, so that text comparisons of windows hold; the caller
 * frees it.  Exits 64 on a bad one.
 */
static char *
time_arg(const char *opt, const char *s)
{
	sqlite3		*mem = NULL;
	sqlite3_stmt	*st = NULL;
	char		*r = NULL;
	int		 i;

	for (i = 0; i < 10; i++)
		if (i == 4 || i == 7 ? s[i] != '-' :
		    !isdigit((unsigned char)s[i]))
			break;
	if (i == 10 && sqlite3_open_v2(":memory:", &mem, SQLITE_OPEN_READWRITE,
	    NULL) == SQLITE_OK && sqlite3_prepare_v2(mem, "SELECT strftime('"
	    MX_TSFMT "', ?)", -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, s, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW &&
		    sqlite3_column_type(st, 0) == SQLITE_TEXT)
			r = xstrdup((const char *)sqlite3_column_text(st, 0));
	}
	sqlite3_finalize(st);
	sqlite3_close(mem);
	if (r == NULL) {
		warnx("%s: %s: bad timestamp (use ISO 8601, e.g. "
		    "2026-02-24T12:34:56Z)", opt, s);
		exit(EX_USAGE);
	}
	return r;
}

/*
 * Check a run id into buf: 1 to RUN_ID_MAX letters, digits, '.', '_',
 * ':' or '-', starting with a letter or digit.  Exits 64 on a bad one.
 */
static void
run_id_arg(const char *opt, const char *s, char *buf)
{
	size_t	 n = strlen(s);

	if (n == 0 || n > RUN_ID_MAX || !isalnum((unsigned char)s[0]) ||
	    strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789._:-") != n) {
		warnx("%s: bad run id (1 to %d letters, digits, '.', '_', "
		    "':' or '-')", opt, RUN_ID_MAX);
		exit(EX_USAGE);
	}
	memcpy(buf, s, n + 1);
}

/* Check that s is a JSON object, as meta_json holds; exits 64 if not. */
static void
json_arg(const char *opt, const char *s)
{
	json_error_t	 jerr;
	json_t		*j;
	int		 isobj;

	if ((j = json_loads(s, 0, &jerr)) == NULL) {
		warnx("%s: not valid JSON: %s", opt, jerr.text);
		exit(EX_USAGE);
	}
	isobj = json_is_object(j);
	json_decref(j);
	if (!isobj) {
		warnx("%s: not a JSON object", opt);
		exit(EX_USAGE);
	}
}

/* Make a fresh run id: 32 hex digits from /dev/urandom. */
static void
new_run_id(char *buf)
{
	unsigned char	 b[16];
	ssize_t		 n;
	size_t		 i;
	int		 fd;

	if ((fd = open("/dev/urandom", O_RDONLY)) == -1)
		err(EX_SOFTWARE, "/dev/urandom");
	while ((n = read(fd, b, sizeof(b))) == -1 && errno == EINTR)
		continue;
	if (n != (ssize_t)sizeof(b))
		err(EX_SOFTWARE, "/dev/urandom");
	close(fd);
	for (i = 0; i < sizeof(b); i++)
		snprintf(buf + 2 * i, 3, "%02x", b[i]);
}

/*
 * Return 0 if table has the columns we write, else say so and return
 * 65: an older or foreign table we will not write into.
 */
static int
history(sqlite3 *db, const char *table, const char *cols)
{
	if (db_has_columns(db, table, cols))
		return 0;
	warnx("%s: %s lacks columns we write (older MergeXO?)", db_file(),
	    table);
	return EX_DATAERR;
}

/*
 * In the open transaction, say why run_id could not be changed: it is
 * unknown, or already finished.  Returns 65, or the SQL error's status.
 */
static int
not_open(sqlite3 *db, const char *run_id)
{
	sqlite3_stmt	*st;
	int		 rc;

	st = db_prepare(db, "SELECT finished_at, terminal_status "
	    "FROM agent_run_history WHERE run_id = ?");
	if (st == NULL)
		return EX_SOFTWARE;
	db_bind_text(st, 1, run_id);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		warnx("%s: run already finished (%s at %s); nothing changed",
		    run_id, sqlite3_column_type(st, 1) == SQLITE_NULL ?
		    "null" : (const char *)sqlite3_column_text(st, 1),
		    sqlite3_column_text(st, 0));
	else if (rc == SQLITE_DONE)
		warnx("%s: no such run; nothing changed", run_id);
	else
		rc = db_error(db);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? EX_DATAERR : rc;
}

/* start: insert the run, open, and print its id. */
static int
start(sqlite3 *db, struct rec *r)
{
	sqlite3_stmt	*st;
	char		 now[40];
	int		 rc;

	if ((rc = history(db, "agent_run_history", RUN_COLUMNS)) != 0)
		return rc;
	if ((st = db_prepare(db, "INSERT INTO agent_run_history (run_id, "
	    "repo_full_name, run_kind, issue_number, pr_number, flow, branch, "
	    "started_at, meta_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")) ==
	    NULL)
		return EX_SOFTWARE;
	tm_now(now, sizeof(now));
	db_bind_text(st, 1, r->run_id);
	db_bind_text(st, 2, opts.repo);
	db_bind_text(st, 3, r->kind);
	sqlite3_bind_int64(st, 4, r->issue);
	if (r->pr != -1)
		sqlite3_bind_int64(st, 5, r->pr);
	db_bind_text(st, 6, r->flow);
	db_bind_text(st, 7, r->branch);
	db_bind_text(st, 8, r->when != NULL ? r->when : now);
	db_bind_text(st, 9, r->meta != NULL ? r->meta : "{}");
	if ((rc = db_exec(db, "BEGIN IMMEDIATE")) != 0) {
		sqlite3_finalize(st);
		return rc;
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE && sqlite3_exec(db, "COMMIT", NULL, NULL,
	    NULL) == SQLITE_OK) {
		sqlite3_finalize(st);
		printf("%s\n", r->run_id);
		return 0;
	}
	if ((sqlite3_extended_errcode(db) == SQLITE_CONSTRAINT_PRIMARYKEY ||
	    sqlite3_extended_errcode(db) == SQLITE_CONSTRAINT_UNIQUE)) {
		warnx("%s: run already exists; nothing changed", r->run_id);
		rc = EX_DATAERR;
	} else
		rc = db_error(db);
	sqlite3_finalize(st);
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

/*
 * finish: set finished_at, status, failure class, error and duration of
 * an open run; a finished or unknown run is left as it is (exit 65).
 */
static int
finish(sqlite3 *db, struct rec *r)
{
	sqlite3_stmt	*st;
	char		 now[40];
	int		 rc;

	if ((rc = history(db, "agent_run_history", RUN_COLUMNS)) != 0)
		return rc;
	if ((st = db_prepare(db, "UPDATE agent_run_history SET "
	    "finished_at = ?1, terminal_status = ?2, failure_class = ?3, "
	    "error = ?4, duration_seconds = max(0.0, (julianday(?1) - "
	    "julianday(started_at)) * 86400.0) "
	    "WHERE run_id = ?5 AND finished_at IS NULL")) == NULL)
		return EX_SOFTWARE;
	tm_now(now, sizeof(now));
	db_bind_text(st, 1, r->when != NULL ? r->when : now);
	db_bind_text(st, 2, r->status);
	db_bind_text(st, 3, r->class);
	db_bind_text(st, 4, r->error);
	db_bind_text(st, 5, r->run_id);
	return update_open(db, st, r->run_id);
}

/*
 * Run st, an UPDATE of the open run run_id, in its own write
 * transaction, and finalize it.  Returns 0, or after a warning 65 when
 * the run is unknown or already finished (nothing changed), else the
 * database's status.
 */
static int
update_open(sqlite3 *db, sqlite3_stmt *st, const char *run_id)
{
	int	 rc;

	if ((rc = db_exec(db, "BEGIN IMMEDIATE")) != 0) {
		sqlite3_finalize(st);
		return rc;
	}
	if ((rc = sqlite3_step(st)) != SQLITE_DONE)
		rc = db_error(db);
	else if (sqlite3_changes(db) == 0)
		rc = not_open(db, run_id);
	else
		rc = 0;
	sqlite3_finalize(st);
	if (rc == 0 && (rc = db_exec(db, "COMMIT")) == 0)
		return 0;
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

/* meta: replace an open run's meta_json (checked to be an object). */
static int
meta(sqlite3 *db, struct rec *r)
{
	sqlite3_stmt	*st;
	int		 rc;

	if ((rc = history(db, "agent_run_history", RUN_COLUMNS)) != 0)
		return rc;
	if ((st = db_prepare(db, "UPDATE agent_run_history SET meta_json = ? "
	    "WHERE run_id = ? AND finished_at IS NULL")) == NULL)
		return EX_SOFTWARE;
	db_bind_text(st, 1, r->meta);
	db_bind_text(st, 2, r->run_id);
	return update_open(db, st, r->run_id);
}

/* transition: append a PR status change. */
static int
transition(sqlite3 *db, struct rec *r)
{
	sqlite3_stmt	*st;
	char		 now[40];
	int		 rc;

	if ((rc = history(db, "pr_status_history", TRANSITION_COLUMNS)) != 0)
		return rc;
	if ((st = db_prepare(db, "INSERT INTO pr_status_history "
	    "(repo_full_name, pr_number, issue_number, from_status, "
	    "to_status, reason, detail, changed_at) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) ==
	    NULL)
		return EX_SOFTWARE;
	tm_now(now, sizeof(now));
	db_bind_text(st, 1, opts.repo);
	sqlite3_bind_int64(st, 2, r->pr);
	sqlite3_bind_int64(st, 3, r->issue);
	db_bind_text(st, 4, r->from);
	db_bind_text(st, 5, r->to);
	db_bind_text(st, 6, r->reason);
	db_bind_text(st, 7, r->detail);
	db_bind_text(st, 8, r->when != NULL ? r->when : now);
	if ((rc = db_exec(db, "BEGIN IMMEDIATE")) != 0) {
		sqlite3_finalize(st);
		return rc;
	}
	if ((rc = sqlite3_step(st)) != SQLITE_DONE)
		rc = db_error(db);
	else
		rc = 0;
	sqlite3_finalize(st);
	if (rc == 0 && (rc = db_exec(db, "COMMIT")) == 0)
		return 0;
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

static _Noreturn void
usage(void)
{
	opt_usage(&opts);
}
