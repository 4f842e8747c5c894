bats_require_minimum_version 1.7.0
load helper

setup() {
	mkdb
}

# runrow RUN_ID: the stored run, columns separated by |.
runrow() {
	sql "SELECT run_id, repo_full_name, run_kind, issue_number,
	    quote(pr_number), quote(flow), quote(branch), started_at,
	    quote(finished_at), quote(terminal_status), quote(failure_class),
	    quote(error), quote(duration_seconds), meta_json
	    FROM agent_run_history WHERE run_id = '$1'"
}

# snapshot: MergeXO's own tables, schema and rows.
snapshot() {
	local t
	for t in issue_runs pre_pr_followup_state issue_comment_cursors \
	    agent_sessions feedback_events pr_feedback_state \
	    issue_takeover_state action_tokens github_comment_poll_cursors \
	    operator_commands runtime_operations; do
		sql "SELECT sql FROM sqlite_master WHERE name = '$t'"
		sqlite3 -cmd '.mode quote' "$DB" "SELECT * FROM $t ORDER BY rowid"
	done
}

@test "mx-record: start prints a fresh 32-hex run id and records the run" {
	run -0 --separate-stderr mx-record -d "$DB" start -r org/app \
	    -k issue_flow -i 42
	assert_output --regexp '^[0-9a-f]{32}$'
	[ -z "$stderr" ]
	id=$output
	run -0 runrow "$id"
	assert_output --regexp "^$id\|org/app\|issue_flow\|42\|NULL\|NULL\|NULL\|[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z\|NULL\|NULL\|NULL\|NULL\|NULL\|\{\}$"
	# started now: within a minute of SQLite's clock
	run -0 sql "SELECT abs(julianday('now') - julianday(started_at)) * 86400 < 60
	    FROM agent_run_history WHERE run_id = '$id'"
	assert_output 1
	run -0 mx-record -d "$DB" start -r org/app -k issue_flow -i 42
	[ "$output" != "$id" ]
}

@test "mx-record: start takes every field, a run id and a start time" {
	run -0 --separate-stderr mx-record -d "$DB" start -r ' org/app ' \
	    -k feedback_turn -i 7 -p 17 -f bugfix -b agent/7 \
	    -m '{"codex_active": true, "last_prompt": "fix"}' \
	    -u run-7.a:b_c -t '2026-01-01 10:00:00+02:00'
	assert_output run-7.a:b_c
	run -0 runrow run-7.a:b_c
	assert_output "run-7.a:b_c|org/app|feedback_turn|7|17|'bugfix'|'agent/7'|2026-01-01T08:00:00.000Z|NULL|NULL|NULL|NULL|NULL|{\"codex_active\": true, \"last_prompt\": \"fix\"}"
	run -0 mx-runs -d "$DB" -s active -H -o run_id,busy,prompt
	assert_output "run-7.a:b_c	1	fix"
}

@test "mx-record: start with a run id that exists changes nothing, exits 65" {
	add_run run_id=r1 issue_number=5
	before=$(runrow r1)
	run -65 --separate-stderr mx-record -d "$DB" start -r org/x -k issue_flow \
	    -i 9 -u r1
	assert_output ''
	[ "$stderr" = "mx-record: r1: run already exists; nothing changed" ]
	[ "$(runrow r1)" = "$before" ]
	[ "$(sql 'SELECT count(*) FROM agent_run_history')" = 1 ]
}

@test "mx-record: start refuses a bad run id, issue, PR, kind or time with 64" {
	for args in "-u -bad" "-u a/b" "-u $(printf 'x%.0s' {1..129})" \
	    "-i 0" "-i x" "-p -1" "-t yesterday" "-t 42" "-t now" \
	    "-t 2026-13-45T99:00:00Z" "-k bogus"; do
		# shellcheck disable=SC2086
		run -64 --separate-stderr mx-record -d "$DB" start -r org/app \
		    -k issue_flow -i 1 $args
		assert_output ''
		[ -n "$stderr" ]
	done
	[ "$(sql 'SELECT count(*) FROM agent_run_history')" = 0 ]
}

@test "mx-record: an unknown run kind is refused with the valid kinds" {
	run -64 --separate-stderr mx-record -d "$DB" start -r org/app -k flow \
	    -i 1
	[ "$stderr" = "mx-record: -k: flow: unknown run kind (valid: issue_flow, implementation_flow, pre_pr_followup, feedback_turn)" ]
	[ "$(sql 'SELECT count(*) FROM agent_run_history')" = 0 ]
}

