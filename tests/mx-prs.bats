#!/usr/bin/env bats
# mx-prs: tracked and blocked work, its exclusions, pending feedback,
# observable activity, order, formats and errors.

bats_require_minimum_version 1.7.0
load helper

HEADER=$'repo_full_name\tpr_number\tissue_number\tstatus\tbranch\tlast_seen_head_sha\tblocked_reason\tpending_event_count\tupdated_at'

setup() {
	mkdb
	export MX_DB="$DB"
}

# pr NUMBER STATUS [col=value...]: a pr_feedback_state row of org/app,
# issue NUMBER + 100, branch pr-NUMBER, unless the arguments say
# otherwise.
pr() {
	local n=$1 st=$2 kv have=" " args=()
	shift 2
	for kv in "$@"; do
		have="$have${kv%%=*} "
	done
	[[ $have == *" repo_full_name "* ]] || args+=(repo_full_name=org/app)
	[[ $have == *" issue_number "* ]] || args+=(issue_number=$((n + 100)))
	[[ $have == *" branch "* ]] || args+=(branch=pr-$n)
	row pr_feedback_state pr_number="$n" status="$st" "${args[@]}" "$@"
}

# issue NUMBER STATUS [col=value...]: an issue_runs row of org/app.
issue() {
	local n=$1 st=$2 kv have=" " args=()
	shift 2
	for kv in "$@"; do
		have="$have${kv%%=*} "
	done
	[[ $have == *" repo_full_name "* ]] || args+=(repo_full_name=org/app)
	row issue_runs issue_number="$n" status="$st" "${args[@]}" "$@"
}

# event PR KEY [col=value...]: a feedback event of org/app, pending
# unless processed_at is given.
event() {
	local n=$1 key=$2 kv have=" " args=()
	shift 2
	for kv in "$@"; do
		have="$have${kv%%=*} "
	done
	[[ $have == *" repo_full_name "* ]] || args+=(repo_full_name=org/app)
	[[ $have == *" updated_at "* ]] || args+=(updated_at=2026-01-01T00:00:00.000Z)
	row feedback_events pr_number="$n" event_key="$key" \
	    issue_number=$((n + 100)) kind=review_comment comment_id=1 \
	    "${args[@]}" "$@"
}

# token SCOPE_KIND NUMBER STATUS WHEN [repo]: an action token.
token() {
	row action_tokens repo_full_name="${5:-org/app}" \
	    token="tok-$RANDOM$RANDOM" scope_kind="$1" scope_number="$2" \
	    status="$3" observed_updated_at="$4"
}

# cursor SURFACE NUMBER LAST_COMMENT_ID WHEN: a comment poll cursor.
cursor() {
	row github_comment_poll_cursors repo_full_name=org/app surface="$1" \
	    scope_number="$2" last_comment_id="$3" last_updated_at="$4"
}

# column NAME: the values of TSV column NAME of $output, one a line.
column() {
	awk -F'\t' -v name="$1" 'NR == 1 { for (i = 1; i <= NF; i++)
	    if ($i == name) c = i; next } { print $c }' <<<"$output"
}

# The fixture of tests/expected/mx-prs.tsv: tracked and blocked PRs and
# issues awaiting follow-up in two repos, with fixed times.
fixture() {
	pr 7 awaiting_feedback last_seen_head_sha=abc123
	event 7 e1 updated_at=2026-02-01T10:00:00.000Z
	event 7 e2 updated_at=2026-02-01T09:00:00.000Z processed_at=@1h
	pr 8 blocked last_seen_head_sha=def456
	issue 108 awaiting_feedback error=$'3 tests failed:\ttest_a\nand test_b' \
	    pr_number=8
	cursor pr_review_comments 8 55 2026-02-03T00:00:00.000Z
	issue 20 awaiting_issue_followup branch=agent/issue-20 \
	    error='push rejected'
	row pre_pr_followup_state repo_full_name=org/app issue_number=20 \
	    flow=design_doc branch=ignored context_json='{}' \
	    waiting_reason='needs a decision on the API shape'
	token issue 20 observed 2026-02-02T00:00:00.000Z
	issue 21 awaiting_issue_followup error='agent asked a question'
	pr 7 awaiting_feedback repo_full_name=org/lib issue_number=3 branch=
	token pr 7 observed 2026-02-01T10:00:00.000Z org/lib
	# Not listed: finished, or another status.
	pr 9 merged
	pr 10 closed
	issue 22 merged
	issue 23 running
}

