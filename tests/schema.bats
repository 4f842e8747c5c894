bats_require_minimum_version 1.7.0
load helper

# The additive schema routine (common/schema.c), through the write tools:
# mx-reconcile (-I: schema only) creates everything, mx-record and
# mx-prune only missing history tables.

MX_INDEXES="mx_events_pr mx_issues_followup mx_issues_number mx_issues_outcome mx_prs_issue mx_prs_open mx_runs_finished mx_runs_issue mx_runs_pr mx_tokens_scope mx_transitions_issue mx_transitions_pr"
HISTORY="agent_run_history idx_agent_run_history_repo_finished idx_agent_run_history_repo_started idx_agent_run_history_repo_status_started idx_pr_status_history_repo_changed idx_pr_status_history_repo_pr_changed pr_status_history"

# objects [DB]: every schema object, one per line, sorted by name.
objects() {
	sqlite3 "${1:-$DB}" "SELECT type, name, tbl_name, sql FROM sqlite_master
	    ORDER BY name"
}

# names GLOB [DB]: names of schema objects matching GLOB, space-separated.
names() {
	sqlite3 "${2:-$DB}" "SELECT name FROM sqlite_master WHERE name GLOB '$1'
	    ORDER BY name" | tr '\n' ' ' | sed 's/ $//'
}

# dump [DB]: every table's CREATE statement and rows, in rowid order (by
# key for a table WITHOUT ROWID).
dump() {
	local t db=${1:-$DB} order
	for t in $(sqlite3 "$db" "SELECT name FROM sqlite_master
	    WHERE type = 'table' ORDER BY name"); do
		sqlite3 "$db" "SELECT sql FROM sqlite_master WHERE name = '$t'"
		order=rowid
		[ "$(sqlite3 "$db" "SELECT sql LIKE '%WITHOUT ROWID%' FROM sqlite_master WHERE name = '$t'")" = 1 ] &&
		    order=1
		sqlite3 -cmd '.mode quote' "$db" "SELECT * FROM \"$t\" ORDER BY $order"
	done
}

history_names() {
	sqlite3 "${1:-$DB}" "SELECT name FROM sqlite_master
	    WHERE tbl_name IN ('agent_run_history', 'pr_status_history')
	    AND name NOT GLOB 'mx_*' AND name NOT GLOB 'sqlite_*' ORDER BY name" |
	    tr '\n' ' ' | sed 's/ $//'
}

@test "schema: an older MergeXO database gets the history tables exactly as MergeXO makes them" {
	mkdb reference.db
	mkdb_old
	run -0 --separate-stderr mx-reconcile -d "$DB" -I
	assert_output ''
	[ -z "$stderr" ]
	[ "$(history_names)" = "$HISTORY" ]
	# the same CREATE text as MergeXO's (tests/schema.sql)
	sqlite3 "$DB" "SELECT type, name, sql FROM sqlite_master
	    WHERE tbl_name IN ('agent_run_history', 'pr_status_history')
	    AND name NOT GLOB 'mx_*' ORDER BY name" >got
	sqlite3 reference.db "SELECT type, name, sql FROM sqlite_master
	    WHERE tbl_name IN ('agent_run_history', 'pr_status_history')
	    ORDER BY name" >want
	run -0 diff want got
	# the tables work as MergeXO's: defaults and autoincrement
	sql "INSERT INTO pr_status_history (repo_full_name, pr_number,
	    issue_number, to_status) VALUES ('a', 1, 1, 'x')"
	run -0 sql "SELECT id, changed_at GLOB '2*T*Z' FROM pr_status_history"
	assert_output '1|1'
}

