#!/bin/sh
# make bench: time every read program on generated MergeXO-shaped
# databases (10k, 100k and 1M runs), with and without the mx_ indexes,
# side by side with the sqlite3 shell running the plain SQL of design
# section 5 (bench/sql/) on the same file.  Writes bench/results.md.
#
# Environment (all optional):
#   BENCH_SIZES    run counts to generate and time ("10000 100000 1000000")
#   BENCH_RUNS     timed runs per command (15); BENCH_WARMUP (2)
#   BENCH_MAX_AGE  seconds after which a cached database is regenerated
#                  (21600: windows are relative to now, so data age)
#   BENCH_REPO     the repository -r cases filter on (acme/api, the busiest)
#   BENCH_BIN      where the programs are (bin)
#   BENCH_BUILD    0: do not try to build the programs first
#   BENCH_OUT      the report (bench/results.md)
#   BENCH_IDLE     seconds to watch an idle mx-top (10)
set -u

cd "$(dirname "$0")/.." || exit 1
MAKE=${MAKE:-make}
SIZES=${BENCH_SIZES:-"10000 100000 1000000"}
RUNS=${BENCH_RUNS:-15}
WARMUP=${BENCH_WARMUP:-2}
MAXAGE=${BENCH_MAX_AGE:-21600}
REPO=${BENCH_REPO:-acme/api}
BIN=${BENCH_BIN:-bin}
OUT=${BENCH_OUT:-bench/results.md}
IDLE=${BENCH_IDLE:-10}
CACHE=bench/cache
TMP=$CACHE/tmp.$$
READERS="mx-runs mx-prs mx-history mx-metrics mx-top"