@test "mx-record: start requires -i, -k and -r" {
	for args in "-k issue_flow -i 1" "-r org/app -i 1" \
	    "-r org/app -k issue_flow" "-r ' ' -k issue_flow -i 1"; do
		eval "run -64 --separate-stderr mx-record -d \"\$DB\" start $args"
		assert_output ''
		assert_regex "$stderr" 'are required'
		assert_regex "$stderr" 'usage: mx-record'
	done
	[ "$(sql 'SELECT count(*) FROM agent_run_history')" = 0 ]
}

@test "mx-record: -m must be a JSON object" {
	for m in '{' '[1, 2]' '"text"' '{"a": 1} x'; do
		run -64 --separate-stderr mx-record -d "$DB" start -r org/app \
		    -k issue_flow -i 1 -m "$m"
		assert_regex "$stderr" '^mx-record: -m: not (valid JSON|a JSON object)'
	done
	[ "$(sql 'SELECT count(*) FROM agent_run_history')" = 0 ]
}

@test "mx-record: text values must be UTF-8, one-line ones without control characters" {
	run -64 --separate-stderr mx-record -d "$DB" start -r org/app \
	    -k issue_flow -i 1 -b "$(printf 'a\tb')"
	[ "$stderr" = "mx-record: -b: control character in value" ]
	run -64 --separate-stderr mx-record -d "$DB" start -r org/app \
	    -k issue_flow -i 1 -f "$(printf 'a\377b')"
	[ "$stderr" = "mx-record: -f: not valid UTF-8" ]
	run -64 --separate-stderr mx-record -d "$DB" start -r "$(printf 'org/\001')" \
	    -k issue_flow -i 1
	[ "$stderr" = "mx-record: -r: control character in value" ]
	[ "$(sql 'SELECT count(*) FROM agent_run_history')" = 0 ]
}

@test "mx-record: finish sets status, class, error, finish time and duration once" {
	add_run run_id=r1 started_at=2026-01-01T08:00:00.000Z
	run -0 --separate-stderr mx-record -d "$DB" finish r1 -s failed \
	    -c tests_failed -e "3 tests failed" -t 2026-01-01T09:30:00Z
	assert_output ''
	[ -z "$stderr" ]
	run -0 sql "SELECT finished_at, terminal_status, failure_class, error,
	    abs(duration_seconds - 5400) < 0.001
	    FROM agent_run_history WHERE run_id = 'r1'"
	assert_output "2026-01-01T09:30:00.000Z|failed|tests_failed|3 tests failed|1"
	# the design's formula, exactly
	run -0 sql "SELECT duration_seconds = max(0.0, (julianday(finished_at) -
	    julianday(started_at)) * 86400.0) FROM agent_run_history"
	assert_output 1
	before=$(runrow r1)
	sum=$(filesum "$DB")
	run -65 --separate-stderr mx-record -d "$DB" finish r1 -s completed
	assert_output ''
	[ "$stderr" = "mx-record: r1: run already finished (failed at 2026-01-01T09:30:00.000Z); nothing changed" ]
	[ "$(runrow r1)" = "$before" ]
	[ "$(filesum "$DB")" = "$sum" ]
}

@test "mx-record: finish without a time uses now; the run id may follow the options" {
	add_run run_id=r1 started_at=@2h
	run -0 --separate-stderr mx-record -d "$DB" finish -s completed r1
	run -0 sql "SELECT terminal_status, failure_class IS NULL, error IS NULL,
	    abs(julianday('now') - julianday(finished_at)) * 86400 < 60,
	    abs(duration_seconds - 7200) < 60,
	    finished_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9]Z'
	    FROM agent_run_history"
	assert_output "completed|1|1|1|1|1"
}

@test "mx-record: finish before the start records a duration of 0" {
	add_run run_id=r1 started_at=2026-01-01T08:00:00.000Z
	run -0 mx-record -d "$DB" finish r1 -s interrupted -c unknown \
	    -t 2026-01-01T07:00:00Z
	[ "$(sql "SELECT duration_seconds FROM agent_run_history")" = 0.0 ]
}

@test "mx-record: finish of an unknown run changes nothing, exits 65" {
	add_run run_id=r1
	sum=$(filesum "$DB")
	run -65 --separate-stderr mx-record -d "$DB" finish r2 -s failed
	[ "$stderr" = "mx-record: r2: no such run; nothing changed" ]
	[ "$(filesum "$DB")" = "$sum" ]
	[ "$(sql "SELECT finished_at IS NULL FROM agent_run_history")" = 1 ]
}

