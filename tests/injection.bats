#!/usr/bin/env bats
# Hostile input through every program's options: SQL fragments, shell
# substitutions, format directives, backslashes, LIKE wildcards and very
# long strings are plain values.  A repository named x' OR 1=1 -- matches
# exactly itself, a hostile name that matches nothing gives no rows, bad
# enumerations and numbers are refused with 64, mx-record stores the exact
# bytes, nothing is ever run by a shell, and the database is unchanged.
#
# That no SQL is built from user text is shown two ways:
#  - dynamically (the proof): tests/sqltrace.c, preloaded, logs the text
#    of every statement a program prepares or executes, mx-top's children
#    included; marked values go through every option and no mark may
#    appear in any SQL text (values are bound parameters);
#  - statically (a guard against the obvious pattern): no SQLite
#    text-splicing printf (sqlite3_mprintf and kin, %q %Q %w), and no
#    call that writes an SQL buffer (snprintf, vsnprintf, strcat,
#    strncat, strcpy or a cat() helper into sql) mentions a user value
#    (optarg, argv, getenv, ->repo) other than to test it for NULL, as in
#    `o->repo != NULL ? " AND repo_full_name = ?2" : ""`; and what
#    is prepared or executed is a literal, a macro or such an sql
#    buffer.  The guard is checked against a bad sample, so it can fail.

bats_require_minimum_version 1.7.0
load helper

EVIL="x' OR 1=1 --"
DROP="'; DROP TABLE agent_run_history; --"

setup_file() {
	cc -shared -fPIC -o "$BATS_FILE_TMPDIR/sqltrace.so" \
	    "$BATS_TEST_DIRNAME/sqltrace.c" -ldl
}

