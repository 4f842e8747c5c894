#!/usr/bin/env bats
# mx-history: an issue's runs, a PR's status changes, an issue's
# timeline, terminal outcomes; order, paging, formats and errors.

bats_require_minimum_version 1.7.0
load helper

RUN_HEADER=$'run_id\trepo_full_name\trun_kind\tissue_number\tpr_number\tflow\tbranch\tstarted_at\tfinished_at\tterminal_status\tfailure_class\terror\tduration_seconds'
PR_HEADER=$'id\trepo_full_name\tpr_number\tissue_number\tfrom_status\tto_status\treason\tdetail\tchanged_at'
OUTCOME_HEADER=$'repo_full_name\tissue_number\tpr_number\tstatus\toutcome\tbranch\tupdated_at'
TIMELINE_HEADER=$'at\trepo_full_name\tevent\tpr_number\trun_id\trun_kind\tfrom_status\tstatus\tfailure_class\treason\tdetail\tduration_seconds'

setup() {
	mkdb
	export MX_DB="$DB"
}

T=2026-01-10T

# The story of issue 42 of org/app (and an issue 42 of org/lib), with
# fixed times: what tests/expected/mx-history.timeline.tsv shows.
fixture() {
	add_run run_id=e issue_number=42 started_at=${T}07:00:00.000Z \
	    finished_at=${T}08:00:00.000Z terminal_status=completed \
	    branch=agent/issue-42 duration_seconds=3600
	# Zero duration, its start written in another ISO form.
	add_run run_id=d issue_number=42 run_kind=pre_pr_followup \
	    started_at=${T}08:00:00+00:00 finished_at=${T}08:00:00.000Z \
	    terminal_status=failed failure_class=agent_error \
	    error='agent exited' duration_seconds=0
	add_run run_id=a issue_number=42 run_kind=implementation_flow \
	    pr_number=7 started_at=${T}08:00:00.000Z \
	    finished_at=${T}09:20:00.000Z terminal_status=completed \
	    duration_seconds=4800
	add_run run_id=b issue_number=42 run_kind=feedback_turn pr_number=7 \
	    started_at=${T}10:00:00.000Z finished_at=${T}10:05:00.000Z \
	    terminal_status=failed failure_class=tests_failed \
	    error=$'pytest: 2 failed\ntest_x' duration_seconds=300
	add_run run_id=c issue_number=42 run_kind=feedback_turn pr_number=7 \
	    started_at=${T}10:05:00.000Z meta_json='{"codex_active":true}'
	add_run run_id=f issue_number=42 repo_full_name=org/lib \
	    started_at=${T}09:30:00.000Z meta_json='{}'
	add_run run_id=g issue_number=43 started_at=${T}09:00:00.000Z
	# PR 11 is the issue's PR in issue_runs, its change recorded with
	# another issue; PR 9 is linked by pr_feedback_state only.
	row issue_runs repo_full_name=org/app issue_number=42 \
	    status=awaiting_feedback pr_number=11
	row pr_feedback_state repo_full_name=org/app pr_number=9 \
	    issue_number=42 branch=b9 status=merged
	add_transition id=1 pr_number=11 issue_number=77 to_status=closed \
	    reason=superseded changed_at=${T}08:00:00.000Z
	add_transition id=2 pr_number=7 issue_number=42 reason=opened \
	    changed_at=${T}09:20:00.000Z
	add_transition id=3 pr_number=7 issue_number=42 \
	    from_status=awaiting_feedback to_status=blocked \
	    reason=tests_failed detail=pytest changed_at=${T}10:05:00.000Z
	add_transition id=4 pr_number=9 issue_number=99 \
	    from_status=awaiting_feedback to_status=merged \
	    changed_at=${T}11:00:00.000Z
	# Not linked: the same PR number in another repo, another issue's PR.
	add_transition id=5 pr_number=7 issue_number=5 repo_full_name=org/lib \
	    changed_at=${T}09:00:00.000Z
	add_transition id=6 pr_number=8 issue_number=43 \
	    changed_at=${T}09:00:00.000Z
}