@test "mx-record: finish refuses bad statuses and classes with the valid values" {
	add_run run_id=r1
	run -64 --separate-stderr mx-record -d "$DB" finish r1 -s done
	[ "$stderr" = "mx-record: -s: done: unknown terminal status (valid: completed, failed, blocked, merged, closed, interrupted)" ]
	run -64 --separate-stderr mx-record -d "$DB" finish r1 -s failed -c oops
	[ "$stderr" = "mx-record: -c: oops: unknown failure class (valid: agent_error, tests_failed, policy_block, github_error, history_rewrite, timeout, unknown)" ]
	run -64 --separate-stderr mx-record -d "$DB" finish r1
	assert_regex "$stderr" '^mx-record: finish: -s is required'
	run -64 --separate-stderr mx-record -d "$DB" finish -s failed
	assert_regex "$stderr" '^mx-record: finish: a run_id is required'
	run -64 --separate-stderr mx-record -d "$DB" finish r1 r2 -s failed
	run -64 --separate-stderr mx-record -d "$DB" finish r1 -s failed -t soon
	[ "$(sql "SELECT finished_at IS NULL FROM agent_run_history")" = 1 ]
}

@test "mx-record: finish keeps a multi-line error as given" {
	add_run run_id=r1
	run -0 mx-record -d "$DB" finish r1 -s failed -c agent_error \
	    -e "$(printf 'line 1\nline\t2')"
	[ "$(sql "SELECT error = 'line 1' || char(10) || 'line' || char(9) || '2' FROM agent_run_history")" = 1 ]
}

@test "mx-record: meta replaces an open run's meta_json" {
	add_run run_id=r1 'meta_json={"codex_active": false}'
	run -0 --separate-stderr mx-record -d "$DB" meta r1 \
	    '{"codex_active": true, "last_prompt": "  hello  "}'
	assert_output ''
	[ "$(sql "SELECT meta_json FROM agent_run_history")" = '{"codex_active": true, "last_prompt": "  hello  "}' ]
	run -0 mx-runs -d "$DB" -H -o run_id,busy,prompt
	assert_output "r1	1	hello"
}

@test "mx-record: meta refuses invalid JSON, finished and unknown runs" {
	add_run run_id=r1
	add_run run_id=r2 finished_at=@1m terminal_status=completed
	sum=$(filesum "$DB")
	run -64 --separate-stderr mx-record -d "$DB" meta r1 '{"a": }'
	assert_regex "$stderr" '^mx-record: meta_json: not valid JSON'
	run -64 --separate-stderr mx-record -d "$DB" meta r1 '[]'
	[ "$stderr" = "mx-record: meta_json: not a JSON object" ]
	run -64 --separate-stderr mx-record -d "$DB" meta r1
	run -64 --separate-stderr mx-record -d "$DB" meta r1 '{}' '{}'
	run -65 --separate-stderr mx-record -d "$DB" meta r2 '{}'
	assert_regex "$stderr" '^mx-record: r2: run already finished \(completed at '
	run -65 --separate-stderr mx-record -d "$DB" meta r3 '{}'
	[ "$stderr" = "mx-record: r3: no such run; nothing changed" ]
	[ "$(filesum "$DB")" = "$sum" ]
}

@test "mx-record: transition appends a PR status change" {
	run -0 --separate-stderr mx-record -d "$DB" transition -r org/app \
	    -p 17 -i 42 -F awaiting_feedback -T blocked -R "CI red" \
	    -D "$(printf 'job 3\nfailed')"
	assert_output ''
	[ -z "$stderr" ]
	run -0 mx-record -d "$DB" transition -r org/app -p 17 -i 42 -T merged \
	    -t 2026-01-02T03:04:05.678Z
	run -0 sql "SELECT id, repo_full_name, pr_number, issue_number,
	    quote(from_status), to_status, quote(reason),
	    quote(replace(detail, char(10), '~')), changed_at GLOB '2*Z',
	    abs(julianday('now') - julianday(changed_at)) * 86400 < 60
	    FROM pr_status_history ORDER BY id"
	assert_line -n 0 "1|org/app|17|42|'awaiting_feedback'|blocked|'CI red'|'job 3~failed'|1|1"
	assert_line -n 1 "2|org/app|17|42|NULL|merged|NULL|NULL|1|0"
	[ "$(sql 'SELECT changed_at FROM pr_status_history WHERE id = 2')" = 2026-01-02T03:04:05.678Z ]
}