@test "mx-prs: an empty database gives the header, or an empty array" {
	run -0 --separate-stderr mx-prs
	assert_output "$HEADER"
	assert_equal "$stderr" ''
	run -0 --separate-stderr mx-prs -j
	assert_output '[]'
	run -0 --separate-stderr mx-prs -J
	assert_output ''
}

@test "mx-prs: tracked and blocked work, every field, as TSV" {
	fixture
	run -0 --separate-stderr mx-prs
	assert_output "$(cat "$TOP/tests/expected/mx-prs.tsv")"
	assert_equal "$stderr" ''
}

@test "mx-prs: the same rows as JSON, with null for no activity" {
	fixture
	run -0 --separate-stderr mx-prs -j
	run -0 jq -c '.[0], [.[] | [.repo_full_name, .pr_number,
	    .issue_number, .updated_at]]' <<<"$output"
	assert_line -n 0 '{"repo_full_name":"org/app","pr_number":8,"issue_number":108,"status":"blocked","branch":"pr-8","last_seen_head_sha":"def456","blocked_reason":"3 tests failed:\ttest_a\nand test_b","pending_event_count":0,"updated_at":"2026-02-03T00:00:00.000Z"}'
	assert_line -n 1 '[["org/app",8,108,"2026-02-03T00:00:00.000Z"],["org/app",null,20,"2026-02-02T00:00:00.000Z"],["org/app",7,107,"2026-02-01T10:00:00.000Z"],["org/lib",7,3,"2026-02-01T10:00:00.000Z"],["org/app",null,21,null]]'
}

@test "mx-prs: JSON Lines: one object a line, keys in field order" {
	fixture
	run -0 --separate-stderr mx-prs -J -o issue_number,status
	assert_output $'{"issue_number":108,"status":"blocked"}\n{"issue_number":20,"status":"awaiting_issue_followup"}\n{"issue_number":107,"status":"awaiting_feedback"}\n{"issue_number":3,"status":"awaiting_feedback"}\n{"issue_number":21,"status":"awaiting_issue_followup"}'
}

@test "mx-prs: -s tracked, -s blocked, and both" {
	fixture
	run -0 --separate-stderr mx-prs -H -s tracked -o repo_full_name,pr_number,status
	assert_output $'org/app\t7\tawaiting_feedback\norg/lib\t7\tawaiting_feedback'
	run -0 --separate-stderr mx-prs -H -s blocked -o issue_number,status
	assert_output $'108\tblocked\n20\tawaiting_issue_followup\n21\tawaiting_issue_followup'
	run -0 --separate-stderr mx-prs -H -s tracked,blocked -o issue_number
	assert_output $'108\n20\n107\n3\n21'
}

@test "mx-prs: -s with anything else exits 64" {
	run -64 --separate-stderr mx-prs -s open
	assert_output ''
	assert_equal "$stderr" 'mx-prs: -s: open: unknown set (valid: tracked, blocked)'
	run -64 --separate-stderr mx-prs -s tracked,
	assert_equal "$stderr" 'mx-prs: -s: empty set (valid: tracked, blocked)'
}

@test "mx-prs: an issue a human took over is left out, PR and issue alike" {
	pr 1 awaiting_feedback issue_number=11
	pr 2 blocked issue_number=12
	issue 13 awaiting_issue_followup
	pr 4 awaiting_feedback issue_number=14
	for i in 11 12 13; do
		row issue_takeover_state repo_full_name=org/app \
		    issue_number=$i ignore_active=1
	done
	# ignore_active 0, or a takeover in another repo, hides nothing.
	row issue_takeover_state repo_full_name=org/app issue_number=14 \
	    ignore_active=0
	row issue_takeover_state repo_full_name=org/other issue_number=14 \
	    ignore_active=1
	run -0 --separate-stderr mx-prs -H -o pr_number,issue_number
	assert_output $'4\t14'
}

@test "mx-prs: a closed issue is left out, github_state in any case" {
	pr 1 awaiting_feedback issue_number=11
	issue 11 awaiting_feedback github_state=closed
	pr 2 blocked issue_number=12
	issue 12 awaiting_feedback github_state=CLOSED
	issue 13 awaiting_issue_followup github_state=Closed
	issue 14 awaiting_issue_followup github_state=open
	issue 15 awaiting_issue_followup github_state=NULL
	pr 6 awaiting_feedback issue_number=16
	issue 16 awaiting_feedback github_state=OPEN
	pr 7 awaiting_feedback issue_number=17
	run -0 --separate-stderr mx-prs -H -o issue_number
	assert_output $'14\n15\n16\n17'
}

