#!/usr/bin/env bats
# mx-runs: active, idle and finished runs, their order, filters, output
# formats, finding the database, and the errors.

bats_require_minimum_version 1.7.0
load helper

HEADER=$'run_id\trepo_full_name\trun_kind\tissue_number\tpr_number\tflow\tbranch\tstarted_at\telapsed_seconds\tbusy'
ALL='run_id,repo_full_name,run_kind,issue_number,pr_number,flow,branch,started_at,finished_at,terminal_status,failure_class,error,duration_seconds,elapsed_seconds,busy,prompt,codex_mode,codex_session_id,codex_invocation_started_at'

setup() {
	mkdb
	export MX_DB="$DB"
}

# ids [mx-runs options]: the run_id column, one line.
ids() {
	mx-runs -H -o run_id "$@" | paste -sd' '
}

# Open and finished runs at fixed times, every field set somewhere: what
# tests/expected/mx-runs.all.tsv holds.
fixture() {
	add_run run_id=o1 repo_full_name=org/b issue_number=4 pr_number=40 \
	    run_kind=feedback_turn flow=fix branch=fix-4 \
	    started_at=2021-01-01T10:00:00.000Z \
	    meta_json='{"codex_active":true,"last_prompt":"  fix the tests\n","codex_mode":"exec","codex_session_id":"s-1","codex_invocation_started_at":"2021-01-01T10:00:01.000Z"}'
	add_run run_id=o2 repo_full_name=org/a issue_number=9 \
	    started_at=2021-01-01T10:00:00.000Z meta_json='{"codex_active":false}'
	add_run run_id=o3 repo_full_name=org/a issue_number=2 \
	    started_at=2021-01-01T10:00:00.000Z meta_json='{}'
	add_run run_id=o4 repo_full_name=org/a issue_number=1 \
	    started_at=2021-01-01T11:00:00.000Z \
	    meta_json='{"codex_active":true,"last_prompt":" \u3000 "}'
	add_run run_id=o0 repo_full_name=org/z issue_number=1 \
	    started_at=2020-12-31T23:59:59.999Z meta_json='not json'
	fin run_id=f1 repo_full_name=org/a issue_number=2 pr_number=20 \
	    branch=feat started_at=2021-01-02T00:00:00.000Z \
	    finished_at=2021-01-02T00:30:00.000Z duration_seconds=1800.25
	fin run_id=f2 repo_full_name=org/b issue_number=4 \
	    run_kind=implementation_flow started_at=2021-01-02T00:00:00.000Z \
	    finished_at=2021-01-02T01:00:00.000Z terminal_status=failed \
	    failure_class=tests_failed error='3 tests failed' \
	    duration_seconds=3600
	fin run_id=f3 repo_full_name=org/a issue_number=3 \
	    run_kind=pre_pr_followup started_at=2021-01-02T00:00:00.000Z \
	    finished_at=2021-01-02T01:00:00.000Z terminal_status=blocked \
	    failure_class=policy_block duration_seconds=3600 \
	    meta_json='{"last_prompt":"why blocked","codex_active":true}'
	fin run_id=f0 repo_full_name=org/a issue_number=5 \
	    started_at=2020-12-01T00:00:00.000Z \
	    finished_at=2020-12-01T00:00:05.000Z terminal_status=merged \
	    duration_seconds=5
}

@test "mx-runs: by default only the active runs, oldest first" {
	fixture
	run -0 --separate-stderr mx-runs -w all
	assert_line -n 0 "$HEADER"
	assert_equal "${#lines[@]}" 3
	assert_line -n 1 --regexp $'^o1\torg/b\tfeedback_turn\t4\t40\tfix\tfix-4\t2021-01-01T10:00:00.000Z\t[0-9.]+\t1$'
	assert_line -n 2 --regexp $'^o4\torg/a\tissue_flow\t1\t\t\t\t2021-01-01T11:00:00.000Z\t[0-9.]+\t1$'
	assert_equal "$stderr" ''
}