say() { printf 'bench: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

for c in hyperfine jq sqlite3; do
	command -v "$c" >/dev/null 2>&1 ||
	    die "$c missing (run make deps as root)"
done
TIME=
if [ -x /usr/bin/time ]; then
	TIME=/usr/bin/time
else
	say "/usr/bin/time missing (Debian package time): no peak RSS"
fi
mkdir -p "$CACHE" "$TMP" || exit 1
trap 'rm -rf "$TMP"' EXIT
trap 'exit 130' INT TERM

$MAKE bench/gen >"$TMP/build" 2>&1 ||
    die "cannot build bench/gen: $(tail -1 "$TMP/build")"
VER=$(bench/gen -V) || die "bench/gen -V failed"

# Build what exists of the programs; a failing build only skips one.
if [ "${BENCH_BUILD:-1}" != 0 ] && [ "$BIN" = bin ]; then
	for p in $READERS mx-reconcile; do
		[ -f "cmd/$p/$p.c" ] || continue
		$MAKE "bin/$p" >"$TMP/build" 2>&1 ||
		    say "$p: build failed, left out: $(tail -1 "$TMP/build")"
	done
fi

now_s() { date +%s; }

# newer A B: A was modified after B.
newer() { [ -n "$(find "$1" -prune -newer "$2" 2>/dev/null)" ]; }

# gen_db SIZE: make sure $CACHE/v$VER-SIZE.db exists and is fresh.
gen_db() {
	db=$CACHE/v$VER-$1.db
	if [ -f "$db" ] && [ -f "$db.now" ]; then
		age=$(( $(now_s) - $(cat "$db.now") ))
		if [ "$age" -le "$MAXAGE" ]; then
			say "$db: cached, generated $((age / 60)) min ago"
			return 0
		fi
		say "$db: generated $((age / 3600)) h ago, older than" \
		    "$MAXAGE s: windows are relative to now, regenerating"
	fi
	rm -f "$db.now" "$db"
	t=$(now_s)
	say "$db: generating $1 runs"
	bench/gen -n "$1" -s tests/schema.sql -t "$t" -o "$db" 2>"$TMP/gen" ||
	    die "$db: generation failed: $(cat "$TMP/gen")"
	cat "$TMP/gen" >&2
	sed -n 's/.*, \([0-9.]*\) s$/\1/p' "$TMP/gen" >"$db.secs"
	echo "$t" >"$db.now"
}

# idx_db SIZE: a copy of the size's database with the mx_ indexes, made
# by mx-reconcile -I when it exists, else by bench/sql/indexes.sql.
idx_db() {
	db=$CACHE/v$VER-$1.db
	idx=$CACHE/v$VER-$1-idx.db
	if [ -f "$idx" ] && [ -f "$idx.how" ] && ! newer "$db.now" "$idx" &&
	    ! { [ -x "$BIN/mx-reconcile" ] &&
	    newer "$BIN/mx-reconcile" "$idx"; }; then
		return 0
	fi
	rm -f "$idx" "$idx-wal" "$idx-shm" "$idx.how" "$idx.tmp"*
	cp "$db" "$idx.tmp" || die "$idx: copy failed"
	open0=$(sqlite3 -readonly "$db" \
	    'SELECT count(*) FROM agent_run_history WHERE finished_at IS NULL')
	how=
	if [ -x "$BIN/mx-reconcile" ]; then
		if "$BIN/mx-reconcile" -I -d "$idx.tmp" >"$TMP/rec" 2>&1; then
			open1=$(sqlite3 "$idx.tmp" 'SELECT count(*) FROM
			    agent_run_history WHERE finished_at IS NULL')
			nidx=$(sqlite3 "$idx.tmp" "SELECT count(*) FROM
			    sqlite_schema WHERE type = 'index' AND
			    name LIKE 'mx\_%' ESCAPE '\\'")
			if [ "$open1" = "$open0" ] && [ "$nidx" -gt 0 ]; then
				how="mx-reconcile -I ($nidx mx_ indexes)"
			else
				say "$idx: mx-reconcile -I left $open1 of" \
				    "$open0 open runs and $nidx mx_ indexes;" \
				    "using bench/sql/indexes.sql instead"
				rm -f "$idx.tmp"*
				cp "$db" "$idx.tmp" || die "$idx: copy failed"
			fi
		else
			say "$idx: mx-reconcile -I failed:" \
			    "$(tail -1 "$TMP/rec"); using bench/sql/indexes.sql"
			rm -f "$idx.tmp"*
			cp "$db" "$idx.tmp" || die "$idx: copy failed"
		fi
	fi
	if [ -z "$how" ]; then
		sqlite3 -bail "$idx.tmp" <bench/sql/indexes.sql ||
		    die "$idx: bench/sql/indexes.sql failed"
		how="bench/sql/indexes.sql"
	fi
	# Checkpoint and drop the -wal, so the copy is one file like $db.
	sqlite3 "$idx.tmp" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
	rm -f "$idx.tmp-wal" "$idx.tmp-shm"
	mv "$idx.tmp" "$idx" && echo "$how" >"$idx.how"
	say "$idx: indexes by $how"
}

# subst FILE: the SQL of FILE with this case's placeholders filled in.
subst() {
	if [ -n "$rflag" ]; then
		ra="AND repo_full_name = '$REPO'"
		rp="AND p.repo_full_name = '$REPO'"
		ri="AND i.repo_full_name = '$REPO'"
		lab=$REPO
	else
		ra='' rp='' ri='' lab=__all__
	fi
	sed -e "s|@REPO_AND@|$ra|" -e "s|@REPO_AND_P@|$rp|" \
	    -e "s|@REPO_AND_I@|$ri|" -e "s|@LABEL@|$lab|" \
	    -e "s|@ISSUE@|$ISSUE|" -e "s|@PR@|$PR|" -e "s|@LIMIT@|$limit|" \
	    -e "s|@WINDOW@|$window|" "bench/sql/$1.sql"
}

# probe NAME CMD...: run once (warms the cache); sets p_rc, p_rss (KiB),
# p_secs and p_rows (output lines) and keeps the output in $TMP/NAME.out.
probe() {
	name=$1
	shift
	if [ -n "$TIME" ]; then
		$TIME -f '%x %M %e' -o "$TMP/time" "$@" </dev/null \
		    >"$TMP/$name.out" 2>"$TMP/$name.err"
		p_rc=$?
		t=$(tail -1 "$TMP/time")
		p_rss=$(echo "$t" | cut -d' ' -s -f2)
		p_secs=$(echo "$t" | cut -d' ' -s -f3)
		p_rss=${p_rss:--} p_secs=${p_secs:-0}
	else
		"$@" </dev/null >"$TMP/$name.out" 2>"$TMP/$name.err"
		p_rc=$?
		p_rss=- p_secs=0
	fi
	p_rows=$(wc -l <"$TMP/$name.out" | tr -d ' ')
}

# timeit CMD: hyperfine, no shell, runs chosen by the probe's time;
# prints "median min max runs" in ms.
timeit() {
	nr=$RUNS nw=$WARMUP
	case $p_secs in
	[1-9]*.*) nr=3 nw=0 ;;
	0.[2-9]*) nr=5 nw=1 ;;
	esac
	if ! hyperfine -N -r "$nr" -w "$nw" --style none \
	    --export-json "$TMP/h.json" "$1" </dev/null >/dev/null \
	    2>"$TMP/h.err"; then
		echo "- - - 0"
		return
	fi
	jq -r '.results[0] | "\(.median) \(.min) \(.max) \(.times | length)"' \
	    "$TMP/h.json" |
	    awk '{ printf "%.2f %.2f %.2f %d\n", $1 * 1000, $2 * 1000,
		$3 * 1000, $4 }'
}