@test "schema: every mx_ index is created, on each table's columns" {
	mkdb
	run -0 mx-reconcile -d "$DB" -I
	[ "$(names 'mx_*')" = "$MX_INDEXES" ]
	run -0 sql "SELECT name || ' ' || sql FROM sqlite_master WHERE name GLOB 'mx_*' ORDER BY name"
	assert_output "mx_events_pr CREATE INDEX mx_events_pr ON feedback_events(repo_full_name, pr_number, updated_at)
mx_issues_followup CREATE INDEX mx_issues_followup ON issue_runs(repo_full_name, issue_number) WHERE status = 'awaiting_issue_followup'
mx_issues_number CREATE INDEX mx_issues_number ON issue_runs(issue_number)
mx_issues_outcome CREATE INDEX mx_issues_outcome ON issue_runs(updated_at) WHERE status IN ('merged', 'closed')
mx_prs_issue CREATE INDEX mx_prs_issue ON pr_feedback_state(issue_number)
mx_prs_open CREATE INDEX mx_prs_open ON pr_feedback_state(repo_full_name, pr_number) WHERE status IN ('awaiting_feedback', 'blocked')
mx_runs_finished CREATE INDEX mx_runs_finished ON agent_run_history(finished_at, terminal_status, run_kind, repo_full_name, duration_seconds)
mx_runs_issue CREATE INDEX mx_runs_issue ON agent_run_history(issue_number, started_at)
mx_runs_pr CREATE INDEX mx_runs_pr ON agent_run_history(pr_number, repo_full_name, started_at) WHERE pr_number IS NOT NULL
mx_tokens_scope CREATE INDEX mx_tokens_scope ON action_tokens(repo_full_name, scope_kind, scope_number, observed_updated_at) WHERE status = 'observed'
mx_transitions_issue CREATE INDEX mx_transitions_issue ON pr_status_history(issue_number, changed_at)
mx_transitions_pr CREATE INDEX mx_transitions_pr ON pr_status_history(pr_number, changed_at)"
	[ "$(sql 'PRAGMA integrity_check')" = ok ]
}

@test "schema: the second run is a no-op: same schema, same bytes" {
	mkdb_old
	run -0 mx-reconcile -d "$DB" -I
	first=$(objects)
	sum=$(filesum "$DB")
	run -0 --separate-stderr mx-reconcile -d "$DB" -Iv
	assert_output ''
	[ -z "$stderr" ]
	[ "$(objects)" = "$first" ]
	[ "$(sqlite3 "$DB" .schema)" = "$(sqlite3 "$DB" .schema)" ]
	[ "$(filesum "$DB")" = "$sum" ]
	run -0 mx-record -d "$DB" transition -r a -p 1 -i 1 -T x
	run -0 mx-prune -d "$DB"
	[ "$(objects)" = "$first" ]
}

@test "schema: a database that already has everything is left as it is" {
	mkdb
	run -0 mx-reconcile -d "$DB" -I
	cp "$DB" copy.db
	before=$(sqlite3 copy.db .schema)
	sum=$(filesum copy.db)
	for cmd in "mx-reconcile -I" "mx-reconcile" "mx-prune"; do
		# shellcheck disable=SC2086
		run -0 --separate-stderr $cmd -d copy.db
		assert_output ''
		[ -z "$stderr" ]
	done
	[ "$(sqlite3 copy.db .schema)" = "$before" ]
	[ "$(filesum copy.db)" = "$sum" ]
}

@test "schema: only mx_ indexes are added to MergeXO's current database" {
	mkdb
	mkdb reference.db
	run -0 mx-reconcile -d "$DB" -I
	sqlite3 "$DB" "SELECT type, name, tbl_name, sql FROM sqlite_master
	    WHERE name NOT GLOB 'mx_*' ORDER BY name" >got
	objects reference.db >want
	run -0 diff want got
}

