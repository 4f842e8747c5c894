# Shared by every suite: bats libraries, PATH, and builders of
# MergeXO-shaped databases with rows at times relative to now.

bats_load_library bats-support
bats_load_library bats-assert

TOP=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
PATH="$TOP/bin:$PATH"
export PATH
unset MX_DB
export HOME="$BATS_TEST_TMPDIR/home"
export TZ=UTC
DB="$BATS_TEST_TMPDIR/state.db"
export DB

# Work in the test's own folder, so no ./mergexo.toml is found by chance.
mkdir -p "$HOME"
cd "$BATS_TEST_TMPDIR" || exit 1

# sql [SQL...]: run SQL on $DB (stdin when no argument).
sql() {
	sqlite3 -batch -bail "$DB" "$@"
}

# mkdb [PATH]: a fresh MergeXO state.db with history tables.
mkdb() {
	sqlite3 -batch -bail "${1:-$DB}" <"$TOP/tests/schema.sql" >/dev/null
}

# mkdb_old [PATH]: a state.db of an older MergeXO: no history tables.
mkdb_old() {
	mkdb "${1:-$DB}"
	sqlite3 -batch -bail "${1:-$DB}" \
	    'DROP TABLE agent_run_history; DROP TABLE pr_status_history;'
}

# sqlq VALUE: VALUE as an SQL literal.  NULL stays NULL; @N[smhd] is a
# timestamp N seconds/minutes/hours/days ago (@-N[smhd] in the future),
# @now is now; anything else is quoted text (SQLite's column affinity
# makes numbers of it in INTEGER and REAL columns).
sqlq() {
	local v=$1 n unit
	case $v in
	NULL) printf 'NULL' ;;
	@now) printf "strftime('%%Y-%%m-%%dT%%H:%%M:%%fZ','now')" ;;
	@*[smhd])
		n=${v#@}
		unit=${n: -1}
		n=${n%?}
		case $unit in
		s) unit=seconds ;; m) unit=minutes ;;
		h) unit=hours ;; d) unit=days ;;
		esac
		case $n in
		-*) n=+${n#-} ;;
		*) n=-$n ;;
		esac
		printf "strftime('%%Y-%%m-%%dT%%H:%%M:%%fZ','now','%s %s')" \
		    "$n" "$unit"
		;;
	*) printf "'%s'" "${v//\'/\'\'}" ;;
	esac
}

# row TABLE col=value...: insert one row (values as sqlq reads them).
row() {
	local table=$1 cols= vals= kv
	shift
	for kv in "$@"; do
		cols="$cols${cols:+,}${kv%%=*}"
		vals="$vals${vals:+,}$(sqlq "${kv#*=}")"
	done
	sql "INSERT INTO $table($cols) VALUES($vals);"
}

# add_run col=value...: an agent run.  Defaults: repo_full_name=org/app,
# run_kind=issue_flow, issue_number=1, started_at=@1h, a random run_id;
# duration_seconds is computed as MergeXO does when finished_at is given.
add_run() {
	local kv have=" " args=()
	for kv in "$@"; do
		have="$have${kv%%=*} "
	done
	[[ $have == *" run_id "* ]] || args+=("run_id=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')")
	[[ $have == *" repo_full_name "* ]] || args+=(repo_full_name=org/app)
	[[ $have == *" run_kind "* ]] || args+=(run_kind=issue_flow)
	[[ $have == *" issue_number "* ]] || args+=(issue_number=1)
	[[ $have == *" started_at "* ]] || args+=(started_at=@1h)
	row agent_run_history "${args[@]}" "$@"
	if [[ $have == *" finished_at "* && $have != *" duration_seconds "* ]]; then
		sql "UPDATE agent_run_history SET duration_seconds =
		    max(0.0, (julianday(finished_at) - julianday(started_at)) * 86400.0)
		    WHERE finished_at IS NOT NULL AND duration_seconds IS NULL;"
	fi
}

# fin col=value...: a run that finished 10 minutes ago (started 2 hours
# ago), completed, unless the arguments say otherwise; add_run's defaults
# for the rest.
fin() {
	local kv have=" " args=()
	for kv in "$@"; do
		have="$have${kv%%=*} "
	done
	[[ $have == *" started_at "* ]] || args+=(started_at=@2h)
	[[ $have == *" finished_at "* ]] || args+=(finished_at=@10m)
	[[ $have == *" terminal_status "* ]] || args+=(terminal_status=completed)
	add_run "${args[@]}" "$@"
}

# add_transition col=value...: a PR status change (repo org/app, PR 1,
# issue 1, to_status awaiting_feedback unless given).
add_transition() {
	local kv have=" " args=()
	for kv in "$@"; do
		have="$have${kv%%=*} "
	done
	[[ $have == *" repo_full_name "* ]] || args+=(repo_full_name=org/app)
	[[ $have == *" pr_number "* ]] || args+=(pr_number=1)
	[[ $have == *" issue_number "* ]] || args+=(issue_number=1)
	[[ $have == *" to_status "* ]] || args+=(to_status=awaiting_feedback)
	row pr_status_history "${args[@]}" "$@"
}

# lock_db: a writer (sqlite3 in the background) holds $DB under an
# exclusive lock, mid-transaction, until unlock_db; returns once readers
# are locked out (or after 5 s).
lock_db() {
	local i
	mkfifo "$BATS_TEST_TMPDIR/lockfifo"
	sqlite3 "$DB" <"$BATS_TEST_TMPDIR/lockfifo" >/dev/null 2>&1 3>&- &
	LOCK_PID=$!
	exec 4>"$BATS_TEST_TMPDIR/lockfifo"
	printf '%s\n' 'PRAGMA locking_mode = EXCLUSIVE;' 'BEGIN EXCLUSIVE;' \
	    "INSERT INTO issue_runs(repo_full_name, issue_number, status)
	    VALUES ('org/lock', 1, 'running');" >&4
	for i in {1..100}; do
		sqlite3 "$DB" 'PRAGMA busy_timeout = 0;
		    SELECT 1 FROM issue_runs' >/dev/null 2>&1 || break
		sleep 0.05
	done
}

# unlock_db: the writer of lock_db ends without committing.
unlock_db() {
	exec 4>&-
	wait "$LOCK_PID"
}

# refused_readonly PROG [ARGS...]: run PROG -d COPY ARGS as user nobody on
# a root-owned copy of $DB it may read but not write (as root, chmod would
# not stop a write): it must exit 66 with one line saying so, print
# nothing, and leave the file's bytes and its folder's listing alone.
refused_readonly() {
	local prog=$1 d sum after listing
	shift
	command -v setpriv >/dev/null || skip "setpriv missing"
	[ "$(id -u)" = 0 ] || skip "needs root to switch to nobody"
	d=$(mktemp -d /tmp/mx-ro.XXXXXX)
	chmod 755 "$d"
	cp "$DB" "$d/state.db"
	chmod 644 "$d/state.db"
	sum=$(filesum "$d/state.db")
	run -66 --separate-stderr setpriv --reuid=nobody --regid=nogroup \
	    --clear-groups "$TOP/bin/$prog" -d "$d/state.db" "$@"
	after=$(filesum "$d/state.db")
	listing=$(ls "$d")
	rm -rf "$d"
	assert_output ''
	assert_equal "$stderr" "$prog: $d/state.db: not writable: Permission denied"
	assert_equal "$after" "$sum"
	assert_equal "$listing" state.db
}

# sha256 of a file, for "nothing changed" checks.
filesum() {
	sha256sum "$1" | cut -d' ' -f1
}
