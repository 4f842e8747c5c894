#!/usr/bin/env bash
# soak.sh: the toolkit beside a simulated live MergeXO service, for a
# bounded time.  Run by `make soak` (SOAKTIME seconds) and, shorter, by
# tests/soak.bats.  Bash for $EPOCHREALTIME: latencies are measured with
# no fork per command.
#
# usage: soak.sh [-k] [-F fault] [-o results] [-R readers] [-t seconds]
#     [-w writers]
#
#   -k          keep the work directory (its path is printed)
#   -F fault    break one rule on purpose, to show that the checks can
#               fail (used by tests/soak.bats):
#                 nolock  no writer.lock: the reconcile attempts succeed
#                 lose    once the load stops, a run the writers
#                         started is deleted with the sqlite3 shell
#   -o results  also write the figures (the last lines) to this file
#   -R readers  loops per read program (default 1)
#   -t seconds  how long the load runs (default 60)
#   -w writers  writer loops (default 4)
#
# On a fresh demo database (tools/mkdemo.sql) with 3,000 pre-seeded runs
# and 1,000 PR transitions finished 45 days ago, these loops run at once
# until the deadline, each finishing its current step and then stopping:
#
#   writers    the "service": mx-record start -> meta -> finish ->
#              transition, as fast as they can; every 10th run is left
#              open, every 7th is finished twice (the second must exit 65
#              and change nothing).  The service holds writer.lock, JSON
#              naming this script's pid.
#   historian  mx-record start/finish/transition with -t 45 days ago, so
#              that mx-prune always has old rows to delete
#   prune      mx-prune -v -a 30d: deletes only rows older than 30 days,
#              none of the writers', every one of the historian's
#   reconcile  mx-reconcile in its variants: must be refused (exit 75)
#   readers    mx-runs, mx-prs, mx-metrics, mx-history in their variants,
#              and mx-top -b -i 1 (which runs four of them itself)
#
# Every command's exit status, latency and standard error are recorded.
# Then, the load stopped, it checks: every command exited as expected
# (writers and readers 0, refused reconciles 75, double finishes 65);
# no standard error says "database is locked" or "busy"; every run the
# writers started is in agent_run_history exactly once, with the final
# status (or still open), meta_json and error they gave it; every
# transition recorded is there exactly once; with the lock gone, one
# mx-reconcile closes exactly the runs left open; a last mx-prune leaves
# none of the historian's rows, and all prunes together deleted exactly
# the old rows (seeded and historian's); PRAGMA integrity_check says ok.
# Then the figures: writes/s, reads/s, p50/p99/worst latency per program.
# Exit status 0 when every check holds, 1 when one fails, 2 on a usage
# or setup error.  Everything stops within -t seconds plus a few; what is
# still running 20 s after the deadline is killed (and the soak fails).

set -u
export LC_ALL=C TZ=UTC
unset MX_DB

top=$(cd "$(dirname "$0")/.." && pwd)

soaktime=60 nwriters=4 nreaders=1 results="" keep=0 fault=""
while getopts 'F:ko:R:t:w:' c; do
	case $c in
	F) fault=$OPTARG ;;
	k) keep=1 ;;
	o) results=$OPTARG ;;
	R) nreaders=$OPTARG ;;
	t) soaktime=$OPTARG ;;
	w) nwriters=$OPTARG ;;
	*)
		echo "usage: soak.sh [-k] [-F fault] [-o results] [-R readers]" \
		    "[-t seconds] [-w writers]" >&2
		exit 2
		;;
	esac
done
for v in "$soaktime" "$nwriters" "$nreaders"; do
	case $v in
	'' | *[!0-9]* | 0)
		echo "soak.sh: not a positive number: $v" >&2
		exit 2
		;;
	esac