# outcomes: issue_runs rows in two repos, some terminal.
outcomes() {
	row issue_runs repo_full_name=org/app issue_number=1 status=merged \
	    pr_number=10 branch=b1 updated_at=2026-03-01T00:00:00.000Z
	row issue_runs repo_full_name=org/app issue_number=2 status=closed \
	    updated_at=2026-03-02T00:00:00.000Z
	row issue_runs repo_full_name=org/b issue_number=1 status=merged \
	    pr_number=20 branch=b1 updated_at=2026-03-01T00:00:00.000Z
	row issue_runs repo_full_name=org/app issue_number=3 status=closed \
	    updated_at=2026-03-01T00:00:00.000Z
	row issue_runs repo_full_name=org/app issue_number=4 status=merged \
	    updated_at=2026-02-01T00:00:00.000Z
	# Not terminal outcomes.
	row issue_runs repo_full_name=org/app issue_number=5 \
	    status=awaiting_feedback updated_at=2026-04-01T00:00:00.000Z
	row issue_runs repo_full_name=org/app issue_number=6 status=failed \
	    updated_at=2026-04-01T00:00:00.000Z
	row issue_runs repo_full_name=org/app issue_number=7 status=Merged \
	    updated_at=2026-04-01T00:00:00.000Z
}

@test "mx-history: -i: an issue's runs, newest first, every field" {
	fixture
	run -0 --separate-stderr mx-history -i 42 -r org/app -n 2
	assert_output "$RUN_HEADER"$'\nc\torg/app\tfeedback_turn\t42\t7\t\t\t2026-01-10T10:05:00.000Z\t\t\t\t\t\nb\torg/app\tfeedback_turn\t42\t7\t\t\t2026-01-10T10:00:00.000Z\t2026-01-10T10:05:00.000Z\tfailed\ttests_failed\tpytest: 2 failed\\ntest_x\t300.0'
	assert_equal "$stderr" ''
}

@test "mx-history: -i: every repo's issue of that number, each named" {
	fixture
	run -0 --separate-stderr mx-history -H -i 42 -o run_id,repo_full_name,started_at
	assert_output - <<'EOF'
c	org/app	2026-01-10T10:05:00.000Z
b	org/app	2026-01-10T10:00:00.000Z
f	org/lib	2026-01-10T09:30:00.000Z
a	org/app	2026-01-10T08:00:00.000Z
d	org/app	2026-01-10T08:00:00+00:00
e	org/app	2026-01-10T07:00:00.000Z
EOF
	run -0 --separate-stderr mx-history -H -i 42 -r ' org/lib' -o run_id
	assert_output 'f'
	run -0 --separate-stderr mx-history -H -i 44 -o run_id
	assert_output ''
}

@test "mx-history: -i: equal started_at: the greater run_id first" {
	add_run run_id=r1 issue_number=5 started_at=2026-01-01T00:00:00.000Z
	add_run run_id=r3 issue_number=5 started_at=2026-01-01T00:00:00.000Z
	add_run run_id=r2 issue_number=5 started_at=2026-01-01T00:00:00.000Z
	add_run run_id=r0 issue_number=5 started_at=2026-01-02T00:00:00.000Z
	run -0 --separate-stderr mx-history -H -i 5 -o run_id
	assert_output $'r0\nr3\nr2\nr1'
}

@test "mx-history: -i -j: failure classes of an issue with jq" {
	fixture
	run -0 --separate-stderr mx-history -i 42 -r org/app -j
	run -0 jq -c '[.[] | .failure_class | select(. != null)],
	    .[1], (.[0] | keys_unsorted)' <<<"$output"
	assert_line -n 0 '["tests_failed","agent_error"]'
	assert_line -n 1 '{"run_id":"b","repo_full_name":"org/app","run_kind":"feedback_turn","issue_number":42,"pr_number":7,"flow":null,"branch":null,"started_at":"2026-01-10T10:00:00.000Z","finished_at":"2026-01-10T10:05:00.000Z","terminal_status":"failed","failure_class":"tests_failed","error":"pytest: 2 failed\ntest_x","duration_seconds":300}'
	assert_line -n 2 '["run_id","repo_full_name","run_kind","issue_number","pr_number","flow","branch","started_at","finished_at","terminal_status","failure_class","error","duration_seconds"]'
}