setup() {
	mkdb
	export MX_DB="$DB"
	PWN="$BATS_TEST_TMPDIR/pwned"
	# The hostile values; the last one is 52 kB.
	HOSTILE=("$EVIL" "$DROP" "\") OR 1=1 --" "\$(touch $PWN.1)"
	    "\`touch $PWN.2\`" "\$(touch $PWN.3)'; --" '%s%n%s%n%x%p' '\'
	    '\\' "acme/%" "acme/ap_" "a;b|c&d>e<f" "*" \
	    "acme/api' --" "$(printf "x' OR 1=1 -- %.0s" {1..4000})END")
	add_run run_id=e1 repo_full_name="$EVIL" issue_number=7 pr_number=5 \
	    'meta_json={"codex_active": true}'
	add_run run_id=e2 repo_full_name="$EVIL" issue_number=7 \
	    started_at=@3h finished_at=@2h terminal_status=failed \
	    failure_class=tests_failed
	add_run run_id=d1 repo_full_name="$DROP" issue_number=8 \
	    started_at=@3h finished_at=@1h terminal_status=completed
	add_run run_id=a1 repo_full_name=acme/api issue_number=7 pr_number=6 \
	    'meta_json={"codex_active": true}'
	add_run run_id=a2 repo_full_name=acme/api issue_number=7 \
	    started_at=@3h finished_at=@2h terminal_status=completed
	add_transition repo_full_name="$EVIL" pr_number=5 issue_number=7 \
	    from_status=awaiting_feedback to_status=blocked changed_at=@1h
	add_transition repo_full_name=acme/api pr_number=5 issue_number=7 \
	    to_status=blocked changed_at=@1h
	row issue_runs repo_full_name="$EVIL" issue_number=7 status=blocked \
	    pr_number=5 error='red CI'
	row issue_runs repo_full_name="$DROP" issue_number=8 status=merged \
	    pr_number=9 updated_at=@1h
	row issue_runs repo_full_name=acme/api issue_number=7 \
	    status=awaiting_feedback pr_number=6
	row pr_feedback_state repo_full_name="$EVIL" pr_number=5 \
	    issue_number=7 branch=b5 status=blocked
	row pr_feedback_state repo_full_name=acme/api pr_number=6 \
	    issue_number=7 branch=b6 status=awaiting_feedback
	COUNTS=$(counts)
}

teardown() {
	# No shell ever ran a value.
	[ ! -e "$PWN.1" ] && [ ! -e "$PWN.2" ] && [ ! -e "$PWN.3" ]
}

# counts: the tables and their row counts.
counts() {
	local t
	for t in $(sql "SELECT name FROM sqlite_master WHERE type = 'table'
	    AND name NOT LIKE 'sqlite%' ORDER BY name"); do
		printf '%s=%s ' "$t" "$(sql "SELECT count(*) FROM \"$t\"")"
	done
}

# hexof TEXT: TEXT's bytes in upper-case hex, as SQLite's hex() writes.
hexof() {
	printf '%s' "$1" | od -An -v -tx1 | tr -d ' \n' | tr a-f A-F
}

# traced COMMAND...: run COMMAND with every SQL text it (and any child)
# hands SQLite logged to $TRACE, which starts empty.  A sanitizer build
# (make SANITIZE=1) wants its runtime first; the shim comes first instead.
traced() {
	TRACE="$BATS_TEST_TMPDIR/trace"
	: >"$TRACE"
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
	    MX_SQLTRACE="$TRACE" LD_PRELOAD="$BATS_FILE_TMPDIR/sqltrace.so" "$@"
}

# sqllint FILE...: print each call writing an SQL buffer that mentions a
# user value other than in a NULL test.
sqllint() {
	perl -0777 -ne '
	    while (/\b((?:v?snprintf|strn?cat|strcpy|cat)\s*\(\s*sql\b[^;]*;)/g) {
		my $c = $1;
		(my $s = $c) =~ s/[\w>.-]+\s*[!=]=\s*NULL\s*\?//g;
		$c =~ s/\s+/ /g;
		print "$ARGV: $c\n" if $s =~ /\b(optarg|argv|getenv)\b|->repo\b/;
	    }' "$@"
}

@test "read programs: a repository named x' OR 1=1 -- matches exactly itself" {
	run -0 --separate-stderr mx-runs -r "$EVIL" -s all -w all -H -o run_id
	assert_output $'e1\ne2'
	run -0 --separate-stderr mx-runs -r "$DROP" -s all -w all -H -o run_id
	assert_output d1
	run -0 --separate-stderr mx-runs -r "$EVIL" -j -s all -w all
	[ "$(jq -r '[.[].repo_full_name] | unique | .[]' <<<"$output")" = "$EVIL" ]
	# The overall row, labelled with the filter, and the repository's.
	run -0 --separate-stderr mx-metrics -r "$EVIL" -w all -H \
	    -o repo_full_name,terminal_count,failed_count
	assert_output "$EVIL"$'\t1\t1\n'"$EVIL"$'\t1\t1'
	run -0 --separate-stderr mx-metrics -r "$EVIL" -w all -j
	[ "$(jq -r '.repo_filter' <<<"$output")" = "$EVIL" ]
	[ "$(jq -c '.overview' <<<"$output")" = \
	    '{"active_agents":1,"blocked":1,"tracked":0,"failures":1}' ]
	run -0 --separate-stderr mx-prs -r "$EVIL" -H -o repo_full_name,pr_number
	assert_output "$EVIL"$'\t5'
	run -0 --separate-stderr mx-history -r "$EVIL" -p 5 -H -o repo_full_name,to_status
	assert_output "$EVIL"$'\tblocked'
	run -0 --separate-stderr mx-history -r "$EVIL" -i 7 -H -o run_id
	assert_output $'e1\ne2'
	run -0 --separate-stderr mx-history -r "$DROP" -H -o issue_number,outcome
	assert_output $'8\tcompleted'
	run -0 --separate-stderr mx-top -r "$EVIL" -b -i 1
	assert_output --partial "repo $EVIL"
	refute_output --partial acme/api
	[ "$(counts)" = "$COUNTS" ]
}

@test "read programs: hostile repository names that match none give no rows" {
	local h
	for h in "${HOSTILE[@]:2}"; do
		run -0 --separate-stderr mx-runs -r "$h" -s all -w all -H
		assert_output ''
		run -0 --separate-stderr mx-runs -r "$h" -s all -w all -j
		assert_output '[]'
		run -0 --separate-stderr mx-prs -r "$h" -H
		assert_output ''
		run -0 --separate-stderr mx-history -r "$h" -H
		assert_output ''
		run -0 --separate-stderr mx-history -r "$h" -i 7 -H
		assert_output ''
		run -0 --separate-stderr mx-history -r "$h" -p 5 -H
		assert_output ''
		run -0 --separate-stderr mx-history -r "$h" -i 7 -t -H
		assert_output ''
		run -0 --separate-stderr mx-metrics -r "$h" -w all -j
		[ "$(jq -r '.repo_filter' <<<"$output")" = "$h" ]
		[ "$(jq -c '[.overall.terminal_count, .per_repo]' <<<"$output")" = '[0,[]]' ]
		run -0 --separate-stderr mx-prune -n -a 1s -r "$h"
		assert_output $'table\trows\nagent_run_history\t0\npr_status_history\t0'
		run -0 --separate-stderr mx-reconcile -n -r "$h"
		assert_output ''
	done
	run -0 --separate-stderr mx-top -r "${HOSTILE[3]}" -b -i 1
	assert_output --partial '(none)'
	[ "$(counts)" = "$COUNTS" ]
}

@test "read programs: hostile states, kinds, groups, windows, fields and numbers are refused with 64" {
	local h
	for h in "${HOSTILE[@]}" "1 OR 1=1" "7; DROP TABLE agent_run_history" \
	    "-1" "0x10" "1e3" "99999999999999999999999" "7 " ""; do
		run -64 --separate-stderr mx-runs -s "$h"
		assert_output ''
		run -64 --separate-stderr mx-runs -k "$h"
		run -64 --separate-stderr mx-runs -w "$h"
		run -64 --separate-stderr mx-runs -o "$h"
		run -64 --separate-stderr mx-runs -i "$h"
		run -64 --separate-stderr mx-runs -p "$h"
		run -64 --separate-stderr mx-runs -n "$h"
		run -64 --separate-stderr mx-prs -s "$h"
		run -64 --separate-stderr mx-prs -n "$h"
		run -64 --separate-stderr mx-metrics -g "$h"
		run -64 --separate-stderr mx-metrics -w "$h"
		run -64 --separate-stderr mx-metrics -o "$h"
		run -64 --separate-stderr mx-history -i "$h"
		run -64 --separate-stderr mx-history -p "$h"
		run -64 --separate-stderr mx-history -O "$h"
		run -64 --separate-stderr mx-prune -a "$h"
		run -64 --separate-stderr mx-top -w "$h" -b
		run -64 --separate-stderr mx-top -n "$h" -b
		run -64 --separate-stderr mx-top -i "$h" -b
	done
	# -s takes any strtod(3) number, 1e3 and 0x10 included.
	for h in "${HOSTILE[@]}" "1 OR 1=1" "-1" ""; do
		run -64 --separate-stderr mx-top -s "$h" -b
	done
	# A format directive in the message is printed, not interpreted.
	run -64 --separate-stderr mx-runs -k '%s%n%s%n%x%p'
	assert_equal "${stderr_lines[0]}" 'mx-runs: -k: %s%n%s%n%x%p: unknown run kind (valid: issue_flow, implementation_flow, pre_pr_followup, feedback_turn)'
	run -64 --separate-stderr mx-metrics -g '%n%n%n%n'
	[[ ${stderr_lines[0]} == *'%n%n%n%n'* ]]
	[ "$(counts)" = "$COUNTS" ]
}

@test "mx-record: hostile text is stored as its exact bytes" {
	local h id meta n=0
	for h in "${HOSTILE[@]}"; do
		n=$((n + 1))
		meta=$(jq -cn --arg p "$h" '{codex_active: true, last_prompt: $p}')
		run -0 --separate-stderr mx-record start -r "$h" -k issue_flow \
		    -i 900 -p 901 -b "$h" -f "$h" -m "$meta"
		id=$output
		[ "$(sql "SELECT hex(repo_full_name) || hex(branch) || hex(flow) ||
		    hex(meta_json) FROM agent_run_history WHERE run_id = '$id'")" = \
		    "$(hexof "$h")$(hexof "$h")$(hexof "$h")$(hexof "$meta")" ]
		# Read back: JSON keeps every byte, -r finds exactly this run.
		run -0 --separate-stderr mx-runs -r "$h" -i 900 -j \
		    -o run_id,repo_full_name,branch,flow,prompt
		[ "$(jq -r 'length' <<<"$output")" = 1 ]
		[ "$(jq -r '.[0].run_id' <<<"$output")" = "$id" ]
		[ "$(jq -r '.[0].repo_full_name' <<<"$output")" = "$h" ]
		[ "$(jq -r '.[0].branch' <<<"$output")" = "$h" ]
		[ "$(jq -r '.[0].flow' <<<"$output")" = "$h" ]
		[ "$(jq -r '.[0].prompt' <<<"$output")" = "$h" ]
		run -0 --separate-stderr mx-record finish "$id" -s failed \
		    -c agent_error -e "$h"$'\n'"$h"$'\t\\'
		[ "$(sql "SELECT hex(error) FROM agent_run_history
		    WHERE run_id = '$id'")" = "$(hexof "$h"$'\n'"$h"$'\t\\')" ]
		run -0 --separate-stderr mx-record transition -r "$h" -p 901 \
		    -i 900 -F "$h" -T "$h" -R "$h"$'\n' -D "$h"
		[ "$(sql "SELECT hex(repo_full_name) || hex(from_status) ||
		    hex(to_status) || hex(reason) || hex(detail)
		    FROM pr_status_history ORDER BY id DESC LIMIT 1")" = \
		    "$(hexof "$h")$(hexof "$h")$(hexof "$h")$(hexof "$h"$'\n')$(hexof "$h")" ]
		run -0 --separate-stderr mx-history -r "$h" -p 901 -j
		[ "$(jq --arg x "$h"$'\n' '.[0].reason == $x' <<<"$output")" = true ]
	done
	[ "$(sql "SELECT count(*) FROM agent_run_history WHERE issue_number = 900")" = "$n" ]
	[ "$(sql "SELECT count(*) FROM pr_status_history WHERE pr_number = 901")" = "$n" ]
	# The original rows are all still there.
	[ "$(sql "SELECT group_concat(run_id) FROM (SELECT run_id FROM
	    agent_run_history WHERE issue_number <> 900 ORDER BY run_id)")" = \
	    a1,a2,d1,e1,e2 ]
}

@test "mx-record: hostile kinds, statuses, classes, numbers, times and run ids are refused with 64" {
	local h id
	id=$(mx-record start -r acme/api -k issue_flow -i 1)
	COUNTS=$(counts)
	for h in "${HOSTILE[@]}" "1 OR 1=1" "7; DROP TABLE agent_run_history"; do
		run -64 --separate-stderr mx-record start -r acme/api -k "$h" -i 1
		assert_output ''
		run -64 --separate-stderr mx-record start -r acme/api -k issue_flow -i "$h"
		run -64 --separate-stderr mx-record start -r acme/api -k issue_flow -i 1 -p "$h"
		run -64 --separate-stderr mx-record start -r acme/api -k issue_flow -i 1 -u "$h"
		run -64 --separate-stderr mx-record start -r acme/api -k issue_flow -i 1 -t "$h"
		run -64 --separate-stderr mx-record start -r acme/api -k issue_flow -i 1 -m "$h"
		run -64 --separate-stderr mx-record finish "$id" -s "$h"
		run -64 --separate-stderr mx-record finish "$id" -s failed -c "$h"
		run -64 --separate-stderr mx-record finish "$id" -s failed -t "$h"
		run -64 --separate-stderr mx-record meta "$id" "$h"
		run -64 --separate-stderr mx-record transition -r acme/api -p "$h" -i 1 -T x
		run -64 --separate-stderr mx-record transition -r acme/api -p 1 -i 1 -T x -t "$h"
	done
	# A hostile run id is not a run: finish and meta change nothing.
	for h in "${HOSTILE[@]}"; do
		run --separate-stderr mx-record finish "$h" -s completed
		[ "$status" -eq 64 ] || [ "$status" -eq 65 ]
		run --separate-stderr mx-record meta "$h" '{}'
		[ "$status" -eq 64 ] || [ "$status" -eq 65 ]
	done
	run -64 --separate-stderr mx-record start -r acme/api -k '%s%n%s%n' -i 1
	[[ ${stderr_lines[0]} == 'mx-record: -k: %s%n%s%n: '* ]]
	[ "$(counts)" = "$COUNTS" ]
	[ "$(sql "SELECT finished_at IS NULL FROM agent_run_history WHERE run_id = '$id'")" = 1 ]
}

@test "no shell runs a value: \$(...) and backticks stay text, mx-top's children too" {
	local h d
	# Rows whose text is a command substitution, shown by every reader.
	add_run run_id=p1 repo_full_name="\$(touch $PWN.1)" \
	    branch="\`touch $PWN.2\`" flow="\$(touch $PWN.3)" \
	    "meta_json={\"codex_active\": true, \"last_prompt\": \"\$(touch $PWN.1)\"}"
	row pr_feedback_state repo_full_name="\$(touch $PWN.1)" pr_number=3 \
	    issue_number=3 branch="\$(touch $PWN.2)" status=blocked
	for h in "${HOSTILE[@]}"; do
		run -0 --separate-stderr mx-top -r "$h" -b -i 1 -s 0.1
		run -0 --separate-stderr mx-runs -r "$h" -s all -w all
		run -0 --separate-stderr mx-prs -r "$h"
	done
	run -0 --separate-stderr mx-top -b -i 2 -s 0.1
	assert_output --partial "\`touch $PWN.2\`"
	# Database and configuration paths with quotes, substitutions, URI
	# syntax and spaces.
	d="$BATS_TEST_TMPDIR/x' OR 1=1 -- \$(touch $PWN.3) \`touch $PWN.2\` ?mode=rwc&immutable=0#"
	mkdir -p "$d"
	cp "$DB" "$d/state.db"
	run -0 --separate-stderr mx-runs -d "$d/state.db" -s all -w all -H -o run_id
	[ "$(sort <<<"$output" | paste -sd' ')" = 'a1 a2 d1 e1 e2 p1' ]
	run -0 --separate-stderr mx-top -d "$d/state.db" -b -i 1
	assert_output --partial "\`touch $PWN.2\`"
	printf '[runtime]\nbase_dir = "%s"\n' "${d//\\/\\\\}" >"$d/mergexo.toml"
	run -0 --separate-stderr mx-top -c "$d/mergexo.toml" -b -i 1
	assert_output --partial "\`touch $PWN.2\`"
	run -0 --separate-stderr mx-metrics -c "$d/mergexo.toml" -w all -H -o terminal_count
	assert_output $'3\n1\n1\n1'
	run -66 --separate-stderr mx-top -c "\$(touch $PWN.1)" -b -i 1
	run -69 --separate-stderr mx-top -d "\$(touch $PWN.1)" -b -i 1
	run -66 --separate-stderr mx-runs -d "\`touch $PWN.2\`"
	run -66 --separate-stderr mx-record -d "\$(touch $PWN.3)" start -r a/b \
	    -k issue_flow -i 1
	[ ! -e "$PWN.1" ] && [ ! -e "$PWN.2" ] && [ ! -e "$PWN.3" ]
}

@test "no SQL text ever holds a value from the command line" {
	local m="x' OR 1=1 -- MXPROBE" id all="$BATS_TEST_TMPDIR/all"
	: >"$all"
	run_traced() {
		traced "$@" >/dev/null 2>&1
		cat "$TRACE" >>"$all"
	}
	run_traced mx-runs -r "$m" -s all -w 987651s -i 987652 -p 987653 -n 987654
	run_traced mx-runs -r "$m" -s open,failed -k issue_flow -w all
	run_traced mx-prs -r "$m" -n 987654 -s blocked
	run_traced mx-prs -r "$m" -s tracked -j
	run_traced mx-metrics -r "$m" -w 987651s -g kind -n 987654 -j
	run_traced mx-metrics -r "$m" -w 987651s -g failure_class
	run_traced mx-history -r "$m" -i 987652 -t -n 987654 -O 987655
	run_traced mx-history -r "$m" -i 987652 -n 987654 -O 987655
	run_traced mx-history -r "$m" -p 987653 -n 987654 -O 987655
	run_traced mx-history -r "$m" -n 987654 -O 987655
	run_traced mx-top -r "$m" -w 987651s -n 987654 -b -i 1
	run_traced mx-prune -r "$m" -a 987656s -v
	run_traced mx-prune -r "$m" -a 987656s -n
	run_traced mx-reconcile -r "$m" -n
	run_traced mx-record start -r "$m" -k feedback_turn -i 987652 \
	    -p 987653 -b "$m" -f "$m" -m "{\"last_prompt\": \"$m\"}" \
	    -u MXPROBEid -t 2031-02-03T04:05:06Z
	run_traced mx-record meta MXPROBEid "{\"codex_active\": true, \"x\": \"$m\"}"
	run_traced mx-record finish MXPROBEid -s failed -c timeout -e "$m" \
	    -t 2031-02-03T04:05:07Z
	run_traced mx-record transition -r "$m" -p 987653 -i 987652 -F "$m" \
	    -T "$m" -R "$m" -D "$m" -t 2031-02-03T04:05:08Z
	run_traced mx-reconcile -r "$m" -v
	# The values reached the database, as data.
	[ "$(sql "SELECT count(*) FROM agent_run_history WHERE run_id = 'MXPROBEid'
	    AND repo_full_name = '${m//\'/\'\'}' AND flow = '${m//\'/\'\'}'
	    AND issue_number = 987652 AND terminal_status = 'failed'")" = 1 ]
	[ "$(sql "SELECT count(*) FROM pr_status_history
	    WHERE reason = '${m//\'/\'\'}' AND pr_number = 987653")" = 1 ]
	# The shim saw the programs' SQL, the writers' and mx-top's children's.
	grep -q 'INSERT INTO pr_status_history' "$all"
	grep -q 'DELETE FROM' "$all"
	[ "$(grep -c 'FROM agent_run_history' "$all")" -gt 20 ]
	run grep -E 'MXPROBE|OR 1=1|98765[0-9]|2031-02-03' "$all"
	assert_failure 1
}

@test "the C sources splice no user text into SQL" {
	# The guard finds the classic mistake...
	cat >"$BATS_TEST_TMPDIR/bad.c" <<'EOF'
	snprintf(sql, sizeof(sql), "SELECT * FROM agent_run_history "
	    "WHERE repo_full_name = '%s'", o->repo);
	cat(sql, len, " AND branch = '%s'", optarg);
	snprintf(sql, sizeof(sql), "SELECT 1%s",
	    o->repo != NULL ? " AND repo_full_name = ?1" : "");
EOF
	run -0 sqllint "$BATS_TEST_TMPDIR/bad.c"
	assert_equal "${#lines[@]}" 2
	assert_line --index 0 --partial "= '%s'\", o->repo);"
	assert_line --index 1 --partial "optarg);"
	# ...and nothing like it in the sources (cmd/mx-top has no SQL).
	run -0 sqllint "$TOP"/cmd/*/*.c "$TOP"/common/*.c
	assert_output ''
	run grep -nE 'sqlite3_v?mprintf|sqlite3_v?snprintf|sqlite3_str_|%[qQw]' \
	    "$TOP"/cmd/*/*.c "$TOP"/common/*.c
	assert_failure 1
	# Every statement the sources prepare is a literal or a built sql.
	run -0 perl -0777 -ne '
	    while (/\b(db_prepare|sqlite3_prepare\w*|sqlite3_exec)\s*\(\s*\w+\s*,\s*([^,]+)/g) {
		my ($f, $a) = ($1, $2);
		print "$ARGV: $f($a\n" unless $a =~ /^\s*("|sql\b|fmt\b|[A-Z_]+\b)/;
	    }' "$TOP"/cmd/*/*.c "$TOP"/common/*.c
	assert_output ''
}
