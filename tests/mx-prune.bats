bats_require_minimum_version 1.7.0
load helper

setup() {
	mkdb
}

# fixture: runs and transitions of two repos, old and recent.
fixture() {
	add_run run_id=old1 repo_full_name=org/app started_at=@100d finished_at=@100d \
	    terminal_status=completed
	add_run run_id=old2 repo_full_name=org/lib started_at=@95d finished_at=@91d \
	    terminal_status=failed
	add_run run_id=open1 repo_full_name=org/app started_at=@200d
	add_run run_id=new1 repo_full_name=org/app started_at=@89d finished_at=@89d \
	    terminal_status=completed
	add_run run_id=mid1 repo_full_name=org/lib started_at=@20d finished_at=@10d \
	    terminal_status=completed
	add_transition repo_full_name=org/app pr_number=1 changed_at=@120d
	add_transition repo_full_name=org/lib pr_number=2 changed_at=@92d
	add_transition repo_full_name=org/app pr_number=1 changed_at=@80d
	add_transition repo_full_name=org/lib pr_number=2 changed_at=@1d
}

ids() {
	sql "SELECT run_id FROM agent_run_history ORDER BY run_id" | tr '\n' ' '
}

transitions() {
	sql "SELECT repo_full_name || '#' || pr_number FROM pr_status_history ORDER BY id" |
	    tr '\n' ' '
}

# snapshot: MergeXO's own tables, schema and rows.
snapshot() {
	local t
	for t in issue_runs pre_pr_followup_state feedback_events \
	    pr_feedback_state issue_takeover_state action_tokens \
	    github_comment_poll_cursors operator_commands runtime_operations; do
		sql "SELECT sql FROM sqlite_master WHERE name = '$t'"
		sqlite3 -cmd '.mode quote' "$DB" "SELECT * FROM $t ORDER BY rowid"
	done
}

@test "mx-prune: deletes finished runs and transitions older than 90 days, silently" {
	fixture
	run -0 --separate-stderr mx-prune -d "$DB"
	assert_output ''
	[ -z "$stderr" ]
	[ "$(ids)" = "mid1 new1 open1 " ]
	[ "$(transitions)" = "org/app#1 org/lib#2 " ]
	[ "$(sql 'SELECT count(*) FROM pr_status_history WHERE changed_at < strftime("%Y-%m-%dT%H:%M:%fZ", "now", "-90 days")')" = 0 ]
}

@test "mx-prune: -a sets the age; open runs are never deleted" {
	fixture
	run -0 mx-prune -d "$DB" -a 2w
	[ "$(ids)" = "mid1 open1 " ]
	[ "$(transitions)" = "org/lib#2 " ]
	run -0 mx-prune -d "$DB" -a 1s
	[ "$(ids)" = "open1 " ]
	[ "$(transitions)" = "" ]
}

@test "mx-prune: the config's retention days are the default" {
	fixture
	printf '[runtime]\nobservability_history_retention_days = 15\n' >mx.toml
	run -0 mx-prune -d "$DB" -c mx.toml
	[ "$(ids)" = "mid1 open1 " ]
	[ "$(transitions)" = "org/lib#2 " ]
}

@test "mx-prune: compares times as text, as windows do" {
	# Later than the cutoff in time, but a space sorts before the T of
	# the cutoff: older in a text comparison.
	late=$(sql "SELECT strftime('%Y-%m-%d 23:59:59', 'now', '-1 day')")
	add_run run_id=space started_at="$late" finished_at="$late" \
	    terminal_status=completed
	add_run run_id=iso started_at="${late/ /T}Z" finished_at="${late/ /T}Z" \
	    terminal_status=completed
	run -0 mx-prune -d "$DB" -a 1d
	[ "$(ids)" = "iso " ]
}

@test "mx-prune: -n counts what would go and changes nothing" {
	fixture
	sum=$(filesum "$DB")
	run -0 --separate-stderr mx-prune -d "$DB" -n
	assert_output "table	rows
agent_run_history	2
pr_status_history	2"
	[ -z "$stderr" ]
	run -0 mx-prune -d "$DB" -n -a 1s -r org/lib
	assert_output "table	rows
agent_run_history	2
pr_status_history	2"
	[ "$(filesum "$DB")" = "$sum" ]
	[ "$(ids)" = "mid1 new1 old1 old2 open1 " ]
}

@test "mx-prune: -v prints what was deleted per table" {
	fixture
	run -0 --separate-stderr mx-prune -d "$DB" -v -a 30d
	assert_output "table	rows
agent_run_history	3
pr_status_history	3"
	[ -z "$stderr" ]
	run -0 mx-prune -d "$DB" -v -a 30d
	assert_output "table	rows
agent_run_history	0
pr_status_history	0"
}

@test "mx-prune: -r prunes one repo" {
	fixture
	run -0 mx-prune -d "$DB" -r ' org/lib ' -a 1s
	[ "$(ids)" = "new1 old1 open1 " ]
	[ "$(transitions)" = "org/app#1 org/app#1 " ]
}

@test "mx-prune: deletes in batches until every old row is gone" {
	sql "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n
	    WHERE i < 1234)
	    INSERT INTO agent_run_history (run_id, repo_full_name, run_kind,
	    issue_number, started_at, finished_at, terminal_status)
	    SELECT 'b' || i, 'org/app', 'issue_flow', i,
	    '2020-01-01T00:00:00.000Z', '2020-01-01T00:10:00.000Z', 'completed'
	    FROM n;
	    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n
	    WHERE i < 1234)
	    INSERT INTO pr_status_history (repo_full_name, pr_number,
	    issue_number, to_status, changed_at)
	    SELECT 'org/app', i, i, 'blocked', '2020-01-01T00:00:00.000Z' FROM n"
	add_run run_id=keep started_at=@1h finished_at=@1m terminal_status=failed
	add_run run_id=open started_at=2020-01-01T00:00:00.000Z
	run -0 mx-prune -d "$DB" -v
	assert_output "table	rows