# The cases: program, label, mx options, SQL file, -r, window, limit.
cases() {
	cat <<'EOF'
mx-runs	active	-	runs-active	-	-	-
mx-runs	active -r	-r @R@	runs-active	r	-	-
mx-prs	tracked+blocked	-	prs	-	-	-
mx-prs	-r	-r @R@	prs	r	-	-
mx-history	-i N	-i @I@	history-issue	-	-	-
mx-history	-i N -r	-i @I@ -r @R@	history-issue	r	-	-
mx-history	-p N	-p @P@	history-pr	-	-	-
mx-history	-p N -r	-p @P@ -r @R@	history-pr	r	-	-
mx-history	outcomes -n 50	-n 50	history-outcomes	-	-	50
mx-metrics	-w 24h	-w 24h	metrics	-	-24 hours	-
mx-metrics	-w 24h -r	-w 24h -r @R@	metrics	r	-24 hours	-
mx-metrics	-w 30d	-w 30d	metrics	-	-30 days	-
mx-metrics	-w 30d -r	-w 30d -r @R@	metrics	r	-30 days	-
mx-metrics	-w 30d, no p50/p95	-w 30d -o @NP@	metrics-mergexo	-	-30 days	-
mx-metrics	-w 24h -j	-w 24h -j	metrics+overview	-	-24 hours	-
mx-top	refresh	-	refresh	-	-24 hours	200
EOF
}

# refresh_cmd DB: what one mx-top refresh runs: mx-top -b -i 1 when it
# exists, else the programs it would run, one after the other.
refresh_cmd() {
	if [ -x "$BIN/mx-top" ]; then
		echo "$BIN/mx-top -b -i 1 -d $1"
		return
	fi
	s=
	for p in mx-metrics mx-runs mx-prs mx-history; do
		[ -x "$BIN/$p" ] || continue
		case $p in
		mx-metrics) a="-j -w 24h" ;;
		mx-history) a="-j -n 200" ;;
		*) a=-j ;;
		esac
		s="$s${s:+; }$BIN/$p -d $1 $a >/dev/null"
	done
	[ -n "$s" ] && echo "sh -c '$s'"
}

# refresh_sql: the baseline of one refresh: the SQL of the questions
# the refresh asks, in one sqlite3 process.
refresh_sql() {
	rflag='' window="-24 hours" limit=200
	for p in mx-metrics mx-runs mx-prs mx-history; do
		[ -x "$BIN/mx-top" ] || [ -x "$BIN/$p" ] || continue
		case $p in
		mx-metrics) subst overview; subst metrics ;;
		mx-runs) subst runs-active ;;
		mx-prs) subst prs ;;
		mx-history) subst history-outcomes ;;
		esac
	done
}

# The fields of mx-metrics without the percentiles it adds to MergeXO's.
NOPCT=repo_full_name,terminal_count,failed_count,failure_rate
NOPCT=$NOPCT,mean_runtime_seconds,stddev_runtime_seconds

# bench_file SIZE VARIANT DB: time every case on DB; append to $RES.
bench_file() {
	size=$1 variant=$2 file=$3
	ISSUE=$(sqlite3 -readonly "$file" "SELECT issue_number FROM issue_runs
	    WHERE repo_full_name = '$REPO' AND status = 'merged'
	    ORDER BY updated_at DESC LIMIT 1")
	PR=$(sqlite3 -readonly "$file" "SELECT pr_number FROM issue_runs
	    WHERE repo_full_name = '$REPO' AND issue_number = $ISSUE")
	cases | while IFS='	' read -r prog label args sqlf r win lim; do
		rflag='' window='' limit=''
		[ "$r" = r ] && rflag=1
		[ "$win" != - ] && window=$win
		[ "$lim" != - ] && limit=$lim
		if [ "$sqlf" = refresh ]; then
			cmd=$(refresh_cmd "$file")
			[ -n "$cmd" ] || continue
			refresh_sql >"$TMP/q.sql"
			kind=json
		elif [ "$sqlf" = metrics+overview ]; then
			[ -x "$BIN/$prog" ] || continue
			cmd="$BIN/$prog -d $file $args"
			{ subst overview; subst metrics; } >"$TMP/q.sql"
			kind=json
		else
			[ -x "$BIN/$prog" ] || continue
			[ "$args" = - ] && args=
			args=$(printf '%s' "$args" | sed -e "s|@R@|$REPO|" \
			    -e "s|@I@|$ISSUE|" -e "s|@P@|$PR|" \
			    -e "s|@NP@|$NOPCT|")
			cmd="$BIN/$prog -d $file${args:+ $args}"
			subst "$sqlf" >"$TMP/q.sql"
			kind=tsv
		fi
		scmd="sqlite3 -batch -readonly $file '.read $TMP/q.sql'"

		probe mx sh -c "$cmd"
		m_rc=$p_rc m_rss=$p_rss m_rows=$p_rows
		note=
		if [ "$m_rc" -ne 0 ]; then
			note="exit $m_rc: $(head -1 "$TMP/mx.err")"
			mt="- - - 0"
		else
			mt=$(timeit "$cmd")
			case $mt in
			-*) note="hyperfine: $(tail -1 "$TMP/h.err")" ;;
			esac
		fi
		[ "$kind" = tsv ] && [ "$m_rows" -gt 0 ] &&
		    m_rows=$((m_rows - 1))	# the TSV header
		[ "$kind" = json ] && m_rows=-

		probe sql sh -c "$scmd"
		s_rc=$p_rc s_rss=$p_rss s_rows=$p_rows
		if [ "$s_rc" -ne 0 ]; then
			note="${note:+$note; }sqlite3 exit $s_rc:"
			note="$note $(head -1 "$TMP/sql.err")"
			st="- - - 0"
		else
			st=$(timeit "$scmd")
			case $st in
			-*) note="${note:+$note; }sqlite3 hyperfine:"
			    note="$note $(tail -1 "$TMP/h.err")" ;;
			esac
		fi
		[ "$kind" = json ] && s_rows=-
		printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' \
		    "$size" "$variant" "$prog" "$label" "$mt" "$st" \
		    "$m_rss" "$s_rss" "$m_rows" "$s_rows" "$note" |
		    awk -F'\t' -v OFS='\t' '{ split($5, a, " ");
			split($6, b, " "); print $1, $2, $3, $4, a[1], a[2],
			a[3], a[4], b[1], b[2], b[3], b[4], $7, $8, $9, $10,
			$11 }' >>"$RES"
		tail -1 "$RES" | awk -F'\t' '{ printf "bench: %s %s %s %s:" \
		    " mx %s ms, sqlite3 %s ms%s\n", $1, $2, $3, $4, $5, $9,
		    ($17 != "" ? " (" $17 ")" : "") }' >&2
	done
}