@test "mx-runs: every field of every state, against the expected TSV" {
	fixture
	run -0 --separate-stderr mx-runs -s all -w all -o "${ALL/,elapsed_seconds/}"
	assert_output "$(cat "$TOP/tests/expected/mx-runs.all.tsv")"
}

@test "mx-runs: active and idle from codex_active, as MergeXO reads meta_json" {
	add_run run_id=a1 issue_number=1 meta_json='{"codex_active":true}'
	add_run run_id=a2 issue_number=2 meta_json=' { "codex_active" : true , "x": [1, {"y": null}] } '
	add_run run_id=a3 issue_number=3 meta_json='{"codex_active":false,"codex_active":true}'
	add_run run_id=i1 issue_number=4 meta_json='{"codex_active":true,"codex_active":false}'
	add_run run_id=i2 issue_number=5 meta_json='{"codex_active":false}'
	add_run run_id=i3 issue_number=6 meta_json='{}'
	add_run run_id=i4 issue_number=7 meta_json='{"codex_active":"true"}'
	add_run run_id=i5 issue_number=8 meta_json='{"codex_active":1}'
	add_run run_id=i6 issue_number=9 meta_json='{"codex_active":true'
	add_run run_id=i7 issue_number=10 meta_json='[{"codex_active":true}]'
	add_run run_id=i8 issue_number=11 meta_json='true'
	add_run run_id=i9 issue_number=12 meta_json=''
	add_run run_id=i10 issue_number=13 meta_json='{"meta":{"codex_active":true}}'
	add_run run_id=i11 issue_number=14 meta_json='{"codex_active":null}'
	add_run run_id=i12 issue_number=15 meta_json='{"codex_active":true} trailing'
	sql "UPDATE agent_run_history SET started_at = '2026-01-01T00:00:00.000Z'"
	run -0 ids
	assert_output 'a1 a2 a3'
	run -0 ids -s active
	assert_output 'a1 a2 a3'
	run -0 ids -s idle
	assert_output 'i1 i2 i3 i4 i5 i6 i7 i8 i9 i10 i11 i12'
	run -0 ids -s open
	assert_output 'a1 a2 a3 i1 i2 i3 i4 i5 i6 i7 i8 i9 i10 i11 i12'
	run -0 --separate-stderr mx-runs -s open -H -o run_id,busy
	assert_line -n 0 $'a1\t1'
	assert_line -n 3 $'i1\t0'
	run -0 --separate-stderr mx-runs -s open -j
	run -0 jq -c 'map(.busy) | unique' <<<"$output"
	assert_output '[false,true]'
}

@test "mx-runs: -s takes every state and lists of them" {
	fixture
	fin run_id=f4 terminal_status=closed finished_at=@1h
	fin run_id=f5 terminal_status=interrupted finished_at=@2h
	fin run_id=f6 terminal_status=failed finished_at=@3h
	fin run_id=f7 terminal_status=completed finished_at=@4h
	fin run_id=f8 terminal_status=merged finished_at=@5h
	fin run_id=f9 terminal_status=blocked finished_at=@6h
	for s in completed:f7 failed:f6 blocked:f9 merged:f8 closed:f4 \
	    interrupted:f5; do
		run -0 ids -s "${s%:*}"
		assert_output "${s#*:}"
	done
	run -0 ids -s finished
	assert_output 'f4 f5 f6 f7 f8 f9'
	run -0 ids -s all
	assert_output 'o0 o3 o2 o1 o4 f4 f5 f6 f7 f8 f9'
	run -0 ids -s failed,closed,idle
	assert_output 'o0 o3 o2 f4 f6'
	run -0 ids -s active,finished
	assert_output 'o1 o4 f4 f5 f6 f7 f8 f9'
	run -0 ids -s finished,failed
	assert_output 'f4 f5 f6 f7 f8 f9'
	run -0 ids -s open,all,active
	assert_output 'o0 o3 o2 o1 o4 f4 f5 f6 f7 f8 f9'
	run -0 ids -s failed -w all
	assert_output 'f6 f2'
}

