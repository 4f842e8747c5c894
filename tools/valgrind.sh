#!/bin/sh
# make valgrind: every program on a fresh demo database under
# valgrind --leak-check=full; any error or leak fails.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
db="$dir/state.db"
sqlite3 -bail "$db" <"$top/tests/schema.sql" >/dev/null
sqlite3 -bail "$db" <"$top/tools/mkdemo.sql"
PATH="$top/bin:$PATH"
export PATH
fail=0
vg() {
	if valgrind -q --leak-check=full --show-leak-kinds=definite,indirect,possible \
	    --errors-for-leak-kinds=definite,indirect,possible \
	    --error-exitcode=99 "$@" >"$dir/out" 2>"$dir/err"; then
		echo "ok     $*"
	else
		rc=$?
		if [ "$rc" -eq 99 ]; then
			echo "FAILED $*"
			cat "$dir/err"
			fail=1
		else
			echo "ok     $* (exit $rc)"
		fi
	fi
}
vg mx-runs -d "$db" -s all -w all
vg mx-runs -d "$db" -j -s open
vg mx-metrics -d "$db" -w 30d -j
vg mx-metrics -d "$db" -w 7d -g failure_class
vg mx-prs -d "$db"
vg mx-prs -d "$db" -J
vg mx-history -d "$db" -i 604 -t -j
vg mx-history -d "$db" -p 1004 -r acme/api
vg mx-history -d "$db" -n 20 -O 5
vg mx-record -d "$db" start -r acme/api -k issue_flow -i 9000
run=$(mx-record -d "$db" start -r acme/api -k issue_flow -i 9001)
vg mx-record -d "$db" meta "$run" '{"codex_active": true}'
vg mx-record -d "$db" finish "$run" -s failed -e boom
vg mx-record -d "$db" transition -r acme/api -p 1 -i 9001 -T blocked -R red
vg mx-prune -d "$db" -n -v -a 14d
vg mx-prune -d "$db" -a 14d
vg mx-reconcile -d "$db" -n -v
vg mx-reconcile -d "$db" -v
vg mx-top -d "$db" -b -i 2 -s 0.2
vg mx-runs -d "$dir/missing.db"
exit $fail
