-- A state.db as MergeXO writes it: its snapshot tables (after its
-- migrations, with columns in the order they end up in) and the two
-- history tables with their indexes.  Tests and the demo build on this.
PRAGMA journal_mode = WAL;

CREATE TABLE issue_runs (
    repo_full_name TEXT NOT NULL,
    issue_number INTEGER NOT NULL,
    status TEXT NOT NULL,
    branch TEXT,
    pr_number INTEGER,
    pr_url TEXT,
    error TEXT,
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    github_state TEXT NULL,
    last_failure_class TEXT NULL,
    retry_count INTEGER NOT NULL DEFAULT 0,
    next_retry_at TEXT NULL,
    active_run_id TEXT NULL,
    PRIMARY KEY (repo_full_name, issue_number)
);

CREATE TABLE pre_pr_followup_state (
    repo_full_name TEXT NOT NULL,
    issue_number INTEGER NOT NULL,
    flow TEXT NOT NULL,
    branch TEXT NOT NULL,
    context_json TEXT NOT NULL,
    waiting_reason TEXT NOT NULL,
    last_checkpoint_sha TEXT NULL,
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (repo_full_name, issue_number)
);

CREATE TABLE issue_comment_cursors (
    repo_full_name TEXT NOT NULL,
    issue_number INTEGER NOT NULL,
    pre_pr_last_consumed_comment_id INTEGER NOT NULL DEFAULT 0,
    post_pr_last_redirected_comment_id INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (repo_full_name, issue_number)
);

CREATE TABLE agent_sessions (
    repo_full_name TEXT NOT NULL,
    issue_number INTEGER NOT NULL,
    adapter TEXT NOT NULL,
    thread_id TEXT,
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (repo_full_name, issue_number)
);

CREATE TABLE feedback_events (
    repo_full_name TEXT NOT NULL,
    event_key TEXT NOT NULL,
    pr_number INTEGER NOT NULL,
    issue_number INTEGER NOT NULL,
    kind TEXT NOT NULL,
    comment_id INTEGER NOT NULL,
    updated_at TEXT NOT NULL,
    processed_at TEXT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (repo_full_name, event_key)
);

CREATE TABLE pr_feedback_state (
    repo_full_name TEXT NOT NULL,
    pr_number INTEGER NOT NULL,
    issue_number INTEGER NOT NULL,
    branch TEXT NOT NULL,
    status TEXT NOT NULL,
    last_seen_head_sha TEXT NULL,
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    active_run_id TEXT NULL,
    PRIMARY KEY (repo_full_name, pr_number)
);

CREATE TABLE issue_takeover_state (
    repo_full_name TEXT NOT NULL,
    issue_number INTEGER NOT NULL,
    ignore_active INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (repo_full_name, issue_number)
);

CREATE TABLE action_tokens (
    repo_full_name TEXT NOT NULL,
    token TEXT NOT NULL,
    scope_kind TEXT NOT NULL,
    scope_number INTEGER NOT NULL,
    source TEXT NOT NULL DEFAULT 'orchestrator',
    status TEXT NOT NULL,
    attempt_count INTEGER NOT NULL DEFAULT 0,
    observed_comment_id INTEGER NULL,
    observed_updated_at TEXT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (repo_full_name, token)
);

CREATE TABLE github_comment_poll_cursors (
    repo_full_name TEXT NOT NULL,
    surface TEXT NOT NULL,
    scope_number INTEGER NOT NULL,
    last_updated_at TEXT NOT NULL,
    last_comment_id INTEGER NOT NULL DEFAULT 0,
    bootstrap_complete INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (repo_full_name, surface, scope_number)
);

CREATE TABLE operator_commands (
    repo_full_name TEXT NOT NULL,
    command_key TEXT NOT NULL,
    issue_number INTEGER NOT NULL,
    pr_number INTEGER NULL,
    comment_id INTEGER NOT NULL,
    author_login TEXT NOT NULL,
    command TEXT NOT NULL,
    args_json TEXT NOT NULL,
    status TEXT NOT NULL,
    result TEXT NOT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (repo_full_name, command_key)
);

CREATE TABLE runtime_operations (
    op_name TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    requested_by TEXT NOT NULL,
    request_command_key TEXT NOT NULL,
    request_repo_full_name TEXT NOT NULL,
    mode TEXT NOT NULL,
    detail TEXT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE agent_run_history (
    run_id TEXT PRIMARY KEY,
    repo_full_name TEXT NOT NULL,
    run_kind TEXT NOT NULL,
    issue_number INTEGER NOT NULL,
    pr_number INTEGER NULL,
    flow TEXT NULL,
    branch TEXT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT NULL,
    terminal_status TEXT NULL,
    failure_class TEXT NULL,
    error TEXT NULL,
    duration_seconds REAL NULL,
    meta_json TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX idx_agent_run_history_repo_finished
    ON agent_run_history(repo_full_name, finished_at);
CREATE INDEX idx_agent_run_history_repo_started
    ON agent_run_history(repo_full_name, started_at);
CREATE INDEX idx_agent_run_history_repo_status_started
    ON agent_run_history(repo_full_name, terminal_status, started_at);

CREATE TABLE pr_status_history (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    repo_full_name TEXT NOT NULL,
    pr_number INTEGER NOT NULL,
    issue_number INTEGER NOT NULL,
    from_status TEXT NULL,
    to_status TEXT NOT NULL,
    reason TEXT NULL,
    detail TEXT NULL,
    changed_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX idx_pr_status_history_repo_pr_changed
    ON pr_status_history(repo_full_name, pr_number, changed_at);
CREATE INDEX idx_pr_status_history_repo_changed
    ON pr_status_history(repo_full_name, changed_at);
