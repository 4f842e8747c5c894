-- mx-history -i ISSUE: the issue's runs, newest first (design section 5).
SELECT run_id, repo_full_name, run_kind, issue_number, pr_number, flow,
    branch, started_at, finished_at, terminal_status, failure_class, error,
    duration_seconds
FROM agent_run_history
WHERE issue_number = @ISSUE@ @REPO_AND@
ORDER BY started_at DESC, run_id DESC;
