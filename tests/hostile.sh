#!/bin/sh
# Generate the hostile databases of tests/hostile.bats into DIR, one
# folder per case, each holding a state.db (and what lies beside it):
#
#   empty           a zero-byte file
#   trunc-4k        the first 4096 bytes of a real database
#   trunc-half      the first half of its pages
#   random          64 KiB of random bytes
#   random-header   a real SQLite header, then random bytes
#   garbage-pages   a real database with random bytes over a third of it
#   fifo            a named pipe where the file should be
#   old-schema      an older MergeXO: no history tables
#   wrong-columns   tables of the right names with the wrong columns
#   text-issue      issue_number = 'abc' in every table that has it
#   text-pr         pr_number = 'abc'
#   text-duration   duration_seconds = 'x'
#   nulls           NULL in every NOT NULL column (tables made without
#                   the constraint)
#   blobs           BLOBs with NUL bytes and invalid UTF-8 where text goes
#   timestamps      timestamps empty, garbage, in the year 9999 or 0000
#   numbers         durations negative and huge (1e308, -5, Inf),
#                   integers at the limits of 64 bits
#   bigtext         100 kB texts in every text column
#   many-open       10,000 open runs
#   hot-wal         a database and the -wal of a writer killed with
#                   SIGKILL: 100 committed runs not yet checkpointed (in
#                   the -wal only), then an uncommitted transaction; no
#                   -shm, so a reader must recover the -wal
#   ro-dir          a database in a read-only folder (chmod 555)
#   ro-wal-noshm    a WAL database without -wal or -shm in a read-only
#                   folder
#   ro-crash        hot-wal with the writer's -shm, in a read-only folder
#   ro-hot-wal      hot-wal (no -shm) in a read-only folder
#   ro-unreadable   a database its reader may not read (mode 000)
#
# Folders named ro-* are made read-only (their files readable by all
# but ro-unreadable's); run the programs on them as another user than
# the owner (root ignores the modes).  DIR must not exist or be empty.
# Needs sqlite3 and tests/schema.sql.  Prints nothing; exits non-zero
# on failure.
#
# usage: sh tests/hostile.sh DIR
set -eu

if [ $# -ne 1 ]; then
	echo "usage: sh tests/hostile.sh DIR" >&2
	exit 64
fi
here=$(cd "$(dirname "$0")" && pwd)
schema=$here/schema.sql
mkdir -p "$1"
dir=$(cd "$1" && pwd)
export LC_ALL=C

# random N SEED: N pseudo-random bytes, the same for the same seed.
random() {
	awk -v n="$1" -v seed="$2" 'BEGIN {
		srand(seed)
		for (i = 0; i < n; i++)
			printf "%c", int(rand() * 256)
	}'
}

# db CASE [SQL]: a fresh MergeXO database in DIR/CASE/state.db in
# rollback-journal mode, then SQL.
db() {
	mkdir -p "$dir/$1"
	sqlite3 -batch -bail "$dir/$1/state.db" <"$schema" >/dev/null
	sqlite3 -batch -bail "$dir/$1/state.db" \
	    "PRAGMA journal_mode = DELETE; ${2:-}" >/dev/null
}

# sq CASE SQL: run SQL on the case's database.
sq() {
	sqlite3 -batch -bail "$dir/$1/state.db" "$2" >/dev/null
}

# populate N: SQL adding N runs (every tenth open, every twentieth of
# those active), their PR transitions, and the snapshot rows mx-prs
# reads.
populate() {
	cat <<EOF
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1)
INSERT INTO agent_run_history (run_id, repo_full_name, run_kind,
    issue_number, pr_number, flow, branch, started_at, finished_at,
    terminal_status, failure_class, error, duration_seconds, meta_json)
SELECT printf('run-%06d', i),
    CASE i % 3 WHEN 0 THEN 'org/app' WHEN 1 THEN 'org/lib'
        ELSE 'acme/site' END,
    CASE i % 4 WHEN 0 THEN 'issue_flow' WHEN 1 THEN 'implementation_flow'
        WHEN 2 THEN 'pre_pr_followup' ELSE 'feedback_turn' END,
    1 + i % 50, CASE WHEN i % 2 = 1 THEN 1 + i % 50 END,
    'default', printf('agent/issue-%d', 1 + i % 50),
    strftime('%Y-%m-%dT%H:%M:%fZ', 'now', printf('-%d minutes', i * 3)),
    CASE WHEN i % 10 = 0 THEN NULL ELSE strftime('%Y-%m-%dT%H:%M:%fZ',
        'now', printf('-%d minutes', i * 3 - 2)) END,
    CASE WHEN i % 10 = 0 THEN NULL WHEN i % 7 = 0 THEN 'failed'
        ELSE 'completed' END,
    CASE WHEN i % 10 <> 0 AND i % 7 = 0 THEN 'tests_failed' END,
    CASE WHEN i % 10 <> 0 AND i % 7 = 0 THEN 'pytest: ' ||
        replace(hex(zeroblob(100)), '0', 'e') END,
    CASE WHEN i % 10 = 0 THEN NULL ELSE 120.0 + i % 13 END,
    CASE WHEN i % 20 = 0 THEN '{"codex_active": true, "last_prompt": "go"}'
        ELSE '{}' END
