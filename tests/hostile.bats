#!/usr/bin/env bats
# Hostile databases (made by tests/hostile.sh): every read program, in
# TSV, JSON and JSON Lines, exits with a status its manual documents and
# says at most one line on stderr; never a signal, never a hang.  Output
# is whole: JSON parses, TSV rows have the header's columns.

bats_require_minimum_version 1.7.0

# The read programs and the ways each is run; programs not built yet are
# left out (and named by the "every read program" test).  mx-runs shows
# every field in TSV too, so that the long texts are escaped there.
RUN_FIELDS=run_id,repo_full_name,run_kind,issue_number,pr_number,flow
RUN_FIELDS=$RUN_FIELDS,branch,started_at,finished_at,terminal_status
RUN_FIELDS=$RUN_FIELDS,failure_class,error,duration_seconds
RUN_FIELDS=$RUN_FIELDS,elapsed_seconds,busy,prompt,codex_mode
RUN_FIELDS=$RUN_FIELDS,codex_session_id,codex_invocation_started_at
READERS=(
	"mx-runs"
	"mx-runs -s all -w all"
	"mx-runs -s all -w all -o $RUN_FIELDS"
	"mx-metrics -w all"
	"mx-metrics -w 1h -g kind"
	"mx-metrics -w all -g failure_class"
	"mx-prs"
	"mx-prs -s blocked"
	"mx-history"
	"mx-history -i 1 -t"
	"mx-history -p 1"
	"mx-top -b -i 1"
)
WRITERS="mx-prune mx-reconcile mx-record"

setup_file() {
	HOSTILE=$(mktemp -d /tmp/mx-hostile.XXXXXX)
	export HOSTILE
	chmod 755 "$HOSTILE"
	# A copy of the programs that user nobody can run (mx-top finds
	# its children beside itself).
	mkdir -p "$HOSTILE/bin"
	cp "$BATS_TEST_DIRNAME"/../bin/mx-* "$HOSTILE/bin/" 2>/dev/null || :
	chmod -R a+rX "$HOSTILE/bin"
	sh "$BATS_TEST_DIRNAME/hostile.sh" "$HOSTILE/db"
}

teardown_file() {
	chmod -R u+rwx "$HOSTILE" 2>/dev/null
	rm -rf "$HOSTILE"
}

setup() {
	load helper
}

# as_reader: the command prefix that runs a program as a user the ro-*
# cases' modes apply to: nobody when we are root, else ourselves.
as_reader() {
	if [ "$(id -u)" -ne 0 ]; then
		return
	fi
	command -v setpriv >/dev/null ||
	    skip "setpriv is needed to run as nobody"
	echo "setpriv --reuid=65534 --regid=65534 --clear-groups"
}

# documented PROG CODE: CODE is in the EXIT STATUS section of PROG's
# manual (true when there is no manual yet).  Answers are cached.
declare -gA DOCUMENTED
documented() {
	local page
	if [ -z "${DOCUMENTED[$1 $2]:-}" ]; then
		DOCUMENTED[$1 $2]=yes
		for page in "$TOP/man/$1.1" "$TOP/man/$1.8"; do
			[ -f "$page" ] || continue
			sed -n '/^\.Sh EXIT STATUS/,/^\.Sh [^E]/p' "$page" |
			    grep -qx "\.It $2" || DOCUMENTED[$1 $2]=no
		done
	fi
	[ "${DOCUMENTED[$1 $2]}" = yes ]
}

