#!/bin/sh
# make demo: build a fresh demo state.db (timestamps relative to now), run
# the toolkit's pipelines on it, then open mx-top when on a terminal.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
dir="$top/demo"
db="$dir/state.db"
PATH="$top/bin:$PATH"
export PATH

mkdir -p "$dir"
rm -f "$db" "$db-wal" "$db-shm"
sqlite3 -bail "$db" <"$top/tests/schema.sql" >/dev/null
sqlite3 -bail "$db" <"$top/tools/mkdemo.sql"
echo "demo database: $db"

show() {
	printf '\n$ %s\n' "$*"
	"$@"
}

export MX_DB="$db"
show mx-runs
show mx-runs -s idle -o repo_full_name,run_kind,issue_number,elapsed_seconds
show mx-metrics -w 7d
show mx-metrics -w 24h -g failure_class
show mx-prs
show mx-history -i 604 -t -r acme/api
show mx-history -n 5
printf '\n$ mx-metrics -j | jq .overview\n'
if command -v jq >/dev/null 2>&1; then
	mx-metrics -j | jq -c .overview
fi
printf '\n$ mx-runs -s failed -w 7d -H -o repo_full_name,failure_class | sort | uniq -c | sort -rn | head -5\n'
mx-runs -s failed -w 7d -H -o repo_full_name,failure_class | sort | uniq -c |
    sort -rn | head -5

if [ -t 0 ] && [ -t 1 ] && [ "${TERM:-dumb}" != dumb ]; then
	printf '\nopening mx-top (q quits, ? lists the keys)...\n'
	sleep 2
	exec mx-top -d "$db"
fi
show mx-top -b -i 1 -d "$db"
