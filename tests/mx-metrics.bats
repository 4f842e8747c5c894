#!/usr/bin/env bats
# mx-metrics: the metrics sample, its formulas, grouping, the overview
# and the errors.

bats_require_minimum_version 1.7.0
load helper

HEADER=$'repo_full_name\tterminal_count\tfailed_count\tfailure_rate\tmean_runtime_seconds\tstddev_runtime_seconds\tp50_runtime_seconds\tp95_runtime_seconds'

setup() {
	mkdb
	export MX_DB="$DB"
}

# durations D...: one finished run of org/app per duration, in one go.
durations() {
	local d vals=
	for d in "$@"; do
		vals="$vals${vals:+,}('$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')', $d)"
	done
	sql "WITH d(id, s) AS (VALUES $vals)
	    INSERT INTO agent_run_history(run_id, repo_full_name, run_kind,
	    issue_number, started_at, finished_at, terminal_status,
	    duration_seconds)
	    SELECT id, 'org/app', 'issue_flow', 1,
	    strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-2 hours'),
	    strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-10 minutes'),
	    'completed', s FROM d;"
}

# column NAME: the values of TSV column NAME of $output, one a line.
column() {
	awk -F'\t' -v name="$1" 'NR == 1 { for (i = 1; i <= NF; i++)
	    if ($i == name) c = i; next } { print $c }' <<<"$output"
}

# Three repos, all kinds, every terminal status, some old runs: what
# tests/expected/mx-metrics.*.tsv were worked out by hand from.
fixture() {
	fin repo_full_name=org/b duration_seconds=100
	fin repo_full_name=org/b duration_seconds=300 terminal_status=failed \
	    failure_class=tests_failed
	fin repo_full_name=org/b duration_seconds=200 \
	    run_kind=implementation_flow terminal_status=blocked \
	    failure_class=policy_block
	fin repo_full_name=Org/a duration_seconds=7 run_kind=pre_pr_followup \
	    terminal_status=interrupted failure_class=unknown
	fin repo_full_name=org/a duration_seconds=10
	fin repo_full_name=org/a duration_seconds=20 terminal_status=failed \
	    failure_class=agent_error run_kind=implementation_flow
	fin repo_full_name=org/a duration_seconds=60 terminal_status=failed \
	    failure_class=agent_error
	# Outside the sample: other kinds, statuses, open or old runs.
	fin repo_full_name=org/a duration_seconds=5000 run_kind=feedback_turn \
	    terminal_status=failed failure_class=agent_error
	fin repo_full_name=org/a duration_seconds=5000 terminal_status=merged
	fin repo_full_name=org/c duration_seconds=5000 terminal_status=closed
	fin repo_full_name=org/a duration_seconds=5000 finished_at=@2d \
	    started_at=@3d
	add_run repo_full_name=org/d meta_json='{"codex_active":true}'
}

@test "mx-metrics: no runs give one overall row of zeros" {
	run -0 --separate-stderr mx-metrics
	assert_output "$HEADER"$'\n__all__\t0\t0\t0.0\t0.0\t0.0\t0.0\t0.0'
	assert_equal "$stderr" ''
}

@test "mx-metrics: one run: no stddev, its duration as both percentiles" {
	durations 42.5
	run -0 --separate-stderr mx-metrics -H
	assert_output $'__all__\t1\t0\t0.0\t42.5\t0.0\t42.5\t42.5\norg/app\t1\t0\t0.0\t42.5\t0.0\t42.5\t42.5'
}

@test "mx-metrics: two runs: population stddev, nearest-rank percentiles" {
	fin duration_seconds=10
	fin duration_seconds=30 terminal_status=failed
	run -0 --separate-stderr mx-metrics -H
	# mean 20, stddev sqrt((100 + 900) / 2 - 400) = 10; p50 is the
	# first of two (ceil(0.5 * 2) = 1), p95 the second.
	assert_line -n 0 $'__all__\t2\t1\t0.5\t20.0\t10.0\t10.0\t30.0'
}