@test "mx-prs: a PR whose feedback turn is active is left out" {
	pr 1 awaiting_feedback
	pr 2 blocked
	pr 3 awaiting_feedback
	pr 4 awaiting_feedback
	pr 5 awaiting_feedback
	pr 6 awaiting_feedback
	add_run run_kind=feedback_turn pr_number=1 meta_json='{"codex_active":true}'
	add_run run_kind=feedback_turn pr_number=2 \
	    meta_json='{"codex_active":false,"codex_active":true}'
	# Idle turn, a true that is not JSON true, a finished turn, an
	# active run of another kind, an active turn in another repo.
	add_run run_kind=feedback_turn pr_number=3 meta_json='{"codex_active":false}'
	add_run run_kind=feedback_turn pr_number=4 meta_json='{"codex_active":"true"}'
	add_run run_kind=feedback_turn pr_number=5 \
	    meta_json='{"codex_active":true}' finished_at=@1m
	add_run run_kind=implementation_flow pr_number=6 \
	    meta_json='{"codex_active":true}'
	add_run run_kind=feedback_turn pr_number=6 repo_full_name=org/other \
	    meta_json='{"codex_active":true}'
	run -0 --separate-stderr mx-prs -H -o pr_number
	assert_output $'3\n4\n5\n6'
}

@test "mx-prs: an issue row is never left out for an active run" {
	issue 1 awaiting_issue_followup
	add_run run_kind=feedback_turn issue_number=1 meta_json='{"codex_active":true}'
	add_run run_kind=pre_pr_followup issue_number=1 meta_json='{"codex_active":true}'
	run -0 --separate-stderr mx-prs -H -o issue_number
	assert_output '1'
}

@test "mx-prs: the overview of mx-metrics still counts a PR being worked on" {
	[ -x "$TOP/bin/mx-metrics" ] || skip "mx-metrics is not built"
	pr 1 awaiting_feedback
	pr 2 blocked
	pr 3 blocked issue_number=30
	issue 30 blocked github_state=CLOSED
	issue 4 awaiting_issue_followup
	add_run run_kind=feedback_turn pr_number=1 meta_json='{"codex_active":true}'
	run -0 --separate-stderr mx-prs -H -o status,issue_number
	assert_output $'awaiting_issue_followup\t4\nblocked\t102'
	run -0 --separate-stderr mx-metrics -j
	run -0 jq -c '.overview | [.blocked, .tracked]' <<<"$output"
	assert_output '[2,1]'
}

@test "mx-prs: pending events are the PR's unprocessed feedback events" {
	pr 1 awaiting_feedback
	pr 2 blocked
	pr 3 awaiting_feedback
	issue 4 awaiting_issue_followup
	event 1 a
	event 1 b
	event 1 c
	event 1 d processed_at=@1m
	event 1 e processed_at=2026-01-01T00:00:00Z
	event 2 f processed_at=@1m
	# The same PR number in another repo, and an issue's number.
	event 1 g repo_full_name=org/other
	event 4 h
	run -0 --separate-stderr mx-prs -H -o pr_number,pending_event_count
	assert_output $'1\t3\n2\t0\n\t0\n3\t0'
}

@test "mx-prs: activity from feedback events, processed or not" {
	pr 1 awaiting_feedback
	event 1 a updated_at=2026-03-01T08:00:00.000Z processed_at=@1m
	event 1 b updated_at=2026-03-01T07:00:00.000Z
	event 1 c updated_at=2026-03-09T00:00:00.000Z repo_full_name=org/other
	run -0 --separate-stderr mx-prs -H -o updated_at
	assert_output '2026-03-01T08:00:00.000Z'
}

@test "mx-prs: activity from observed action tokens only" {
	pr 1 awaiting_feedback
	issue 2 awaiting_issue_followup
	token pr 1 observed 2026-03-02T08:00:00.000Z
	token pr 1 posted 2026-03-05T00:00:00.000Z
	token pr 1 planned 2026-03-05T00:00:00.000Z
	token pr 1 failed 2026-03-05T00:00:00.000Z
	token issue 2 observed 2026-03-03T08:00:00.000Z
	token issue 2 posted 2026-03-06T00:00:00.000Z
	# The other scope kind with the same number counts for neither.
	token issue 1 observed 2026-03-07T00:00:00.000Z
	token pr 2 observed 2026-03-07T00:00:00.000Z
	run -0 --separate-stderr mx-prs -H -o pr_number,issue_number,updated_at
	assert_output $'\t2\t2026-03-03T08:00:00.000Z\n1\t101\t2026-03-02T08:00:00.000Z'
}

