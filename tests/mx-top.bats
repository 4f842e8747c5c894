#!/usr/bin/env bats
# mx-top: batch frames, options and errors, then the screen driven in a
# real terminal: tmux at fixed sizes, keys by send-keys, the screen read
# back with capture-pane.

bats_require_minimum_version 1.7.0
load helper

NOW="strftime('%Y-%m-%dT%H:%M:%fZ','now'"

setup() {
	mkdb
	SOCK="mxtest$$_$BATS_TEST_NUMBER"
	export LC_ALL=C.UTF-8
	unset COLUMNS NO_COLOR
	printf 'set -g status off\nset -g remain-on-exit on\n' \
	    >"$BATS_TEST_TMPDIR/tmux.conf"
}

teardown() {
	tmux -L "$SOCK" kill-server 2>/dev/null || true
	rm -f "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$SOCK"
}

# fixture: two active agents, an idle run, finished runs in and out of
# 24h, tracked and blocked work, outcomes and a PR transition.
#   overview: active 2, blocked 2, tracked 1, failures 1 (24h)
#   org/app in 24h: 42s completed, 258s failed: mean 2.5m, p50 42s
#   org/lib in 24h: 4500s completed: mean 1.25h; org/old: 3 days ago
fixture() {
	sql <<EOF
INSERT INTO agent_run_history(run_id, repo_full_name, run_kind,
    issue_number, pr_number, flow, branch, started_at, meta_json) VALUES
 ('run-app-7', 'org/app', 'issue_flow', 7, NULL, 'bugfix', 'agent/issue-7',
  $NOW, '-2 hours'), '{"codex_active": true, "last_prompt": "Fix the login bug",
  "codex_session_id": "sess-77", "codex_mode": "full-auto"}'),
 ('run-lib-9', 'org/lib', 'implementation_flow', 9, NULL, 'design_doc',
  'agent/issue-9', $NOW, '-30 minutes'), '{"codex_active": true}'),
 ('run-idle', 'org/app', 'issue_flow', 13, NULL, NULL, NULL,
  $NOW, '-1 hours'), '{}');
INSERT INTO agent_run_history(run_id, repo_full_name, run_kind,
    issue_number, pr_number, branch, started_at, finished_at,
    terminal_status, failure_class, duration_seconds) VALUES
 ('fin-1', 'org/app', 'issue_flow', 6, 11, 'agent/issue-6',
  $NOW, '-5 hours'), $NOW, '-4 hours'), 'completed', NULL, 42),
 ('fin-2', 'org/app', 'issue_flow', 14, NULL, NULL,
  $NOW, '-3 hours'), $NOW, '-2 hours'), 'failed', 'tests_failed', 258),
 ('fin-3', 'org/lib', 'implementation_flow', 15, NULL, NULL,
  $NOW, '-6 hours'), $NOW, '-4 hours'), 'completed', NULL, 4500),
 ('fin-4', 'org/old', 'issue_flow', 16, NULL, NULL,
  $NOW, '-3 days', '-1 hours'), $NOW, '-3 days'), 'completed', NULL, 600);
INSERT INTO issue_runs(repo_full_name, issue_number, status, branch,
    pr_number, error, updated_at) VALUES
 ('org/app', 6, 'awaiting_feedback', 'agent/issue-6', 11, NULL, $NOW)),
 ('org/lib', 8, 'blocked', 'agent/issue-8', 12, 'CI red: 3 tests failed', $NOW)),
 ('org/app', 10, 'awaiting_issue_followup', 'agent/issue-10', NULL,
  'Which config file wins?', $NOW)),
 ('org/app', 3, 'merged', 'agent/issue-3', 21, NULL, $NOW, '-1 hours')),
 ('org/lib', 4, 'closed', 'agent/issue-4', 22, NULL, $NOW, '-2 hours')),
 ('org/old', 5, 'merged', 'agent/issue-5', 23, NULL, $NOW, '-3 days'));
INSERT INTO pr_feedback_state(repo_full_name, pr_number, issue_number,
    branch, status, last_seen_head_sha) VALUES
 ('org/app', 11, 6, 'agent/issue-6', 'awaiting_feedback', 'abc1234def5678'),
 ('org/lib', 12, 8, 'agent/issue-8', 'blocked', NULL);