@test "mx-runs: -s rejects an unknown or empty state" {
	run -64 --separate-stderr mx-runs -s running
	assert_output ''
	assert_equal "$stderr" 'mx-runs: -s: running: unknown state (valid: completed, failed, blocked, merged, closed, interrupted, active, idle, open, finished, all)'
	run -64 --separate-stderr mx-runs -s active,
	assert_equal "$stderr" 'mx-runs: -s: empty state (valid: completed, failed, blocked, merged, closed, interrupted, active, idle, open, finished, all)'
	run -64 --separate-stderr mx-runs -s Active
}

@test "mx-runs: open runs by started_at, repo, issue; finished newest first" {
	add_run run_id=c repo_full_name=org/b issue_number=1 started_at=2026-01-01T00:00:00.000Z
	add_run run_id=b repo_full_name=org/a issue_number=2 started_at=2026-01-01T00:00:00.000Z
	add_run run_id=a repo_full_name=org/a issue_number=10 started_at=2026-01-01T00:00:00.000Z
	add_run run_id=z repo_full_name=Org/z issue_number=1 started_at=2026-01-01T00:00:00.000Z
	add_run run_id=y repo_full_name=org/a issue_number=1 started_at=2026-01-01T00:00:01.000Z
	add_run run_id=x repo_full_name=org/z issue_number=1 started_at=2025-12-31T23:00:00.000Z
	fin run_id=f1 finished_at=@3h
	fin run_id=f2 finished_at=@1h
	fin run_id=f3 finished_at=2026-01-01T00:00:00.000Z started_at=2025-12-31T00:00:00.000Z
	sql "UPDATE agent_run_history SET finished_at = (SELECT finished_at
	    FROM agent_run_history WHERE run_id = 'f2') WHERE run_id = 'f1'"
	fin run_id=f0 finished_at=@30m
	run -0 ids -s all -w all
	assert_output 'x z b a c y f0 f2 f1 f3'
}

@test "mx-runs: elapsed is time since the start, or the run time; busy null when finished" {
	add_run run_id=o issue_number=1 started_at=@90m meta_json='{"codex_active":true}'
	add_run run_id=future issue_number=2 started_at=@-1h
	fin run_id=f started_at=@3h finished_at=@1h duration_seconds=42
	run -0 --separate-stderr mx-runs -s all -J -o run_id,elapsed_seconds,duration_seconds,busy
	run -0 jq -c '[.run_id, (.elapsed_seconds | round), .duration_seconds, .busy]' <<<"$output"
	assert_output $'["o",5400,null,true]\n["future",0,null,false]\n["f",7200,42,null]'
	run -0 --separate-stderr mx-runs -s open -H -o run_id,elapsed_seconds,busy
	assert_line -n 1 $'future\t0.0\t0'
	run -0 --separate-stderr mx-runs -s finished -H -o busy,duration_seconds
	assert_output $'\t42.0'
}

@test "mx-runs: a run that finished 59 minutes ago is in 1h, 61 is not" {
	fin run_id=in finished_at=@59m
	fin run_id=out finished_at=@61m
	fin run_id=old finished_at=@400d started_at=@401d
	add_run run_id=open started_at=@500d
	run -0 ids -s all -w 1h
	assert_output 'open in'
	run -0 ids -s finished -w 60m
	assert_output 'in'
	run -0 ids -s finished -w 3700s
	assert_output 'in out'
	run -0 ids -s finished
	assert_output 'in out'
	run -0 ids -s finished -w 2w
	assert_output 'in out'
	run -0 ids -s finished -w all
	assert_output 'in out old'
}

@test "mx-runs: -w rejects a bad window" {
	for w in abc 0h 5x 24 -1h 1.5h '' 1hh 99999999999999999999d ALL; do
		run -64 --separate-stderr mx-runs -w "$w"
		assert_output ''
		[[ $stderr == "mx-runs: -w: $w: bad window"*$'\nusage: mx-runs '* ]]
	done
}

