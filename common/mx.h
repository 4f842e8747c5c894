/*
 * mx: observability toolkit for MergeXO state.
 * The shared module: options, database access, output, time and text.
 */

#ifndef MX_H
#define MX_H

#include <sys/types.h>

#include <getopt.h>
#include <jansson.h>
#include <sqlite3.h>
#include <stddef.h>
#include <stdio.h>

#define MX_VERSION	"0.1.0"

/* Timestamp format MergeXO writes (SQLite's strftime). */
#define MX_TSFMT	"%Y-%m-%dT%H:%M:%fZ"

/* Long options every command accepts; their getopt_long() codes. */
#define OPT_HELP	0x100
#define OPT_VERSION	0x101
extern const struct option mx_longopts[];

/*
 * Options and defaults shared by every command.  Command-specific options
 * live in the command.  Strings point into argv or into storage owned by
 * the struct (freed by opt_free()).
 */
struct mx_opts {
	const char	*synopsis;	/* usage text, without "usage: " */
	const char	*dbflag;	/* -d */
	const char	*config;	/* -c */
	char		*repo;		/* -r, trimmed; NULL = all repos */
	const char	*fields;	/* -o */
	long long	 limit;		/* -n; -1 = no limit */
	int		 Hflag;		/* no TSV header */
	int		 jflag;		/* one JSON document */
	int		 Jflag;		/* JSON Lines */

	/* Filled by cfg_load(): the database path and config defaults. */
	char		*dbpath;
	double		 refresh_seconds;
	char		*default_window;
	long long	 row_limit;
	long long	 retention_days;
	int		 have_config;	/* a config file was read */
};

/* opt.c */
void		 opt_init(struct mx_opts *, const char *synopsis);
int		 opt_common(struct mx_opts *, int, const char *);
_Noreturn void	 opt_usage(const struct mx_opts *);
long long	 opt_number(const char *, const char *, long long, long long);
struct mx_window;
void		 opt_window(const struct mx_opts *, const char *,
		    struct mx_window *);
void		 opt_free(struct mx_opts *);

/* cfg.c */
void		 cfg_load(struct mx_opts *);
int		 cfg_parse(const char *, size_t, const char *, struct mx_opts *,
		    char *, size_t);
char		*cfg_expand_home(const char *);

/* db.c */
#define DB_RDONLY	0
#define DB_RDWR		1
sqlite3		*db_open(const struct mx_opts *, int);
void		 db_close(sqlite3 *);
sqlite3_stmt	*db_prepare(sqlite3 *, const char *);
void		 db_bind_text(sqlite3_stmt *, int, const char *);
int		 db_has_table(sqlite3 *, const char *);
int		 db_has_columns(sqlite3 *, const char *, const char *);
int		 db_table_ok(sqlite3 *, const char *, const char *);
int		 db_has_index(sqlite3 *, const char *, const char *, int);
int		 db_error(sqlite3 *);
int		 db_done(sqlite3 *, sqlite3_stmt *, int);
int		 db_exec(sqlite3 *, const char *);
int		 db_count(sqlite3 *, sqlite3_stmt *, long long *);
int		 db_status(int);
const char	*db_file(void);

/*
 * Every repo_full_name of agent_run_history, as a subquery for IN: one
 * seek per repository on an index led by repo_full_name (a skip scan),
 * never a pass over the table.  Only for databases that have such an
 * index (db_has_index()); without one each step would read the table.
 */
#define DB_RUN_REPOS	"(WITH RECURSIVE mx_repo(r) AS (" \
	"SELECT min(repo_full_name) FROM agent_run_history UNION ALL " \
	"SELECT (SELECT min(repo_full_name) FROM agent_run_history " \
	"WHERE repo_full_name > r) FROM mx_repo WHERE r IS NOT NULL) " \
	"SELECT r FROM mx_repo WHERE r IS NOT NULL)"

/* The columns our queries read, for db_table_ok(). */
#define RUN_COLUMNS	"run_id,repo_full_name,run_kind,issue_number," \
			"pr_number,flow,branch,started_at,finished_at," \
			"terminal_status,failure_class,error," \
			"duration_seconds,meta_json"
#define TRANSITION_COLUMNS "id,repo_full_name,pr_number,issue_number," \
			"from_status,to_status,reason,detail,changed_at"

/*
 * run.c: an agent run's output fields.  The first RF_STORED are its
 * stored columns, selected in this order by RUN_SELECT; mx-runs adds
 * the rest.
 */
enum run_field {
	RF_RUN_ID, RF_REPO, RF_KIND, RF_ISSUE, RF_PR, RF_FLOW, RF_BRANCH,
	RF_STARTED, RF_FINISHED, RF_STATUS, RF_CLASS, RF_ERROR, RF_DURATION,
	RF_STORED,
	RF_ELAPSED = RF_STORED, RF_BUSY, RF_PROMPT, RF_MODE, RF_SESSION,
	RF_INVOCATION, RF_COUNT
};
#define RUN_SELECT	"run_id, repo_full_name, run_kind, issue_number, " \
			"pr_number, flow, branch, started_at, finished_at, " \
			"terminal_status, failure_class, error, " \
			"duration_seconds"