@test "mx-prs: activity from poll cursors that saw a comment, on their own surfaces" {
	pr 1 awaiting_feedback
	pr 2 awaiting_feedback
	pr 3 awaiting_feedback
	issue 4 awaiting_issue_followup
	issue 5 awaiting_issue_followup
	issue 6 awaiting_issue_followup
	cursor pr_review_comments 1 10 2026-03-01T01:00:00.000Z
	cursor pr_issue_comments 2 10 2026-03-01T02:00:00.000Z
	cursor pr_review_summaries 3 10 2026-03-01T03:00:00.000Z
	cursor pr_review_summaries 1 0 2026-03-09T00:00:00.000Z
	cursor issue_pre_pr_followups 4 10 2026-03-01T04:00:00.000Z
	cursor issue_post_pr_redirects 5 10 2026-03-01T05:00:00.000Z
	cursor issue_operator_commands 6 10 2026-03-01T06:00:00.000Z
	cursor issue_operator_commands 4 0 2026-03-09T00:00:00.000Z
	# Issue surfaces do not count for a PR, PR surfaces not for an issue.
	cursor issue_pre_pr_followups 1 10 2026-03-09T00:00:00.000Z
	cursor issue_operator_commands 2 10 2026-03-09T00:00:00.000Z
	cursor pr_review_comments 5 10 2026-03-09T00:00:00.000Z
	run -0 --separate-stderr mx-prs -H -o pr_number,issue_number,updated_at
	assert_output $'\t6\t2026-03-01T06:00:00.000Z\n\t5\t2026-03-01T05:00:00.000Z\n\t4\t2026-03-01T04:00:00.000Z\n3\t103\t2026-03-01T03:00:00.000Z\n2\t102\t2026-03-01T02:00:00.000Z\n1\t101\t2026-03-01T01:00:00.000Z'
}

@test "mx-prs: activity is the latest of the three sources, compared as times" {
	pr 1 awaiting_feedback
	pr 2 awaiting_feedback
	pr 3 awaiting_feedback
	event 1 a updated_at=2026-03-01T10:00:00.000Z
	token pr 1 observed 2026-03-01T11:00:00.000Z
	cursor pr_review_comments 1 5 2026-03-01T09:00:00.000Z
	event 2 b updated_at=2026-03-01T10:00:00.000Z
	token pr 2 observed 2026-03-01T09:00:00.000Z
	cursor pr_issue_comments 2 5 2026-03-01T12:00:00.000Z
	# 13:30+02:00 is 11:30Z: earlier than 12:00Z although its text is
	# greater.
	event 3 c updated_at=2026-03-01T13:30:00+02:00
	cursor pr_issue_comments 3 5 2026-03-01T11:45:00Z
	run -0 --separate-stderr mx-prs -H -o pr_number,updated_at
	assert_output $'2\t2026-03-01T12:00:00.000Z\n3\t2026-03-01T11:45:00.000Z\n1\t2026-03-01T11:00:00.000Z'
}

@test "mx-prs: no activity at all is - in TSV and null in JSON" {
	pr 1 awaiting_feedback
	issue 2 awaiting_issue_followup
	token pr 1 posted 2026-03-01T00:00:00.000Z
	cursor pr_review_comments 1 0 2026-03-01T00:00:00.000Z
	run -0 --separate-stderr mx-prs -H -o pr_number,updated_at
	assert_output $'\t-\n1\t-'
	run -0 --separate-stderr mx-prs -j -o updated_at
	assert_output $'[\n{"updated_at":null},\n{"updated_at":null}\n]'
}