@test "mx-history: -p: a PR's changes, newest first, every field" {
	fixture
	run -0 --separate-stderr mx-history -p 7
	assert_output - <<EOF
$PR_HEADER
3	org/app	7	42	awaiting_feedback	blocked	tests_failed	pytest	2026-01-10T10:05:00.000Z
2	org/app	7	42		awaiting_feedback	opened		2026-01-10T09:20:00.000Z
5	org/lib	7	5		awaiting_feedback			2026-01-10T09:00:00.000Z
EOF
	assert_equal "$stderr" ''
	run -0 --separate-stderr mx-history -H -p 7 -r org/lib -o id,repo_full_name
	assert_output $'5\torg/lib'
}

@test "mx-history: -p: equal changed_at: the higher id first" {
	add_transition id=1 changed_at=2026-01-01T00:00:00.000Z to_status=a
	add_transition id=2 changed_at=2026-01-01T00:00:00.000Z to_status=b
	add_transition id=3 changed_at=2025-12-31T00:00:00.000Z to_status=c
	add_transition id=4 changed_at=2026-01-01T00:00:00.000Z to_status=d
	add_transition id=5 changed_at=2026-01-01T00:00:00.000Z to_status=e \
	    pr_number=2
	run -0 --separate-stderr mx-history -H -p 1 -o id,to_status
	assert_output $'4\td\n2\tb\n1\ta\n3\tc'
}

@test "mx-history: -p -J: one object a line" {
	fixture
	run -0 --separate-stderr mx-history -p 9 -J
	assert_output '{"id":4,"repo_full_name":"org/app","pr_number":9,"issue_number":99,"from_status":"awaiting_feedback","to_status":"merged","reason":null,"detail":null,"changed_at":"2026-01-10T11:00:00.000Z"}'
}

@test "mx-history: -i -t: the merged timeline, oldest first" {
	fixture
	run -0 --separate-stderr mx-history -i 42 -t
	assert_output "$(cat "$TOP/tests/expected/mx-history.timeline.tsv")"
	assert_equal "$stderr" ''
}

@test "mx-history: -i -t -j: every field, status of open runs" {
	fixture
	run -0 --separate-stderr mx-history -i 42 -t -j -r org/app
	run -0 jq -c '.[0], (.[] | select(.event == "run_start" and
	    .status != null) | [.run_id, .status]), length' <<<"$output"
	assert_line -n 0 '{"at":"2026-01-10T07:00:00.000Z","repo_full_name":"org/app","issue_number":42,"event":"run_start","pr_number":null,"run_id":"e","run_kind":"issue_flow","flow":null,"branch":"agent/issue-42","from_status":null,"status":null,"failure_class":null,"reason":null,"detail":null,"duration_seconds":null}'
	assert_line -n 1 '["c","active"]'
	assert_line -n 2 '13'
	run -0 --separate-stderr mx-history -i 42 -t -J -r org/lib
	assert_output '{"at":"2026-01-10T09:30:00.000Z","repo_full_name":"org/lib","issue_number":42,"event":"run_start","pr_number":null,"run_id":"f","run_kind":"issue_flow","flow":null,"branch":null,"from_status":null,"status":"idle","failure_class":null,"reason":null,"detail":null,"duration_seconds":null}'
}