@test "mx-metrics: a larger sample against hand-computed figures" {
	# 1..20 in a shuffled order: mean 10.5, population variance
	# (20^2 - 1) / 12 = 33.25; p50 = 10th value, p95 = 19th.
	durations 7 19 3 12 1 20 15 9 4 18 2 11 16 6 13 5 17 8 14 10
	sql "UPDATE agent_run_history SET terminal_status = 'failed'
	    WHERE duration_seconds IN (3, 7, 11)"
	run -0 --separate-stderr mx-metrics -H -r org/app
	assert_output $'org/app\t20\t3\t0.15\t10.5\t5.766281297335398\t10.0\t19.0\norg/app\t20\t3\t0.15\t10.5\t5.766281297335398\t10.0\t19.0'
}

@test "mx-metrics: percentiles of 101 runs and of seven" {
	sql "WITH RECURSIVE i(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM i
	    WHERE n < 101)
	    INSERT INTO agent_run_history(run_id, repo_full_name, run_kind,
	    issue_number, started_at, finished_at, terminal_status,
	    duration_seconds)
	    SELECT 'r' || n, 'org/app', 'issue_flow', n, '2026-01-01',
	    strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-5 minutes'), 'completed',
	    (n * 37) % 101 FROM i;"
	# 0..100: index ceil(50.5) - 1 = 50 and ceil(95.95) - 1 = 95;
	# mean 50, variance 3350 - 2500 = 850.
	run -0 --separate-stderr mx-metrics -H
	assert_line -n 0 $'__all__\t101\t0\t0.0\t50.0\t29.154759474226502\t50.0\t95.0'
	sql "DELETE FROM agent_run_history"
	durations 70 10 60 20 50 30 40
	# n = 7: index ceil(3.5) - 1 = 3 (40), ceil(6.65) - 1 = 6 (70).
	run -0 --separate-stderr mx-metrics -H -o p50_runtime_seconds,p95_runtime_seconds
	assert_output $'40.0\t70.0\n40.0\t70.0'
}

@test "mx-metrics: many equal durations" {
	sql "WITH RECURSIVE i(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM i
	    WHERE n < 5000)
	    INSERT INTO agent_run_history(run_id, repo_full_name, run_kind,
	    issue_number, started_at, finished_at, terminal_status,
	    duration_seconds)
	    SELECT 'r' || n, 'org/app', 'issue_flow', n, '2026-01-01',
	    strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-5 minutes'), 'completed',
	    CASE WHEN n = 17 THEN 1 ELSE 5 END FROM i;"
	run -0 --separate-stderr mx-metrics -H -o p50_runtime_seconds,p95_runtime_seconds,terminal_count
	assert_line -n 0 $'5.0\t5.0\t5000'
}

@test "mx-metrics: runs without a duration count, but not in mean or percentiles" {
	fin duration_seconds=10
	fin duration_seconds=NULL terminal_status=failed
	run -0 --separate-stderr mx-metrics -H
	# AVG skips NULL: mean 10, AVG(d*d) 100, variance 0; two runs.
	assert_line -n 0 $'__all__\t2\t1\t0.5\t10.0\t0.0\t10.0\t10.0'
	sql "DELETE FROM agent_run_history"
	fin duration_seconds=NULL
	run -0 --separate-stderr mx-metrics -H
	assert_line -n 0 $'__all__\t1\t0\t0.0\t0.0\t0.0\t0.0\t0.0'
}

