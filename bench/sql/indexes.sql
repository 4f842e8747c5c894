-- The mx_ indexes of issue 7, for databases made before mx-reconcile -I
-- exists: make bench creates them on a copy with this file only when
-- bin/mx-reconcile is missing.
CREATE INDEX IF NOT EXISTS mx_runs_open ON agent_run_history(started_at,
    repo_full_name, issue_number) WHERE finished_at IS NULL;
CREATE INDEX IF NOT EXISTS mx_runs_finished ON agent_run_history(finished_at,
    terminal_status, run_kind, repo_full_name, duration_seconds);
CREATE INDEX IF NOT EXISTS mx_runs_issue ON agent_run_history(issue_number,
    started_at);
CREATE INDEX IF NOT EXISTS mx_transitions_pr ON pr_status_history(pr_number,
    changed_at);
CREATE INDEX IF NOT EXISTS mx_transitions_issue ON
    pr_status_history(issue_number, changed_at);
CREATE INDEX IF NOT EXISTS mx_events_pending ON feedback_events(
    repo_full_name, pr_number) WHERE processed_at IS NULL;
CREATE INDEX IF NOT EXISTS mx_events_pr ON feedback_events(repo_full_name,
    pr_number, updated_at);
CREATE INDEX IF NOT EXISTS mx_prs_open ON pr_feedback_state(repo_full_name,
    pr_number) WHERE status IN ('awaiting_feedback', 'blocked');
CREATE INDEX IF NOT EXISTS mx_issues_followup ON issue_runs(repo_full_name,
    issue_number) WHERE status = 'awaiting_issue_followup';
CREATE INDEX IF NOT EXISTS mx_issues_outcome ON issue_runs(updated_at)
    WHERE status IN ('merged', 'closed');