# check_case CASE [ok|fail]: run every read program in every format on
# the case's database; ok: each must exit 0, fail: each must not.  Any
# problem is printed, and the test fails after all are run.
check_case() {
	local case=$1 want=${2:-} db=$HOSTILE/db/$1/state.db
	local inv prog fmt rc run="" bad=0 allowed problem njson=0 i
	local out=$BATS_TEST_TMPDIR/out err=$BATS_TEST_TMPDIR/err
	local -a errs label
	case $case in
	ro-*) run=$(as_reader) ;;
	esac
	# Where user nobody may be; no mergexo.toml here.
	cd "$HOSTILE" || return 1
	for inv in "${READERS[@]}"; do
		prog=${inv%% *}
		[ -x "$HOSTILE/bin/$prog" ] || continue
		allowed=" 0 65 66 74 75 "
		[ "$prog" = mx-top ] && allowed=" 0 65 66 69 74 75 "
		for fmt in "" -j -J; do
			[ "$prog" = mx-top ] && [ -n "$fmt" ] && continue
			rc=0
			timeout 10 $run "$HOSTILE/bin/$prog" ${inv#"$prog"} \
			    $fmt -d "$db" >"$out" 2>"$err" || rc=$?
			mapfile -t errs <"$err"
			problem=
			if [ "$rc" -eq 124 ]; then
				problem="hung (killed after 10 s)"
			elif [ "$rc" -ge 128 ]; then
				problem="killed by signal $((rc - 128))"
			elif [[ $allowed != *" $rc "* ]]; then
				problem="exit $rc, not one of$allowed"
			elif ! documented "$prog" "$rc"; then
				problem="exit $rc, not in its manual"
			elif [ "$want" = ok ] && [ "$rc" -ne 0 ]; then
				problem="exit $rc, should read this database"
			elif [ "$want" = fail ] && [ "$rc" -eq 0 ]; then
				problem="exit 0 on a database it cannot read"
			elif [ "${#errs[@]}" -gt 1 ]; then
				problem="${#errs[@]} lines on stderr"
			elif [ "${#errs[@]}" -eq 1 ] &&
			    [[ ${errs[0]} != "$prog: "* ]]; then
				problem="stderr is not \"$prog: message\""
			elif [ "$rc" -ne 0 ] && [ "${#errs[@]}" -eq 0 ]; then
				problem="exit $rc without a message"
			elif [ "$fmt" = -j ] && [ "$rc" -eq 0 ] &&
			    [ ! -s "$out" ]; then
				problem="-j printed nothing"
			elif [ -z "$fmt" ] && [ "$prog" != mx-top ] &&
			    ! awk -F'\t' 'NR == 1 { n = NF }
			    NF != n { exit 1 }' "$out"; then
				problem="TSV rows unlike the header"
			fi
			if [ -n "$problem" ]; then
				bad=$((bad + 1))
				echo "$case: $inv $fmt: $problem"
				printf '%s\n' "${errs[@]:0:3}" | cut -c1-200 |
				    sed 's/^/    stderr: /'
			fi
			# JSON is checked below, all in one jq run.
			if [ -n "$fmt" ] && [ -s "$out" ]; then
				njson=$((njson + 1))
				mv "$out" "$BATS_TEST_TMPDIR/json.$njson"
				label[njson]="$inv $fmt"
			fi
		done
	done
	if [ "$njson" -gt 0 ] &&
	    ! jq empty "$BATS_TEST_TMPDIR"/json.* >/dev/null 2>&1; then
		for ((i = 1; i <= njson; i++)); do
			jq empty "$BATS_TEST_TMPDIR/json.$i" >/dev/null 2>&1 &&
			    continue
			bad=$((bad + 1))
			echo "$case: ${label[i]}: output is not JSON"
		done
	fi
	[ "$bad" -eq 0 ]
}

# runs CASE STATE: the run_ids mx-runs -s STATE -w all prints, one a line.
runs() {
	local run=""
	case $1 in
	ro-*) run=$(as_reader) ;;
	esac
	(cd "$HOSTILE" && $run "$HOSTILE/bin/mx-runs" -s "$2" -w all -j \
	    -d "$HOSTILE/db/$1/state.db") | jq -r '.[].run_id'
}

@test "hostile: every read program is built" {
	local inv prog missing="" other=""
	for inv in "${READERS[@]}"; do
		prog=${inv%% *}
		[ -x "$TOP/bin/$prog" ] || missing="$missing $prog"
	done
	# A program nobody classified would escape these tests.
	for prog in "$TOP"/bin/mx-*; do
		prog=${prog##*/}
		[[ " ${READERS[*]} $WRITERS " == *" $prog "* ]] ||
		    other="$other $prog"
	done
	[ -z "$other" ] || {
		echo "not in READERS or WRITERS of hostile.bats:$other"
		false
	}
	[ -z "$missing" ] || skip "not built yet:$(echo "$missing" |
	    tr ' ' '\n' | sort -u | tr '\n' ' ')"
}

@test "hostile: the generator makes a hot -wal" {
	# The committed runs live only in the -wal: the file alone has none.
	cp "$HOSTILE/db/hot-wal/state.db" "$BATS_TEST_TMPDIR/alone.db"
	run sqlite3 "$BATS_TEST_TMPDIR/alone.db" \
	    "SELECT count(*) FROM agent_run_history"
	assert_output 0
	[ "$(wc -c <"$HOSTILE/db/hot-wal/state.db-wal")" -gt 2000000 ]
	[ -f "$HOSTILE/db/ro-crash/state.db-shm" ]
	[ ! -e "$HOSTILE/db/ro-hot-wal/state.db-shm" ]
}

