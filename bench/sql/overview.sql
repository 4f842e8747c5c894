-- The overview on top of mx-top (mx-metrics -j): active agents, blocked
-- (blocked PRs + issues awaiting follow-up), tracked PRs, failed runs of
-- any kind finished in the window (design section 5).
SELECT
    (SELECT count(*) FROM agent_run_history
     WHERE finished_at IS NULL @REPO_AND@
       AND CASE WHEN json_valid(meta_json)
           THEN json_type(meta_json, '$.codex_active') END = 'true')
        AS active_agents,
    (SELECT count(*) FROM pr_feedback_state p
     WHERE p.status = 'blocked' @REPO_AND_P@
       AND NOT EXISTS (SELECT 1 FROM issue_takeover_state t
           WHERE t.repo_full_name = p.repo_full_name
             AND t.issue_number = p.issue_number AND t.ignore_active = 1)
       AND NOT EXISTS (SELECT 1 FROM issue_runs c
           WHERE c.repo_full_name = p.repo_full_name
             AND c.issue_number = p.issue_number
             AND lower(c.github_state) = 'closed')) +
    (SELECT count(*) FROM issue_runs i
     WHERE i.status = 'awaiting_issue_followup' @REPO_AND_I@
       AND NOT EXISTS (SELECT 1 FROM issue_takeover_state t
           WHERE t.repo_full_name = i.repo_full_name
             AND t.issue_number = i.issue_number AND t.ignore_active = 1)
       AND lower(coalesce(i.github_state, '')) <> 'closed') AS blocked,
    (SELECT count(*) FROM pr_feedback_state p
     WHERE p.status = 'awaiting_feedback' @REPO_AND_P@
       AND NOT EXISTS (SELECT 1 FROM issue_takeover_state t
           WHERE t.repo_full_name = p.repo_full_name
             AND t.issue_number = p.issue_number AND t.ignore_active = 1)
       AND NOT EXISTS (SELECT 1 FROM issue_runs c
           WHERE c.repo_full_name = p.repo_full_name
             AND c.issue_number = p.issue_number
             AND lower(c.github_state) = 'closed')) AS tracked,
    (SELECT count(*) FROM agent_run_history
     WHERE terminal_status = 'failed'
       AND finished_at >= strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '@WINDOW@')
       @REPO_AND@) AS failures;
