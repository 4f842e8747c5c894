-- mx-metrics -w WINDOW -o (no percentiles): MergeXO's own two
-- statements, the overall row and one per repo (design section 5), as
-- its query layer writes them: the floor of the same question without
-- the percentiles mx adds.  @LABEL@ labels the overall row.
SELECT '@LABEL@', COUNT(*),
    SUM(CASE WHEN terminal_status = 'failed' THEN 1 ELSE 0 END),
    AVG(duration_seconds), AVG(duration_seconds * duration_seconds)
FROM agent_run_history
WHERE finished_at IS NOT NULL
  AND run_kind IN ('issue_flow', 'implementation_flow', 'pre_pr_followup')
  AND terminal_status IN ('completed', 'failed', 'blocked', 'interrupted')
  AND finished_at >= strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '@WINDOW@')
  @REPO_AND@;
SELECT repo_full_name, COUNT(*),
    SUM(CASE WHEN terminal_status = 'failed' THEN 1 ELSE 0 END),
    AVG(duration_seconds), AVG(duration_seconds * duration_seconds)
FROM agent_run_history
WHERE finished_at IS NOT NULL
  AND run_kind IN ('issue_flow', 'implementation_flow', 'pre_pr_followup')
  AND terminal_status IN ('completed', 'failed', 'blocked', 'interrupted')
  AND finished_at >= strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '@WINDOW@')
  @REPO_AND@
GROUP BY repo_full_name
ORDER BY repo_full_name;
