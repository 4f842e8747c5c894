bats_require_minimum_version 1.7.0
load helper

# The soak test (tests/soak.sh): writers, mx-prune, refused mx-reconcile
# attempts and every read program at once on one database, then checks
# that nothing was lost, locked out or corrupted.  A short run here
# (SOAKTIME seconds, 40 by default); `make soak` runs it longer.  Its
# figures are printed as the last lines (on fd 3, so bats shows them).

@test "soak: a bounded load loses nothing and is never locked out" {
	local t=${SOAKTIME:-40} before=$SECONDS line
	run --separate-stderr bash "$TOP/tests/soak.sh" -t "$t"
	for line in "${lines[@]}"; do
		printf '# %s\n' "$line" >&3
	done
	[ -z "$stderr" ] || printf '# stderr: %s\n' "$stderr" >&3
	assert_success
	assert_line 'soak: checks: ok (no lock errors, every run once with its status, integrity ok)'
	refute_output --partial FAIL
	assert_line --regexp '^writes/s: [0-9.]+ \([1-9][0-9]* mx-record commands\)$'
	assert_line --regexp '^reads/s: [0-9.]+ \([1-9][0-9]* read commands\)$'
	for p in mx-runs mx-prs mx-metrics mx-history mx-top mx-prune \
	    mx-reconcile 'mx-record start' 'mx-record finish'; do
		assert_line --regexp "^$p +[1-9][0-9]* "
	done
	# Bounded: the load plus setup, checks and the 20 s hang guard.
	[ $((SECONDS - before)) -le $((t + 25)) ]
}

@test "soak: the checks fail when the service holds no lock" {
	run --separate-stderr bash "$TOP/tests/soak.sh" -t 3 -F nolock
	assert_failure 1
	assert_line --regexp '^soak: FAIL: [0-9]+ of [0-9]+ reconcile attempts were not refused$'
	assert_line --regexp '^soak: FAIL: mx-reconcile exited 0, expected 75 \([0-9]+ times\)$'
	assert_line --regexp '^soak: checks: [0-9]+ FAILED$'
}

@test "soak: the checks fail when a run is lost" {
	run --separate-stderr bash "$TOP/tests/soak.sh" -t 3 -F lose
	assert_failure 1
	assert_line 'soak: FAIL: 1 runs the writers started are missing'
	assert_line 'soak: checks: 1 FAILED'
}

@test "soak: a bad option is a usage error" {
	run -2 --separate-stderr bash "$TOP/tests/soak.sh" -t 0
	assert_equal "$stderr" 'soak.sh: not a positive number: 0'
	run -2 --separate-stderr bash "$TOP/tests/soak.sh" -x
	assert_output ''
}
