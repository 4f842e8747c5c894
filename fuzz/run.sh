#!/bin/sh
# Run libFuzzer targets for a bounded time each, a few at a time.
#
# usage: sh fuzz/run.sh [-j jobs] [-o dir] [-t seconds] fuzzer ...
#
# Each fuzzer fuzz/build/NAME starts from the seeds in fuzz/corpus/NAME/
# (never written) and the dictionary fuzz/NAME.dict if there is one.
# What it finds goes to DIR/NAME/ (DIR: fuzz/out unless -o names one):
# new inputs in corpus/, the log, and a crash-*, leak-*, timeout-* or
# oom-* file that reproduces a failure (give it to the fuzzer as its
# only argument).  Prints one line per target and exits 1 when any
# failed.  To keep what a long run found, merge it into the seeds:
#	fuzz/build/NAME -merge=1 fuzz/corpus/NAME fuzz/out/NAME/corpus
set -u

usage() {
	echo "usage: sh fuzz/run.sh [-j jobs] [-o dir] [-t seconds]" \
	    "fuzzer ..." >&2
	exit 64
}

top=$(cd "$(dirname "$0")/.." && pwd)
secs=10
outdir=$top/fuzz/out
jobs=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)
while getopts j:o:t: ch; do
	case $ch in
	j) jobs=$OPTARG ;;
	o) outdir=$OPTARG ;;
	t) secs=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 0 ] && usage
for n in "$jobs" "$secs"; do
	case $n in
	''|*[!0-9]*|0)
		echo "run.sh: $n: not a positive number" >&2
		usage
		;;
	esac
done

# run_one FUZZER: run it; its summary goes to DIR/NAME/result.
run_one() {
	name=$(basename "$1")
	out=$outdir/$name
	rm -rf "$out"
	mkdir -p "$out/corpus"
	dict=
	[ -f "$top/fuzz/$name.dict" ] && dict=-dict=$top/fuzz/$name.dict
	seeds=
	[ -d "$top/fuzz/corpus/$name" ] && seeds=$top/fuzz/corpus/$name
	"$1" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
	    -max_len=65536 -print_final_stats=1 -artifact_prefix="$out/" \
	    ${dict:+"$dict"} "$out/corpus" ${seeds:+"$seeds"} \
	    >"$out/log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/log")
	bad=$(ls "$out"/crash-* "$out"/leak-* "$out"/timeout-* \
	    "$out"/oom-* 2>/dev/null | head -1)
	if [ "$rc" -eq 0 ] && [ -z "$bad" ]; then
		echo "fuzz: $name: ok, ${runs:-?} runs in ${secs}s" \
		    >"$out/result"
		return
	fi
	{
		echo "fuzz: $name: FAILED (exit $rc)${bad:+, input $bad}"
		grep -m 5 -E 'ERROR|SUMMARY|check failed|runtime error' \
		    "$out/log" | sed 's/^/fuzz:   /'
		echo "fuzz:   log: $out/log"
	} >"$out/result"
}

status=0
set -- "$@" ""
while [ -n "$1" ]; do
	pids=
	names=
	n=0
	while [ -n "$1" ] && [ "$n" -lt "$jobs" ]; do
		if [ -x "$1" ] && [ -f "$1" ]; then
			run_one "$1" &
			pids="$pids $!"
			names="$names $(basename "$1")"
			n=$((n + 1))
		else
			echo "fuzz: $1: no such fuzzer (make fuzz builds them)"
			status=1
		fi
		shift
	done
	for p in $pids; do
		wait "$p"
	done
	for name in $names; do
		cat "$outdir/$name/result"
		grep -q ': ok, ' "$outdir/$name/result" || status=1
	done
done
exit $status
