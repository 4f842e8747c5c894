#!/bin/sh
# make valgrind: every program under valgrind --leak-check=full on a
# fresh demo database, on the paths that work and on those that fail
# (bad options, missing and foreign files, an older schema, hostile rows,
# a full stdout, a held lock, a busy database), and mx-top both in batch
# mode and on a screen (in tmux, driven by keys).  Fails on any memory
# error, on any leak valgrind calls definite, indirect or possible
# (tools/valgrind.supp names the libraries' own), and on any exit status
# other than the one expected: a command line here that no longer fits
# the program's options shows up, not a silent usage error.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
dir=$(mktemp -d)
sock="mxvg$$"
cleanup() {
	if [ -n "${holder:-}" ]; then
		kill "$holder" 2>/dev/null || :
	fi
	tmux -L "$sock" kill-server 2>/dev/null || :
	rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
export LC_ALL=C.UTF-8 TZ=UTC HOME="$dir"
unset MX_DB COLUMNS NO_COLOR
cd "$dir"
PATH="$top/bin:$PATH"
export PATH

db="$dir/state.db"
sqlite3 -bail "$db" <"$top/tests/schema.sql" >/dev/null
sqlite3 -bail "$db" <"$top/tools/mkdemo.sql"
# An older MergeXO: no history tables.
sqlite3 -bail "$dir/old.db" <"$top/tests/schema.sql" >/dev/null
sqlite3 -bail "$dir/old.db" \
    'DROP TABLE agent_run_history; DROP TABLE pr_status_history;'
# Hostile rows: malformed and odd meta_json, invalid UTF-8, a 100 kB
# error, text in number columns, garbage times.
cp "$db" "$dir/bad.db"
sqlite3 -bail "$dir/bad.db" <<'EOF'
INSERT INTO agent_run_history(run_id, repo_full_name, run_kind,
    issue_number, started_at, meta_json) VALUES
 ('b1', 'acme/api', 'issue_flow', 1, 'garbage', '{"codex_active": true,'),
 ('b2', 'acme/api', 'issue_flow', 2, '9999-12-31T23:59:59Z', '[1, 2]'),
 ('b3', CAST(x'61ff2f62' AS TEXT), 'issue_flow', 'abc', '',
  '{"codex_active": true, "codex_active": true, "last_prompt": " '
  || CAST(x'c3' AS TEXT) || ' "}');
INSERT INTO agent_run_history(run_id, repo_full_name, run_kind,
    issue_number, started_at, finished_at, terminal_status, error,
    duration_seconds) VALUES
 ('b4', 'acme/api', 'issue_flow', 3, '2026-01-01', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'),
  'failed', printf('%.*c', 100000, 'x'), -1e308),
 ('b5', 'acme/api', 'issue_flow', 4, '', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'),
  'completed', NULL, 'NaN');
EOF
printf 'not a database\n' >"$dir/text.db"
printf '[runtime]\nbase_dir = "%s"\nobservability_default_window = "7d"\n' \
    "$dir" >"$dir/mergexo.toml"
printf '[runtime\nbase_dir = \n' >"$dir/broken.toml"

VG="valgrind -q --leak-check=full \
    --show-leak-kinds=definite,indirect,possible \
    --errors-for-leak-kinds=definite,indirect,possible \
    --suppressions=$top/tools/valgrind.supp --error-exitcode=99"
fail=0
n=0

# vg STATUS COMMAND...: COMMAND under valgrind, stdin /dev/null, stdout
# to $out (default $dir/out); it must exit STATUS, valgrind-clean.
out="$dir/out"
vg() {
	want=$1
	shift
	n=$((n + 1))
	cmd=$(printf '%s' "$*" | tr '\n' ' ')
	set +e
	$VG "$@" <"/dev/null" >"$out" 2>"$dir/err"
	rc=$?
	set -e
	if [ "$rc" -eq 99 ]; then
		echo "FAILED $cmd (valgrind)"
		cat "$dir/err"
		fail=1
	elif [ "$rc" -ne "$want" ]; then
		echo "FAILED $cmd (exit $rc, expected $want)"
		head -5 "$dir/err"
		fail=1
	else
		if [ "$want" -eq 0 ]; then
			echo "ok     $cmd"
		else
			echo "ok     $cmd (exit $want)"
		fi
	fi
	out="$dir/out"
}

for p in mx-runs mx-metrics mx-prs mx-history mx-reconcile mx-prune \
    mx-record mx-top; do
	vg 0 $p --help
	vg 0 $p --version
	vg 64 $p -Z
done

# The read programs, every option, both formats.
vg 0 mx-runs -d "$db" -s all -w all
vg 0 mx-runs -d "$db" -j -s open
vg 0 mx-runs -d "$db" -J -s finished -w 7d -r acme/api -o run_id,error,prompt
vg 0 mx-runs -d "$db" -H -s failed,blocked -k issue_flow,feedback_turn -n 3 -w 30d
vg 0 mx-runs -d "$db" -s all -w all -i 604 -p 1004
vg 0 mx-metrics -d "$db" -w 30d -j
vg 0 mx-metrics -d "$db" -w 7d -g failure_class
vg 0 mx-metrics -d "$db" -J -g kind -r acme/web -n 2 -o run_kind,p95_runtime_seconds
vg 0 mx-metrics -d "$db" -H -w all
vg 0 mx-prs -d "$db"
vg 0 mx-prs -d "$db" -J -r acme/api
vg 0 mx-prs -d "$db" -j -s blocked -n 2 -o repo_full_name,blocked_reason
vg 0 mx-history -d "$db" -i 604 -t -j
vg 0 mx-history -d "$db" -i 604 -r acme/api -H
vg 0 mx-history -d "$db" -p 1004 -r acme/api
vg 0 mx-history -d "$db" -J -p 1004 -o id,to_status
vg 0 mx-history -d "$db" -n 20 -O 5
# What mx-top runs.
vg 0 mx-runs -j -d "$db" -n 200
vg 0 mx-metrics -j -d "$db" -w 24h
vg 0 mx-prs -j -d "$db" -n 200
vg 0 mx-history -j -d "$db" -n 200
# Finding the database.
vg 0 mx-runs -c "$dir/mergexo.toml" -s all
MX_DB="$db"
export MX_DB
vg 0 mx-metrics -j
unset MX_DB
# An older schema, hostile rows.
vg 0 mx-runs -d "$dir/old.db" -s all -w all
vg 0 mx-metrics -d "$dir/old.db" -j
vg 0 mx-prs -d "$dir/old.db"
vg 0 mx-history -d "$dir/old.db" -i 1 -t
vg 65 mx-runs -d "$dir/bad.db" -s all -w all -j -o run_id,repo_full_name,error,elapsed_seconds,busy,prompt
vg 65 mx-runs -d "$dir/bad.db" -s all -w all
vg 0 mx-metrics -d "$dir/bad.db" -w all -j
vg 0 mx-history -d "$dir/bad.db" -i 3 -t
# Errors.
vg 64 mx-runs -d "$db" -s bogus
vg 64 mx-runs -d "$db" -o run_id,nope
vg 64 mx-metrics -d "$db" -w 3x
vg 64 mx-prs -d "$db" -n 0
vg 64 mx-history -d "$db" -i 1 -p 2
vg 66 mx-runs -d "$dir/missing.db"
vg 66 mx-metrics -d "$dir/text.db"
vg 66 mx-prs -d "$dir"
vg 65 mx-history -c "$dir/broken.toml"
out=/dev/full
vg 74 mx-runs -d "$db" -s all -w all
out=/dev/full
vg 74 mx-metrics -d "$db" -j

# The writers.
vg 0 mx-record -d "$db" start -r acme/api -k issue_flow -i 9000
run=$(mx-record -d "$db" start -r acme/api -k feedback_turn -i 9001 -p 9 \
    -b agent/9001 -f bugfix -m '{"codex_active": false}' \
    -t 2026-02-24T12:34:56+02:00)
vg 0 mx-record -d "$db" meta "$run" '{"codex_active": true}'
vg 64 mx-record -d "$db" meta "$run" '{"codex_active": '
vg 0 mx-record -d "$db" finish "$run" -s failed -c tests_failed -e boom
vg 65 mx-record -d "$db" finish "$run" -s completed
vg 64 mx-record -d "$db" finish "$run" -s nope
vg 0 mx-record -d "$db" transition -r acme/api -p 1 -i 9001 -T blocked -R red -D 'CI
failed'
vg 0 mx-record -d "$db" transition -r acme/api -p 1 -i 9001 -F blocked -T blocked
vg 0 mx-record -d "$dir/old.db" start -r acme/api -k issue_flow -i 1 -u old-1
vg 66 mx-record -d "$dir/missing.db" start -r acme/api -k issue_flow -i 1
vg 0 mx-prune -d "$db" -n -v -a 14d
vg 0 mx-prune -d "$db" -a 14d -r acme/web -v
vg 0 mx-prune -d "$db" -a 14d
vg 64 mx-prune -d "$db" -a all
# The service's lock: held (this shell), malformed, then gone.
printf '{"pid": %d, "command": ["mergexo", "service"], "started_at": "2026-02-24T12:00:00Z", "token": "t"}\n' \
    $$ >"$dir/writer.lock"
vg 75 mx-reconcile -d "$db" -v
vg 0 mx-reconcile -d "$db" -n -f
printf '{"pid": "12' >"$dir/writer.lock"
vg 75 mx-reconcile -d "$db"
rm -f "$dir/writer.lock"
vg 0 mx-reconcile -d "$db" -n -v
vg 0 mx-reconcile -d "$db" -v -r acme/api
vg 0 mx-reconcile -d "$db" -I -v
vg 0 mx-reconcile -d "$db" -v
vg 0 mx-reconcile -d "$dir/old.db" -v
# A writer that holds the database past the busy timeout: the sqlite3
# shell in a write transaction until its input, a FIFO, is closed.
mkfifo "$dir/fifo"
sqlite3 "$db" <"$dir/fifo" >"$dir/holder" &
holder=$!
exec 3>"$dir/fifo"
echo 'BEGIN IMMEDIATE; SELECT 1;' >&3
i=0
while [ "$(cat "$dir/holder")" != 1 ] && [ "$i" -lt 100 ]; do
	i=$((i + 1))
	sleep 0.1
done
vg 75 mx-record -d "$db" start -r acme/api -k issue_flow -i 9002
vg 75 mx-prune -d "$db" -a 1d
exec 3>&-
wait "$holder" || :
holder=

# mx-top: batch frames, a child that fails, then the screen.
vg 0 mx-top -d "$db" -b -i 2 -s 0.2
vg 0 mx-top -d "$db" -b -r acme/api -w 7d -n 5
vg 0 mx-top -d "$dir/bad.db" -b -w all
vg 69 mx-top -d "$dir/missing.db" -b
vg 64 mx-top -s 0
if command -v tmux >/dev/null 2>&1; then
	n=$((n + 1))
	tmux -L "$sock" -f /dev/null new-session -d -x 120 -y 40 \
	    "$VG --log-file=$dir/screen.vg mx-top -d '$db' -s 0.5 2>$dir/screen.err; echo \$? >$dir/screen.rc"
	i=0
	while ! tmux -L "$sock" capture-pane -p 2>/dev/null | grep -q 'Active'; do
		i=$((i + 1))
		[ "$i" -lt 300 ] || break
		sleep 0.1
	done
	for k in j j Enter Down Escape Tab Tab j Enter Escape '?' q '>' '>' R \
	    '/' a c m e Enter Escape f w p p + - Tab Tab End Home C-l; do
		tmux -L "$sock" send-keys "$k"
		sleep 0.3
	done
	tmux -L "$sock" resize-window -x 30 -y 8 2>/dev/null || :
	sleep 0.5
	tmux -L "$sock" resize-window -x 100 -y 30 2>/dev/null || :
	sleep 0.5
	tmux -L "$sock" send-keys q
	i=0
	while [ ! -s "$dir/screen.rc" ] && [ "$i" -lt 300 ]; do
		i=$((i + 1))
		sleep 0.1
	done
	rc=$(cat "$dir/screen.rc" 2>/dev/null || echo none)
	if [ "$rc" = 0 ] && [ ! -s "$dir/screen.vg" ]; then
		echo "ok     mx-top on a screen, keys pressed"
	else
		echo "FAILED mx-top on a screen (exit $rc)"
		cat "$dir/screen.vg" "$dir/screen.err" 2>/dev/null
		fail=1
	fi
else
	echo "skip   mx-top on a screen (no tmux)"
fi

if [ "$fail" -eq 0 ]; then
	echo "valgrind: $n runs clean"
else
	echo "valgrind: FAILED"
fi
exit $fail
