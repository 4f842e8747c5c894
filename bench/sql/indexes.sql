-- The mx_ indexes of issue 7, for databases made before mx-reconcile -I
-- exists: make bench creates them on a copy with this file only when
-- bin/mx-reconcile is missing.
CREATE INDEX IF NOT EXISTS mx_runs_finished ON agent_run_history(finished_at,
    terminal_status, run_kind, repo_full_name, duration_seconds);
CREATE INDEX IF NOT EXISTS mx_runs_issue ON agent_run_history(issue_number,
    started_at);
CREATE INDEX IF NOT EXISTS mx_runs_pr ON agent_run_history(pr_number,
    repo_full_name, started_at) WHERE pr_number IS NOT NULL;
CREATE INDEX IF NOT EXISTS mx_transitions_pr ON pr_status_history(pr_number,
    changed_at);
CREATE INDEX IF NOT EXISTS mx_transitions_issue ON
    pr_status_history(issue_number, changed_at);
CREATE INDEX IF NOT EXISTS mx_events_pr ON feedback_events(repo_full_name,
    pr_number, updated_at);
CREATE INDEX IF NOT EXISTS mx_prs_open ON pr_feedback_state(repo_full_name,
    pr_number) WHERE status IN ('awaiting_feedback', 'blocked');
CREATE INDEX IF NOT EXISTS mx_prs_issue ON pr_feedback_state(issue_number);
CREATE INDEX IF NOT EXISTS mx_issues_followup ON issue_runs(repo_full_name,
    issue_number) WHERE status = 'awaiting_issue_followup';
CREATE INDEX IF NOT EXISTS mx_issues_outcome ON issue_runs(updated_at)
    WHERE status IN ('merged', 'closed');
CREATE INDEX IF NOT EXISTS mx_issues_number ON issue_runs(issue_number);
CREATE INDEX IF NOT EXISTS mx_tokens_scope ON action_tokens(repo_full_name,
    scope_kind, scope_number, observed_updated_at) WHERE status = 'observed';