@test "mx-metrics: mean and stddev are SQLite's AVG to the bit, in finished_at order" {
	# Rows stored newest first: the table's order is not finished_at's.
	sql "WITH RECURSIVE i(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM i
	    WHERE n < 3000)
	    INSERT INTO agent_run_history(run_id, repo_full_name, run_kind,
	    issue_number, started_at, finished_at, terminal_status,
	    duration_seconds)
	    SELECT printf('r%05d', n), 'org/r' || (n % 7), 'issue_flow', n,
	    '2026-01-01', strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-5 minutes',
	    printf('-%d seconds', n)), 'completed',
	    ((n * 7919) % 10007) / 3.7 + 0.1 FROM i;"
	# Without the mx_ indexes: a sort, or ranges of MergeXO's index.
	mx-metrics -H -w all >mx.all
	mx-metrics -H -w 1d >mx.1d
	run -0 --separate-stderr mx-reconcile -I
	mx-metrics -H -w all >mx.all.idx
	mx-metrics -H -w 1d >mx.1d.idx
	# MergeXO's statements, each AVG as exact mantissa and exponent.
	# AVG adds in the order SQLite reads the rows, which decides the
	# last bit: on mx_runs_finished it reads the overall statement in
	# finished_at order, as mx-metrics adds, and each repo's rows of
	# the per-repo statement in that order too, on MergeXO's index.
	where="finished_at IS NOT NULL AND run_kind IN ('issue_flow',
	    'implementation_flow', 'pre_pr_followup') AND terminal_status IN
	    ('completed', 'failed', 'blocked', 'interrupted')"
	run -0 sql "EXPLAIN QUERY PLAN SELECT AVG(duration_seconds)
	    FROM agent_run_history WHERE $where"
	assert_output --partial 'COVERING INDEX mx_runs_finished'
	avgs="COUNT(*), ieee754(AVG(duration_seconds)),
	    ieee754(AVG(duration_seconds * duration_seconds))"
	sql -separator ' ' "SELECT '__all__', $avgs FROM agent_run_history
	    WHERE $where; SELECT repo_full_name, $avgs FROM agent_run_history
	    WHERE $where GROUP BY repo_full_name ORDER BY repo_full_name" \
	    >ref
	for f in mx.all mx.1d mx.all.idx mx.1d.idx; do
		assert_equal "$(wc -l <$f)" 8
		run -0 awk '
		function num(s,  a) {
			split(s, a, /[(,)]/)
			return a[2] * 2 ^ a[3]
		}
		NR == FNR {
			mean[$1] = num($3); msq[$1] = num($4); n[$1] = $2; next
		}
		{
			v = msq[$1] - mean[$1] * mean[$1]
			sd = n[$1] >= 2 ? sqrt(v > 0 ? v : 0) : 0
			if ($5 + 0 != mean[$1] || $6 + 0 != sd)
				printf "%s: %.17g %.17g != %.17g %.17g\n", $1,
				    $5, $6, mean[$1], sd
			else
				ok++
		}
		END { print ok " equal" }' ref FS='\t' $f
		assert_output '8 equal'
	done
}

@test "mx-metrics: per-repo rows in repo order after __all__" {
	fixture
	run -0 --separate-stderr mx-metrics
	assert_output "$(cat "$TOP/tests/expected/mx-metrics.repo.tsv")"
	run -0 column repo_full_name
	assert_output $'__all__\nOrg/a\norg/a\norg/b'
}

@test "mx-metrics: many groups, each counted once, in byte order" {
	# 300 runs over 150 repositories, named so that byte order differs
	# from insertion order and from number order.
	sql "WITH RECURSIVE i(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM i
	    WHERE n < 300)
	    INSERT INTO agent_run_history(run_id, repo_full_name, run_kind,
	    issue_number, started_at, finished_at, terminal_status,
	    duration_seconds)
	    SELECT 'r' || n, 'org/' || ((n * 7) % 150), 'issue_flow', n,
	    '2026-01-01', strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-5 minutes'),
	    CASE WHEN n % 3 = 0 THEN 'failed' ELSE 'completed' END, n FROM i;"
	run -0 --separate-stderr mx-metrics -H -o repo_full_name,terminal_count,failed_count,p95_runtime_seconds
	assert_equal "${#lines[@]}" 151
	assert_line -n 0 $'__all__\t300\t100\t285.0'
	want=$(sql -separator $'\t' "SELECT repo_full_name, count(*),
	    sum(terminal_status = 'failed'), max(duration_seconds)
	    FROM agent_run_history GROUP BY 1 ORDER BY 1")
	assert_equal "$(printf '%s\n' "${lines[@]:1}")" "$want"
}