@test "hostile: an empty file" {
	check_case empty ok
}

@test "hostile: the first 4096 bytes of a database" {
	check_case trunc-4k fail
}

@test "hostile: the first half of a database's pages" {
	check_case trunc-half
}

@test "hostile: random bytes" {
	check_case random fail
}

@test "hostile: an SQLite header and random bytes" {
	check_case random-header fail
}

@test "hostile: random bytes over a third of the pages" {
	check_case garbage-pages
}

@test "hostile: a named pipe for a database" {
	check_case fifo fail
}

@test "hostile: no history tables" {
	check_case old-schema ok
}

@test "hostile: tables of the right names with the wrong columns" {
	check_case wrong-columns ok
}

@test "hostile: text where issue numbers belong" {
	check_case text-issue
}

@test "hostile: text where PR numbers belong" {
	check_case text-pr
}

@test "hostile: text where durations belong" {
	check_case text-duration
}

@test "hostile: NULL in NOT NULL columns" {
	check_case nulls
}

@test "hostile: BLOBs with NUL bytes and invalid UTF-8" {
	check_case blobs ok
}

@test "hostile: timestamps empty, garbage and in the year 9999" {
	check_case timestamps ok
}

@test "hostile: negative, huge and infinite durations, 64-bit limits" {
	check_case numbers ok
}

@test "hostile: 100 kB texts" {
	check_case bigtext ok
}

@test "hostile: 10,000 open runs" {
	check_case many-open ok
	[ -x "$TOP/bin/mx-runs" ] || skip "mx-runs not built"
	[ "$(runs many-open open | wc -l)" -eq 10000 ]
	[ "$(runs many-open active | wc -l)" -eq 5000 ]
}

@test "hostile: a crashed writer's -wal" {
	check_case hot-wal ok
	[ -x "$TOP/bin/mx-runs" ] || skip "mx-runs not built"
	run -0 runs hot-wal all
	[ "${#lines[@]}" -eq 100 ]
	refute_output --partial uncommitted
}

@test "hostile: a database in a read-only folder" {
	check_case ro-dir ok
}

@test "hostile: a WAL database without -shm in a read-only folder" {
	check_case ro-wal-noshm ok
}

@test "hostile: a crashed writer's -wal and -shm in a read-only folder" {
	check_case ro-crash ok
	[ -x "$TOP/bin/mx-runs" ] || skip "mx-runs not built"
	run -0 runs ro-crash all
	[ "${#lines[@]}" -eq 100 ]
	refute_output --partial uncommitted
}

@test "hostile: a crashed writer's -wal without -shm in a read-only folder" {
	check_case ro-hot-wal
}

@test "hostile: a database its reader may not read" {
	check_case ro-unreadable fail
}

@test "hostile: the checks catch a program that misbehaves" {
	# A stand-in mx-runs that misbehaves in the way -s names.
	HOSTILE=$BATS_TEST_TMPDIR/fake
	mkdir -p "$HOSTILE/bin" "$HOSTILE/db/empty"
	: >"$HOSTILE/db/empty/state.db"
	cat >"$HOSTILE/bin/mx-runs" <<'EOF'
#!/bin/sh
case "$2 $3" in
segv*)	kill -SEGV $$ ;;
usage*)	printf 'usage: mx-runs\n  [-j]\n' >&2; exit 64 ;;
chatty*) printf 'mx-runs: one\nmx-runs: two\n' >&2; exit 0 ;;
json\ -*) echo '[{'; exit 0 ;;
tsv*)	printf 'a\tb\nc\n'; exit 0 ;;
esac
echo '[]'
EOF
	chmod 755 "$HOSTILE/bin/mx-runs"
	READERS=("mx-runs -s segv" "mx-runs -s usage" "mx-runs -s chatty"
	    "mx-runs -s json" "mx-runs -s tsv")
	run check_case empty
	assert_failure
	assert_line "empty: mx-runs -s segv : killed by signal 11"
	assert_line --partial "empty: mx-runs -s usage : exit 64, not one of"
	assert_line "empty: mx-runs -s chatty : 2 lines on stderr"
	assert_line "empty: mx-runs -s json -j: output is not JSON"
	assert_line "empty: mx-runs -s json -J: output is not JSON"
	assert_line "empty: mx-runs -s tsv : TSV rows unlike the header"
	refute_line --partial "mx-runs -s json :"
}