@test "mx-runs: -k keeps the runs of the given kinds" {
	add_run run_id=a run_kind=issue_flow started_at=@4h meta_json='{"codex_active":true}'
	add_run run_id=b run_kind=implementation_flow started_at=@3h meta_json='{"codex_active":true}'
	add_run run_id=c run_kind=pre_pr_followup started_at=@2h meta_json='{"codex_active":true}'
	add_run run_id=d run_kind=feedback_turn started_at=@1h meta_json='{"codex_active":true}'
	fin run_id=e run_kind=feedback_turn
	run -0 ids -k feedback_turn -s all
	assert_output 'd e'
	run -0 ids -k issue_flow,pre_pr_followup
	assert_output 'a c'
	run -0 ids -k implementation_flow
	assert_output 'b'
	run -64 --separate-stderr mx-runs -k feedback
	assert_equal "$stderr" 'mx-runs: -k: feedback: unknown run kind (valid: issue_flow, implementation_flow, pre_pr_followup, feedback_turn)'
	run -64 --separate-stderr mx-runs -k issue_flow,,feedback_turn
}

@test "mx-runs: -i and -p keep the runs of an issue or a PR" {
	add_run run_id=a issue_number=7 pr_number=70 started_at=@3h meta_json='{"codex_active":true}'
	add_run run_id=b issue_number=7 started_at=@2h meta_json='{"codex_active":true}'
	add_run run_id=c issue_number=8 pr_number=70 started_at=@1h meta_json='{"codex_active":true}'
	fin run_id=d issue_number=7 pr_number=71
	run -0 ids -i 7 -s all
	assert_output 'a b d'
	run -0 ids -p 70
	assert_output 'a c'
	run -0 ids -i 7 -p 71 -s all
	assert_output 'd'
	run -0 ids -i 9 -s all
	assert_output ''
	for bad in abc 0 -3 1x ' 7' +7; do
		run -64 --separate-stderr mx-runs -i "$bad"
		[[ $stderr == "mx-runs: -i: $bad: "* ]]
		run -64 --separate-stderr mx-runs -p "$bad"
		[[ $stderr == "mx-runs: -p: $bad: "* ]]
	done
	run -64 --separate-stderr mx-runs -i 99999999999999999999
	[[ $stderr == 'mx-runs: -i: 99999999999999999999: too large'* ]]
}

@test "mx-runs: -r is exact and case-sensitive after trimming" {
	add_run run_id=a repo_full_name=org/app started_at=@3h meta_json='{"codex_active":true}'
	add_run run_id=b repo_full_name=org/App started_at=@2h meta_json='{"codex_active":true}'
	add_run run_id=c repo_full_name=org/app2 started_at=@1h meta_json='{"codex_active":true}'
	fin run_id=d repo_full_name=org/app
	run -0 ids -r org/app -s all
	assert_output 'a d'
	run -0 ids -r $'  org/app \t\n'
	assert_output 'a'
	run -0 ids -r org/App
	assert_output 'b'
	run -0 ids -r 'org/%'
	assert_output ''
	run -0 ids -r ' '
	assert_output 'a b c'
}

@test "mx-runs: -n limits the rows, open ones first" {
	fixture
	run -0 ids -s all -w all -n 2
	assert_output 'o0 o3'
	run -0 ids -s all -w all -n 6
	assert_output 'o0 o3 o2 o1 o4 f3'
	run -0 ids -s all -w all -n 100
	assert_output 'o0 o3 o2 o1 o4 f3 f2 f1 f0'
	run -0 --separate-stderr mx-runs -s all -w all -n 1 -j
	run -0 jq -c 'map(.run_id)' <<<"$output"
	assert_output '["o0"]'
	run -64 --separate-stderr mx-runs -n 0
	assert_equal "${stderr%%$'\n'*}" 'mx-runs: -n: 0: too small (at least 1)'
	run -64 --separate-stderr mx-runs -n many
	assert_equal "${stderr%%$'\n'*}" 'mx-runs: -n: many: not a number'
}