FROM n;
INSERT INTO pr_status_history (repo_full_name, pr_number, issue_number,
    from_status, to_status, reason, detail, changed_at)
SELECT repo_full_name, pr_number, issue_number, NULL, 'awaiting_feedback',
    'opened', 'detail', started_at
FROM agent_run_history WHERE pr_number IS NOT NULL;
INSERT INTO issue_runs (repo_full_name, issue_number, status, branch,
    pr_number, error, updated_at, github_state)
VALUES ('org/app', 1, 'awaiting_feedback', 'agent/issue-1', 1, NULL,
        strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-1 hours'), 'open'),
    ('org/app', 2, 'awaiting_issue_followup', 'agent/issue-2', NULL,
        'needs an answer', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), NULL),
    ('org/lib', 3, 'merged', 'agent/issue-3', 3, NULL,
        strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-2 hours'), 'closed'),
    ('org/lib', 4, 'closed', 'agent/issue-4', NULL, 'gave up',
        strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-3 hours'), 'closed'),
    ('acme/site', 5, 'blocked', 'agent/issue-5', 5, 'policy',
        strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), 'OPEN');
INSERT INTO pr_feedback_state (repo_full_name, pr_number, issue_number,
    branch, status, last_seen_head_sha)
VALUES ('org/app', 1, 1, 'agent/issue-1', 'awaiting_feedback', 'abc123'),
    ('acme/site', 5, 5, 'agent/issue-5', 'blocked', 'def456');
INSERT INTO pre_pr_followup_state (repo_full_name, issue_number, flow,
    branch, context_json, waiting_reason)
VALUES ('org/app', 2, 'default', 'agent/issue-2', '{}', 'asked a question');
INSERT INTO feedback_events (repo_full_name, event_key, pr_number,
    issue_number, kind, comment_id, updated_at, processed_at)
VALUES ('org/app', 'e1', 1, 1, 'review', 11,
        strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-5 minutes'), NULL);
INSERT INTO action_tokens (repo_full_name, token, scope_kind, scope_number,
    status, observed_updated_at)
VALUES ('org/app', 't1', 'pr', 1, 'observed',
        strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-4 minutes'));
INSERT INTO github_comment_poll_cursors (repo_full_name, surface,
    scope_number, last_updated_at, last_comment_id)
VALUES ('org/app', 'pr_review_comments', 1,
        strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-3 minutes'), 7);
INSERT INTO issue_takeover_state (repo_full_name, issue_number,
    ignore_active) VALUES ('org/lib', 9, 1);
EOF
}

# A real database to cut up: 2,000 runs.
db real "$(populate 2000)"
size=$(wc -c <"$dir/real/state.db")
pages=$((size / 4096))

mkdir -p "$dir/empty"
: >"$dir/empty/state.db"

mkdir -p "$dir/trunc-4k" "$dir/trunc-half"
head -c 4096 "$dir/real/state.db" >"$dir/trunc-4k/state.db"
head -c $((pages / 2 * 4096)) "$dir/real/state.db" \
    >"$dir/trunc-half/state.db"

mkdir -p "$dir/random" "$dir/random-header"
random 65536 1 >"$dir/random/state.db"
{ head -c 100 "$dir/real/state.db"; random 65436 2; } \
    >"$dir/random-header/state.db"

mkdir -p "$dir/garbage-pages"
cp "$dir/real/state.db" "$dir/garbage-pages/state.db"
random $((pages / 3 * 4096)) 3 | dd of="$dir/garbage-pages/state.db" \
    bs=4096 seek=$((pages / 3)) conv=notrunc 2>/dev/null

mkdir -p "$dir/fifo"
mkfifo "$dir/fifo/state.db"

db old-schema "$(populate 20)
DROP TABLE agent_run_history; DROP TABLE pr_status_history;"

mkdir -p "$dir/wrong-columns"
sqlite3 -batch -bail "$dir/wrong-columns/state.db" >/dev/null <<'EOF'
CREATE TABLE agent_run_history (id INTEGER PRIMARY KEY, what TEXT);
INSERT INTO agent_run_history (what) VALUES ('not a run');
CREATE TABLE pr_status_history (run_id TEXT, started_at TEXT);
INSERT INTO pr_status_history VALUES ('r', 'now');
CREATE TABLE issue_runs (repo TEXT, n INTEGER);
INSERT INTO issue_runs VALUES ('org/app', 1);
CREATE TABLE pr_feedback_state (status TEXT);
INSERT INTO pr_feedback_state VALUES ('awaiting_feedback');
CREATE TABLE feedback_events (x);
CREATE TABLE issue_takeover_state (repo_full_name TEXT);
CREATE TABLE pre_pr_followup_state (flow TEXT);
CREATE TABLE action_tokens (token TEXT);
CREATE TABLE github_comment_poll_cursors (surface TEXT);
EOF

db text-issue "$(populate 50)
UPDATE agent_run_history SET issue_number = 'abc' WHERE rowid % 5 = 0;
UPDATE pr_status_history SET issue_number = 'abc' WHERE id % 5 = 0;
UPDATE issue_runs SET issue_number = 'abc' || issue_number;
UPDATE pr_feedback_state SET issue_number = 'abc';
UPDATE pre_pr_followup_state SET issue_number = 'abc2';
UPDATE issue_takeover_state SET issue_number = 'abc';
UPDATE feedback_events SET issue_number = 'abc';"

db text-pr "$(populate 50)
UPDATE agent_run_history SET pr_number = 'abc' WHERE rowid % 5 = 1;
UPDATE pr_status_history SET pr_number = 'abc' WHERE id % 5 = 0;
UPDATE issue_runs SET pr_number = 'abc' || pr_number;
UPDATE pr_feedback_state SET pr_number = 'abc' || pr_number;
UPDATE feedback_events SET pr_number = 'abc';
UPDATE action_tokens SET scope_number = 'abc';
UPDATE github_comment_poll_cursors SET scope_number = 'abc',
    last_comment_id = 'x';"

db text-duration "$(populate 50)
UPDATE agent_run_history SET duration_seconds = 'x'
    WHERE finished_at IS NOT NULL AND rowid % 3 = 0;"

# Without NOT NULL, NULL goes everywhere.
mkdir -p "$dir/nulls"
sed 's/ NOT NULL//' "$schema" |
    sqlite3 -batch -bail "$dir/nulls/state.db" >/dev/null
sqlite3 -batch -bail "$dir/nulls/state.db" >/dev/null <<EOF
PRAGMA journal_mode = DELETE;
$(populate 30)
INSERT INTO agent_run_history (run_id, meta_json) VALUES (NULL, NULL);
INSERT INTO agent_run_history (run_id, repo_full_name, run_kind,
    issue_number, started_at, meta_json)
VALUES ('open-null', NULL, NULL, NULL, NULL, NULL),
    ('done-null', 'org/app', NULL, 1, NULL, NULL);
UPDATE agent_run_history SET finished_at = started_at,
    terminal_status = 'failed', duration_seconds = NULL
    WHERE run_id = 'done-null';
INSERT INTO pr_status_history (repo_full_name, pr_number, issue_number,
    to_status, changed_at) VALUES (NULL, NULL, NULL, NULL, NULL),
    ('org/app', 1, 1, NULL, NULL);
INSERT INTO issue_runs (repo_full_name, issue_number, status, updated_at)
VALUES (NULL, NULL, NULL, NULL), ('org/app', 9, 'merged', NULL),
    ('org/app', 10, 'awaiting_issue_followup', NULL);
INSERT INTO pr_feedback_state (repo_full_name, pr_number, issue_number,
    branch, status) VALUES (NULL, NULL, NULL, NULL, NULL),
    ('org/app', 9, NULL, NULL, 'blocked'),
    ('org/app', 10, NULL, NULL, 'awaiting_feedback');
INSERT INTO feedback_events (repo_full_name, event_key, pr_number,
    issue_number, kind, comment_id, updated_at)
VALUES ('org/app', 'n1', 10, NULL, NULL, NULL, NULL);
INSERT INTO pre_pr_followup_state (repo_full_name, issue_number)
VALUES ('org/app', 10);
INSERT INTO issue_takeover_state (repo_full_name, issue_number,
    ignore_active) VALUES (NULL, NULL, NULL);
INSERT INTO action_tokens (repo_full_name, token, scope_kind,
    scope_number, status) VALUES ('org/app', NULL, 'pr', NULL, 'observed');
INSERT INTO github_comment_poll_cursors (repo_full_name, surface,
    scope_number, last_updated_at, last_comment_id)
VALUES ('org/app', 'pr_review_comments', 10, NULL, NULL);
EOF

db blobs "$(populate 20)
UPDATE agent_run_history SET
    run_id = CAST(X'0061FF62' || CAST(rowid AS BLOB) AS BLOB),
    repo_full_name = X'6F72672FFF00',
    branch = X'C3A9FEFF0A09',
    error = X'00', meta_json = X'7B2261223A007D'
    WHERE rowid % 2 = 0;
UPDATE agent_run_history SET meta_json =
    CAST('{\"codex_active\": true, \"last_prompt\": \"' AS BLOB) ||
    X'FF0022' || CAST('}' AS BLOB) WHERE rowid % 4 = 1;
UPDATE pr_status_history SET reason = X'FF', detail = X'00FE';
UPDATE issue_runs SET error = X'1B5B33316D', branch = X'FF';
UPDATE pr_feedback_state SET last_seen_head_sha = X'00';"

db timestamps "$(populate 30)
UPDATE agent_run_history SET started_at = CASE rowid % 6
    WHEN 0 THEN '' WHEN 1 THEN 'garbage' WHEN 2 THEN '9999-12-31T23:59:59.999Z'
    WHEN 3 THEN '0000-00-00T00:00:00Z' WHEN 4 THEN '2026-02-30T25:61:61+99:99'
    ELSE '-4713-11-24T12:00:00Z' END;
UPDATE agent_run_history SET finished_at = CASE rowid % 5
    WHEN 0 THEN '' WHEN 1 THEN 'x' WHEN 2 THEN '9999-12-31T23:59:59.999Z'
    WHEN 3 THEN '2026-02-24 12:34:56+00:00' ELSE '1970-01-01T00:00:00Z' END
    WHERE finished_at IS NOT NULL;
UPDATE pr_status_history SET changed_at = CASE id % 3
    WHEN 0 THEN '' WHEN 1 THEN '9999-12-31T23:59:59.999Z' ELSE 'never' END;
UPDATE issue_runs SET updated_at = CASE rowid % 3
    WHEN 0 THEN '' WHEN 1 THEN '9999-12-31T23:59:59.999Z' ELSE 'soon' END;
UPDATE feedback_events SET updated_at = '9999-12-31T23:59:59.999Z';
UPDATE action_tokens SET observed_updated_at = '';
UPDATE github_comment_poll_cursors SET last_updated_at = 'garbage';
UPDATE agent_run_history SET meta_json =
    '{\"codex_active\": true, \"codex_invocation_started_at\": \"9999\"}'
    WHERE finished_at IS NULL;"

db numbers "$(populate 30)
UPDATE agent_run_history SET duration_seconds = CASE rowid % 6
    WHEN 0 THEN -5 WHEN 1 THEN 1e308 WHEN 2 THEN -1e308 WHEN 3 THEN 9e999
    WHEN 4 THEN -9e999 ELSE 4.9e-324 END WHERE finished_at IS NOT NULL;
UPDATE agent_run_history SET issue_number = 9223372036854775807,
    pr_number = -9223372036854775808 WHERE rowid % 4 = 0;
UPDATE agent_run_history SET issue_number = 0, pr_number = 0
    WHERE rowid % 4 = 1;
UPDATE pr_status_history SET pr_number = 9223372036854775807,
    issue_number = -1 WHERE id % 2 = 0;
UPDATE pr_status_history SET id = 9223372036854775807 WHERE id = 1;
UPDATE issue_runs SET issue_number = -issue_number,
    pr_number = 9223372036854775807;
UPDATE pr_feedback_state SET pr_number = -9223372036854775808;
UPDATE github_comment_poll_cursors SET last_comment_id = 9223372036854775807;"

# A 100 kB text of quotes, backslashes, tabs and newlines.
big="replace(hex(zeroblob(12800)), '00',
    'a\"b' || char(9) || 'c''d\\' || char(10))"
db bigtext "$(populate 20)
UPDATE agent_run_history SET error = $big, branch = $big, flow = $big
    WHERE rowid % 2 = 0;
UPDATE agent_run_history SET repo_full_name = $big WHERE rowid = 3;
UPDATE agent_run_history SET meta_json = json_object('codex_active',
    json('true'), 'last_prompt', $big, 'codex_mode', $big)
    WHERE finished_at IS NULL;
UPDATE pr_status_history SET reason = $big, detail = $big;
UPDATE issue_runs SET error = $big, branch = $big;
UPDATE pr_feedback_state SET branch = $big, last_seen_head_sha = $big;
UPDATE pre_pr_followup_state SET waiting_reason = $big;"

db many-open "
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000)
INSERT INTO agent_run_history (run_id, repo_full_name, run_kind,
    issue_number, pr_number, started_at, meta_json)
SELECT printf('open-%05d', i), printf('org/repo-%d', i % 40),
    'issue_flow', i, CASE WHEN i % 2 THEN i END,
    strftime('%Y-%m-%dT%H:%M:%fZ', 'now', printf('-%d seconds', i * 7)),
    CASE WHEN i % 2 THEN '{\"codex_active\": true}' ELSE '{}' END
FROM n;"

# A writer killed mid-transaction: 100 runs committed into the -wal (no
# checkpoint), then a big transaction that spills uncommitted pages into
# it, killed with SIGKILL.  Its database and -wal are what a crash
# leaves; the -shm is left out so that a reader must recover the -wal.
mkdir -p "$dir/wal-writer"
sqlite3 -batch -bail "$dir/wal-writer/state.db" <"$schema" >/dev/null
fifo=$dir/wal-writer/sql
mkfifo "$fifo"
sqlite3 -batch "$dir/wal-writer/state.db" <"$fifo" >/dev/null 2>&1 &
writer=$!
exec 3>"$fifo"
cat >&3 <<'EOF'
PRAGMA wal_autocheckpoint = 0;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100)
INSERT INTO agent_run_history (run_id, repo_full_name, run_kind,
    issue_number, started_at, finished_at, terminal_status,
    duration_seconds, meta_json)