@test "mx-metrics: -g kind groups by run kind" {
	fixture
	run -0 --separate-stderr mx-metrics -g kind
	assert_output "$(cat "$TOP/tests/expected/mx-metrics.kind.tsv")"
	assert_line -n 0 --partial $'run_kind\tterminal_count'
	refute_output --partial feedback_turn
}

@test "mx-metrics: -g failure_class groups by class, NULL first and empty" {
	fixture
	run -0 --separate-stderr mx-metrics -g failure_class
	assert_output "$(cat "$TOP/tests/expected/mx-metrics.failure_class.tsv")"
	run -0 --separate-stderr mx-metrics -g failure_class -j
	run -0 jq -c '.per_failure_class | map(.failure_class)' <<<"$output"
	assert_output '[null,"agent_error","policy_block","tests_failed","unknown"]'
}

@test "mx-metrics: -g repo is the default" {
	fixture
	run -0 --separate-stderr mx-metrics -g repo
	assert_output "$(cat "$TOP/tests/expected/mx-metrics.repo.tsv")"
}

@test "mx-metrics: -g rejects an unknown grouping" {
	run -64 --separate-stderr mx-metrics -g issue
	assert_output ''
	assert_equal "${stderr%%$'\n'*}" 'mx-metrics: -g: issue: unknown grouping (valid: repo, kind, failure_class)'
	[[ $stderr == *$'\nusage: mx-metrics '* ]]
}

@test "mx-metrics: -r filters and labels the overall row, trimmed" {
	fixture
	run -0 --separate-stderr mx-metrics -H -r $' org/b\t'
	assert_output $'org/b\t3\t1\t0.3333333333333333\t200.0\t81.64965809277258\t200.0\t300.0\norg/b\t3\t1\t0.3333333333333333\t200.0\t81.64965809277258\t200.0\t300.0'
	run -0 --separate-stderr mx-metrics -H -r org/B
	assert_output $'org/B\t0\t0\t0.0\t0.0\t0.0\t0.0\t0.0'
	run -0 --separate-stderr mx-metrics -H -r '  '
	assert_line -n 0 --partial $'__all__\t7\t'
}

@test "mx-metrics: a run that finished 59 minutes ago is in 1h, 61 is not" {
	fin duration_seconds=1 finished_at=@59m
	fin duration_seconds=2 finished_at=@61m
	run -0 --separate-stderr mx-metrics -H -w 1h -o terminal_count,mean_runtime_seconds
	assert_line -n 0 $'1\t1.0'
	run -0 --separate-stderr mx-metrics -H -w 60m -o terminal_count
	assert_line -n 0 '1'
	run -0 --separate-stderr mx-metrics -H -w 3601s -o terminal_count
	assert_line -n 0 '1'
	run -0 --separate-stderr mx-metrics -H -w 2h -o terminal_count
	assert_line -n 0 '2'
}

@test "mx-metrics: -w takes 24h 7d 30d N[smhdw] and all" {
	fin duration_seconds=1 finished_at=@23h
	fin duration_seconds=1 finished_at=@25h
	fin duration_seconds=1 finished_at=@6d
	fin duration_seconds=1 finished_at=@8d
	fin duration_seconds=1 finished_at=@29d
	fin duration_seconds=1 finished_at=@31d
	fin duration_seconds=1 finished_at=@400d
	for w in 24h:1 7d:3 1w:3 30d:5 all:7 86460s:1 1560m:2 2d:2 5w:6; do
		run -0 --separate-stderr mx-metrics -H -w "${w%:*}" -o terminal_count
		assert_line -n 0 "${w#*:}"
	done
	# The default is 24h.
	run -0 --separate-stderr mx-metrics -H -o terminal_count
	assert_line -n 0 1
}

@test "mx-metrics: -w rejects a bad window" {
	for w in abc 0h 5x 24 h -1h 1.5h '' 1hh 99999999999999999999d; do
		run -64 --separate-stderr mx-metrics -w "$w"
		assert_output ''
		[[ $stderr == "mx-metrics: -w: $w: bad window"* ]]
	done
}

