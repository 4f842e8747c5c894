bats_require_minimum_version 1.7.0
load helper

setup() {
	mkdb
}

teardown() {
	if [ -n "${holder:-}" ]; then
		kill "$holder" 2>/dev/null || true
		wait "$holder" 2>/dev/null || true
	fi
}

# runs: every run, the columns reconcile may change, by run_id.
runs() {
	sql "SELECT run_id, quote(finished_at), quote(terminal_status),
	    quote(failure_class), quote(error), quote(duration_seconds)
	    FROM agent_run_history ORDER BY run_id"
}

# pointers: the active_run_id pointers of both snapshot tables.
pointers() {
	sql "SELECT 'i', repo_full_name, issue_number, quote(active_run_id),
	    updated_at FROM issue_runs
	    UNION ALL SELECT 'p', repo_full_name, pr_number,
	    quote(active_run_id), updated_at FROM pr_feedback_state ORDER BY 1, 2, 3"
}

# snapshot: MergeXO's own tables, schema and rows, active_run_id aside.
snapshot() {
	local t
	for t in issue_runs pre_pr_followup_state issue_comment_cursors \
	    agent_sessions feedback_events pr_feedback_state \
	    issue_takeover_state action_tokens github_comment_poll_cursors \
	    operator_commands runtime_operations; do
		sql "SELECT sql FROM sqlite_master WHERE name = '$t'"
		sqlite3 -cmd '.mode quote' "$DB" "SELECT * FROM $t ORDER BY rowid" |
		    sed "s/'r[0-9]'/PTR/g"
	done
}

# lock PID [COMMAND]: a writer.lock beside $DB naming PID.
lock() {
	printf '{"pid": %s, "command": "%s", "started_at": "2026-02-24T12:00:00Z", "token": "t0k"}\n' \
	    "$1" "${2:-mergexo service}" >"$BATS_TEST_TMPDIR/writer.lock"
}

# fixture: open runs in two repos, finished ones, and pointers.
fixture() {
	add_run run_id=r1 repo_full_name=org/app issue_number=1 started_at=@2h
	add_run run_id=r2 repo_full_name=org/lib issue_number=2 started_at=@30m \
	    'meta_json={"codex_active": true}' error=partial
	add_run run_id=r3 repo_full_name=org/app issue_number=3 started_at=@3h \
	    finished_at=@2h terminal_status=failed failure_class=agent_error \
	    error=boom
	add_run run_id=r4 repo_full_name=org/app issue_number=4 started_at=@-1h
	row issue_runs repo_full_name=org/app issue_number=1 status=running \
	    active_run_id=r1 updated_at=2026-01-01T00:00:00.000Z
	row issue_runs repo_full_name=org/lib issue_number=2 status=running \
	    active_run_id=r2 updated_at=2026-01-01T00:00:00.000Z
	row issue_runs repo_full_name=org/app issue_number=3 status=failed \
	    active_run_id=r3 updated_at=2026-01-01T00:00:00.000Z
	row issue_runs repo_full_name=org/app issue_number=5 status=merged \
	    updated_at=2026-01-01T00:00:00.000Z
	row pr_feedback_state repo_full_name=org/lib pr_number=7 issue_number=2 \
	    branch=b status=awaiting_feedback active_run_id=r9 \
	    updated_at=2026-01-01T00:00:00.000Z
	row pr_feedback_state repo_full_name=org/app pr_number=8 issue_number=1 \
	    branch=b status=blocked active_run_id=r1 \
	    updated_at=2026-01-01T00:00:00.000Z
}

@test "mx-reconcile: every open run becomes interrupted, unknown, finished now" {
	fixture
	run -0 --separate-stderr mx-reconcile -d "$DB"
	assert_output ''
	[ -z "$stderr" ]
	run -0 sql "SELECT run_id, terminal_status, failure_class, quote(error),
	    abs(julianday('now') - julianday(finished_at)) * 86400 < 60,
	    finished_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9]Z',
	    duration_seconds = max(0.0, (julianday(finished_at) - julianday(started_at)) * 86400.0)
	    FROM agent_run_history WHERE run_id != 'r3' ORDER BY run_id"
	assert_output "r1|interrupted|unknown|NULL|1|1|1