@test "mx-record: a transition from a status to itself without reason is a no-op" {
	sum=$(filesum "$DB")
	run -0 --separate-stderr mx-record -d "$DB" transition -r org/app -p 1 \
	    -i 1 -F blocked -T blocked
	assert_output ''
	[ -z "$stderr" ]
	[ "$(filesum "$DB")" = "$sum" ]
	[ "$(sql 'SELECT count(*) FROM pr_status_history')" = 0 ]
	run -0 mx-record -d "$DB" transition -r org/app -p 1 -i 1 -F blocked \
	    -T blocked -R "still red"
	run -0 mx-record -d "$DB" transition -r org/app -p 1 -i 1 -F blocked \
	    -T blocked -D "job 4"
	run -0 mx-record -d "$DB" transition -r org/app -p 1 -i 1 -F blocked \
	    -T awaiting_feedback
	[ "$(sql 'SELECT count(*) FROM pr_status_history')" = 3 ]
}

@test "mx-record: transition requires -i, -p, -r and -T" {
	for args in "-p 1 -r org/app -T x" "-i 1 -r org/app -T x" \
	    "-i 1 -p 1 -T x" "-i 1 -p 1 -r org/app" "-i 1 -p 1 -r org/app -T ''"; do
		eval "run -64 --separate-stderr mx-record -d \"\$DB\" transition $args"
		assert_regex "$stderr" 'transition: -i, -p, -r and -T are required'
	done
	run -64 --separate-stderr mx-record -d "$DB" transition -i 1 -p 1 \
	    -r org/app -T x -t never
	run -64 --separate-stderr mx-record -d "$DB" transition -i 1 -p 1 \
	    -r org/app -T x extra
	[ "$(sql 'SELECT count(*) FROM pr_status_history')" = 0 ]
}

@test "mx-record: -c before the command names the config, after finish the class" {
	mkdir -p base
	mkdb base/state.db
	printf '[runtime]\nbase_dir = "%s/base"\n' "$BATS_TEST_TMPDIR" >mx.toml
	run -0 --separate-stderr mx-record -c mx.toml start -r org/app \
	    -k issue_flow -i 3 -u r9
	run -0 mx-record -c mx.toml finish r9 -c timeout -s failed
	[ "$(sqlite3 base/state.db "SELECT failure_class FROM agent_run_history")" = timeout ]
	[ "$(sql 'SELECT count(*) FROM agent_run_history')" = 0 ]
}

@test "mx-record: unknown commands, options and no command are usage errors" {
	run -64 --separate-stderr mx-record -d "$DB"
	assert_regex "$stderr" '^usage: mx-record '
	run -64 --separate-stderr mx-record -d "$DB" begin -r a
	assert_regex "$stderr" '^mx-record: begin: unknown command'
	run -64 --separate-stderr mx-record -x start
	run -64 --separate-stderr mx-record -d "$DB" start -Z
	run -0 --separate-stderr mx-record --help
	assert_regex "$output" '^usage: mx-record \[-c config\] \[-d database\] start'
	[ -z "$stderr" ]
	run -0 mx-record finish --help
	run -0 mx-record --version
	assert_output --regexp '^mx-record \(mx\) [0-9]'
}

@test "mx-record: a missing or non-SQLite database is refused with 66" {
	run -66 --separate-stderr mx-record -d nothere.db start -r org/app \
	    -k issue_flow -i 1
	assert_output ''
	[ ! -e nothere.db ]
	echo 'not a database at all, just text' >bad.db
	sum=$(filesum bad.db)
	run -66 --separate-stderr mx-record -d bad.db transition -r org/app \
	    -p 1 -i 1 -T x
	[ "$(filesum bad.db)" = "$sum" ]
}

@test "mx-record: a database the user may not write is refused, unchanged" {
	refused_readonly mx-record start -r org/app -k issue_flow -i 1
}

@test "mx-record: an older database gets the history tables" {
	rm -f "$DB"
	mkdb_old
	run -0 mx-record -d "$DB" transition -r org/app -p 1 -i 1 -T blocked
	run -0 mx-record -d "$DB" start -r org/app -k issue_flow -i 1
	[ "$(sql 'SELECT count(*) FROM pr_status_history')" = 1 ]
	[ "$(sql 'SELECT count(*) FROM agent_run_history')" = 1 ]
}

@test "mx-record: a history table of another shape is not written" {
	rm -f "$DB"
	mkdb_old
	sql 'CREATE TABLE agent_run_history (run_id TEXT PRIMARY KEY, note TEXT)'
	sum=$(filesum "$DB")
	run -65 --separate-stderr mx-record -d "$DB" start -r org/app \
	    -k issue_flow -i 1
	assert_output ''
	assert_regex "$stderr" 'agent_run_history lacks columns we write'
	[ "$(sql 'SELECT count(*) FROM agent_run_history')" = 0 ]
}