@test "mx-runs: -o chooses and orders the fields, in TSV and JSON" {
	fixture
	run -0 --separate-stderr mx-runs -o busy,run_id,prompt
	assert_output $'busy\trun_id\tprompt\n1\to1\tfix the tests\n1\to4\t'
	run -0 --separate-stderr mx-runs -j -o issue_number,run_id
	assert_output $'[\n{"issue_number":4,"run_id":"o1"},\n{"issue_number":1,"run_id":"o4"}\n]'
	run -64 --separate-stderr mx-runs -o run_id,nope
	assert_output ''
	assert_equal "$stderr" "mx-runs: -o: nope: unknown field (fields: $ALL)"
	run -64 --separate-stderr mx-runs -o run_id,
	assert_equal "$stderr" "mx-runs: -o: empty field name (fields: $ALL)"
}

@test "mx-runs: -H leaves out the header" {
	run -0 --separate-stderr mx-runs
	assert_output "$HEADER"
	run -0 --separate-stderr mx-runs -H
	assert_output ''
	fixture
	run -0 --separate-stderr mx-runs -H -o run_id
	assert_output $'o1\no4'
}

@test "mx-runs: -j prints one array of every field in order" {
	fixture
	run -0 --separate-stderr mx-runs -j -s all -w all
	run -0 jq -r '.[0] | keys_unsorted | join(",")' <<<"$output"
	assert_output "$ALL"
	run -0 mx-runs -j -s all -w all
	run -0 jq -c '.[] | [.run_id, .busy, .prompt, .terminal_status, .duration_seconds, .pr_number]' <<<"$output"
	assert_output '["o0",false,null,null,null,null]
["o3",false,null,null,null,null]
["o2",false,null,null,null,null]
["o1",true,"fix the tests",null,null,40]
["o4",true,null,null,null,null]
["f3",null,"why blocked","blocked",3600,null]
["f2",null,null,"failed",3600,null]
["f1",null,null,"completed",1800.25,20]
["f0",null,null,"merged",5,null]'
	run -0 --separate-stderr mx-runs -j -s idle -r nobody/none
	assert_output '[]'
}

@test "mx-runs: -J prints one object a line" {
	fixture
	run -0 --separate-stderr mx-runs -J -s all -w all
	assert_equal "${#lines[@]}" 9
	for l in "${lines[@]}"; do
		jq -e 'type == "object" and (keys | length) == 19' <<<"$l" >/dev/null
	done
	run -0 --separate-stderr mx-runs -J -o run_id,busy
	assert_output $'{"run_id":"o1","busy":true}\n{"run_id":"o4","busy":true}'
	run -0 --separate-stderr mx-runs -J -s idle -r nobody/none
	assert_output ''
	# The last of -j and -J counts.
	run -0 --separate-stderr mx-runs -Jj -o run_id
	assert_output $'[\n{"run_id":"o1"},\n{"run_id":"o4"}\n]'
	run -0 --separate-stderr mx-runs -jJ -o run_id
	assert_output $'{"run_id":"o1"}\n{"run_id":"o4"}'
}

@test "mx-runs: meta text is trimmed of Unicode spaces; empty or not text is null" {
	add_run run_id=a issue_number=1 started_at=@5h meta_json='{"codex_active":true,"last_prompt":"\u3000\u00a0 hello\tworld \u2003\n","codex_mode":"  ","codex_session_id":42,"codex_invocation_started_at":" 2026-01-01T00:00:00Z "}'
	add_run run_id=b issue_number=2 started_at=@4h meta_json='{"codex_active":true,"last_prompt":"\u3000"}'
	add_run run_id=c issue_number=3 started_at=@3h meta_json='{"codex_active":true,"last_prompt":"inner\u3000space"}'
	add_run run_id=d issue_number=4 started_at=@2h meta_json='{"codex_active":true,"last_prompt":"one","last_prompt":" two "}'
	run -0 --separate-stderr mx-runs -J -o run_id,prompt,codex_mode,codex_session_id,codex_invocation_started_at
	assert_output '{"run_id":"a","prompt":"hello\tworld","codex_mode":null,"codex_session_id":null,"codex_invocation_started_at":"2026-01-01T00:00:00Z"}
{"run_id":"b","prompt":null,"codex_mode":null,"codex_session_id":null,"codex_invocation_started_at":null}
{"run_id":"c","prompt":"inner　space","codex_mode":null,"codex_session_id":null,"codex_invocation_started_at":null}
{"run_id":"d","prompt":"two","codex_mode":null,"codex_session_id":null,"codex_invocation_started_at":null}'
	run -0 --separate-stderr mx-runs -H -o prompt
	assert_output $'hello\\tworld\n\ninner\u3000space\ntwo'
}