r2|interrupted|unknown|'partial'|1|1|1
r4|interrupted|unknown|NULL|1|1|1"
	# one timestamp for all, durations from it; a future start gives 0
	[ "$(sql "SELECT count(DISTINCT finished_at) FROM agent_run_history WHERE run_id != 'r3'")" = 1 ]
	[ "$(sql "SELECT abs(duration_seconds - 7200) < 60 FROM agent_run_history WHERE run_id = 'r1'")" = 1 ]
	[ "$(sql "SELECT duration_seconds FROM agent_run_history WHERE run_id = 'r4'")" = 0.0 ]
	# the finished run is left as it was
	run -0 sql "SELECT terminal_status, failure_class, error FROM agent_run_history WHERE run_id = 'r3'"
	assert_output "failed|agent_error|boom"
}

@test "mx-reconcile: clears the active_run_id pointers to no open run, nothing else" {
	fixture
	run -0 mx-reconcile -d "$DB"
	run -0 pointers
	assert_output "i|org/app|1|NULL|2026-01-01T00:00:00.000Z
i|org/app|3|NULL|2026-01-01T00:00:00.000Z
i|org/app|5|NULL|2026-01-01T00:00:00.000Z
i|org/lib|2|NULL|2026-01-01T00:00:00.000Z
p|org/app|8|NULL|2026-01-01T00:00:00.000Z
p|org/lib|7|NULL|2026-01-01T00:00:00.000Z"
}

@test "mx-reconcile: a pointer to a run opened after reconciling is kept" {
	fixture
	run -0 mx-reconcile -d "$DB"
	add_run run_id=r5
	sql "UPDATE issue_runs SET active_run_id = 'r5' WHERE issue_number = 1"
	sql "UPDATE pr_feedback_state SET active_run_id = 'r3' WHERE pr_number = 8"
	run -0 mx-reconcile -d "$DB" -I
	[ "$(sql "SELECT active_run_id FROM issue_runs WHERE issue_number = 1")" = r5 ]
	[ "$(sql "SELECT active_run_id FROM pr_feedback_state WHERE pr_number = 8")" = r3 ]
	run -0 mx-reconcile -d "$DB" -r org/lib
	[ "$(sql "SELECT active_run_id FROM issue_runs WHERE issue_number = 1")" = r5 ]
	[ "$(sql "SELECT active_run_id FROM pr_feedback_state WHERE pr_number = 8")" = r3 ]
	run -0 mx-reconcile -d "$DB" -r org/app
	[ "$(sql "SELECT count(active_run_id) FROM issue_runs")" = 0 ]
	[ "$(sql "SELECT count(active_run_id) FROM pr_feedback_state")" = 0 ]
}

@test "mx-reconcile: -r reconciles one repo's runs and clears only its pointers" {
	fixture
	run -0 --separate-stderr mx-reconcile -d "$DB" -r ' org/lib '
	assert_output ''
	run -0 sql "SELECT run_id, quote(terminal_status) FROM agent_run_history ORDER BY run_id"
	assert_output "r1|NULL
r2|'interrupted'
r3|'failed'
r4|NULL"
	run -0 sql "SELECT repo_full_name, quote(active_run_id) FROM issue_runs ORDER BY rowid"
	assert_output "org/app|'r1'
org/lib|NULL
org/app|'r3'
org/app|NULL"
	run -0 sql "SELECT repo_full_name, quote(active_run_id) FROM pr_feedback_state ORDER BY rowid"
	assert_output "org/lib|NULL
org/app|'r1'"
}

@test "mx-reconcile: the whole reconcile is one transaction" {
	fixture
	sql "CREATE TRIGGER no_pointer_change BEFORE UPDATE ON pr_feedback_state
	    BEGIN SELECT RAISE(ABORT, 'pointer update refused'); END"
	before=$(runs)
	pbefore=$(pointers)
	run -70 --separate-stderr mx-reconcile -d "$DB"
	assert_output ''
	assert_regex "$stderr" 'pointer update refused'
	[ "$(runs)" = "$before" ]
	[ "$(pointers)" = "$pbefore" ]
}

@test "mx-reconcile: silent and unchanged when there is nothing to do" {
	fixture
	run -0 mx-reconcile -d "$DB"
	sum=$(filesum "$DB")
	for flags in "" -v -n -nv -I -In; do
		# shellcheck disable=SC2086
		run -0 --separate-stderr mx-reconcile -d "$DB" $flags
		assert_output ''
		[ -z "$stderr" ]
	done
	[ "$(filesum "$DB")" = "$sum" ]
}

