bats_require_minimum_version 1.7.0
load helper

# The read programs (and the dry runs of the write programs) never write:
# the database file, and its -wal, keep their bytes; no -wal, -shm or
# -journal file appears or goes away.  The -shm file is SQLite's
# shared-memory WAL index: every reader updates its read marks and may
# rebuild its header, so only its presence and size are compared.

# The commands checked, one per line; a program not built yet is skipped.
COMMANDS="mx-runs -s all
mx-runs -j -s all -w all
mx-runs -J -s open
mx-metrics
mx-metrics -j -w all
mx-prs
mx-prs -j
mx-history
mx-history -i 1
mx-history -p 1
mx-history -j -i 1
mx-reconcile -n
mx-prune -n -a 1s"

setup() {
	mkdb
	add_run run_id=r1 issue_number=1 pr_number=1 'meta_json={"codex_active": true}'
	add_run run_id=r2 issue_number=1 started_at=@3h finished_at=@2h \
	    terminal_status=failed failure_class=tests_failed
	add_run run_id=r3 repo_full_name=org/lib issue_number=2 started_at=@2d \
	    finished_at=@1d terminal_status=completed
	add_transition pr_number=1 issue_number=1 from_status=awaiting_feedback \
	    to_status=blocked changed_at=@1h
	row issue_runs repo_full_name=org/app issue_number=1 status=awaiting_feedback \
	    pr_number=1 active_run_id=r1
	row issue_runs repo_full_name=org/lib issue_number=2 status=merged pr_number=2
	row pr_feedback_state repo_full_name=org/app pr_number=1 issue_number=1 \
	    branch=agent/1 status=blocked
	row feedback_events repo_full_name=org/app event_key=e1 pr_number=1 \
	    issue_number=1 kind=review comment_id=3 updated_at=@10m
}

# state DB: sha256 of the database and its -wal, presence and size of the
# -wal, -shm and -journal files.
state() {
	local f
	for f in "$1" "$1-wal" "$1-shm" "$1-journal"; do
		if [ -e "$f" ]; then
			case $f in
			*-shm) echo "$f $(wc -c <"$f")" ;;
			*) echo "$f $(wc -c <"$f") $(filesum "$f")" ;;
			esac
		else
			echo "$f absent"
		fi
	done
}

# check_all: run every built command on $DB; its state must not change.
check_all() {
	local line prog checked=0 before
	while IFS= read -r line; do
		prog=${line%% *}
		[ -x "$TOP/bin/$prog" ] || continue
		before=$(state "$DB")
		# shellcheck disable=SC2086
		run --separate-stderr $line -d "$DB"
		[ "$status" -eq 0 ] || [ "$status" -eq 64 ] || {
			echo "$line: exit $status: $stderr"
			return 1
		}
		[ "$(state "$DB")" = "$before" ] || {
			echo "$line changed the database:"
			echo "$before"
			state "$DB"
			return 1
		}
		checked=$((checked + 1))
	done <<EOF
$COMMANDS
EOF
	[ "$checked" -gt 0 ]
	echo "# $checked commands checked" >&3
}

# In a folder it may write, a reader of a WAL database nobody has open
# opens it the ordinary way: that takes part in the WAL's read marks,
# which is what keeps a writer's checkpoint from overwriting pages under
# it.  It may leave an empty -wal and an -shm index, as every SQLite
# reader does; the database keeps its bytes and the -wal holds nothing.
# (In a read-only folder it creates nothing: tests/hostile.bats.)
@test "readonly: a WAL database without -wal or -shm keeps its bytes" {
	local line before
	[ "$(sql 'PRAGMA journal_mode')" = wal ]
	[ ! -e "$DB-wal" ] && [ ! -e "$DB-shm" ]
	before=$(filesum "$DB")
	while IFS= read -r line; do
		[ -x "$TOP/bin/${line%% *}" ] || continue
		# shellcheck disable=SC2086
		run --separate-stderr $line -d "$DB"
		[ "$status" -eq 0 ] || [ "$status" -eq 64 ]
		[ "$(filesum "$DB")" = "$before" ]
		[ ! -e "$DB-wal" ] || [ ! -s "$DB-wal" ]
		[ ! -e "$DB-journal" ]
	done <<EOF
$COMMANDS
EOF
}

@test "readonly: a WAL holding changes not yet checkpointed is not checkpointed" {
	# a writer that keeps its WAL, with a change only the WAL holds
	sqlite3 "$DB" '.filectrl persist_wal 1' \
	    "PRAGMA wal_autocheckpoint = 0;
	    INSERT INTO agent_run_history (run_id, repo_full_name, run_kind,
	    issue_number, started_at) VALUES ('w1', 'org/app', 'issue_flow', 9,
	    strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))" >/dev/null
	[ -s "$DB-wal" ] && [ -e "$DB-shm" ]
	check_all
	[ -s "$DB-wal" ] && [ -e "$DB-shm" ]
	# the readers saw the change that only the WAL holds
	if [ -x "$TOP/bin/mx-runs" ]; then
		run -0 mx-runs -d "$DB" -s open -H -o run_id
		assert_line w1
	fi
}

@test "readonly: a rollback-journal database is left as it is" {
	sql 'PRAGMA journal_mode = DELETE' >/dev/null
	[ "$(sql 'PRAGMA journal_mode')" = delete ]
	check_all
	[ ! -e "$DB-journal" ] && [ ! -e "$DB-wal" ]
}

@test "readonly: the check can fail: a write tool changes the state" {
	before=$(state "$DB")
	run -0 mx-record -d "$DB" transition -r org/app -p 1 -i 1 -T merged
	[ "$(state "$DB")" != "$before" ]
}