@test "mx-history: -i -t: a PR is linked by each of four sources, per repo" {
	# 1: a change of the issue; 2: a run of the issue; 3: issue_runs;
	# 4: pr_feedback_state.  Each PR's other changes come along.
	add_transition pr_number=1 issue_number=5 changed_at=${T}01:00:00Z
	add_transition pr_number=1 issue_number=0 changed_at=${T}01:01:00Z
	add_run run_id=r issue_number=5 pr_number=2 \
	    started_at=${T}00:00:00Z finished_at=${T}00:00:01Z
	add_transition pr_number=2 issue_number=0 changed_at=${T}02:00:00Z
	row issue_runs repo_full_name=org/app issue_number=5 status=merged \
	    pr_number=3
	add_transition pr_number=3 issue_number=0 changed_at=${T}03:00:00Z
	row pr_feedback_state repo_full_name=org/app pr_number=4 \
	    issue_number=5 branch=b status=closed
	add_transition pr_number=4 issue_number=0 changed_at=${T}04:00:00Z
	# The same numbers in org/b, linked to nothing there.
	for n in 1 2 3 4; do
		add_transition repo_full_name=org/b pr_number=$n \
		    issue_number=0 changed_at=${T}05:00:00Z
	done
	add_transition pr_number=5 issue_number=6 changed_at=${T}06:00:00Z
	run -0 --separate-stderr mx-history -H -i 5 -t -o event,repo_full_name,pr_number,at
	assert_output - <<EOF
run_start	org/app	2	${T}00:00:00Z
run_finish	org/app	2	${T}00:00:01Z
pr_transition	org/app	1	${T}01:00:00Z
pr_transition	org/app	1	${T}01:01:00Z
pr_transition	org/app	2	${T}02:00:00Z
pr_transition	org/app	3	${T}03:00:00Z
pr_transition	org/app	4	${T}04:00:00Z
EOF
}

@test "mx-history: -i -t: ties at one instant: finishes, changes by id, starts" {
	at=${T}12:00:00.000Z
	add_transition id=9 changed_at=$at to_status=x
	add_transition id=8 changed_at=$at to_status=y
	add_run run_id=s2 started_at=$at
	add_run run_id=s1 started_at=$at
	add_run run_id=f2 started_at=${T}11:00:00.000Z finished_at=$at \
	    terminal_status=completed
	add_run run_id=f1 started_at=${T}11:30:00.000Z finished_at=$at \
	    terminal_status=failed
	add_run run_id=z started_at=$at finished_at=$at \
	    terminal_status=failed
	run -0 --separate-stderr mx-history -H -i 1 -t -o event,run_id,status -r org/app
	assert_output - <<'EOF'
run_start	f2	
run_start	f1	
run_finish	f1	failed
run_finish	f2	completed
run_start	z	
run_finish	z	failed
pr_transition		y
pr_transition		x
run_start	s1	idle
run_start	s2	idle
EOF
}

@test "mx-history: -i -t: times in other ISO forms are ordered as times" {
	add_run run_id=a started_at=2026-01-10T10:30:00+02:00
	add_transition changed_at=2026-01-10T09:00:00.000Z
	add_run run_id=b started_at='2026-01-10 08:00:00'
	add_run run_id=x started_at=garbage
	run -0 --separate-stderr mx-history -H -i 1 -t -o at,event
	assert_output - <<'EOF'
2026-01-10 08:00:00	run_start
2026-01-10T10:30:00+02:00	run_start
2026-01-10T09:00:00.000Z	pr_transition
garbage	run_start
EOF
}

@test "mx-history: outcomes: merged is completed, closed is abandoned" {
	outcomes
	run -0 --separate-stderr mx-history
	assert_output - <<EOF
$OUTCOME_HEADER
org/app	2		closed	abandoned		2026-03-02T00:00:00.000Z
org/app	1	10	merged	completed	b1	2026-03-01T00:00:00.000Z
org/app	3		closed	abandoned		2026-03-01T00:00:00.000Z
org/b	1	20	merged	completed	b1	2026-03-01T00:00:00.000Z
org/app	4		merged	completed		2026-02-01T00:00:00.000Z
EOF
	assert_equal "$stderr" ''
	run -0 --separate-stderr mx-history -H -r org/b -o repo_full_name,issue_number,outcome
	assert_output $'org/b\t1\tcompleted'
}