@test "mx-reconcile: -n shows the runs as they would become and changes nothing" {
	fixture
	sum=$(filesum "$DB")
	run -0 --separate-stderr mx-reconcile -d "$DB" -n
	[ "$(filesum "$DB")" = "$sum" ]
	assert_line -n 0 "run_id	repo_full_name	run_kind	issue_number	pr_number	flow	branch	started_at	finished_at	terminal_status	failure_class	error	duration_seconds"
	[ "${#lines[@]}" = 4 ]
	# in mx-runs order: started_at, repo, issue
	[ "$(printf '%s\n' "${lines[@]:1}" | cut -f1,2,3,4,10,11,12 | tr '\t' ' ')" = "r1 org/app issue_flow 1 interrupted unknown 
r2 org/lib issue_flow 2 interrupted unknown partial
r4 org/app issue_flow 4 interrupted unknown " ]
	[ "$(printf '%s\n' "${lines[1]}" | awk -F'\t' '{ print ($13 > 7100 && $13 < 7300) }')" = 1 ]
	[ "$(printf '%s\n' "${lines[3]}" | cut -f13)" = 0.0 ]
	assert_regex "$stderr" 'would create index mx_runs_finished'
	assert_regex "$stderr" 'mx-reconcile: would reconcile 3 runs, clear 5 active_run_id pointers'
	run -0 --separate-stderr mx-reconcile -d "$DB" -n -r org/lib
	[ "${#lines[@]}" = 2 ]
	assert_regex "$stderr" 'would reconcile 1 run, clear 2 active_run_id pointers'
	[ "$(filesum "$DB")" = "$sum" ]
	# and it predicted what the real run does
	run -0 mx-reconcile -d "$DB" -v -r org/lib
	run -0 pointers
	assert_output --partial "p|org/lib|7|NULL|"
	assert_output --partial "i|org/lib|2|NULL|"
}

@test "mx-reconcile: -v lists the reconciled runs as stored, and what it did" {
	fixture
	run -0 --separate-stderr mx-reconcile -d "$DB" -v
	assert_line -n 0 "run_id	repo_full_name	run_kind	issue_number	pr_number	flow	branch	started_at	finished_at	terminal_status	failure_class	error	duration_seconds"
	[ "${#lines[@]}" = 4 ]
	stored=$(sqlite3 -separator '	' "$DB" "SELECT run_id, finished_at, terminal_status,
	    failure_class FROM agent_run_history WHERE run_id != 'r3'
	    ORDER BY started_at")
	[ "$(printf '%s\n' "${lines[@]:1}" | cut -f1,9,10,11)" = "$stored" ]
	assert_regex "$stderr" 'created index mx_runs_finished'
	assert_regex "$stderr" 'mx-reconcile: reconciled 3 runs, cleared 5 active_run_id pointers$'
}

@test "mx-reconcile: -I only brings the schema up, runs stay open" {
	fixture
	before=$(runs)
	pbefore=$(pointers)
	run -0 --separate-stderr mx-reconcile -d "$DB" -I
	assert_output ''
	[ -z "$stderr" ]
	[ "$(runs)" = "$before" ]
	[ "$(pointers)" = "$pbefore" ]
	[ "$(sql "SELECT count(*) FROM sqlite_master WHERE name GLOB 'mx_*'")" = 12 ]
}

@test "mx-reconcile: refuses with 75 while a live service holds writer.lock" {
	fixture
	sleep 30 &
	holder=$!
	lock "$holder" "mergexo service --config /etc/mergexo.toml"
	sum=$(filesum "$DB")
	for flags in "" -n -I -v; do
		# shellcheck disable=SC2086
		run -75 --separate-stderr mx-reconcile -d "$DB" $flags
		assert_output ''
		[ "$stderr" = "mx-reconcile: $BATS_TEST_TMPDIR/writer.lock: service running: pid $holder, command mergexo service --config /etc/mergexo.toml, started 2026-02-24T12:00:00Z (-f overrides)" ]
	done
	[ "$(filesum "$DB")" = "$sum" ]
	[ "$(sql "SELECT count(*) FROM agent_run_history WHERE finished_at IS NULL")" = 3 ]
	# -f overrides
	run -0 --separate-stderr mx-reconcile -d "$DB" -f
	[ "$(sql "SELECT count(*) FROM agent_run_history WHERE finished_at IS NULL")" = 0 ]
}

@test "mx-reconcile: a lock naming a dead process is stale and ignored" {
	fixture
	sh -c 'exit 0' &
	dead=$!
	wait "$dead"
	lock "$dead"
	run -0 --separate-stderr mx-reconcile -d "$DB"
	[ -z "$stderr" ]
	[ "$(sql "SELECT count(*) FROM agent_run_history WHERE finished_at IS NULL")" = 0 ]
	# the lock is the service's: we leave it alone
	[ -e "$BATS_TEST_TMPDIR/writer.lock" ]
}

@test "mx-reconcile: a lock naming our own pid is stale" {
	fixture
	# the shell that execs mx-reconcile passes its pid on
	run -0 --separate-stderr sh -c 'printf "{\"pid\": %d}" $$ >"$1/writer.lock"; exec mx-reconcile -d "$2"' \
	    sh "$BATS_TEST_TMPDIR" "$DB"
	[ "$(sql "SELECT count(*) FROM agent_run_history WHERE finished_at IS NULL")" = 0 ]
}

@test "mx-reconcile: a malformed or unreadable lock refuses with 75 unless -f" {
	fixture
	sum=$(filesum "$DB")
	for content in '' 'garbage' '[1, 2]' '{"pid": "123"}' '{"pid": 0}' \
	    '{"pid": -1}' '{"pid": 99999999999}' '{"command": "x"}' \
	    '{"pid": 1.5}' '{"pid": 12} trailing'; do
		printf '%s' "$content" >writer.lock
		run -75 --separate-stderr mx-reconcile -d "$DB"
		assert_output ''
		assert_regex "$stderr" "^mx-reconcile: $BATS_TEST_TMPDIR/writer.lock: malformed lock \(.*\); the service may be running \(-f overrides\)$"
	done
	rm writer.lock
	mkdir writer.lock
	run -75 --separate-stderr mx-reconcile -d "$DB"
	assert_regex "$stderr" 'malformed lock \(is a directory\)'
	rmdir writer.lock
	head -c 70000 /dev/zero | tr '\0' ' ' >writer.lock
	run -75 --separate-stderr mx-reconcile -d "$DB"
	assert_regex "$stderr" 'malformed lock \(larger than 65536 bytes\)'
	[ "$(filesum "$DB")" = "$sum" ]
	run -0 mx-reconcile -d "$DB" -f
	[ "$(sql "SELECT count(*) FROM agent_run_history WHERE finished_at IS NULL")" = 0 ]
}

@test "mx-reconcile: the lock's command may be an argv; control characters are shown as ?" {
	sleep 30 &
	holder=$!
	printf '{"pid": %d, "command": ["mergexo", "service", "--x"]}' "$holder" >writer.lock
	run -75 --separate-stderr mx-reconcile -d "$DB"
	[ "$stderr" = "mx-reconcile: $BATS_TEST_TMPDIR/writer.lock: service running: pid $holder, command mergexo service --x (-f overrides)" ]
	printf '{"pid": %d, "command": "evil\\nline\\u001b[2J"}' "$holder" >writer.lock
	run -75 --separate-stderr mx-reconcile -d "$DB"
	[ "$stderr" = "mx-reconcile: $BATS_TEST_TMPDIR/writer.lock: service running: pid $holder, command evil?line?[2J (-f overrides)" ]
	printf '{"pid": %d}' "$holder" >writer.lock
	run -75 --separate-stderr mx-reconcile -d "$DB"
	[ "$stderr" = "mx-reconcile: $BATS_TEST_TMPDIR/writer.lock: service running: pid $holder, command unknown (-f overrides)" ]
}

@test "mx-reconcile: a live process of another user counts as the service" {
	command -v setpriv >/dev/null || skip "setpriv missing"
	[ "$(id -u)" = 0 ] || skip "needs root to switch to nobody"
	sleep 30 &
	holder=$!
	d=$(mktemp -d /tmp/mx-lock.XXXXXX)
	chmod 755 "$d"
	cp "$DB" "$d/state.db"
	printf '{"pid": %d, "command": "mergexo"}' "$holder" >"$d/writer.lock"
	chmod 644 "$d/writer.lock"
	run -75 --separate-stderr setpriv --reuid=nobody --regid=nogroup \
	    --clear-groups "$TOP/bin/mx-reconcile" -d "$d/state.db"
	rm -rf "$d"
	assert_regex "$stderr" "service running: pid $holder, command mergexo"
}

@test "mx-reconcile: only the lock beside the database counts" {
	fixture
	mkdir -p db
	mv "$DB" db/state.db
	sleep 30 &
	holder=$!
	lock "$holder"
	run -0 mx-reconcile -d db/state.db
	[ "$(sqlite3 db/state.db "SELECT count(*) FROM agent_run_history WHERE finished_at IS NULL")" = 0 ]
	cp writer.lock db/writer.lock
	run -75 --separate-stderr mx-reconcile -d "$BATS_TEST_TMPDIR/db/state.db"
	assert_regex "$stderr" "^mx-reconcile: $BATS_TEST_TMPDIR/db/writer.lock: service running"
}

@test "mx-reconcile: an older database gets the schema; its pointers dangle" {
	rm -f "$DB"
	mkdb_old
	row issue_runs repo_full_name=org/app issue_number=1 status=running \
	    active_run_id=r1
	run -0 --separate-stderr mx-reconcile -d "$DB" -n
	assert_output ''
	assert_regex "$stderr" 'would create table agent_run_history'
	assert_regex "$stderr" 'would reconcile 0 runs, clear 1 active_run_id pointer$'
	[ "$(sql "SELECT count(*) FROM sqlite_master WHERE name = 'agent_run_history'")" = 0 ]
	run -0 --separate-stderr mx-reconcile -d "$DB"
	assert_output ''
	[ -z "$stderr" ]
	[ "$(sql "SELECT quote(active_run_id) FROM issue_runs")" = NULL ]
	[ "$(sql "SELECT count(*) FROM agent_run_history")" = 0 ]
}

@test "mx-reconcile: a database without active_run_id columns is reconciled" {
	rm -f "$DB"
	mkdb_old
	sql 'CREATE TABLE t AS SELECT repo_full_name, issue_number, status FROM issue_runs;
	    DROP TABLE issue_runs; ALTER TABLE t RENAME TO issue_runs;
	    DROP TABLE pr_feedback_state'
	mx-record -d "$DB" start -r org/app -k issue_flow -i 1 -u r1
	run -0 --separate-stderr mx-reconcile -d "$DB" -v
	assert_line -n 1 --regexp '^r1	org/app	issue_flow	1	'
	[ "$(sql "SELECT terminal_status FROM agent_run_history")" = interrupted ]
}

@test "mx-reconcile: the config file finds the database" {
	fixture
	mkdir -p base
	mv "$DB" base/state.db
	printf '[runtime]\nbase_dir = "%s/base"\n' "$BATS_TEST_TMPDIR" >mx.toml
	run -0 mx-reconcile -c mx.toml
	[ "$(sqlite3 base/state.db "SELECT count(*) FROM agent_run_history WHERE finished_at IS NULL")" = 0 ]
}

@test "mx-reconcile: leaves MergeXO's own rows intact, pointers aside" {
	fixture
	row feedback_events repo_full_name=org/app event_key=k pr_number=8 \
	    issue_number=1 kind=review comment_id=5 updated_at=@1h
	row action_tokens repo_full_name=org/app token=t scope_kind=pr \
	    scope_number=8 status=posted
	before=$(snapshot)
	run -0 mx-reconcile -d "$DB"
	[ "$(snapshot | sed 's/NULL/PTR/g')" = "$(printf '%s\n' "$before" | sed 's/NULL/PTR/g')" ]
}

@test "mx-reconcile: bad options, operands and databases" {
	run -64 --separate-stderr mx-reconcile -x
	assert_regex "$stderr" 'usage: mx-reconcile \[-fInv\] \[-c config\] \[-d database\] \[-r repo\]'
	run -64 --separate-stderr mx-reconcile -d "$DB" extra
	assert_output ''
	run -66 --separate-stderr mx-reconcile -d nothere.db
	[ ! -e nothere.db ]
	echo 'just text, no database' >bad.db
	run -66 --separate-stderr mx-reconcile -d bad.db
	run -0 mx-reconcile --help
	assert_output 'usage: mx-reconcile [-fInv] [-c config] [-d database] [-r repo]'
	run -0 mx-reconcile --version
	assert_output --regexp '^mx-reconcile \(mx\) '
}

@test "mx-reconcile: a database the user may not write is refused, unchanged" {
	fixture
	refused_readonly mx-reconcile
}

@test "mx-reconcile: a database locked past the busy timeout gives 75" {
	fixture
	{ echo 'BEGIN IMMEDIATE;'; sleep 6; echo 'COMMIT;'; } | sqlite3 "$DB" &
	locker=$!
	sleep 0.5
	run -75 --separate-stderr mx-reconcile -d "$DB" -I
	assert_regex "$stderr" 'database is locked'
	wait "$locker"
	[ "$(sql "SELECT count(*) FROM agent_run_history WHERE finished_at IS NULL")" = 3 ]
}