SELECT printf('committed-%03d', i), 'org/app', 'issue_flow', i,
    strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-1 hours'),
    CASE WHEN i % 2 THEN strftime('%Y-%m-%dT%H:%M:%fZ', 'now') END,
    CASE WHEN i % 2 THEN 'completed' END, CASE WHEN i % 2 THEN 3600.0 END,
    '{"codex_active": true}'
FROM n;
PRAGMA cache_size = 10;
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n
    WHERE i < 100000000)
INSERT INTO agent_run_history (run_id, repo_full_name, run_kind,
    issue_number, started_at, meta_json)
SELECT printf('uncommitted-%09d', i), 'org/app', 'issue_flow', i,
    '2026-01-01T00:00:00.000Z', hex(zeroblob(200))
FROM n;
EOF
walsize() {
	if [ -f "$dir/wal-writer/state.db-wal" ]; then
		wc -c <"$dir/wal-writer/state.db-wal"
	else
		echo 0
	fi
}
i=0
while [ "$(walsize)" -lt 2000000 ]; do
	i=$((i + 1))
	if [ $i -gt 300 ] || ! kill -0 $writer 2>/dev/null; then
		echo "hostile.sh: the writer made no -wal" >&2
		kill -9 $writer 2>/dev/null
		exit 1
	fi
	sleep 0.1
