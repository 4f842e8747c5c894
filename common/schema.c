/*
 * mx: bringing a state.db up to the toolkit's shape, additively.  The
 * history tables and their indexes are created when missing, as MergeXO
 * creates them; our own mx_ indexes serve the read programs' hot paths.
 * Nothing is ever dropped, renamed or altered, and MergeXO's snapshot
 * tables only ever gain mx_ indexes.
 */

#include <err.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "mx.h"

/* The history tables of design section 3, as MergeXO writes them. */
static const struct schema_table {
	const char	*name;
	const char	*sql;
} tables[] = {
	{ "agent_run_history",
	    "CREATE TABLE IF NOT EXISTS agent_run_history (\n"
	    "    run_id TEXT PRIMARY KEY,\n"
	    "    repo_full_name TEXT NOT NULL,\n"
	    "    run_kind TEXT NOT NULL,\n"
	    "    issue_number INTEGER NOT NULL,\n"
	    "    pr_number INTEGER NULL,\n"
	    "    flow TEXT NULL,\n"
	    "    branch TEXT NULL,\n"
	    "    started_at TEXT NOT NULL,\n"
	    "    finished_at TEXT NULL,\n"
	    "    terminal_status TEXT NULL,\n"
	    "    failure_class TEXT NULL,\n"
	    "    error TEXT NULL,\n"
	    "    duration_seconds REAL NULL,\n"
	    "    meta_json TEXT NOT NULL DEFAULT '{}'\n"
	    ")" },
	{ "pr_status_history",
	    "CREATE TABLE IF NOT EXISTS pr_status_history (\n"
	    "    id INTEGER PRIMARY KEY AUTOINCREMENT,\n"
	    "    repo_full_name TEXT NOT NULL,\n"
	    "    pr_number INTEGER NOT NULL,\n"
	    "    issue_number INTEGER NOT NULL,\n"
	    "    from_status TEXT NULL,\n"
	    "    to_status TEXT NOT NULL,\n"
	    "    reason TEXT NULL,\n"
	    "    detail TEXT NULL,\n"
	    "    changed_at TEXT NOT NULL DEFAULT "
	    "(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))\n"
	    ")" },
};
#define NTABLES	(sizeof(tables) / sizeof(tables[0]))

/*
 * Every index we ensure, in one table: MergeXO's own (created with a
 * history table we create, or by mx-reconcile when missing) and ours,
 * prefixed mx_, each made only when its table has every column it names
 * (WHERE clauses included).  mx.7 says which query each one serves.
 */