@test "mx-history: outcomes as JSON, counted with jq" {
	outcomes
	run -0 --separate-stderr mx-history -j
	run -0 jq -c '(group_by(.outcome) | map([.[0].outcome, length])),
	    .[0]' <<<"$output"
	assert_line -n 0 '[["abandoned",2],["completed",3]]'
	assert_line -n 1 '{"repo_full_name":"org/app","issue_number":2,"pr_number":null,"status":"closed","outcome":"abandoned","branch":null,"updated_at":"2026-03-02T00:00:00.000Z"}'
}

@test "mx-history: -n and -O page through the outcomes" {
	outcomes
	run -0 --separate-stderr mx-history -H -n 2 -o repo_full_name,issue_number
	assert_output $'org/app\t2\norg/app\t1'
	run -0 --separate-stderr mx-history -H -n 2 -O 2 -o repo_full_name,issue_number
	assert_output $'org/app\t3\norg/b\t1'
	run -0 --separate-stderr mx-history -H -n 2 -O 4 -o repo_full_name,issue_number
	assert_output $'org/app\t4'
	run -0 --separate-stderr mx-history -O 5
	assert_output "$OUTCOME_HEADER"
	run -0 --separate-stderr mx-history -H -O 3 -o issue_number
	assert_output $'1\n4'
	run -0 --separate-stderr mx-history -j -O 0 -n 1 -o issue_number
	assert_output $'[\n{"issue_number":2}\n]'
}

@test "mx-history: -O pages -i, -p and the timeline too" {
	fixture
	run -0 --separate-stderr mx-history -H -i 42 -n 2 -O 1 -o run_id
	assert_output $'b\nf'
	run -0 --separate-stderr mx-history -H -p 7 -O 2 -o id
	assert_output '5'
	run -0 --separate-stderr mx-history -H -i 42 -t -n 3 -O 12 -o event,run_id
	assert_output $'run_start\tc\npr_transition\t'
}

@test "mx-history: -O takes only a number of 0 or more" {
	run -64 --separate-stderr mx-history -O -1
	assert_output ''
	[[ $stderr == 'mx-history: -O: -1: too small (at least 0)'$'\n''usage: mx-history'* ]]
	run -64 --separate-stderr mx-history -O two
	[[ $stderr == 'mx-history: -O: two: not a number'$'\n''usage: mx-history'* ]]
	run -64 --separate-stderr mx-history -O ''
	[[ $stderr == 'mx-history: -O: : not a number'$'\n''usage: mx-history'* ]]
}

@test "mx-history: -i and -p take only positive numbers" {
	run -64 --separate-stderr mx-history -i abc
	assert_output ''
	[[ $stderr == 'mx-history: -i: abc: not a number'$'\n''usage: mx-history'* ]]
	run -64 --separate-stderr mx-history -i -3
	[[ $stderr == 'mx-history: -i: -3: too small (at least 1)'$'\n''usage: mx-history'* ]]
	run -64 --separate-stderr mx-history -i 0
	[[ $stderr == 'mx-history: -i: 0: too small (at least 1)'$'\n''usage: mx-history'* ]]
	run -64 --separate-stderr mx-history -p 7x
	[[ $stderr == 'mx-history: -p: 7x: not a number'$'\n''usage: mx-history'* ]]
	run -64 --separate-stderr mx-history -p 99999999999999999999
	[[ $stderr == 'mx-history: -p: 99999999999999999999: too large'* ]]
	run -64 --separate-stderr mx-history -n 0
	[[ $stderr == 'mx-history: -n: 0: too small (at least 1)'$'\n''usage: mx-history'* ]]
}