@test "mx-metrics: the config file's observability_default_window, and -w over it" {
	mkdir -p cfg
	mv "$DB" cfg/state.db
	unset MX_DB
	printf '[runtime]\nbase_dir = "%s/cfg"\nobservability_default_window = "1h"\n' \
	    "$BATS_TEST_TMPDIR" >mx.toml
	DB=cfg/state.db fin duration_seconds=1 finished_at=@30m
	DB=cfg/state.db fin duration_seconds=1 finished_at=@3h
	run -0 --separate-stderr mx-metrics -c mx.toml -H -o terminal_count
	assert_line -n 0 1
	run -0 --separate-stderr mx-metrics -c mx.toml -H -o terminal_count -w 24h
	assert_line -n 0 2
	run -0 --separate-stderr mx-metrics -c mx.toml -j
	run -0 jq -r .window <<<"$output"
	assert_output 1h
	printf '[runtime]\nobservability_default_window = "soon"\n' >bad.toml
	run -64 --separate-stderr mx-metrics -c bad.toml
	[[ $stderr == 'mx-metrics: -w: soon: bad window'* ]]
}

@test "mx-metrics: -d names the database, over MX_DB" {
	fin duration_seconds=3
	cp "$DB" other.db
	DB=other.db fin duration_seconds=5
	run -0 --separate-stderr mx-metrics -H -d other.db -o terminal_count
	assert_line -n 0 2
	MX_DB=nowhere.db run -0 --separate-stderr mx-metrics -H -d "$DB" -o terminal_count
	assert_line -n 0 1
	MX_DB=other.db run -0 --separate-stderr mx-metrics -H -o terminal_count
	assert_line -n 0 2
}

@test "mx-metrics: -o chooses and orders the columns" {
	fixture
	run -0 --separate-stderr mx-metrics -o failure_rate,repo_full_name
	assert_output $'failure_rate\trepo_full_name\n0.42857142857142855\t__all__\n0.0\tOrg/a\n0.6666666666666666\torg/a\n0.3333333333333333\torg/b'
	run -0 --separate-stderr mx-metrics -g kind -o run_kind,terminal_count -H
	assert_output $'__all__\t7\nimplementation_flow\t2\nissue_flow\t4\npre_pr_followup\t1'
}

@test "mx-metrics: -o rejects an unknown field, and the other grouping's key" {
	run -64 --separate-stderr mx-metrics -o terminal_count,bogus
	assert_output ''
	[[ $stderr == 'mx-metrics: -o: bogus: unknown field (fields: repo_full_name,terminal_count,'* ]]
	run -64 --separate-stderr mx-metrics -g kind -o repo_full_name
	[[ $stderr == 'mx-metrics: -o: repo_full_name: unknown field (fields: run_kind,'* ]]
	run -64 --separate-stderr mx-metrics -o ''
	[[ $stderr == 'mx-metrics: -o: empty field name'* ]]
}

@test "mx-metrics: -H leaves out the header" {
	run -0 --separate-stderr mx-metrics -H
	assert_output $'__all__\t0\t0\t0.0\t0.0\t0.0\t0.0\t0.0'
}

@test "mx-metrics: -n limits the group rows, never the overall row" {
	fixture
	run -0 --separate-stderr mx-metrics -H -n 1 -o repo_full_name
	assert_output $'__all__\nOrg/a'
	run -0 --separate-stderr mx-metrics -j -n 2
	run -0 jq -c '[.overall.repo_full_name, (.per_repo | map(.repo_full_name))]' <<<"$output"
	assert_output '["__all__",["Org/a","org/a"]]'
	run -64 --separate-stderr mx-metrics -n 0
	[[ $stderr == 'mx-metrics: -n: 0: too small (at least 1)'* ]]
	run -64 --separate-stderr mx-metrics -n abc
	[[ $stderr == 'mx-metrics: -n: abc: not a number'* ]]
}