static const struct schema_index {
	const char	*name;
	const char	*table;
	const char	*columns;
	int		 mergexo;
	const char	*sql;
} indexes[] = {
	{ "idx_agent_run_history_repo_finished", "agent_run_history",
	    "repo_full_name,finished_at", 1,
	    "CREATE INDEX IF NOT EXISTS idx_agent_run_history_repo_finished\n"
	    "    ON agent_run_history(repo_full_name, finished_at)" },
	{ "idx_agent_run_history_repo_started", "agent_run_history",
	    "repo_full_name,started_at", 1,
	    "CREATE INDEX IF NOT EXISTS idx_agent_run_history_repo_started\n"
	    "    ON agent_run_history(repo_full_name, started_at)" },
	{ "idx_agent_run_history_repo_status_started", "agent_run_history",
	    "repo_full_name,terminal_status,started_at", 1,
	    "CREATE INDEX IF NOT EXISTS "
	    "idx_agent_run_history_repo_status_started\n"
	    "    ON agent_run_history(repo_full_name, terminal_status, "
	    "started_at)" },
	{ "idx_pr_status_history_repo_pr_changed", "pr_status_history",
	    "repo_full_name,pr_number,changed_at", 1,
	    "CREATE INDEX IF NOT EXISTS "
	    "idx_pr_status_history_repo_pr_changed\n"
	    "    ON pr_status_history(repo_full_name, pr_number, "
	    "changed_at)" },
	{ "idx_pr_status_history_repo_changed", "pr_status_history",
	    "repo_full_name,changed_at", 1,
	    "CREATE INDEX IF NOT EXISTS idx_pr_status_history_repo_changed\n"
	    "    ON pr_status_history(repo_full_name, changed_at)" },
	{ "mx_runs_finished", "agent_run_history",
	    "finished_at,terminal_status,run_kind,repo_full_name,"
	    "duration_seconds", 0,
	    "CREATE INDEX IF NOT EXISTS mx_runs_finished ON agent_run_history"
	    "(finished_at, terminal_status, run_kind, repo_full_name, "
	    "duration_seconds)" },
	{ "mx_runs_issue", "agent_run_history",
	    "issue_number,started_at", 0,
	    "CREATE INDEX IF NOT EXISTS mx_runs_issue ON agent_run_history"
	    "(issue_number, started_at)" },
	{ "mx_runs_pr", "agent_run_history",
	    "pr_number,repo_full_name,started_at", 0,
	    "CREATE INDEX IF NOT EXISTS mx_runs_pr ON agent_run_history"
	    "(pr_number, repo_full_name, started_at) "
	    "WHERE pr_number IS NOT NULL" },
	{ "mx_transitions_pr", "pr_status_history",
	    "pr_number,changed_at", 0,
	    "CREATE INDEX IF NOT EXISTS mx_transitions_pr ON pr_status_history"
	    "(pr_number, changed_at)" },
	{ "mx_transitions_issue", "pr_status_history",
	    "issue_number,changed_at", 0,
	    "CREATE INDEX IF NOT EXISTS mx_transitions_issue "
	    "ON pr_status_history(issue_number, changed_at)" },
	{ "mx_events_pr", "feedback_events",
	    "repo_full_name,pr_number,updated_at", 0,
	    "CREATE INDEX IF NOT EXISTS mx_events_pr ON feedback_events"
	    "(repo_full_name, pr_number, updated_at)" },
	{ "mx_prs_open", "pr_feedback_state",
	    "repo_full_name,pr_number,status", 0,
	    "CREATE INDEX IF NOT EXISTS mx_prs_open ON pr_feedback_state"
	    "(repo_full_name, pr_number) "
	    "WHERE status IN ('awaiting_feedback', 'blocked')" },
	{ "mx_prs_issue", "pr_feedback_state",
	    "issue_number", 0,
	    "CREATE INDEX IF NOT EXISTS mx_prs_issue ON pr_feedback_state"
	    "(issue_number)" },
	{ "mx_issues_followup", "issue_runs",
	    "repo_full_name,issue_number,status", 0,
	    "CREATE INDEX IF NOT EXISTS mx_issues_followup ON issue_runs"
	    "(repo_full_name, issue_number) "
	    "WHERE status = 'awaiting_issue_followup'" },
	{ "mx_issues_outcome", "issue_runs",
	    "updated_at,status", 0,
	    "CREATE INDEX IF NOT EXISTS mx_issues_outcome ON issue_runs"
	    "(updated_at) WHERE status IN ('merged', 'closed')" },
	{ "mx_issues_number", "issue_runs",
	    "issue_number", 0,
	    "CREATE INDEX IF NOT EXISTS mx_issues_number ON issue_runs"
	    "(issue_number)" },
	{ "mx_tokens_scope", "action_tokens",
	    "repo_full_name,scope_kind,scope_number,observed_updated_at,"
	    "status", 0,
	    "CREATE INDEX IF NOT EXISTS mx_tokens_scope ON action_tokens"
	    "(repo_full_name, scope_kind, scope_number, observed_updated_at) "
	    "WHERE status = 'observed'" },
};
#define NINDEXES	(sizeof(indexes) / sizeof(indexes[0]))

enum { WALK_COUNT, WALK_REPORT, WALK_APPLY };

/* What a walk found missing (and, applying, created), in order. */
struct todo {
	const char	*what[NTABLES + NINDEXES];	/* "table", "index" */
	const char	*name[NTABLES + NINDEXES];
	int		 n;
};

static int	 has_object(sqlite3 *, const char *, int *);
static int	 walk(sqlite3 *, int, int, struct todo *);
static int	 create(sqlite3 *, const char *, const char *, const char *);

/*
 * Return 1 if the schema holds an object of that name (any type; names
 * are case-insensitive in SQL), 0 if not, -1 on error.  *istable tells
 * whether it is a table.
 */
static int
has_object(sqlite3 *db, const char *name, int *istable)
{
	sqlite3_stmt	*st;
	int		 rc;

	*istable = 0;
	st = db_prepare(db, "SELECT type = 'table' FROM sqlite_master "
	    "WHERE name = ? COLLATE NOCASE");
	if (st == NULL)
		return -1;
	db_bind_text(st, 1, name);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*istable = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return 1;
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Run the CREATE sql of an object; on failure say which one. */
static int
create(sqlite3 *db, const char *what, const char *name, const char *sql)
{
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK)
		return 0;
	warnx("%s: %s %s: %s", db_file(), what, name, sqlite3_errmsg(db));
	return db_status(sqlite3_extended_errcode(db));
}