@test "mx-record: leaves MergeXO's own rows intact" {
	row issue_runs repo_full_name=org/app issue_number=1 status=running \
	    active_run_id=r1
	row pr_feedback_state repo_full_name=org/app pr_number=2 issue_number=1 \
	    branch=b status=awaiting_feedback active_run_id=r1
	row feedback_events repo_full_name=org/app event_key=k pr_number=2 \
	    issue_number=1 kind=review comment_id=5 updated_at=@1h
	before=$(snapshot)
	run -0 mx-record -d "$DB" start -r org/app -k issue_flow -i 1 -u r1
	run -0 mx-record -d "$DB" meta r1 '{"codex_active": true}'
	run -0 mx-record -d "$DB" finish r1 -s completed
	run -0 mx-record -d "$DB" transition -r org/app -p 2 -i 1 -T merged
	[ "$(snapshot)" = "$before" ]
}

@test "mx-record: a database locked past the busy timeout gives 75" {
	{ echo 'BEGIN IMMEDIATE;'; sleep 6; echo 'COMMIT;'; } | sqlite3 "$DB" &
	holder=$!
	sleep 0.5
	run -75 --separate-stderr mx-record -d "$DB" start -r org/app \
	    -k issue_flow -i 1
	assert_output ''
	assert_regex "$stderr" 'database is locked'
	wait "$holder"
	[ "$(sql 'SELECT count(*) FROM agent_run_history')" = 0 ]
}

@test "mx-record: an unwritable stdout gives 74 after start" {
	[ -w /dev/full ] || skip "no /dev/full"
	run -74 --separate-stderr sh -c 'mx-record -d "$DB" start -r org/app -k issue_flow -i 1 >/dev/full'
}

@test "mx-record: writers, mx-prune and readers at once lose nothing" {
	for w in 1 2 3 4; do
		(
			for i in $(seq 1 25); do
				id=$(mx-record -d "$DB" start -r "org/r$w" \
				    -k issue_flow -i "$i" 2>>"err.$w") || {
					echo "start $w $i failed" >>"err.$w"
					continue
				}
				echo "$id" >>"ids.$w"
				mx-record -d "$DB" meta "$id" '{"codex_active": true}' 2>>"err.$w"
				mx-record -d "$DB" transition -r "org/r$w" -p "$i" \
				    -i "$i" -F awaiting_feedback -T blocked 2>>"err.$w"
				mx-record -d "$DB" finish "$id" -s completed 2>>"err.$w" ||
					echo "finish $w $i failed" >>"err.$w"
			done
		) &
	done
	(
		end=$((SECONDS + 4))
		while [ "$SECONDS" -lt "$end" ]; do
			mx-prune -d "$DB" -a 1d 2>>err.prune || echo "prune failed" >>err.prune
		done
	) &
	(
		end=$((SECONDS + 4))
		while [ "$SECONDS" -lt "$end" ]; do
			mx-runs -d "$DB" -s all >/dev/null 2>>err.read ||
				echo "read failed" >>err.read
		done
	) &
	wait
	cat err.* >errors 2>/dev/null || true
	run -0 cat errors
	refute_output --partial 'database is locked'
	assert_output ''
	cat ids.* | sort >started
	[ "$(wc -l <started)" = 100 ]
	sql "SELECT run_id FROM agent_run_history WHERE terminal_status = 'completed'" |
	    sort >stored
	run -0 diff started stored
	[ "$(sql 'SELECT count(*) FROM pr_status_history')" = 100 ]
	[ "$(sql 'PRAGMA integrity_check')" = ok ]
}

@test "mx-record: the manual's wrapper records a run around a command" {
	command -v mandoc >/dev/null || skip "mandoc missing"
	mandoc -T ascii "$TOP/man/mx-record.1" | col -bx |
	    sed -n '/#!\/bin\/sh/,/exit "\$rc"/p' | sed 's/^ *//' >record-run
	[ "$(head -1 record-run)" = '#!/bin/sh' ]
	export MX_DB=$DB
	run -3 sh record-run org/app 5 sh -c 'exit 3'
	run -0 sh record-run org/app 6 true
	run -0 sql "SELECT issue_number, terminal_status, quote(failure_class),
	    quote(error), meta_json FROM agent_run_history ORDER BY issue_number"
	assert_output "5|failed|'agent_error'|'exit 3'|{\"codex_active\": true}
6|completed|NULL|NULL|{\"codex_active\": true}"
}