done
kill -9 $writer
wait $writer 2>/dev/null || :
exec 3>&-
mkdir -p "$dir/hot-wal" "$dir/ro-crash" "$dir/ro-hot-wal"
cp "$dir/wal-writer/state.db" "$dir/wal-writer/state.db-wal" "$dir/hot-wal/"
cp "$dir/wal-writer/state.db" "$dir/wal-writer/state.db-wal" \
    "$dir/ro-hot-wal/"
cp "$dir/wal-writer/state.db" "$dir/wal-writer/state.db-wal" \
    "$dir/wal-writer/state.db-shm" "$dir/ro-crash/"
rm -rf "$dir/wal-writer"

mkdir -p "$dir/ro-dir"
cp "$dir/real/state.db" "$dir/ro-dir/"

mkdir -p "$dir/ro-wal-noshm"
sqlite3 -batch -bail "$dir/ro-wal-noshm/state.db" <"$schema" >/dev/null
sqlite3 -batch -bail "$dir/ro-wal-noshm/state.db" "$(populate 200)"
if [ -e "$dir/ro-wal-noshm/state.db-wal" ] ||
    [ -e "$dir/ro-wal-noshm/state.db-shm" ]; then
	echo "hostile.sh: sqlite3 left a -wal or -shm behind" >&2
	exit 1
fi


mkdir -p "$dir/ro-unreadable"
cp "$dir/real/state.db" "$dir/ro-unreadable/"

rm -rf "$dir/real"
chmod 755 "$dir"
for d in "$dir"/ro-*; do
	chmod 444 "$d"/*
	chmod 555 "$d"
done
chmod 000 "$dir/ro-unreadable/state.db"