@test "mx-prs: order: activity newest first, none last, then repo, issue, PR" {
	pr 1 awaiting_feedback issue_number=5
	pr 2 awaiting_feedback issue_number=5 repo_full_name=org/b
	pr 3 awaiting_feedback issue_number=4 repo_full_name=org/b
	pr 4 awaiting_feedback issue_number=4
	issue 4 awaiting_issue_followup
	pr 6 blocked issue_number=9
	pr 5 blocked issue_number=9
	issue 1 awaiting_issue_followup repo_full_name=org/b
	pr 9 awaiting_feedback issue_number=1
	event 9 a updated_at=2026-03-02T00:00:00.000Z
	# Equal activity: ties go to repo, issue, then PR.
	for n in 1 2 3 4; do
		event $n e$n updated_at=2026-03-01T00:00:00.000Z \
		    repo_full_name=$(sql "SELECT repo_full_name FROM
		    pr_feedback_state WHERE pr_number = $n")
	done
	run -0 --separate-stderr mx-prs -H -o repo_full_name,issue_number,pr_number,updated_at
	assert_output - <<'EOF'
org/app	1	9	2026-03-02T00:00:00.000Z
org/app	4	4	2026-03-01T00:00:00.000Z
org/app	5	1	2026-03-01T00:00:00.000Z
org/b	4	3	2026-03-01T00:00:00.000Z
org/b	5	2	2026-03-01T00:00:00.000Z
org/app	4		-
org/app	9	5	-
org/app	9	6	-
org/b	1		-
EOF
}

@test "mx-prs: the same answer with indexes on the sources as without" {
	fixture
	token pr 7 posted 2026-03-05T00:00:00.000Z
	token issue 8 observed 2026-03-05T00:00:00.000Z
	token pr 21 observed 2026-03-05T00:00:00.000Z
	token issue 21 observed 2026-01-05T00:00:00.000Z
	event 8 x updated_at=2026-02-01T00:00:00.000Z processed_at=@1m
	event 8 y updated_at=2026-01-01T00:00:00.000Z
	run -0 --separate-stderr mx-prs
	without=$output
	assert_line -n 5 $'org/app\t\t21\tawaiting_issue_followup\t-\t\tagent asked a question\t0\t2026-01-05T00:00:00.000Z'
	assert_line -n 1 --partial $'\t1\t2026-02-03T00:00:00.000Z'
	sql "CREATE INDEX mx_events_pending ON feedback_events(repo_full_name,
	    pr_number) WHERE processed_at IS NULL;"
	run -0 --separate-stderr mx-prs
	assert_output "$without"
	sql "CREATE INDEX mx_events_pr ON feedback_events(repo_full_name,
	    pr_number, updated_at);
	    CREATE INDEX mx_tokens_scope ON action_tokens(repo_full_name,
	    scope_kind, scope_number) WHERE status = 'observed';"
	run -0 --separate-stderr mx-prs
	assert_output "$without"
	run -0 --separate-stderr mx-prs -r org/lib -j
	run -0 jq -c 'map([.pr_number, .updated_at])' <<<"$output"
	assert_output '[[7,"2026-02-01T10:00:00.000Z"]]'
}

@test "mx-prs: blocked reasons and branches, with their fallbacks" {
	pr 1 blocked issue_number=11
	issue 11 awaiting_feedback error='tests failed'
	pr 2 blocked issue_number=12
	pr 3 awaiting_feedback issue_number=13 branch=
	issue 13 awaiting_feedback error='not shown for tracked PRs'
	issue 14 awaiting_issue_followup branch=b14 error='e14'
	row pre_pr_followup_state repo_full_name=org/app issue_number=14 \
	    flow=f branch=f14 context_json='{}' waiting_reason='w14'
	issue 15 awaiting_issue_followup error='e15'
	row pre_pr_followup_state repo_full_name=org/app issue_number=15 \
	    flow=f branch=f15 context_json='{}' waiting_reason=''
	issue 16 awaiting_issue_followup branch=
	run -0 --separate-stderr mx-prs -H -o issue_number,pr_number,branch,blocked_reason
	assert_output $'11\t1\tpr-1\ttests failed\n12\t2\tpr-2\t\n13\t3\t-\t\n14\t\tb14\tw14\n15\t\tf15\te15\n16\t\t-\t'
	run -0 --separate-stderr mx-prs -j -o blocked_reason
	run -0 jq -c 'map(.blocked_reason)' <<<"$output"
	assert_output '["tests failed",null,null,"w14","e15",null]'
}

