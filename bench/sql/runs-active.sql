-- mx-runs (default -s active): open runs whose meta_json.codex_active is
-- JSON true, oldest first (design section 5).  @REPO_AND@ is empty or the
-- -r filter.
SELECT run_id, repo_full_name, run_kind, issue_number, pr_number, flow,
    branch, started_at,
    max(0.0, (julianday('now') - julianday(started_at)) * 86400.0)
        AS elapsed_seconds,
    'true' AS busy
FROM agent_run_history
WHERE finished_at IS NULL @REPO_AND@
  AND CASE WHEN json_valid(meta_json)
      THEN json_type(meta_json, '$.codex_active') END = 'true'
ORDER BY started_at, repo_full_name, issue_number;