@test "mx-runs: tabs, newlines, backslashes and bad UTF-8 in error and branch" {
	sql "INSERT INTO agent_run_history(run_id, repo_full_name, run_kind,
	    issue_number, branch, started_at, finished_at, terminal_status,
	    error, duration_seconds) VALUES ('r', 'org/app', 'issue_flow', 1,
	    'a' || char(9) || 'b\\c' || char(10) || 'd' || char(13),
	    '2026-01-01T00:00:00.000Z', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'),
	    'failed', CAST(X'6F6BC3A9FF20E282AC2080C0AF20F09F9880' AS TEXT), 1)"
	mx-runs -s failed -H -o branch,error >out.tsv
	# TSV: the four escapes, every other byte unchanged.
	printf 'a\\tb\\\\c\\nd\\r\tok\303\251\377 \342\202\254 \200\300\257 \360\237\230\200\n' >want.tsv
	cmp out.tsv want.tsv
	# JSON: valid, each bad byte one U+FFFD, good ones kept.
	run -0 --separate-stderr mx-runs -s failed -j -o branch,error
	run -0 jq -c '.[0] | [.branch, .error]' <<<"$output"
	assert_output '["a\tb\\c\nd\r","oké� € ��� 😀"]'
	run -0 --separate-stderr mx-runs -s failed -J -o error
	run -0 jq -r '.error | explode | map(select(. == 65533)) | length' <<<"$output"
	assert_output 4
}

@test "mx-runs: -d names the database, over MX_DB" {
	add_run run_id=here meta_json='{"codex_active":true}'
	mkdb other.db
	DB=other.db add_run run_id=there meta_json='{"codex_active":true}'
	run -0 ids -d other.db
	assert_output there
	MX_DB=nowhere.db run -0 ids -d "$DB"
	assert_output here
	MX_DB=other.db run -0 ids
	assert_output there
}

@test "mx-runs: -c reads base_dir and observability_default_window" {
	mkdir -p base
	mv "$DB" base/state.db
	unset MX_DB
	DB=base/state.db fin run_id=recent finished_at=@30m
	DB=base/state.db fin run_id=older finished_at=@3h
	printf '# MergeXO\n[repo.x]\nbase_dir = "elsewhere"\n[runtime]\nbase_dir = "%s/base" # here\nobservability_default_window = \x271h\x27\nobservability_row_limit = 5\n' \
	    "$BATS_TEST_TMPDIR" >mx.toml
	run -0 ids -c mx.toml -s finished
	assert_output recent
	run -0 ids -c mx.toml -s finished -w 24h
	assert_output 'recent older'
	# MX_DB comes before the config's base_dir, which still sets the window.
	mkdb other.db
	DB=other.db fin run_id=other finished_at=@2h
	MX_DB=other.db run -0 ids -c mx.toml -s finished
	assert_output ''
	MX_DB=other.db run -0 ids -c mx.toml -s finished -w 3h
	assert_output other
}

@test "mx-runs: ~ in base_dir is the home directory" {
	mkdir -p "$HOME/mx"
	mv "$DB" "$HOME/mx/state.db"
	unset MX_DB
	DB="$HOME/mx/state.db" add_run run_id=home meta_json='{"codex_active":true}'
	printf '[runtime]\nbase_dir = "~/mx"\n' >mx.toml
	run -0 ids -c mx.toml
	assert_output home
	printf '[runtime]\nbase_dir = "~/mx/"\n' >mx.toml
	run -0 ids -c mx.toml
	assert_output home
	HOME=/nonexistent run -66 --separate-stderr mx-runs -c mx.toml
	assert_equal "$stderr" 'mx-runs: /nonexistent/mx/state.db: No such file or directory'
}