done
case $results in
'' | /*) ;;
*) results="$PWD/$results" ;;
esac
case $fault in
'' | nolock | lose) ;;
*)
	echo "soak.sh: unknown fault: $fault" >&2
	exit 2
	;;
esac
for p in mx-runs mx-prs mx-metrics mx-history mx-top mx-record mx-prune \
    mx-reconcile; do
	if [ ! -x "$top/bin/$p" ]; then
		echo "soak.sh: $top/bin/$p: not built (make all)" >&2
		exit 2
	fi
done

dir=$(mktemp -d "${TMPDIR:-/tmp}/mx-soak.XXXXXX") || exit 2
db="$dir/state.db"
loops=()

cleanup() {
	local p
	for p in "${loops[@]}"; do
		kill "$p" 2>/dev/null
	done
	for p in "${loops[@]}"; do
		wait "$p" 2>/dev/null
	done
	if [ "$keep" -eq 1 ]; then
		echo "soak: work directory kept: $dir" >&2
	else
		rm -rf "$dir"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

# Copies of the programs, so that a rebuild in the tree cannot change
# them under the soak; mx-top finds its siblings beside itself.
export HOME="$dir/home"
mkdir -p "$HOME" "$dir/log" "$dir/bin"
cp "$top"/bin/mx-* "$dir/bin/" || exit 2
PATH="$dir/bin:$PATH"
export PATH
cd "$dir" || exit 2

# The database: MergeXO's schema (WAL), the demo data (three weeks of
# runs, PRs, events), and old rows for mx-prune.
NOLD_RUNS=3000
NOLD_TRANSITIONS=1000
{
	cat "$top/tests/schema.sql"
	cat "$top/tools/mkdemo.sql"
	cat <<EOF
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n
    WHERE i < $NOLD_RUNS)
INSERT INTO agent_run_history(run_id, repo_full_name, run_kind,
    issue_number, started_at, finished_at, terminal_status,
    duration_seconds)
SELECT 'old-' || i, 'acme/api', 'issue_flow', 10 + i % 90,
    strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-45 days', printf('-%d minutes', i)),
    strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-45 days', printf('-%d minutes', i - 1)),
    'completed', 60.0 FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n
    WHERE i < $NOLD_TRANSITIONS)
INSERT INTO pr_status_history(repo_full_name, pr_number, issue_number,
    from_status, to_status, reason, changed_at)
SELECT 'acme/web', 500 + i % 40, 100 + i % 40, 'awaiting_feedback',
    'blocked', 'old ' || i,
    strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-45 days', printf('-%d minutes', i))
FROM n;
EOF
} | sqlite3 -batch -bail "$db" >/dev/null || {
	echo "soak.sh: cannot build the database" >&2
	exit 2
}
# Rows mx-prune -a 30d may delete: the old ones only (the demo's
# three weeks are younger).
old_runs=$(sqlite3 "$db" "SELECT count(*) FROM agent_run_history
    WHERE finished_at < strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-30 days')")
old_transitions=$(sqlite3 "$db" "SELECT count(*) FROM pr_status_history
    WHERE changed_at < strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-30 days')")

# The service's lock, naming this script, alive for the whole soak.
if [ "$fault" != nolock ]; then
	printf '{"pid": %d, "command": "mx soak.sh (simulated service)", "started_at": "%s", "token": "soak-%d"}\n' \
	    $$ "$(date -u +%Y-%m-%dT%H:%M:%SZ)" $$ >"$dir/writer.lock"
fi

REPOS=(acme/api acme/web acme/infra octo/cli)
KINDS=(issue_flow implementation_flow pre_pr_followup feedback_turn)
STATUSES=(completed failed completed blocked interrupted completed merged
    failed closed completed)
CLASSES=(tests_failed agent_error github_error timeout history_rewrite
    unknown)

start=$EPOCHSECONDS
deadline=$((start + soaktime))

# rec EXPECTED LABEL COMMAND...: run COMMAND in the background (so that
# a TERM to the loop reaches it), its output in $out, its standard error
# appended to the loop's error log under a header; log LABEL, exit
# status, latency in microseconds, EXPECTED and the start time.  Sets rc.
rec() {
	local exp=$1 label=$2 t0 t1
	shift 2
	t0=$EPOCHREALTIME
	"$@" >"$out" 2>"$err" &
	cpid=$!
	wait "$cpid"
	rc=$?
	cpid=
	t1=$EPOCHREALTIME
	printf '%s\t%d\t%d\t%d\t%s\n' "$label" "$rc" \
	    $((10#${t1/./} - 10#${t0/./})) "$exp" "$t0" >>"$log"
	if [ -s "$err" ]; then
		printf '== %s (exit %d, expected %d):' "$label" "$rc" "$exp" \
		    >>"$errlog"
		printf ' %q' "$@" >>"$errlog"
		printf '\n' >>"$errlog"
		cat "$err" >>"$errlog"
	fi
}

# loop NAME FUNCTION: run FUNCTION in a background loop until the
# deadline; its files are log/NAME.*.
loop() {
	(
		name=$1 step=$2
		log="$dir/log/$name.log" errlog="$dir/log/$name.err"
		out="$dir/log/$name.out" err="$dir/log/$name.stderr"
		ledger="$dir/log/$name.ledger"
		cpid=
		trap '[ -n "$cpid" ] && kill "$cpid" 2>/dev/null; exit 143' TERM
		: >"$log"
		: >"$errlog"
		: >"$ledger"
		i=0
		while [ "$EPOCHSECONDS" -lt "$deadline" ]; do
			i=$((i + 1))
			"$step"
		done
	) </dev/null >/dev/null 2>"$dir/log/$1.shell" 3>&- &
	loops+=($!)
}

# The service: one run through its life, one PR transition.  The
# ledger records what succeeded: S id, M id meta, F id status error,
# D id (refused second finish), T reason.
writer_step() {
	local repo kind issue pr id meta status class e args
	repo=${REPOS[(i + w) % 4]}
	kind=${KINDS[(i * 3 + w) % 4]}
	issue=$((1000 + w * 50 + i % 50))
	pr=$((issue + 400))
	args=(-r "$repo" -k "$kind" -i "$issue" -f soak -b "agent/issue-$issue")
	case $kind in
	implementation_flow | feedback_turn) args+=(-p "$pr") ;;
	esac
	rec 0 'mx-record start' mx-record -d "$db" start "${args[@]}"
	[ "$rc" -eq 0 ] || return
	read -r id <"$out"
	printf 'S\t%s\t\t\n' "$id" >>"$ledger"
	meta="{\"codex_active\": true, \"last_prompt\": \"soak w$w #$i\"}"
	rec 0 'mx-record meta' mx-record -d "$db" meta "$id" "$meta"
	[ "$rc" -eq 0 ] && printf 'M\t%s\t%s\t\n' "$id" "$meta" >>"$ledger"
	if [ $((i % 10)) -ne 0 ]; then
		status=${STATUSES[i % 10]}
		args=(-s "$status")
		e=
		case $status in
		failed)
			class=${CLASSES[i % 6]}
			e="soak w$w #$i: $class"
			args+=(-c "$class" -e "$e")
			;;
		esac
		rec 0 'mx-record finish' mx-record -d "$db" finish "$id" \
		    "${args[@]}"
		[ "$rc" -eq 0 ] &&
		    printf 'F\t%s\t%s\t%s\n' "$id" "$status" "$e" >>"$ledger"
		if [ $((i % 7)) -eq 0 ]; then
			rec 65 'mx-record finish' mx-record -d "$db" finish \
			    "$id" -s failed -c unknown -e 'second finish'
			[ "$rc" -eq 65 ] && printf 'D\t%s\t\t\n' "$id" >>"$ledger"
		fi
	fi
	rec 0 'mx-record transition' mx-record -d "$db" transition \
	    -r "$repo" -p "$pr" -i "$issue" -F awaiting_feedback -T blocked \
	    -R "soak w$w #$i"
	[ "$rc" -eq 0 ] && printf 'T\t%s\t\t\n' "soak w$w #$i" >>"$ledger"
}

# Old history, for mx-prune: a run and a transition 45 days ago.
historian_step() {
	local id t
	printf -v t '%(%Y-%m-%dT%H:%M:%SZ)T' $((EPOCHSECONDS - 45 * 86400 - i))
	rec 0 'mx-record start' mx-record -d "$db" start -r octo/cli \
	    -k issue_flow -i $((3000 + i % 20)) -t "$t"
	[ "$rc" -eq 0 ] || return
	read -r id <"$out"
	printf 'S\t%s\t\t\n' "$id" >>"$ledger"
	rec 0 'mx-record finish' mx-record -d "$db" finish "$id" \
	    -s completed -t "$t"
	[ "$rc" -eq 0 ] && printf 'F\t%s\tcompleted\t\n' "$id" >>"$ledger"
	rec 0 'mx-record transition' mx-record -d "$db" transition \
	    -r octo/cli -p $((3400 + i % 20)) -i $((3000 + i % 20)) \
	    -T awaiting_feedback -R "soak h #$i" -t "$t"
	[ "$rc" -eq 0 ] && printf 'T\t%s\t\t\n' "soak h #$i" >>"$ledger"
}

# mx-prune, its counts summed in the ledger: P table rows.
prune_step() {
	local table rows
	rec 0 mx-prune mx-prune -d "$db" -v -a 30d
	if [ "$rc" -eq 0 ]; then
		while IFS=$'\t' read -r table rows; do
			[ "$table" = table ] ||
			    printf 'P\t%s\t%s\t\n' "$table" "$rows" >>"$ledger"
		done <"$out"
	fi
	sleep 0.1
}

reconcile_step() {
	case $((i % 4)) in
	0) rec 75 mx-reconcile mx-reconcile -d "$db" ;;
	1) rec 75 mx-reconcile mx-reconcile -d "$db" -v ;;
	2) rec 75 mx-reconcile mx-reconcile -d "$db" -I ;;
	3) rec 75 mx-reconcile mx-reconcile -d "$db" -r acme/api ;;
	esac
	sleep 0.2
}

runs_step() {
	case $((i % 5)) in
	0) rec 0 mx-runs mx-runs -d "$db" -s all -w 1h ;;
	1) rec 0 mx-runs mx-runs -d "$db" -j -s open ;;
	2) rec 0 mx-runs mx-runs -d "$db" -J -s finished -w 24h -r acme/api ;;
	3) rec 0 mx-runs mx-runs -d "$db" -o run_id,elapsed_seconds,busy ;;
	4) rec 0 mx-runs mx-runs -d "$db" -s all -w all -i $((1000 + i % 200)) ;;
	esac
}

prs_step() {
	case $((i % 3)) in
	0) rec 0 mx-prs mx-prs -d "$db" ;;
	1) rec 0 mx-prs mx-prs -d "$db" -j ;;
	2) rec 0 mx-prs mx-prs -d "$db" -s blocked -r acme/web ;;
	esac
}

metrics_step() {
	case $((i % 4)) in
	0) rec 0 mx-metrics mx-metrics -d "$db" -j -w 1h ;;
	1) rec 0 mx-metrics mx-metrics -d "$db" -w 24h -g kind ;;
	2) rec 0 mx-metrics mx-metrics -d "$db" -J -w 7d -g failure_class ;;
	3) rec 0 mx-metrics mx-metrics -d "$db" -r acme/api -w 30d ;;
	esac
}

history_step() {
	case $((i % 5)) in
	0) rec 0 mx-history mx-history -d "$db" ;;
	1) rec 0 mx-history mx-history -d "$db" -i $((1000 + i % 200)) -t -j ;;
	2) rec 0 mx-history mx-history -d "$db" -p $((1400 + i % 200)) ;;
	3) rec 0 mx-history mx-history -d "$db" -i $((1000 + i % 200)) -r acme/api ;;
	4) rec 0 mx-history mx-history -d "$db" -n 20 -O 5 ;;
	esac
}

top_step() {
	rec 0 mx-top mx-top -d "$db" -b -i 1
}

for ((w = 1; w <= nwriters; w++)); do
	loop "writer$w" writer_step
done
loop historian historian_step
loop prune prune_step
loop reconcile reconcile_step
for ((r = 1; r <= nreaders; r++)); do
	loop "runs$r" runs_step
	loop "prs$r" prs_step
	loop "metrics$r" metrics_step
	loop "history$r" history_step
	loop "top$r" top_step
done

# Wait for the loops to stop by themselves; kill what hangs.
hung=
while [ "$EPOCHSECONDS" -lt $((deadline + 20)) ]; do
	alive=0
	for p in "${loops[@]}"; do
		kill -0 "$p" 2>/dev/null && alive=1
	done
	[ "$alive" -eq 0 ] && break
	sleep 0.2
done
for p in "${loops[@]}"; do
	if kill -0 "$p" 2>/dev/null; then
		hung="$hung $p"
		kill "$p"
	fi
done
for p in "${loops[@]}"; do
	wait "$p" 2>/dev/null
done
loops=()
end=$EPOCHREALTIME
if [ "$fault" = lose ]; then
	sqlite3 -batch "$db" "DELETE FROM agent_run_history WHERE run_id =
	    (SELECT run_id FROM agent_run_history WHERE flow = 'soak' LIMIT 1)"
fi

# The checks.
failures=0
fail() {
	echo "soak: FAIL: $*"
	failures=$((failures + 1))
}
[ -z "$hung" ] || fail "loops still running 20 s after the deadline:$hung"

cat "$dir"/log/*.log >"$dir/all.log"
awk -F'\t' '$2 != $4 { n[$1 " exited " $2 ", expected " $4]++ }
    END {
	for (k in n)
		printf "soak: FAIL: %s (%d times)\n", k, n[k]
	for (k in n)
		exit 1
    }' "$dir/all.log" || failures=$((failures + 1))
cat "$dir"/log/*.err "$dir"/log/*.shell >"$dir/all.err"
if grep -Eiq 'database is locked|busy' "$dir/all.err"; then
	fail "stderr mentions a locked or busy database:"
	grep -Ei -m 5 'database is locked|busy' "$dir/all.err" | sed 's/^/soak:   /'
fi
# Standard error other than the expected refusals is reported.
unexpected=$(grep -v '^==' "$dir/all.err" |
    grep -Ev '^mx-reconcile: .*writer.lock: service running: pid [0-9]+|^mx-record: [0-9a-f]+: run already finished' |
    head -5)
[ -z "$unexpected" ] || fail "unexpected standard error:
$unexpected"
nrefused=$(awk -F'\t' '$1 == "mx-reconcile" && $2 == 75' "$dir/all.log" |
    wc -l)
nreconcile=$(awk -F'\t' '$1 == "mx-reconcile"' "$dir/all.log" | wc -l)
[ "$nreconcile" -gt 0 ] || fail "no reconcile attempt was made"
[ "$nrefused" -eq "$nreconcile" ] ||
    fail "$((nreconcile - nrefused)) of $nreconcile reconcile attempts were not refused"

# The ledgers, in a database of their own beside state.db.
cat "$dir"/log/writer*.ledger >"$dir/writers.tsv"
cat "$dir/log/historian.ledger" >"$dir/historian.tsv"
cat "$dir/log/prune.ledger" >"$dir/prune.tsv"
rm -f "$dir/ledger.db"
q() {
	sqlite3 -batch -bail "$dir/ledger.db" -cmd ".timeout 5000" \
	    -cmd "ATTACH '$db' AS s" "$@"
}
sqlite3 -batch -bail "$dir/ledger.db" <<EOF || fail "cannot load the ledgers"
CREATE TABLE w(op TEXT, a TEXT, b TEXT, c TEXT);
CREATE TABLE h(op TEXT, a TEXT, b TEXT, c TEXT);
CREATE TABLE p(op TEXT, a TEXT, b TEXT, c TEXT);
.mode tabs
.import '$dir/writers.tsv' w
.import '$dir/historian.tsv' h
.import '$dir/prune.tsv' p
EOF
r=$(q "SELECT count(*), count(DISTINCT a) FROM w WHERE op = 'S'")
nstarted=${r%|*}
[ "${r#*|}" = "$nstarted" ] || fail "run ids printed twice: $r"
[ "$nstarted" -gt 0 ] || fail "no run was started"
r=$(q "SELECT count(*) FROM w LEFT JOIN s.agent_run_history a ON a.run_id = w.a
    WHERE w.op = 'S' AND a.run_id IS NULL")
[ "$r" = 0 ] || fail "$r runs the writers started are missing"
r=$(q "SELECT count(*) FROM w JOIN s.agent_run_history a ON a.run_id = w.a
    LEFT JOIN (SELECT a, b, c FROM w WHERE op = 'F') f ON f.a = w.a
    WHERE w.op = 'S' AND (CASE WHEN f.a IS NULL
        THEN a.finished_at IS NOT NULL OR a.terminal_status IS NOT NULL
        ELSE a.finished_at IS NULL OR a.terminal_status IS NOT f.b
            OR coalesce(a.error, '') IS NOT f.c
            OR (a.failure_class IS NULL) = (f.b = 'failed')
            OR a.flow IS NOT 'soak'
        END)")
[ "$r" = 0 ] || fail "$r runs do not have the final status, class or error the writers gave"
r=$(q "SELECT count(*) FROM w JOIN s.agent_run_history a ON a.run_id = w.a
    WHERE w.op = 'M' AND a.meta_json IS NOT w.b")
[ "$r" = 0 ] || fail "$r runs do not have the meta_json the writers gave"
r=$(q "SELECT count(*) FROM (SELECT w.a, count(t.id) n FROM w
    LEFT JOIN s.pr_status_history t ON t.reason = w.a
    WHERE w.op = 'T' GROUP BY w.a) WHERE n <> 1")
[ "$r" = 0 ] || fail "$r transitions recorded are not there exactly once"
ntransitions=$(q "SELECT count(*) FROM w WHERE op = 'T'")
ndouble=$(q "SELECT count(*) FROM w WHERE op = 'D'")
nopen=$(q "SELECT count(*) FROM w WHERE op = 'S' AND a NOT IN
    (SELECT a FROM w WHERE op = 'F')")

# The service stops: a reconcile must now close exactly the open runs.
rm -f "$dir/writer.lock"
dbopen=$(q "SELECT count(*) FROM s.agent_run_history WHERE finished_at IS NULL")
if mx-reconcile -d "$db" -v >"$dir/reconcile.out" 2>"$dir/reconcile.err"; then
	r=$(($(wc -l <"$dir/reconcile.out") - 1))
	[ "$dbopen" -eq 0 ] && r=0
	[ "$r" -eq "$dbopen" ] ||
	    fail "the last reconcile closed $r runs, $dbopen were open"
	r=$(q "SELECT count(*) FROM w JOIN s.agent_run_history a ON a.run_id = w.a
	    WHERE w.op = 'S' AND w.a NOT IN (SELECT a FROM w WHERE op = 'F')
	    AND a.terminal_status IS NOT 'interrupted'")
	[ "$r" = 0 ] || fail "$r open runs were not reconciled"
else
	fail "the last reconcile failed: $(head -1 "$dir/reconcile.err")"
fi

# A last prune; then nothing old is left, and the prunes deleted
# exactly the old rows.
if mx-prune -d "$db" -v -a 30d >"$dir/prune.out" 2>"$dir/prune.err"; then
	while IFS=$'\t' read -r table rows; do
		[ "$table" = table ] ||
		    printf 'P\t%s\t%s\t\n' "$table" "$rows"
	done <"$dir/prune.out" >"$dir/prune-last.tsv"
	sqlite3 -batch -bail "$dir/ledger.db" ".mode tabs" \
	    ".import '$dir/prune-last.tsv' p" || fail "cannot load the last prune"
else
	fail "the last prune failed: $(head -1 "$dir/prune.err")"
fi
r=$(q "SELECT count(*) FROM s.agent_run_history
    WHERE run_id IN (SELECT a FROM h WHERE op = 'S') OR run_id LIKE 'old-%'")
[ "$r" = 0 ] || fail "$r old runs were not pruned"
r=$(q "SELECT count(*) FROM s.pr_status_history
    WHERE reason IN (SELECT a FROM h WHERE op = 'T') OR reason LIKE 'old %'")
[ "$r" = 0 ] || fail "$r old transitions were not pruned"
hruns=$(q "SELECT count(*) FROM h WHERE op = 'F'")
htransitions=$(q "SELECT count(*) FROM h WHERE op = 'T'")
pruned_runs=$(q "SELECT coalesce(sum(b), 0) FROM p WHERE a = 'agent_run_history'")
pruned_transitions=$(q "SELECT coalesce(sum(b), 0) FROM p WHERE a = 'pr_status_history'")
[ "$pruned_runs" -eq $((old_runs + hruns)) ] ||
    fail "pruned $pruned_runs runs, expected $old_runs seeded + $hruns historian's"
[ "$pruned_transitions" -eq $((old_transitions + htransitions)) ] ||
    fail "pruned $pruned_transitions transitions, expected $old_transitions seeded + $htransitions historian's"

r=$(sqlite3 "$db" 'PRAGMA integrity_check' 2>&1)
[ "$r" = ok ] || fail "integrity_check: $(echo "$r" | head -3)"

# The figures.
secs=$(awk -v a="$start" -v b="${end}" 'BEGIN { printf "%.1f", b - a }')
{
	printf 'soak: %s s on %d CPUs (%s, SQLite %s), %d writers + historian, prune, reconcile, %d reader loop(s) per program\n' \
	    "$secs" "$(getconf _NPROCESSORS_ONLN)" "$(date -u +%Y-%m-%d)" \
	    "$(sqlite3 -batch :memory: 'SELECT sqlite_version()')" \
	    "$nwriters" "$nreaders"
	printf 'soak: %d runs started (%d left open), %d transitions, %d double finishes refused, %d reconciles refused, %d+%d old rows pruned\n' \
	    "$nstarted" "$nopen" "$ntransitions" "$ndouble" "$nrefused" \
	    "$pruned_runs" "$pruned_transitions"
	if [ "$failures" -eq 0 ]; then
		echo "soak: checks: ok (no lock errors, every run once with its status, integrity ok)"
	else
		echo "soak: checks: $failures FAILED"
	fi
	awk -F'\t' -v secs="$secs" '
	$1 ~ /^mx-record/ && $2 == 0 { w++ }
	$1 ~ /^mx-(runs|prs|metrics|history|top)$/ && $2 == 0 { r++ }
	END {
		printf "writes/s: %.1f (%d mx-record commands)\n", w / secs, w
		printf "reads/s: %.1f (%d read commands)\n", r / secs, r
	}' "$dir/all.log"
	printf '%-22s %7s %9s %9s %9s\n' program count 'p50 ms' 'p99 ms' 'max ms'
	sort -t"$(printf '\t')" -k1,1 -k3,3n "$dir/all.log" | awk -F'\t' '
	function flush() {
		if (n == 0)
			return
		# nearest rank: the value at ceil(p / 100 * n)
		printf "%-22s %7d %9.1f %9.1f %9.1f\n", prog, n,
		    v[int((n * 50 + 99) / 100)] / 1000,
		    v[int((n * 99 + 99) / 100)] / 1000, v[n] / 1000
	}
	$1 != prog { flush(); prog = $1; n = 0 }
	{ v[++n] = $3 }
	END { flush() }'
} >"$dir/figures"
[ -z "$results" ] || cp "$dir/figures" "$results" ||
    fail "cannot write $results"
cat "$dir/figures"
[ "$failures" -eq 0 ]