@test "schema: extra unknown tables and columns stay untouched" {
	mkdb
	sql "ALTER TABLE issue_runs ADD COLUMN shiny TEXT DEFAULT 'x';
	    ALTER TABLE agent_run_history ADD COLUMN cost REAL;
	    ALTER TABLE pr_status_history ADD COLUMN actor TEXT;
	    CREATE TABLE future_feature (k TEXT PRIMARY KEY, v BLOB) WITHOUT ROWID;
	    CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);
	    CREATE INDEX notes_body ON notes(body);
	    CREATE VIEW open_runs AS SELECT * FROM agent_run_history WHERE finished_at IS NULL;
	    CREATE TRIGGER notes_touch AFTER INSERT ON notes BEGIN SELECT 1; END;
	    INSERT INTO future_feature VALUES ('a', x'00ff'), ('b', NULL);
	    INSERT INTO notes (body) VALUES ('hello'), (NULL);"
	row issue_runs repo_full_name=org/app issue_number=1 status=running \
	    active_run_id=r1 shiny=y
	add_run run_id=r1 cost=1.5
	add_run run_id=r2 started_at=@2d finished_at=@1d terminal_status=completed
	add_transition actor=bot changed_at=@1d
	sqlite3 "$DB" "SELECT type, name, sql FROM sqlite_master
	    WHERE name NOT GLOB 'mx_*' ORDER BY name" >schema.before
	dump >dump.before
	grep -q "^'a',X'00ff'$" dump.before
	run -0 mx-reconcile -d "$DB" -I
	run -0 mx-reconcile -d "$DB" -f
	run -0 mx-record -d "$DB" transition -r org/app -p 9 -i 9 -F a -T a
	run -0 mx-prune -d "$DB" -n
	sqlite3 "$DB" "SELECT type, name, sql FROM sqlite_master
	    WHERE name NOT GLOB 'mx_*' ORDER BY name" >schema.after
	run -0 diff schema.before schema.after
	dump >dump.after
	# reconcile finished r1 and cleared the pointer to it: nothing else
	run -1 diff dump.before dump.after
	assert_output --regexp "^[0-9,]+c[0-9,]+
< 'r1','org/app','issue_flow',1,NULL,NULL,NULL,'[^']*',NULL,NULL,NULL,NULL,NULL,'\{\}',1.5
---
> 'r1','org/app','issue_flow',1,NULL,NULL,NULL,'[^']*','[^']*','interrupted','unknown',NULL,[0-9.e+]+,'\{\}',1.5
[0-9,]+c[0-9,]+
< 'org/app',1,'running',NULL,NULL,NULL,NULL,'[^']*',NULL,NULL,0,NULL,'r1','y'
---
> 'org/app',1,'running',NULL,NULL,NULL,NULL,'[^']*',NULL,NULL,0,NULL,NULL,'y'$"
	[ "$(names 'mx_*')" = "$MX_INDEXES" ]
}

@test "schema: an mx_ index whose columns are missing is skipped" {
	rm -f "$DB"
	sqlite3 "$DB" "CREATE TABLE feedback_events (repo_full_name TEXT,
	    event_key TEXT, pr_number INTEGER, updated_at TEXT);
	    CREATE TABLE issue_runs (repo_full_name TEXT, issue_number INTEGER);"
	run -0 --separate-stderr mx-reconcile -d "$DB" -Iv
	[ "$(names 'mx_*')" = "mx_events_pr mx_issues_number mx_runs_finished mx_runs_issue mx_runs_pr mx_transitions_issue mx_transitions_pr" ]
	assert_regex "$stderr" 'created table agent_run_history'
	assert_regex "$stderr" 'created index mx_events_pr'
	assert_regex "$stderr" 'created index mx_issues_number'
	[[ $stderr != *mx_issues_followup* ]]
	[[ $stderr != *mx_issues_outcome* ]]
}

@test "schema: a history table of another shape is never altered" {
	rm -f "$DB"
	sqlite3 "$DB" "CREATE TABLE agent_run_history (run_id TEXT PRIMARY KEY,
	    repo_full_name TEXT, started_at TEXT);
	    INSERT INTO agent_run_history VALUES ('r', 'org/app', '2026-01-01')"
	before=$(sqlite3 "$DB" "SELECT sql FROM sqlite_master WHERE name = 'agent_run_history'")
	run -0 --separate-stderr mx-reconcile -d "$DB" -I
	[ "$(sqlite3 "$DB" "SELECT sql FROM sqlite_master WHERE name = 'agent_run_history'")" = "$before" ]
	[ "$(names 'idx_agent*')" = "idx_agent_run_history_repo_started" ]
	[ "$(names 'mx_runs*')" = "" ]
	[ "$(sql 'SELECT * FROM agent_run_history')" = "r|org/app|2026-01-01" ]
}