/*
 * Go over what flags ask for and note in td each object that is missing:
 * only count them (WALK_COUNT), also name them on stderr as "would
 * create" (WALK_REPORT), or create them (WALK_APPLY).  An index is due
 * when its table is one we create or, with SCHEMA_INDEXES, when its table
 * has every column it names.  Returns 0 or an exit status after a
 * warning.
 */
static int
walk(sqlite3 *db, int flags, int mode, struct todo *td)
{
	const struct schema_index	*ix;
	unsigned			 made = 0;
	size_t				 i, t;
	int				 have, istable, rc, fresh;

	td->n = 0;
	for (t = 0; t < NTABLES; t++) {
		if ((have = has_object(db, tables[t].name, &istable)) == -1)
			return db_error(db);
		if (have)
			continue;
		made |= 1U << t;
		td->what[td->n] = "table";
		td->name[td->n++] = tables[t].name;
		if (mode == WALK_REPORT)
			warnx("would create table %s", tables[t].name);
		if (mode == WALK_APPLY && (rc = create(db, "table",
		    tables[t].name, tables[t].sql)) != 0)
			return rc;
	}
	for (i = 0; i < NINDEXES; i++) {
		ix = &indexes[i];
		for (fresh = 0, t = 0; t < NTABLES; t++)
			if (strcmp(ix->table, tables[t].name) == 0 &&
			    (made & (1U << t)))
				fresh = 1;
		/* Cheap: a new table is empty; any other may be huge. */
		if (!(flags & SCHEMA_INDEXES) && (!fresh || !ix->mergexo))
			continue;
		if ((have = has_object(db, ix->name, &istable)) == -1)
			return db_error(db);
		if (have)
			continue;
		/* A table still to be created will have every column. */
		if (!fresh || mode == WALK_APPLY) {
			if (has_object(db, ix->table, &istable) == -1)
				return db_error(db);
			if (!istable || !db_has_columns(db, ix->table,
			    ix->columns))
				continue;
		}
		td->what[td->n] = "index";
		td->name[td->n++] = ix->name;
		if (mode == WALK_REPORT)
			warnx("would create index %s", ix->name);
		if (mode == WALK_APPLY && (rc = create(db, "index", ix->name,
		    ix->sql)) != 0)
			return rc;
	}
	return 0;
}

/*
 * Bring db to the toolkit's shape: with SCHEMA_TABLES, create missing
 * history tables and MergeXO's indexes on the tables just created (cheap:
 * they are empty); with SCHEMA_INDEXES, also any missing MergeXO index and
 * every mx_ index whose table and columns exist (costly on a large
 * history).  All in one IMMEDIATE transaction, entered only when
 * something is missing, so a second call writes nothing.  SCHEMA_DRYRUN
 * names what would be created on stderr and changes nothing (db may be
 * read-only); SCHEMA_VERBOSE names what was created, once committed.
 * Returns 0 or an exit status after a warning.
 */
int
schema_ensure(sqlite3 *db, int flags)
{
	struct todo	 td;
	int		 i, rc;

	if (!(flags & (SCHEMA_TABLES | SCHEMA_INDEXES)))
		return 0;
	rc = walk(db, flags, (flags & SCHEMA_DRYRUN) ? WALK_REPORT :
	    WALK_COUNT, &td);
	if (rc != 0 || td.n == 0 || (flags & SCHEMA_DRYRUN))
		return rc;
	if ((rc = db_exec(db, "BEGIN IMMEDIATE")) != 0)
		return rc;
	if ((rc = walk(db, flags, WALK_APPLY, &td)) != 0 ||
	    (rc = db_exec(db, "COMMIT")) != 0) {
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		return rc;
	}
	for (i = 0; (flags & SCHEMA_VERBOSE) && i < td.n; i++)
		warnx("created %s %s", td.what[i], td.name[i]);
	return 0;
}

/*
 * Open the database o names for writing: read-write, with the busy
 * timeout db_open() sets.  A file we may not write is refused (exit 66)
 * before SQLite would quietly fall back to reading it.
 */
sqlite3 *
schema_open(struct mx_opts *o)
{
	sqlite3	*db;

	if (o->dbpath == NULL)
		cfg_load(o);
	if (access(o->dbpath, F_OK) == 0 && access(o->dbpath, W_OK) == -1)
		errx(EX_NOINPUT, "%s: not writable: %s", o->dbpath,
		    strerror(errno));
	db = db_open(o, DB_RDWR);		/* exits 66 or 75 itself */
	if (sqlite3_db_readonly(db, "main") == 1) {
		warnx("%s: opened read-only; cannot write", o->dbpath);
		db_close(db);
		exit(EX_NOINPUT);
	}
	return db;
}