/* out.c: TSV or JSON rows from a static field table. */
enum out_type {
	OUT_TEXT,
	OUT_INT,
	OUT_REAL,
	OUT_BOOL
};

struct out_field {
	const char	*name;
	enum out_type	 type;
};

struct out;
struct out	*out_open(const struct mx_opts *, const struct out_field *,
		    size_t, const char *);
struct out	*out_try_open(const struct mx_opts *, const struct out_field *,
		    size_t, const char *, char *, size_t);
void		 out_text(struct out *, size_t, const char *, int);
void		 out_int(struct out *, size_t, long long);
void		 out_real(struct out *, size_t, double);
void		 out_bool(struct out *, size_t, int);
void		 out_null(struct out *, size_t);
void		 out_column(struct out *, size_t, sqlite3_stmt *, int);
void		 out_columns(struct out *, sqlite3_stmt *, size_t);
void		 out_row(struct out *);
json_t		*out_row_object(struct out *);
int		 out_selected(const struct out *, size_t);
void		 out_close(struct out *);
void		 out_free(struct out *);
void		 out_json(json_t *);
void		 out_json_value(FILE *, const json_t *);
int		 out_finish(int);
void		 out_tsv_text(FILE *, const char *, size_t);
json_t		*out_jstring(const char *, size_t);
void		 out_fmt_real(char *, size_t, double);
extern const struct out_field run_fields[RF_COUNT];	/* run.c */

/* tm.c: windows, ages and time. */
struct mx_window {
	char		 text[32];	/* as given, e.g. "24h" */
	char		 modifier[48];	/* SQLite modifier, "" for all */
	long long	 seconds;	/* -1 for all */
};
int		 tm_window(const char *, struct mx_window *);
void		 tm_now(char *, size_t);

/* meta.c: agent run meta_json as MergeXO reads it. */
struct run_meta {
	int	 codex_active;
	char	*prompt;
	char	*codex_mode;
	char	*codex_session_id;
	char	*codex_invocation_started_at;
};
void		 meta_parse(const char *, size_t, struct run_meta *);
void		 meta_free(struct run_meta *);
char		*meta_trim(const char *, size_t);

/* enum.c: the value sets of design section 3. */
extern const char *const mx_run_kinds[];
extern const char *const mx_terminal_statuses[];
extern const char *const mx_failure_classes[];
int		 enum_index(const char *const *, const char *);
const char	*enum_names(const char *const *);
int		 enum_check(const char *const *, const char *, const char *,
		    const char *);
unsigned long	 enum_mask(const char *const *, const char *, const char *,
		    const char *);
int		 enum_parse(const char *const *, const char *,
		    unsigned long *, const char **, size_t *);

/* work.c: tracked and blocked work, listed by mx-prs, counted by mx-metrics. */
struct work_schema {
	int	 prs;		/* pr_feedback_state */
	int	 issues;	/* issue_runs */
	int	 github_state;	/* issue_runs.github_state */
	int	 takeover;	/* issue_takeover_state */
	int	 followup;	/* pre_pr_followup_state */
	int	 events;	/* feedback_events */
	int	 tokens;	/* action_tokens */
	int	 cursors;	/* github_comment_poll_cursors */
};
void		 work_schema(sqlite3 *, struct work_schema *);
void		 work_exclusions(const struct work_schema *, const char *,
		    char *, size_t);
int		 work_count(sqlite3 *, const char *, long long *, long long *);
enum work_part {
	WORK_TRACKED,		/* PRs awaiting feedback, as p */
	WORK_BLOCKED,		/* blocked PRs, as p */
	WORK_FOLLOWUP		/* issues awaiting a follow-up, as i */
};
int		 work_from(const struct work_schema *, enum work_part, int,
		    char *, size_t);

/* schema.c: the history tables and indexes, created additively. */
#define SCHEMA_TABLES	0x01	/* missing history tables (cheap) */
#define SCHEMA_INDEXES	0x02	/* also every missing index (may be slow) */
#define SCHEMA_DRYRUN	0x04	/* name what would be created, change nothing */
#define SCHEMA_VERBOSE	0x08	/* name what is created */
int		 schema_ensure(sqlite3 *, int);
sqlite3		*schema_open(struct mx_opts *);

/* lock.c: the service's writer.lock beside state.db. */
struct mx_lock {
	long long	 pid;
	char		*command;	/* one printable line, or NULL */
	char		*started_at;	/* or NULL */
	char		*token;		/* or NULL */
};
#define LOCK_NONE	0	/* no lock file */
#define LOCK_OK		1	/* read and parsed */
#define LOCK_BAD	2	/* unreadable or malformed */
int		 lock_parse(const char *, size_t, struct mx_lock *, char *,
		    size_t);
int		 lock_read(const char *, struct mx_lock *, char *, size_t);
char		*lock_path(const char *);
int		 lock_alive(const struct mx_lock *);
void		 lock_free(struct mx_lock *);

/* util.c */
void		*xmalloc(size_t);
void		*xcalloc(size_t, size_t);
void		*xrealloc(void *, size_t, size_t);
char		*xstrdup(const char *);
char		*xstrndup(const char *, size_t);
char		*str_trim(const char *);
char		*str_oneline(char *);
size_t		 utf8_valid_prefix(const unsigned char *, size_t);

#endif /* MX_H */