@test "mx-runs: ./mergexo.toml is found, -c and MX_DB come first" {
	unset MX_DB
	mkdir -p a b
	mkdb a/state.db
	mkdb b/state.db
	DB=a/state.db add_run run_id=from-a meta_json='{"codex_active":true}'
	DB=b/state.db add_run run_id=from-b meta_json='{"codex_active":true}'
	printf '[runtime]\nbase_dir = "a"\n' >mergexo.toml
	printf '[runtime]\nbase_dir = "b"\n' >b.toml
	run -0 ids
	assert_output from-a
	run -0 ids -c b.toml
	assert_output from-b
	MX_DB=b/state.db run -0 ids
	assert_output from-b
	run -0 ids -d b/state.db
	assert_output from-b
}

@test "mx-runs: without a config it reads ~/.local/share/mergexo/state.db" {
	unset MX_DB
	mkdir -p "$HOME/.local/share/mergexo"
	mv "$DB" "$HOME/.local/share/mergexo/state.db"
	DB="$HOME/.local/share/mergexo/state.db" add_run run_id=default meta_json='{"codex_active":true}'
	run -0 ids
	assert_output default
	rm "$HOME/.local/share/mergexo/state.db"
	run -66 --separate-stderr mx-runs
	assert_equal "$stderr" "mx-runs: $HOME/.local/share/mergexo/state.db: No such file or directory"
	[ ! -e "$HOME/.local/share/mergexo/state.db" ]
}

@test "mx-runs: a config file that is missing exits 66, one that does not parse 65" {
	run -66 --separate-stderr mx-runs -c missing.toml
	assert_equal "$stderr" 'mx-runs: missing.toml: No such file or directory'
	printf '[runtime]\nbase_dir = "unterminated\n' >bad.toml
	run -65 --separate-stderr mx-runs -c bad.toml
	assert_equal "$stderr" 'mx-runs: bad.toml: line 2: newline in a string'
	printf '[runtime]\nobservability_default_window = "fortnight"\n' >win.toml
	run -64 --separate-stderr mx-runs -c win.toml
	[[ $stderr == 'mx-runs: -w: fortnight: bad window'* ]]
}

@test "mx-runs: an older state.db lists nothing after one warning" {
	rm -f "$DB"
	mkdb_old
	run -0 --separate-stderr mx-runs -s all
	assert_output "$HEADER"
	assert_equal "$stderr" "mx-runs: $DB: no table agent_run_history; showing no rows (older MergeXO?)"
	run -0 --separate-stderr mx-runs -j
	assert_output '[]'
	sql "CREATE TABLE agent_run_history (run_id TEXT, repo_full_name TEXT,
	    started_at TEXT, finished_at TEXT)"
	run -0 --separate-stderr mx-runs -H
	assert_output ''
	assert_equal "$stderr" "mx-runs: $DB: incomplete table agent_run_history; showing no rows (older MergeXO?)"
}

@test "mx-runs: a value of the wrong type is null, with a warning and 65" {
	add_run run_id=bad issue_number=seven meta_json='{"codex_active":true}'
	add_run run_id=good issue_number=8 started_at=@30m meta_json='{"codex_active":true}'
	run -65 --separate-stderr mx-runs -H -o run_id,issue_number
	assert_output $'bad\t\ngood\t8'
	assert_equal "$stderr" "mx-runs: $DB: issue_number: not an integer in a row; shown as null"
}

@test "mx-runs: a missing database exits 66 and is not created" {
	run -66 --separate-stderr mx-runs -d nowhere.db
	assert_output ''
	assert_equal "$stderr" 'mx-runs: nowhere.db: No such file or directory'
	[ ! -e nowhere.db ]
	mkdir dir.db
	run -66 --separate-stderr mx-runs -d dir.db
	assert_equal "$stderr" 'mx-runs: dir.db: is a directory'
}