INSERT INTO pr_status_history(repo_full_name, pr_number, issue_number,
    from_status, to_status, reason, detail, changed_at) VALUES
 ('org/app', 11, 6, NULL, 'awaiting_feedback', 'pr_opened', 'opened by agent',
  $NOW, '-3 hours'));
EOF
}

# An active run of repo started AGO ago (an SQLite modifier).
active_run() {
	sql "INSERT INTO agent_run_history(run_id, repo_full_name, run_kind,
	    issue_number, started_at, meta_json) VALUES ('$1', '$2',
	    'issue_flow', 99, $NOW, '$3'), '{\"codex_active\": true}');"
}

# tstart [W H] CMD: run the shell command CMD in a fresh tmux server.
tstart() {
	local w=100 h=30
	if [[ $# -eq 3 ]]; then
		w=$1 h=$2
		shift 2
	fi
	tmux -L "$SOCK" -u -f "$BATS_TEST_TMPDIR/tmux.conf" \
	    new-session -d -x "$w" -y "$h" "$1"
}

screen() {
	tmux -L "$SOCK" capture-pane -p "$@"
}

keys() {
	tmux -L "$SOCK" send-keys "$@"
}

# wait_for ERE: poll the screen until a line matches, for at most 5 s.
wait_for() {
	local i
	for ((i = 0; i < 100; i++)); do
		screen | grep -Eq -- "$1" && return 0
		sleep 0.05
	done
	echo "no line matches: $1" >&2
	screen >&2
	return 1
}

# wait_gone ERE: poll the screen until no line matches, for at most 5 s.
wait_gone() {
	local i
	for ((i = 0; i < 100; i++)); do
		screen | grep -Eq -- "$1" || return 0
		sleep 0.05
	done
	echo "still on screen: $1" >&2
	screen >&2
	return 1
}

# wait_dead: poll until the pane's command has exited, for at most 5 s.
wait_dead() {
	local i
	for ((i = 0; i < 100; i++)); do
		[[ $(tmux -L "$SOCK" display-message -p '#{pane_dead}') == 1 ]] &&
		    return 0
		sleep 0.05
	done
	echo "the pane still runs" >&2
	return 1
}

# The selected row of the focused panel.
selected() {
	screen | grep '^>'
}

top_cmd() {
	printf 'mx-top -d %q %s' "$DB" "$*"
}

@test "mx-top: --help prints the synopsis and exits 0" {
	run -0 --separate-stderr mx-top --help
	assert_line --index 0 --partial 'usage: mx-top [-b] [-c config]'
	assert_output --partial '[-s seconds] [-w window]'
	assert_equal "$stderr" ''
	run -0 mx-top --version
	assert_output --regexp '^mx-top \(mx\) [0-9.]+$'
}

@test "mx-top: bad options and values exit 64 with a message" {
	run -64 --separate-stderr mx-top -b -s abc
	assert_output ''
	[[ $stderr == *"-s: abc: bad interval"* ]]
	run -64 --separate-stderr mx-top -b -s 0
	[[ $stderr == *"-s: 0: bad interval"* ]]
	run -64 --separate-stderr mx-top -b -w 3x
	[[ $stderr == *"-w: 3x: bad window"* ]]
	run -64 --separate-stderr mx-top -b -n 0
	[[ $stderr == *"-n: 0: too small"* ]]
	run -64 --separate-stderr mx-top -b -i -1
	[[ $stderr == *"-i: -1"* ]]
	run -64 --separate-stderr mx-top -b -j
	[[ $stderr == *"usage: mx-top"* ]]
	run -64 --separate-stderr mx-top -b extra
	[[ $stderr == *"usage: mx-top"* ]]
}

@test "mx-top: -b prints one frame with the summary and every panel" {
	fixture
	run -0 --separate-stderr mx-top -b -d "$DB"
	assert_equal "$stderr" ''
	assert_line --index 0 --regexp '^mx-top  repo all  window 24h  every 2s  updated [0-9-]+ [0-9:]+$'
	assert_line --index 1 'active 2  blocked 2  tracked 1  failures 1  mean 26.7m  stddev 34.2m'
	assert_line 'Active agents (2)'
	assert_line 'Blocked and tracked (3)'
	assert_line 'Metrics per repo (2)'
	assert_line 'Recent outcomes (2 of 3) in 24h'
	assert_line --regexp '^ org/app +issue_flow +7 +- +bugfix +agent/issue-7 .* 2h$'
	assert_line --regexp '^ org/lib +implementation_flow +9 '
	refute_output --partial 'run-idle'
	refute_output --partial ' 13 '
	# Blocked rows are marked, tracked ones are not.
	assert_line --regexp '^!org/lib +8 +12 blocked .*CI red: 3 tests failed'
	assert_line --regexp '^!org/app +10 +- awaiting_issue_followup .*Which config file wins\?'
	assert_line --regexp '^ org/app +6 +11 awaiting_feedback '
	# Blocked work comes first, then the tracked PRs.
	[[ $(grep -A4 '^Blocked and tracked' <<<"$output" | cut -c1 | tr -d '\n') == 'B !! ' ]]
	# Durations read 42s, 2.5m, 1.25h.
	assert_line --regexp '^ org/app +2 +1 +50\.0% +2\.5m +1\.8m +42s +4\.3m$'
	assert_line --regexp '^ org/lib +1 +0 +0\.0% +1\.25h +0s +1\.25h +1\.25h$'
	assert_line --regexp '^ org/app +3 +21 merged +completed +agent/issue-3 +1h ago$'
	refute_output --partial 'org/old'
}

@test "mx-top: the summary numbers are mx-metrics' overview" {
	fixture
	add_run repo_full_name=org/x started_at=@3h finished_at=@1h \
	    terminal_status=failed
	want=$(mx-metrics -d "$DB" -j | jq -r '.overview |
	    "active \(.active_agents)  blocked \(.blocked)  tracked \(.tracked)  failures \(.failures)"')
	[[ $want == 'active 2  blocked 2  tracked 1  failures 2' ]]
	run -0 mx-top -b -d "$DB"
	assert_line --index 1 --partial "$want  mean"
	tstart "$(top_cmd)"
	wait_for "^$want  mean "
}

@test "mx-top: a batch frame that cannot be written exits 74" {
	fixture
	run -74 --separate-stderr bash -c 'mx-top -b -d "$DB" >/dev/full'
	[[ $stderr == "mx-top: stdout: No space left on device" ]]
}

@test "mx-top: -i N prints N frames separated by an empty line" {
	fixture
	run -0 --separate-stderr mx-top -b -i 3 -s 0.1 -d "$DB"
	[[ $(grep -c '^mx-top  repo' <<<"$output") -eq 3 ]]
	[[ $(grep -B1 '^mx-top  repo' <<<"$output" | grep -c '^$') -eq 2 ]]
}

@test "mx-top: output that is not a terminal gets batch frames" {
	fixture
	run -0 --separate-stderr mx-top -d "$DB"
	assert_line --index 0 --partial 'mx-top  repo all'
	refute_output --partial $'\e'
}

@test "mx-top: -r shows one repository in every panel" {
	fixture
	run -0 --separate-stderr mx-top -b -r ' org/lib ' -d "$DB"
	assert_line --index 0 --partial 'repo org/lib'
	assert_line --index 1 --partial 'active 1  blocked 1  tracked 0  failures 0'
	assert_line 'Active agents (1)'
	assert_line 'Blocked and tracked (1)'
	assert_line 'Metrics per repo (1)'
	assert_line 'Recent outcomes (1 of 1) in 24h'
	refute_output --partial 'org/app'
}

@test "mx-top: -w changes the metrics, failures and outcomes" {
	fixture
	run -0 --separate-stderr mx-top -b -w 7d -d "$DB"
	assert_line --index 0 --partial 'window 7d'
	assert_line 'Metrics per repo (3)'
	assert_line --regexp '^ org/old +1 +0 +0\.0% +10m '
	assert_line 'Recent outcomes (3 of 3) in 7d'
	run -0 --separate-stderr mx-top -b -w 1h -d "$DB"
	assert_line --index 1 --regexp '^active 2  blocked 2  tracked 1  failures 0  mean (0s|-)  stddev (0s|-)$'
	assert_line 'Metrics per repo (0)'
	run -0 --separate-stderr mx-top -b -w all -d "$DB"
	assert_line 'Recent outcomes (3)'
}

@test "mx-top: -n caps the rows of each panel" {
	fixture
	run -0 --separate-stderr mx-top -b -n 1 -d "$DB"
	assert_line 'Active agents (1)'
	assert_line 'Blocked and tracked (1)'
	assert_line 'Recent outcomes (1 of 1) in 24h'
}

@test "mx-top: -c reads the database and the defaults from mergexo.toml" {
	fixture
	cat >"$BATS_TEST_TMPDIR/m.toml" <<EOF
[runtime]
base_dir = "$BATS_TEST_TMPDIR"
observability_refresh_seconds = 0.5
observability_default_window = "7d"
observability_row_limit = 1
EOF
	cd "$HOME"
	run -0 --separate-stderr mx-top -b -c "$BATS_TEST_TMPDIR/m.toml"
	assert_line --index 0 --partial 'window 7d  every 0.5s'
	assert_line 'Active agents (1)'
	# Options win over the configuration.
	run -0 --separate-stderr mx-top -b -c "$BATS_TEST_TMPDIR/m.toml" \
	    -s 3 -w 24h -n 5
	assert_line --index 0 --partial 'window 24h  every 3s'
	assert_line 'Active agents (2)'
}

@test "mx-top: a missing database is an error line, exit 69" {
	run -69 --separate-stderr mx-top -b -d "$BATS_TEST_TMPDIR/none.db"
	assert_line --index 2 --regexp '^error: mx-[a-z]+: .*none\.db'
	assert_line 'Active agents (0) [stale]'
	assert_line '  (none)'
	[[ $stderr == "mx-top: mx-"*"none.db"* ]]
	[[ $(wc -l <<<"$stderr") -eq 1 ]]
	[[ ! -e "$BATS_TEST_TMPDIR/none.db" ]]
}

@test "mx-top: an older database without history shows a note, exit 0" {
	sql 'DROP TABLE agent_run_history; DROP TABLE pr_status_history;'
	run -0 --separate-stderr mx-top -b -d "$DB"
	assert_line --index 2 --regexp '^note: mx-[a-z]+: .*no table agent_run_history'
	assert_line 'Active agents (0)'
	refute_output --partial 'error:'
}

@test "mx-top: a corrupt database is an error line, not a crash" {
	head -c 8192 /dev/urandom >"$DB"
	run -69 --separate-stderr mx-top -b -d "$DB"
	assert_line --index 2 --regexp '^error: mx-[a-z]+: .*state\.db: file is not a database'
	tstart "$(top_cmd)"
	wait_for '^error: mx-[a-z]+: .*file is not a database'
	wait_for 'Active agents \(0\) \[stale\]'
	keys q
	wait_dead
}

@test "mx-top: children not found say so, exit 69" {
	mkdir "$BATS_TEST_TMPDIR/alone"
	cp "$TOP/bin/mx-top" "$BATS_TEST_TMPDIR/alone/"
	PATH=/usr/bin:/bin run -69 --separate-stderr \
	    "$BATS_TEST_TMPDIR/alone/mx-top" -b -d "$DB"
	assert_line --index 2 'error: mx-runs: program not found beside mx-top or in PATH'
}

@test "mx-top: children are found in PATH when not beside it" {
	fixture
	mkdir "$BATS_TEST_TMPDIR/alone"
	cp "$TOP/bin/mx-top" "$BATS_TEST_TMPDIR/alone/"
	run -0 --separate-stderr "$BATS_TEST_TMPDIR/alone/mx-top" -b -d "$DB"
	assert_line 'Active agents (2)'
}

@test "mx-top: a hanging child is killed, the others still show" {
	fixture
	dir=$BATS_TEST_TMPDIR/hang
	mkdir "$dir"
	cp "$TOP/bin/mx-top" "$dir/"
	for p in mx-runs mx-prs mx-history; do
		ln -s "$TOP/bin/$p" "$dir/$p"
	done
	printf '#!/bin/sh\nexec sleep 30\n' >"$dir/mx-metrics"
	chmod +x "$dir/mx-metrics"
	SECONDS=0
	run -69 --separate-stderr "$dir/mx-top" -b -d "$DB"
	((SECONDS < 9))
	assert_line --index 2 'error: mx-metrics: no answer in 5s, killed'
	assert_line 'Active agents (2)'
	assert_line 'Metrics per repo (0) [stale]'
}

@test "mx-top: control characters from the database are neutralised" {
	fixture
	add_run run_id=evil repo_full_name=org/app issue_number=77 \
	    started_at=@1m branch=$'x\e[31mred\r\xc2\x9b2J\xe2\x80\xaeabc\x9b' \
	    meta_json='{"codex_active": true}'
	run -0 --separate-stderr mx-top -b -d "$DB"
	refute_output --partial $'\e'
	refute_output --partial $'\r'
	refute_output --partial $'\xe2\x80\xae'
	# Invalid UTF-8 comes from mx-runs as U+FFFD.
	assert_line --regexp '^ org/app .* 77 .*x\?\[31mred\?\?2J\?abc� '
	tstart "$(top_cmd)"
	# Shown as text, so the terminal did not take it as a command.
	wait_for 'x\?\[31mred\?\?2J\?abc'
}

@test "mx-top: long text is cut with an ellipsis, never wrapped" {
	fixture
	sql "UPDATE issue_runs SET error = 'The required check test failed on every run after the rebase onto main, see the log' WHERE issue_number = 8;"
	COLUMNS=80 run -0 --separate-stderr mx-top -b -d "$DB"
	assert_line --regexp '^!org/lib .* The required [^…]+… +-$'
	while IFS= read -r line; do
		((${#line} <= 80))
	done <<<"$output"
	LC_ALL=C COLUMNS=80 run -0 --separate-stderr mx-top -b -d "$DB"
	assert_line --regexp '^!org/lib .* The required [^~]+~ +-$'
	refute_output --partial '…'
}

@test "mx-top: the screen shows every panel and ticks elapsed times" {
	fixture
	active_run young org/new '-5 seconds'
	tstart "$(top_cmd)"
	wait_for '^mx-top  repo all  window 24h  every 2s  updated'
	wait_for '^q quit  r refresh'
	wait_for '^─ Active agents \(3\) ─+$'
	wait_for '^─ Blocked and tracked \(3\) ─'
	wait_for '^─ Metrics per repo \(2\) ─'
	wait_for '^─ Recent outcomes \(2 of 3\) in 24h ─'
	wait_for '^>org/app .* 7 .*agent/issue-7 .* 2h$'
	first=$(screen | grep 'org/new' | grep -Eo '[0-9]+s$')
	wait_gone "org/new .* $first\$"
	screen | grep -Eq 'org/new .* [0-9]+s$'
}

@test "mx-top: a row added to the database appears without a key press" {
	fixture
	tstart "$(top_cmd -s 60)"
	wait_for 'Active agents \(2\)'
	active_run added org/added '-1 minutes'
	wait_for '^ org/added +issue_flow +99 '
	wait_for 'Active agents \(3\)'
	wait_for '^active 3  blocked 2'
}

@test "mx-top: f cycles the repo filter through every panel" {
	fixture
	tstart "$(top_cmd)"
	wait_for 'Active agents \(2\)'
	keys f
	wait_for '^mx-top  repo org/app  window'
	wait_for 'Active agents \(1\)'
	wait_for 'Blocked and tracked \(2\)'
	wait_for 'Metrics per repo \(1\)'
	wait_for 'Recent outcomes \(1 of 1\)'
	! screen | grep -q 'org/lib'
	keys f
	wait_for '^mx-top  repo org/lib  window'
	wait_for '^[> ]org/lib +implementation_flow'
	! screen | grep -q 'org/app'
	keys f
	wait_for '^mx-top  repo org/old  window'
	wait_for 'Recent outcomes \(0 of 1\) in 24h'
	keys f
	wait_for '^mx-top  repo all  window'
	wait_for 'Active agents \(2\)'
}

@test "mx-top: w cycles the window through 1h, 24h, 7d and 30d" {
	fixture
	tstart "$(top_cmd)"
	wait_for 'Metrics per repo \(2\)'
	keys w
	wait_for '^mx-top  repo all  window 7d'
	wait_for 'Metrics per repo \(3\)'
	wait_for '^ org/old '
	wait_for 'Recent outcomes \(3 of 3\) in 7d'
	keys w
	wait_for 'window 30d'
	keys w
	wait_for 'window 1h'
	wait_for 'Metrics per repo \(0\)'
	wait_for '^active 2  blocked 2  tracked 1  failures 0  mean (0s|-)  stddev (0s|-)$'
	keys w
	wait_for 'window 24h'
	wait_for '^active 2  blocked 2  tracked 1  failures 1'
}

@test "mx-top: enter opens the selected issue's timeline, esc goes back" {
	fixture
	tstart 100 50 "$(top_cmd)"
	wait_for '^>org/app .* 7 '
	keys Down
	wait_for '^>org/lib .* 9 '
	keys Enter
	wait_for '^─ Active agents: org/lib issue #9 ─'
	wait_for '^Timeline of issue #9 \(1 event, oldest first\)'
	wait_for '^  [0-9-]+ [0-9:]+  run_start  .*implementation_flow  design_doc'
	wait_for 'issue +https://github.com/org/lib/issues/9$'
	wait_for 'branch +https://github.com/org/lib/tree/agent/issue-9$'
	keys Escape
	wait_for '^>org/lib .* 9 '
	# A tracked PR: its transitions, links to the PR and its head commit.
	keys Tab End
	wait_for '^>org/app +6 +11 '
	keys Enter
	wait_for '^─ Blocked and tracked: org/app issue #6 PR #11 ─'
	wait_for '^Transitions of PR #11 \(1, newest first\)'
	wait_for 'awaiting_feedback  pr_opened  opened by agent'
	wait_for 'run_finish  completed  issue_flow  duration=42s  run_id=fin-1'
	wait_for 'pr +https://github.com/org/app/pull/11$'
	wait_for 'commit +https://github.com/org/app/commit/abc1234def5678$'
	keys q
	wait_for '^>org/app +6 +11 '
}

@test "mx-top: the detail of an active run shows its prompt and session" {
	fixture
	tstart 100 20 "$(top_cmd)"
	wait_for '^>org/app .* 7 '
	keys Enter
	wait_for '^  prompt +Fix the login bug$'
	keys End
	wait_for '^  codex_session_id +sess-77$'
	wait_for '^  codex_mode +full-auto$'
	wait_for '^Timeline of issue #7'
	wait_gone '^  run_id '
	keys Home
	wait_for '^  run_id +run-app-7$'
	keys Escape
	wait_for '^q quit'
}

@test "mx-top: a blocked item's detail shows its full reason" {
	fixture
	sql "UPDATE issue_runs SET error = 'Needs a maintainer decision: '
	    || 'drop support for the old configuration format, or keep '
	    || 'reading it with a warning for two more releases?'
	    WHERE issue_number = 10;"
	tstart "$(top_cmd)"
	wait_for 'Blocked and tracked'
	keys Tab
	wait_for '^>org/app +10 '
	keys Enter
	wait_for '^  blocked_reason +Needs a maintainer decision: drop support'
	wait_for 'two more releases\?$'
}

@test "mx-top: the selection stays on its row across refreshes and sorts" {
	fixture
	tstart "$(top_cmd -s 60)"
	wait_for '^>org/app .* 7 '
	keys Down
	wait_for '^>org/lib .* 9 '
	# A run that sorts first moves every row down by one.
	active_run older org/aaa '-5 hours'
	wait_for '^ org/aaa '
	selected | grep -q '^>org/lib .* 9 '
	keys '>'
	wait_for '^ REPO▲ '
	selected | grep -q '^>org/lib .* 9 '
	keys R
	wait_for '^ REPO▼ '
	selected | grep -q '^>org/lib .* 9 '
	keys Home
	wait_for '^>org/lib .* 9 '
	keys r
	wait_for '^>org/lib .* 9 '
}

@test "mx-top: < and > pick the sort column and R reverses" {
	fixture
	tstart "$(top_cmd)"
	wait_for 'Active agents'
	keys '<'
	wait_for '^ REPO .* ELAPSED▲$'
	[[ $(screen | grep -E '^[> ]org/' | head -1) == *org/lib* ]]
	keys R
	wait_for '^ REPO .* ELAPSED▼$'
	wait_for '^>org/app .* 7 '
	keys '>'
	wait_for 'Active agents \(2\) reversed'
}

@test "mx-top: tab, shift-tab and the motion keys move focus and selection" {
	fixture
	tstart "$(top_cmd)"
	wait_for '^>org/app .* 7 '
	keys j
	wait_for '^>org/lib .* 9 '
	keys k
	wait_for '^>org/app .* 7 '
	keys NPage
	wait_for '^>org/lib .* 9 '
	keys PPage
	wait_for '^>org/app .* 7 '
	keys G
	wait_for '^>org/lib .* 9 '
	keys g
	wait_for '^>org/app .* 7 '
	keys Up
	wait_for '^>org/app .* 7 '
	keys Tab
	wait_for '^>org/app +10 '
	keys Tab
	wait_for '^>org/app +2 +1 '
	keys BTab BTab
	wait_for '^>org/app .* 7 '
	keys Left
	wait_for '^>org/app +3 +21 '
	keys Right
	wait_for '^>org/app .* 7 '
}

@test "mx-top: / filters the focused panel, esc clears it" {
	fixture
	tstart "$(top_cmd)"
	wait_for 'Blocked and tracked \(3\)'
	keys Tab /
	wait_for '^filter /_'
	keys C I ' ' r e d
	wait_for '^filter /CI red_'
	wait_for 'Blocked and tracked \(1 of 3\) /CI red'
	keys Enter
	wait_gone '^filter /'
	wait_for '^>org/lib +8 +12 blocked'
	! screen | grep -q 'awaiting_feedback'
	keys Escape
	wait_for 'Blocked and tracked \(3\) ─'
}

@test "mx-top: p and space pause, + and - change the interval" {
	fixture
	tstart "$(top_cmd -s 0.5)"
	wait_for 'every 0.5s'
	keys p
	wait_for 'PAUSED'
	active_run paused org/paused '-1 minutes'
	sleep 1
	! screen | grep -q 'org/paused'
	keys Space
	wait_gone 'PAUSED'
	wait_for '^ org/paused '
	keys +
	wait_for 'every 1s'
	keys + +
	wait_for 'every 3s'
	keys -
	wait_for 'every 2s'
}

@test "mx-top: ? lists every key, any key closes it" {
	fixture
	tstart "$(top_cmd)"
	wait_for 'Active agents'
	keys '?'
	wait_for 'mx-top keys'
	for k in 'q  ' 'r  ' 'f  ' 'w  ' 'tab' 'shift-tab' 'up down j k' \
	    'PgUp PgDn' 'Home End' 'enter' 'esc' '/  ' '< >' 'R  ' \
	    'p space' '+ -' '?  '; do
		screen | grep -qF -- "  $k" || { echo "no key $k"; false; }
	done
	keys x
	wait_gone 'mx-top keys'
	wait_for 'Active agents'
	keys C-l
	wait_for '^─ Active agents \(2\) ─'
}

@test "mx-top: resize to 60x15 and back relayouts, too small says so" {
	fixture
	tstart "$(top_cmd)"
	wait_for '^─ Recent outcomes'
	tmux -L "$SOCK" resize-window -x 60 -y 15
	wait_for '^─ Recent outcomes \(2 of 3\) in 24h ─+$'
	wait_for '^ REPO .* ELAPSED$'
	[[ $(screen | wc -l) -eq 15 ]]
	wait_for '^act 2 blk 2 trk 1 fail 1 mean 26.7m sd '
	screen | while IFS= read -r line; do ((${#line} <= 60)); done
	tmux -L "$SOCK" resize-window -x 30 -y 8
	wait_for '^terminal too small'
	wait_for '^30x8, need 40x10'
	tmux -L "$SOCK" resize-window -x 100 -y 30
	wait_for '^q quit  r refresh  f repo  w window  tab panel  enter detail  / filter  < > sort  p pause  \? help$'
	wait_for '^>org/app .* 7 .*agent/issue-7 '
	wait_gone 'too small'
}

@test "mx-top: q restores the terminal and the shell works" {
	fixture
	tstart "sh"
	keys "$(top_cmd)" Enter
	wait_for 'Active agents'
	keys q
	wait_gone 'Active agents'
	keys 'echo READY' Enter
	wait_for '^([#$] )?READY$'
}

@test "mx-top: SIGTERM and SIGHUP restore the terminal" {
	fixture
	tstart "sh"
	keys "$(top_cmd)" Enter
	wait_for 'Active agents'
	shell=$(tmux -L "$SOCK" display-message -p '#{pane_pid}')
	pid=$(pgrep -P "$shell" mx-top)
	kill -TERM "$pid"
	wait_gone 'Active agents'
	keys 'echo READY' Enter
	wait_for '^([#$] )?READY$'
	keys "$(top_cmd)" Enter
	wait_for 'Active agents'
	pid=$(pgrep -P "$shell" mx-top)
	kill -HUP "$pid"
	wait_gone 'Active agents'
	keys 'echo AGAIN' Enter
	wait_for '^([#$] )?AGAIN$'
}

@test "mx-top: -i ends the screen after that many refreshes" {
	fixture
	tstart "sh"
	keys "$(top_cmd -i 2 -s 0.2); echo EXIT=\$?" Enter
	wait_for '^EXIT=0$'
}

@test "mx-top: a failing child keeps the last good data on screen" {
	fixture
	tstart "$(top_cmd -s 0.5)"
	wait_for '^>org/app .* 7 '
	mv "$DB" "$DB.gone"
	wait_for '^error: mx-[a-z]+: .*state\.db'
	wait_for 'Active agents \(2\) \[stale\]'
	wait_for '^>org/app .* 7 '
	wait_for '^active 2  blocked 2'
	mv "$DB.gone" "$DB"
	wait_gone '^error: '
	wait_gone 'stale'
}

@test "mx-top: TERM=vt100 and TERM=linux draw with line characters" {
	fixture
	tstart "$(printf 'TERM=vt100 LC_ALL=C %s' "$(top_cmd)")"
	# The terminal's alternate character set: SO, q for a line, SI.
	wait_for '^q Active agents \(2\) q+$'
	wait_for '^>org/app .* 7 '
	screen -e | grep -q $'^\016q\017'
	tmux -L "$SOCK" kill-server
	tstart "$(printf 'TERM=linux %s' "$(top_cmd)")"
	wait_for '^─ Active agents \(2\) ─+$'
}

@test "mx-top: colour only when NO_COLOR is unset" {
	fixture
	tstart "$(top_cmd)"
	wait_for '^!org/lib +8'
	screen -e | grep -Eq $'\e\\[([0-9]+;)*3[0-7](;[0-9]+)*m'
	tmux -L "$SOCK" kill-server
	rm -f "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$SOCK"
	# A fresh socket: a new server on the one just killed can lose the race.
	SOCK="${SOCK}_b"
	tstart "$(printf 'NO_COLOR=1 %s' "$(top_cmd)")"
	wait_for '^!org/lib +8'
	! screen -e | grep -Eq $'\e\\[([0-9]+;)*(3[0-8]|4[0-8]|9[0-7])(;[0-9]+)*m'
	# Reverse video still marks the selection.
	screen -e | grep -Eq $'\e\\[([0-9]+;)*7(;[0-9]+)*m'
}

@test "mx-top: TERM=dumb gets batch frames even on a terminal" {
	fixture
	tstart 100 40 "$(printf 'TERM=dumb %s' "$(top_cmd)")"
	wait_dead
	screen -S - | grep -q '^Active agents (2)$'
	screen -S - | grep -Eq '^mx-top  repo all  window 24h  every 2s  updated [0-9-]+ '
}

@test "mx-top: idle costs next to no CPU" {
	[[ -r /proc/self/stat ]] || skip "no /proc"
	fixture
	tstart "$(top_cmd -s 60)"
	wait_for 'Active agents'
	shell=$(tmux -L "$SOCK" display-message -p '#{pane_pid}')
	pid=$(pgrep -x -P "$shell" mx-top || echo "$shell")
	t0=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
	sleep 2
	t1=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
	# Clock ticks (usually 1/100 s) in 2 s of idle.
	((t1 - t0 <= 4))
}