@test "mx-metrics: -j writes one document with the overview" {
	fixture
	run -0 --separate-stderr mx-metrics -j
	assert_equal "${#lines[@]}" 1
	run -0 jq -c 'keys_unsorted' <<<"$output"
	assert_output '["window","repo_filter","generated_at","overview","overall","per_repo"]'
	run -0 mx-metrics -j
	run -0 jq -c '[.window, .repo_filter, .overview, (.overall | keys_unsorted)]' <<<"$output"
	assert_output '["24h",null,{"active_agents":1,"blocked":0,"tracked":0,"failures":4},["repo_full_name","terminal_count","failed_count","failure_rate","mean_runtime_seconds","stddev_runtime_seconds","p50_runtime_seconds","p95_runtime_seconds"]]'
	run -0 mx-metrics -j
	run -0 jq -r '.generated_at' <<<"$output"
	assert_output --regexp '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z$'
	# The same numbers as the TSV, row by row.
	run -0 mx-metrics -j
	run -0 jq -c '(.overall, .per_repo[]) | [.[]]' <<<"$output"
	tsv=$(mx-metrics -H | jq -Rc 'split("\t") | .[:1] + (.[1:] | map(tonumber))')
	assert_output "$tsv"
	assert_line -n 0 '["__all__",7,3,0.42857142857142855,99.57142857142857,103.3355935675563,60,300]'
}

@test "mx-metrics: -j names the groups per_kind and per_failure_class" {
	fixture
	run -0 mx-metrics -j -g kind
	run -0 jq -c '[keys_unsorted[-1], .overall.run_kind, (.per_kind | map(.run_kind))]' <<<"$output"
	assert_output '["per_kind","__all__",["implementation_flow","issue_flow","pre_pr_followup"]]'
	run -0 mx-metrics -j -g failure_class -o failure_class,failed_count
	run -0 jq -c '[keys_unsorted[-1], .overall, .per_failure_class[0]]' <<<"$output"
	assert_output '["per_failure_class",{"failure_class":"__all__","failed_count":3},{"failure_class":null,"failed_count":0}]'
}

@test "mx-metrics: -j with -r and -w" {
	fixture
	run -0 mx-metrics -j -r ' org/a ' -w 7d
	run -0 jq -c '[.window, .repo_filter, .overview, .overall.terminal_count, (.per_repo | length)]' <<<"$output"
	# The 2-day-old run is in 7d; the feedback turn fails but is no sample.
	assert_output '["7d","org/a",{"active_agents":0,"blocked":0,"tracked":0,"failures":3},4,1]'
	run -0 --separate-stderr mx-metrics -j -w all -r nobody/none
	assert_output '{"window":"all","repo_filter":"nobody/none","generated_at":"'"$(jq -r .generated_at <<<"$output")"'","overview":{"active_agents":0,"blocked":0,"tracked":0,"failures":0},"overall":{"repo_full_name":"nobody/none","terminal_count":0,"failed_count":0,"failure_rate":0.0,"mean_runtime_seconds":0.0,"stddev_runtime_seconds":0.0,"p50_runtime_seconds":0.0,"p95_runtime_seconds":0.0},"per_repo":[]}'
}

@test "mx-metrics: -J writes one object a line, the overall row first" {
	fixture
	run -0 --separate-stderr mx-metrics -J
	assert_equal "${#lines[@]}" 4
	assert_line -n 0 '{"repo_full_name":"__all__","terminal_count":7,"failed_count":3,"failure_rate":0.42857142857142855,"mean_runtime_seconds":99.57142857142857,"stddev_runtime_seconds":103.3355935675563,"p50_runtime_seconds":60.0,"p95_runtime_seconds":300.0}'
	run -0 jq -sc 'map(.repo_full_name)' <<<"$output"
	assert_output '["__all__","Org/a","org/a","org/b"]'
	run -0 --separate-stderr mx-metrics -J -g kind -o run_kind
	assert_output $'{"run_kind":"__all__"}\n{"run_kind":"implementation_flow"}\n{"run_kind":"issue_flow"}\n{"run_kind":"pre_pr_followup"}'
}