@test "mx-prs: -n caps the rows after the rows left out" {
	pr 1 awaiting_feedback
	pr 2 awaiting_feedback
	pr 3 awaiting_feedback
	add_run run_kind=feedback_turn pr_number=1 meta_json='{"codex_active":true}'
	run -0 --separate-stderr mx-prs -H -n 1 -o pr_number
	assert_output '2'
	run -0 --separate-stderr mx-prs -H -n 5 -o pr_number
	assert_output $'2\n3'
	run -64 --separate-stderr mx-prs -n 0
	assert_output ''
	[[ $stderr == 'mx-prs: -n: 0: too small (at least 1)'$'\n''usage: mx-prs'* ]]
	run -64 --separate-stderr mx-prs -n ten
	[[ $stderr == 'mx-prs: -n: ten: not a number'$'\n''usage: mx-prs'* ]]
}

@test "mx-prs: -r keeps one repo; the same numbers in two repos stay apart" {
	pr 7 awaiting_feedback issue_number=3
	pr 7 blocked issue_number=3 repo_full_name=org/lib
	issue 3 awaiting_feedback error='app error'
	issue 3 awaiting_feedback error='lib error' repo_full_name=org/lib
	event 7 a
	event 7 b
	event 7 c repo_full_name=org/lib
	row issue_takeover_state repo_full_name=org/app issue_number=4 \
	    ignore_active=1
	issue 4 awaiting_issue_followup repo_full_name=org/lib
	run -0 --separate-stderr mx-prs -H -o repo_full_name,pr_number,status,blocked_reason,pending_event_count
	assert_output $'org/app\t7\tawaiting_feedback\t\t2\norg/lib\t7\tblocked\tlib error\t1\norg/lib\t\tawaiting_issue_followup\t\t0'
	run -0 --separate-stderr mx-prs -H -r ' org/lib ' -o repo_full_name,pr_number
	assert_output $'org/lib\t7\norg/lib\t'
	run -0 --separate-stderr mx-prs -H -r org/app -o repo_full_name,pr_number
	assert_output $'org/app\t7'
	run -0 --separate-stderr mx-prs -H -r ORG/APP
	assert_output ''
}

@test "mx-prs: -o chooses and orders fields, -H drops the header" {
	fixture
	run -0 --separate-stderr mx-prs -o pending_event_count,repo_full_name -n 3
	assert_output $'pending_event_count\trepo_full_name\n0\torg/app\n0\torg/app\n1\torg/app'
	run -64 --separate-stderr mx-prs -o repo_full_name,nope
	assert_output ''
	assert_equal "$stderr" 'mx-prs: -o: nope: unknown field (fields: repo_full_name,pr_number,issue_number,status,branch,last_seen_head_sha,blocked_reason,pending_event_count,updated_at)'
}

@test "mx-prs: TSV escapes text, awk reads it back" {
	fixture
	run -0 --separate-stderr mx-prs -H -s blocked -n 1 -o pr_number,blocked_reason
	assert_output $'8\t3 tests failed:\\ttest_a\\nand test_b'
	run -0 bash -c 'mx-prs -H | awk -F"\t" "{ n += \$8 } END { print NR, n }"'
	assert_output '5 1'
}

@test "mx-prs: a database without the optional tables still lists the work" {
	sql "DROP TABLE issue_takeover_state; DROP TABLE pre_pr_followup_state;
	    DROP TABLE feedback_events; DROP TABLE action_tokens;
	    DROP TABLE github_comment_poll_cursors; DROP TABLE agent_run_history;
	    ALTER TABLE issue_runs DROP COLUMN github_state;"
	pr 1 blocked issue_number=11
	issue 11 awaiting_feedback error='tests failed'
	issue 12 awaiting_issue_followup error='e12' branch=b12
	run -0 --separate-stderr mx-prs -H
	assert_output $'org/app\t1\t11\tblocked\tpr-1\t\ttests failed\t0\t-\norg/app\t\t12\tawaiting_issue_followup\tb12\t\te12\t0\t-'
	assert_equal "$stderr" ''
}

@test "mx-prs: an older state.db without the work tables warns once, exits 0" {
	rm -f "$DB"
	sqlite3 "$DB" 'CREATE TABLE agent_sessions (repo_full_name TEXT)'
	run -0 --separate-stderr mx-prs
	assert_output "$HEADER"
	assert_equal "$stderr" "mx-prs: $DB: no usable pr_feedback_state or issue_runs table; showing no rows (older MergeXO?)"
	run -0 --separate-stderr mx-prs -j
	assert_output '[]'
}