agent_run_history	1234
pr_status_history	1234"
	[ "$(ids)" = "keep open " ]
	[ "$(sql 'SELECT count(*) FROM pr_status_history')" = 0 ]
}

@test "mx-prune: an age of all, or a bad one, is refused with 64" {
	fixture
	sum=$(filesum "$DB")
	for a in all 0d -5d 90 90y d '' 999999999999d; do
		run -64 --separate-stderr mx-prune -d "$DB" -a "$a"
		assert_output ''
		assert_regex "$stderr" "^mx-prune: -a: .*bad age \(use N\[smhdw\], e.g. 90d; all is refused\)"
		assert_regex "$stderr" 'usage: mx-prune \[-nv\] \[-a age\]'
	done
	[ "$(filesum "$DB")" = "$sum" ]
}

@test "mx-prune: an older database gets the history tables, -n leaves it be" {
	rm -f "$DB"
	mkdb_old
	sum=$(filesum "$DB")
	run -0 --separate-stderr mx-prune -d "$DB" -n
	assert_output "table	rows
agent_run_history	0
pr_status_history	0"
	[ -z "$stderr" ]
	[ "$(filesum "$DB")" = "$sum" ]
	run -0 --separate-stderr mx-prune -d "$DB"
	assert_output ''
	[ "$(sql "SELECT count(*) FROM sqlite_master WHERE name IN ('agent_run_history', 'pr_status_history')")" = 2 ]
	[ "$(sql "SELECT count(*) FROM sqlite_master WHERE name GLOB 'mx_*'")" = 0 ]
}

@test "mx-prune: a history table without the columns it needs is skipped with a note" {
	rm -f "$DB"
	mkdb_old
	sql 'CREATE TABLE agent_run_history (run_id TEXT PRIMARY KEY, note TEXT);
	    INSERT INTO agent_run_history VALUES ("a", "b")'
	run -0 --separate-stderr mx-prune -d "$DB" -v -a 1s
	assert_regex "$stderr" 'incomplete table agent_run_history'
	assert_line -n 1 "agent_run_history	0"
	[ "$(sql 'SELECT count(*) FROM agent_run_history')" = 1 ]
}

@test "mx-prune: leaves MergeXO's own rows intact" {
	fixture
	row issue_runs repo_full_name=org/app issue_number=1 status=merged \
	    updated_at=2020-01-01T00:00:00.000Z
	row pr_feedback_state repo_full_name=org/app pr_number=1 issue_number=1 \
	    branch=b status=closed updated_at=2020-01-01T00:00:00.000Z
	row feedback_events repo_full_name=org/app event_key=k pr_number=1 \
	    issue_number=1 kind=review comment_id=5 updated_at=2020-01-01T00:00:00.000Z
	before=$(snapshot)
	run -0 mx-prune -d "$DB" -a 1s
	[ "$(snapshot)" = "$before" ]
}

@test "mx-prune: bad options, operands and databases" {
	run -64 --separate-stderr mx-prune -x
	run -64 --separate-stderr mx-prune -d "$DB" extra
	run -64 --separate-stderr mx-prune -d "$DB" -n 5
	run -66 --separate-stderr mx-prune -d nothere.db
	[ ! -e nothere.db ]
	echo 'just text' >bad.db
	run -66 --separate-stderr mx-prune -d bad.db
	run -0 mx-prune --help
	assert_output 'usage: mx-prune [-nv] [-a age] [-c config] [-d database] [-r repo]'
	run -0 mx-prune --version
	assert_output --regexp '^mx-prune \(mx\) '
}

@test "mx-prune: a database the user may not write is refused, unchanged" {
	fixture
	refused_readonly mx-prune
}

@test "mx-prune: a database locked past the busy timeout gives 75" {
	fixture
	{ echo 'BEGIN IMMEDIATE;'; sleep 6; echo 'COMMIT;'; } | sqlite3 "$DB" &
	locker=$!
	sleep 0.5
	run -75 --separate-stderr mx-prune -d "$DB" -a 1s
	assert_regex "$stderr" 'database is locked'
	wait "$locker"
	[ "$(ids)" = "mid1 new1 old1 old2 open1 " ]
}

@test "mx-prune: a writer waiting on a long prune gets in between batches" {
	sql "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n
	    WHERE i < 100000)
	    INSERT INTO agent_run_history (run_id, repo_full_name, run_kind,
	    issue_number, started_at, finished_at, terminal_status)
	    SELECT 'b' || i, 'org/app', 'issue_flow', i,
	    '2020-01-01T00:00:00.000Z', '2020-01-01T00:10:00.000Z', 'completed'
	    FROM n"
	mx-prune -d "$DB" -a 1d 3>&- &
	pruner=$!
	worst=0
	n=0
	while kill -0 "$pruner" 2>/dev/null; do
		t0=$(date +%s%N)
		mx-record -d "$DB" transition -r org/app -p 1 -i 1 -T blocked
		t=$((($(date +%s%N) - t0) / 1000000))
		[ "$t" -gt "$worst" ] && worst=$t
		n=$((n + 1))
	done
	wait "$pruner"
	echo "# $n transitions during the prune, the slowest ${worst} ms" >&3
	[ "$n" -ge 5 ]
	[ "$worst" -lt 1000 ]
	[ "$(sql 'SELECT count(*) FROM pr_status_history')" = "$n" ]
	[ "$(sql 'SELECT count(*) FROM agent_run_history')" = 0 ]
}