@test "mx-metrics: active agents are open runs whose codex_active is JSON true" {
	add_run meta_json='{"codex_active":true}'
	add_run meta_json='{"codex_active": true, "last_prompt": "x"}'
	add_run meta_json='{"codex_active":false,"codex_active":true}'
	add_run meta_json='{"codex_active":true,"codex_active":false}'
	add_run meta_json='{"codex_active":false}'
	add_run meta_json='{}'
	add_run meta_json='{"codex_active":"true"}'
	add_run meta_json='{"codex_active":1}'
	add_run meta_json='{"codex_active":true'
	add_run meta_json='[{"codex_active":true}]'
	add_run meta_json='true'
	add_run meta_json='{"codex_active":true}' repo_full_name=org/other
	fin meta_json='{"codex_active":true}' duration_seconds=1
	run -0 --separate-stderr mx-metrics -j
	run -0 jq .overview.active_agents <<<"$output"
	assert_output 4
	run -0 mx-metrics -j -r org/app
	run -0 jq .overview.active_agents <<<"$output"
	assert_output 3
}

@test "mx-metrics: failures count failed runs of any kind in the window" {
	fin run_kind=feedback_turn terminal_status=failed duration_seconds=1
	fin run_kind=issue_flow terminal_status=failed duration_seconds=1
	fin run_kind=issue_flow terminal_status=failed duration_seconds=1 \
	    finished_at=@2d
	fin run_kind=issue_flow terminal_status=blocked duration_seconds=1
	add_run terminal_status=failed
	fin repo_full_name=org/other terminal_status=failed duration_seconds=1
	run -0 mx-metrics -j
	run -0 jq -c '[.overview.failures, .overall.terminal_count, .overall.failed_count]' <<<"$output"
	assert_output '[3,3,2]'
	run -0 mx-metrics -j -r org/app -w 7d
	run -0 jq -c '[.overview.failures, .overall.terminal_count, .overall.failed_count]' <<<"$output"
	assert_output '[3,3,2]'
	run -0 mx-metrics -j -r org/app -w all
	run -0 jq .overview.failures <<<"$output"
	assert_output 3
}

@test "mx-metrics: blocked and tracked leave out takeovers and closed issues" {
	row pr_feedback_state repo_full_name=org/app pr_number=1 issue_number=1 branch=b status=awaiting_feedback
	row pr_feedback_state repo_full_name=org/app pr_number=2 issue_number=2 branch=b status=awaiting_feedback
	row pr_feedback_state repo_full_name=org/app pr_number=3 issue_number=3 branch=b status=blocked
	row pr_feedback_state repo_full_name=org/app pr_number=4 issue_number=4 branch=b status=blocked
	row pr_feedback_state repo_full_name=org/app pr_number=5 issue_number=5 branch=b status=merged
	row pr_feedback_state repo_full_name=org/other pr_number=6 issue_number=6 branch=b status=awaiting_feedback
	row issue_runs repo_full_name=org/app issue_number=7 status=awaiting_issue_followup
	row issue_runs repo_full_name=org/app issue_number=8 status=awaiting_issue_followup github_state=Closed
	row issue_runs repo_full_name=org/app issue_number=2 status=awaiting_feedback github_state=CLOSED
	row issue_runs repo_full_name=org/app issue_number=1 status=awaiting_feedback github_state=open
	row issue_takeover_state repo_full_name=org/app issue_number=4 ignore_active=1
	row issue_takeover_state repo_full_name=org/app issue_number=3 ignore_active=0
	run -0 mx-metrics -j
	run -0 jq -c '.overview | [.blocked, .tracked]' <<<"$output"
	# Blocked: PR 3 and issue 7; tracked: PRs 1 and 6.
	assert_output '[2,2]'
	run -0 mx-metrics -j -r org/other
	run -0 jq -c '.overview | [.blocked, .tracked]' <<<"$output"
	assert_output '[0,1]'
}