@test "schema: a name we use held by another object is left alone" {
	mkdb
	sql "CREATE VIEW mx_runs_pr AS SELECT 1 AS one;
	    CREATE TABLE MX_RUNS_ISSUE (x)"
	run -0 --separate-stderr mx-reconcile -d "$DB" -I
	[ "$(sql "SELECT type FROM sqlite_master WHERE name = 'mx_runs_pr'")" = view ]
	[ "$(sql "SELECT type FROM sqlite_master WHERE name = 'MX_RUNS_ISSUE'")" = table ]
	[ "$(names 'mx_*')" = "mx_events_pr mx_issues_followup mx_issues_number mx_issues_outcome mx_prs_issue mx_prs_open mx_runs_finished mx_runs_pr mx_tokens_scope mx_transitions_issue mx_transitions_pr" ]
}

@test "schema: mx-record and mx-prune create only the history tables and MergeXO's indexes" {
	for cmd in "mx-record -d $DB transition -r a -p 1 -i 1 -T x" \
	    "mx-prune -d $DB"; do
		rm -f "$DB"
		mkdb_old
		# shellcheck disable=SC2086
		run -0 --separate-stderr $cmd
		[ -z "$stderr" ]
		[ "$(history_names)" = "$HISTORY" ]
		[ "$(names 'mx_*')" = "" ]
	done
}

@test "schema: mx-record leaves a missing index on an existing table to mx-reconcile" {
	mkdb
	sql 'DROP INDEX idx_agent_run_history_repo_finished'
	run -0 mx-record -d "$DB" start -r org/app -k issue_flow -i 1
	[ "$(names 'idx_agent_run_history_repo_f*')" = "" ]
	run -0 --separate-stderr mx-reconcile -d "$DB" -Iv
	assert_regex "$stderr" 'created index idx_agent_run_history_repo_finished'
	[ "$(names 'idx_agent_run_history_repo_f*')" = "idx_agent_run_history_repo_finished" ]
}

@test "schema: -n names what would be created and changes nothing" {
	mkdb_old
	sum=$(filesum "$DB")
	run -0 --separate-stderr mx-reconcile -d "$DB" -In
	assert_output ''
	[ "$(filesum "$DB")" = "$sum" ]
	[ "$(printf '%s\n' "$stderr" | head -3)" = "mx-reconcile: would create table agent_run_history
mx-reconcile: would create table pr_status_history
mx-reconcile: would create index idx_agent_run_history_repo_finished" ]
	[ "$(printf '%s\n' "$stderr" | grep -c 'would create index')" = 17 ]
	[ "$(names '*_history')" = "" ]
}

@test "schema: everything is created in one transaction" {
	rm -f "$DB"
	# the history tables come first; the index on this table then fails
	sqlite3 "$DB" "CREATE VIRTUAL TABLE issue_runs USING fts5(repo_full_name,
	    issue_number, status, updated_at)"
	before=$(objects)
	run -70 --separate-stderr mx-reconcile -d "$DB" -Iv
	assert_output ''
	[ "$stderr" = "mx-reconcile: $DB: index mx_issues_followup: virtual tables may not be indexed" ]
	[ "$(objects)" = "$before" ]
	# mx-record needs no index there
	run -0 mx-record -d "$DB" start -r org/app -k issue_flow -i 1
}

@test "schema: a database locked past the busy timeout gives 75, unchanged" {
	mkdb_old
	{ echo 'BEGIN IMMEDIATE;'; sleep 6; echo 'COMMIT;'; } | sqlite3 "$DB" &
	locker=$!
	sleep 0.5
	before=$(objects)
	run -75 --separate-stderr mx-reconcile -d "$DB" -I
	assert_regex "$stderr" 'database is locked'
	wait "$locker"
	[ "$(objects)" = "$before" ]
}