# idle_top DB: mx-top's own CPU while idle in a tmux pane for $IDLE s,
# and its children's, and its peak RSS.
idle_top() {
	[ -x "$BIN/mx-top" ] && command -v tmux >/dev/null 2>&1 || return 0
	sess=mxbench$$
	tmux new-session -d -s "$sess" -x 160 -y 48 \
	    "exec $BIN/mx-top -d $1" || return 0
	sleep 3
	pid=$(tmux list-panes -t "$sess" -F '#{pane_pid}' | head -1)
	hz=$(getconf CLK_TCK)
	if [ -n "$pid" ] && [ -r "/proc/$pid/stat" ]; then
		a=$(awk '{ print $14 + $15, $16 + $17 }' "/proc/$pid/stat")
		sleep "$IDLE"
		b=$(awk '{ print $14 + $15, $16 + $17 }' "/proc/$pid/stat")
		hwm=$(awk '/^VmHWM/ { print $2 }' "/proc/$pid/status")
		echo "$a $b $hwm" | awk -v hz="$hz" -v s="$IDLE" '{
		    printf "%.2f\t%.2f\t%s\n", ($3 - $1) / hz / s * 100,
		    ($3 + $4 - $1 - $2) / hz / s * 100, $5 }'
	fi
	tmux kill-session -t "$sess" 2>/dev/null
}

BENCH_LOAD="start $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)"
RES=$TMP/results.tsv
: >"$RES"
INFO=$TMP/info
: >"$INFO"
for size in $SIZES; do
	gen_db "$size"
	idx_db "$size"
	db=$CACHE/v$VER-$size.db
	idx=$CACHE/v$VER-$size-idx.db
	printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$size" \
	    "$(du -m "$db" | cut -f1)" "$(du -m "$idx" | cut -f1)" \
	    "$(date -u -d "@$(cat "$db.now")" '+%Y-%m-%d %H:%M' 2>/dev/null ||
	    cat "$db.now")" "$(cat "$idx.how")" \
	    "$(cat "$db.secs" 2>/dev/null || echo '?')" >>"$INFO"
	bench_file "$size" plain "$db"
	bench_file "$size" idx "$idx"
done
TOPIDLE=
last=
for size in $SIZES; do last=$size; done
[ -n "$last" ] && TOPIDLE=$(idle_top "$CACHE/v$VER-$last-idx.db")
cp "$RES" "$CACHE/results.tsv"
BENCH_LOAD="$BENCH_LOAD, end $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)"
BENCH_RUNS=$RUNS BENCH_WARMUP=$WARMUP
export BENCH_LOAD BENCH_RUNS BENCH_WARMUP

if ! sh bench/report.sh "$RES" "$INFO" "$last" "$TOPIDLE" >"$OUT.tmp"; then
	die "$OUT: report failed"
fi
mv "$OUT.tmp" "$OUT" || die "$OUT: cannot write"
cat "$OUT"