@test "mx-history: -i with -p, or -t without -i, exits 64" {
	run -64 --separate-stderr mx-history -i 1 -p 2
	assert_output ''
	[[ $stderr == 'mx-history: -i and -p cannot be used together'$'\n''usage: mx-history'* ]]
	run -64 --separate-stderr mx-history -t
	assert_output ''
	[[ $stderr == 'mx-history: -t: needs -i issue (the timeline of one issue)'$'\n''usage: mx-history'* ]]
	run -64 --separate-stderr mx-history -t -p 2
	[[ $stderr == 'mx-history: -t: needs -i issue'* ]]
}

@test "mx-history: -o chooses among the fields of the history shown" {
	fixture
	outcomes
	run -0 --separate-stderr mx-history -i 42 -t -o run_kind,flow,branch,issue_number -n 1
	assert_output $'run_kind\tflow\tbranch\tissue_number\nissue_flow\t\tagent/issue-42\t42'
	run -64 --separate-stderr mx-history -i 42 -o outcome
	assert_output ''
	assert_equal "$stderr" 'mx-history: -o: outcome: unknown field (fields: run_id,repo_full_name,run_kind,issue_number,pr_number,flow,branch,started_at,finished_at,terminal_status,failure_class,error,duration_seconds)'
	run -64 --separate-stderr mx-history -p 7 -o run_id
	[[ $stderr == 'mx-history: -o: run_id: unknown field (fields: id,'* ]]
	run -64 --separate-stderr mx-history -o at
	[[ $stderr == 'mx-history: -o: at: unknown field (fields: repo_full_name,'* ]]
	run -64 --separate-stderr mx-history -i 1 -t -o error
	[[ $stderr == 'mx-history: -o: error: unknown field (fields: at,'* ]]
}

@test "mx-history: TSV read back with awk: the blocked changes of a PR" {
	fixture
	run -0 bash -c 'mx-history -p 7 -r org/app -H -o changed_at,to_status,reason |
	    awk -F"\t" "\$2 == \"blocked\" { print \$3 }"'
	assert_output 'tests_failed'
}

@test "mx-history: an older state.db: -i and -p warn once, outcomes still work" {
	rm -f "$DB"
	mkdb_old
	outcomes
	run -0 --separate-stderr mx-history -i 1
	assert_output "$RUN_HEADER"
	assert_equal "$stderr" "mx-history: $DB: no table agent_run_history; showing no rows (older MergeXO?)"
	run -0 --separate-stderr mx-history -p 1 -j
	assert_output '[]'
	assert_equal "$stderr" "mx-history: $DB: no table pr_status_history; showing no rows (older MergeXO?)"
	run -0 --separate-stderr mx-history -i 1 -t
	assert_output "$TIMELINE_HEADER"
	assert_equal "$stderr" "mx-history: $DB: no table agent_run_history; showing no rows (older MergeXO?)"
	run -0 --separate-stderr mx-history -H -n 1 -o issue_number,outcome
	assert_output $'2\tabandoned'
	assert_equal "$stderr" ''
}

@test "mx-history: -t with only one history table shows what it holds" {
	sql 'DROP TABLE agent_run_history'
	add_transition pr_number=3 issue_number=1 changed_at=${T}01:00:00Z
	row issue_runs repo_full_name=org/app issue_number=1 status=merged \
	    pr_number=4
	add_transition pr_number=4 issue_number=0 changed_at=${T}02:00:00Z
	run -0 --separate-stderr mx-history -H -i 1 -t -o event,pr_number
	assert_output $'pr_transition\t3\npr_transition\t4'
	assert_equal "$stderr" "mx-history: $DB: no table agent_run_history; showing no rows (older MergeXO?)"
}

@test "mx-history: outcomes without issue_runs warn once, exit 0" {
	sql 'DROP TABLE issue_runs'
	run -0 --separate-stderr mx-history
	assert_output "$OUTCOME_HEADER"
	assert_equal "$stderr" "mx-history: $DB: no table issue_runs; showing no rows (older MergeXO?)"
}