@test "mx-prs: without pr_feedback_state the issues still show" {
	sql 'DROP TABLE pr_feedback_state'
	issue 12 awaiting_issue_followup error='e12'
	run -0 --separate-stderr mx-prs -H -o issue_number,blocked_reason
	assert_output $'12\te12'
	assert_equal "$stderr" "mx-prs: $DB: no table pr_feedback_state; showing no PRs (older MergeXO?)"
	run -0 --separate-stderr mx-prs -H -s tracked
	assert_output ''
}

@test "mx-prs: without issue_runs the PRs still show" {
	sql 'DROP TABLE issue_runs'
	pr 1 blocked
	pr 2 awaiting_feedback
	run -0 --separate-stderr mx-prs -H -o pr_number,status,blocked_reason
	assert_output $'1\tblocked\t\n2\tawaiting_feedback\t'
	assert_equal "$stderr" "mx-prs: $DB: no table issue_runs; showing no issues or blocked reasons (older MergeXO?)"
}

@test "mx-prs: -d, -c and MX_DB choose the database" {
	pr 1 awaiting_feedback
	unset MX_DB
	mkdir -p other
	mkdb other/state.db
	run -0 --separate-stderr mx-prs -H -d "$DB" -o pr_number
	assert_output '1'
	printf '[runtime]\nbase_dir = "%s/other"\n' "$BATS_TEST_TMPDIR" >mx.toml
	run -0 --separate-stderr mx-prs -H -c mx.toml
	assert_output ''
	MX_DB="$DB" run -0 --separate-stderr mx-prs -H -c mx.toml -o pr_number
	assert_output '1'
}

@test "mx-prs: a missing database exits 66" {
	run -66 --separate-stderr mx-prs -d nowhere.db
	assert_output ''
	assert_equal "$stderr" 'mx-prs: nowhere.db: No such file or directory'
	[ ! -e nowhere.db ]
}

@test "mx-prs: a file that is not SQLite exits 66" {
	printf 'not a database, just text\n%.0s' {1..100} >junk.db
	run -66 --separate-stderr mx-prs -d junk.db
	assert_output ''
	assert_equal "$stderr" 'mx-prs: junk.db: file is not a database'
}

@test "mx-prs: a database a writer keeps locked exits 75" {
	lock_db
	run -75 --separate-stderr mx-prs
	unlock_db
	assert_output ''
	assert_equal "$stderr" "mx-prs: $DB: database is locked"
}

@test "mx-prs: output that cannot be written exits 74" {
	fixture
	run -74 --separate-stderr bash -c 'mx-prs >/dev/full'
	assert_equal "$stderr" 'mx-prs: stdout: No space left on device'
	run -74 --separate-stderr bash -c 'mx-prs -j >/dev/full'
	run -74 --separate-stderr bash -c 'mx-prs -J >/dev/full'
}

@test "mx-prs: an unknown option or an operand exits 64 with the usage" {
	run -64 --separate-stderr mx-prs -x
	assert_output ''
	[[ $stderr == *'usage: mx-prs [-HJj] [-c config] [-d database] [-n rows]'* ]]
	run -64 --separate-stderr mx-prs blocked
	assert_output ''
	[[ $stderr == 'usage: mx-prs'* ]]
}

@test "mx-prs: --help and --version" {
	run -0 --separate-stderr mx-prs --help
	assert_output $'usage: mx-prs [-HJj] [-c config] [-d database] [-n rows] [-o field,...] [-r repo]\n              [-s tracked|blocked]'
	assert_equal "$stderr" ''
	run -0 --separate-stderr mx-prs --version
	assert_output --regexp '^mx-prs \(mx\) [0-9]+\.[0-9]+\.[0-9]+$'
}

@test "mx-prs: the usage equals the manual's SYNOPSIS" {
	synopsis=$(MANWIDTH=200 mandoc -T utf8 "$TOP/man/mx-prs.1" |
	    col -bx | awk '/^SYNOPSIS/ { s = 1; next } /^DESCRIPTION/ { s = 0 }
	    s && NF { sub(/^ +/, ""); printf "%s%s", sep, $0; sep = " " }')
	usage=$(mx-prs --help | tr -s ' \n' ' ')
	assert_equal "usage: $synopsis " "$usage"
}

@test "mx-prs: the manual documents every field" {
	page=$(MANWIDTH=200 mandoc -T utf8 "$TOP/man/mx-prs.1" | col -bx)
	for f in $(mx-prs -n 1 | head -1); do
		[[ $page == *"     $f"* ]] || fail "field $f not in the manual"
	done
}