@test "mx-runs: a file that is not SQLite exits 66" {
	head -c 4096 /dev/urandom >junk.db
	run -66 --separate-stderr mx-runs -d junk.db
	assert_output ''
	assert_equal "$stderr" 'mx-runs: junk.db: file is not a database'
	: >empty.db
	run -0 --separate-stderr mx-runs -d empty.db
	assert_equal "$stderr" 'mx-runs: empty.db: no table agent_run_history; showing no rows (older MergeXO?)'
}

@test "mx-runs: a database locked by a writer exits 75" {
	sql 'PRAGMA journal_mode = DELETE' >/dev/null
	mkfifo cmds
	sqlite3 "$DB" <cmds >locked 2>&1 3>&- &
	holder=$!
	exec 4>cmds
	echo 'BEGIN EXCLUSIVE; SELECT 1;' >&4
	for _ in $(seq 50); do
		[ -s locked ] && break
		sleep 0.1
	done
	run -75 --separate-stderr mx-runs
	exec 4>&-
	wait "$holder"
	assert_output ''
	assert_equal "$stderr" "mx-runs: $DB: database is locked"
	run -0 mx-runs
}

@test "mx-runs: an unknown option or an operand exits 64 with the usage" {
	run -64 --separate-stderr mx-runs -x
	assert_output ''
	[[ $stderr == *$'\nusage: mx-runs [-HJj] [-c config] [-d database] [-i issue] [-k kind,...] [-n rows]\n'* ]]
	run -64 --separate-stderr mx-runs active
	assert_output ''
	[[ $stderr == 'usage: mx-runs '* ]]
	run -64 --separate-stderr mx-runs --nope
	run -64 --separate-stderr mx-runs -s
}

@test "mx-runs: --help and --version" {
	run -0 --separate-stderr mx-runs --help
	assert_output $'usage: mx-runs [-HJj] [-c config] [-d database] [-i issue] [-k kind,...] [-n rows]\n               [-o field,...] [-p pr] [-r repo] [-s state,...] [-w window]'
	assert_equal "$stderr" ''
	run -0 --separate-stderr mx-runs --version
	assert_output --regexp '^mx-runs \(mx\) [0-9]+\.[0-9]+\.[0-9]+$'
}

@test "mx-runs: output that cannot be written exits 74" {
	fixture
	run -74 --separate-stderr bash -c 'mx-runs -s all -w all >/dev/full'
	assert_equal "$stderr" 'mx-runs: stdout: No space left on device'
	run -74 --separate-stderr bash -c 'mx-runs -j >/dev/full'
	run -74 --separate-stderr bash -c 'mx-runs -J -s all >/dev/full'
}

@test "mx-runs: a closed pipe ends it quietly" {
	sql "WITH RECURSIVE i(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM i
	    WHERE n < 20000)
	    INSERT INTO agent_run_history(run_id, repo_full_name, run_kind,
	    issue_number, started_at, meta_json)
	    SELECT 'r' || n, 'org/app', 'issue_flow', n, '2026-01-01',
	    '{\"codex_active\":true}' FROM i"
	run -0 --separate-stderr bash -c 'set -o pipefail; mx-runs | head -1; echo "${PIPESTATUS[0]}" >&2'
	assert_output "$HEADER"
	[[ $stderr == 141 || $stderr == 0 ]]
}

@test "mx-runs: the usage equals the manual's SYNOPSIS" {
	synopsis=$(mandoc -T ascii "$TOP/man/mx-runs.1" | col -bx |
	    sed -n '/^SYNOPSIS/,/^DESCRIPTION/p' | sed '1d;$d' | tr -s ' \n' ' ')
	usage=$(mx-runs --help | tr -s ' \n' ' ')
	assert_equal "usage:$synopsis" "$usage"
}

@test "mx-runs: the manual lists every field in output order" {
	listed=$(mandoc -T ascii "$TOP/man/mx-runs.1" | col -bx |
	    sed -n '/^OUTPUT/,/^ENVIRONMENT/p' |
	    awk '/The fields, in order:/ { s = 1; next } /The last four/ { s = 0 }
	    s && /^     [a-z_]+( |$)/ { print $1 }' |
	    paste -sd,)
	assert_equal "$listed" "$ALL"
}