@test "mx-history: -d, -c and MX_DB choose the database" {
	outcomes
	unset MX_DB
	mkdir -p other
	mkdb other/state.db
	run -0 --separate-stderr mx-history -H -d "$DB" -n 1 -o issue_number
	assert_output '2'
	printf '[runtime]\nbase_dir = "%s/other"\n' "$BATS_TEST_TMPDIR" >mx.toml
	run -0 --separate-stderr mx-history -H -c mx.toml
	assert_output ''
	MX_DB="$DB" run -0 --separate-stderr mx-history -H -c mx.toml -n 1 -o issue_number
	assert_output '2'
}

@test "mx-history: a missing database exits 66" {
	run -66 --separate-stderr mx-history -d nowhere.db -i 1
	assert_output ''
	assert_equal "$stderr" 'mx-history: nowhere.db: No such file or directory'
	[ ! -e nowhere.db ]
}

@test "mx-history: a file that is not SQLite exits 66" {
	printf 'not a database, just text\n%.0s' {1..100} >junk.db
	run -66 --separate-stderr mx-history -d junk.db
	assert_output ''
	assert_equal "$stderr" 'mx-history: junk.db: file is not a database'
}

@test "mx-history: a database a writer keeps locked exits 75" {
	lock_db
	run -75 --separate-stderr mx-history -i 1
	unlock_db
	assert_output ''
	assert_equal "$stderr" "mx-history: $DB: database is locked"
}

@test "mx-history: output that cannot be written exits 74" {
	fixture
	outcomes
	run -74 --separate-stderr bash -c 'mx-history >/dev/full'
	assert_equal "$stderr" 'mx-history: stdout: No space left on device'
	run -74 --separate-stderr bash -c 'mx-history -i 42 -j >/dev/full'
	run -74 --separate-stderr bash -c 'mx-history -p 7 -J >/dev/full'
	run -74 --separate-stderr bash -c 'mx-history -i 42 -t >/dev/full'
}

@test "mx-history: an unknown option or an operand exits 64 with the usage" {
	run -64 --separate-stderr mx-history -x
	assert_output ''
	[[ $stderr == *'usage: mx-history [-HJjt] [-c config] [-d database] [-i issue | -p pr]'* ]]
	run -64 --separate-stderr mx-history 42
	assert_output ''
	[[ $stderr == 'usage: mx-history'* ]]
}

@test "mx-history: --help and --version" {
	run -0 --separate-stderr mx-history --help
	assert_output $'usage: mx-history [-HJjt] [-c config] [-d database] [-i issue | -p pr] [-n rows]\n                  [-O offset] [-o field,...] [-r repo]'
	assert_equal "$stderr" ''
	run -0 --separate-stderr mx-history --version
	assert_output --regexp '^mx-history \(mx\) [0-9]+\.[0-9]+\.[0-9]+$'
}

@test "mx-history: the usage equals the manual's SYNOPSIS" {
	synopsis=$(MANWIDTH=200 mandoc -T utf8 "$TOP/man/mx-history.1" |
	    col -bx | awk '/^SYNOPSIS/ { s = 1; next } /^DESCRIPTION/ { s = 0 }
	    s && NF { sub(/^ +/, ""); printf "%s%s", sep, $0; sep = " " }')
	usage=$(mx-history --help | tr -s ' \n' ' ')
	assert_equal "usage: $synopsis " "$usage"
}

@test "mx-history: the manual documents every field of every history" {
	page=$(MANWIDTH=200 mandoc -T utf8 "$TOP/man/mx-history.1" | col -bx)
	for f in $(mx-history -i 1 | head -1) $(mx-history -p 1 | head -1) \
	    $(mx-history | head -1); do
		[[ $page == *"$f"* ]] || fail "field $f not in the manual"
	done
	for f in at issue_number event pr_number run_id run_kind flow branch \
	    from_status status failure_class reason detail duration_seconds; do
		mx-history -i 1 -t -o "$f" >/dev/null ||
		    fail "field $f not in mx-history"
		[[ $page == *"$f"* ]] || fail "field $f not in the manual"
	done
}