@test "mx-metrics: an older state.db gives zeros after one warning" {
	rm -f "$DB"
	mkdb_old
	row pr_feedback_state repo_full_name=org/app pr_number=3 issue_number=3 branch=b status=blocked
	run -0 --separate-stderr mx-metrics
	assert_output "$HEADER"$'\n__all__\t0\t0\t0.0\t0.0\t0.0\t0.0\t0.0'
	assert_equal "$stderr" "mx-metrics: $DB: no table agent_run_history; showing no rows (older MergeXO?)"
	run -0 --separate-stderr mx-metrics -j
	assert_equal "$stderr" "mx-metrics: $DB: no table agent_run_history; showing no rows (older MergeXO?)"
	run -0 jq -c '[.overview, .overall.terminal_count, .per_repo]' <<<"$output"
	assert_output '[{"active_agents":0,"blocked":1,"tracked":0,"failures":0},0,[]]'
}

@test "mx-metrics: a history table without the columns it reads is no history" {
	rm -f "$DB"
	mkdb_old
	sql "CREATE TABLE agent_run_history (run_id TEXT PRIMARY KEY,
	    repo_full_name TEXT, run_kind TEXT, finished_at TEXT)"
	run -0 --separate-stderr mx-metrics -H
	assert_output $'__all__\t0\t0\t0.0\t0.0\t0.0\t0.0\t0.0'
	assert_equal "$stderr" "mx-metrics: $DB: incomplete table agent_run_history; showing no rows (older MergeXO?)"
}

@test "mx-metrics: a missing database exits 66" {
	run -66 --separate-stderr mx-metrics -d nowhere.db
	assert_output ''
	assert_equal "$stderr" 'mx-metrics: nowhere.db: No such file or directory'
	[ ! -e nowhere.db ]
}

@test "mx-metrics: a file that is not SQLite exits 66" {
	printf 'not a database, just text\n%.0s' {1..100} >junk.db
	run -66 --separate-stderr mx-metrics -d junk.db
	assert_output ''
	assert_equal "$stderr" 'mx-metrics: junk.db: file is not a database'
}

@test "mx-metrics: a database locked by a writer exits 75" {
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
	run -75 --separate-stderr mx-metrics -j
	exec 4>&-
	wait "$holder"
	assert_output ''
	assert_equal "$stderr" "mx-metrics: $DB: database is locked"
	run -0 mx-metrics -j
}

@test "mx-metrics: an unknown option or an operand exits 64 with the usage" {
	run -64 --separate-stderr mx-metrics -x
	assert_output ''
	[[ $stderr == *'usage: mx-metrics [-HJj] [-c config] [-d database] [-g repo|kind|failure_class]'* ]]
	run -64 --separate-stderr mx-metrics extra
	assert_output ''
	[[ $stderr == 'usage: mx-metrics'* ]]
}

@test "mx-metrics: --help and --version" {
	run -0 --separate-stderr mx-metrics --help
	assert_output $'usage: mx-metrics [-HJj] [-c config] [-d database] [-g repo|kind|failure_class]\n                  [-n rows] [-o field,...] [-r repo] [-w window]'
	assert_equal "$stderr" ''
	run -0 --separate-stderr mx-metrics --version
	assert_output --regexp '^mx-metrics \(mx\) [0-9]+\.[0-9]+\.[0-9]+$'
}

@test "mx-metrics: output that cannot be written exits 74" {
	fixture
	run -74 --separate-stderr bash -c 'mx-metrics >/dev/full'
	assert_equal "$stderr" 'mx-metrics: stdout: No space left on device'
	run -74 --separate-stderr bash -c 'mx-metrics -j >/dev/full'
	run -74 --separate-stderr bash -c 'mx-metrics -J >/dev/full'
}

@test "mx-metrics: the usage equals the manual's SYNOPSIS" {
	synopsis=$(mandoc -T ascii "$TOP/man/mx-metrics.1" | col -bx |
	    sed -n '/^SYNOPSIS/,/^DESCRIPTION/p' | sed '1d;$d' | tr -s ' \n' ' ')
	usage=$(mx-metrics --help | tr -s ' \n' ' ')
	assert_equal "usage:$synopsis" "$usage"
}
