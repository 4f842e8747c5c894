-- mx-prs (tracked and blocked): PRs awaiting feedback or blocked, and
-- issues awaiting a pre-PR follow-up, without taken-over or closed
-- issues; PRs with an active feedback turn left out; pending event
-- counts and latest observable activity (design section 5).
-- @REPO_AND_P@ / @REPO_AND_I@ are empty or the -r filter.
WITH work AS (
    SELECT p.repo_full_name AS repo, p.pr_number AS pr,
        p.issue_number AS issue, p.status AS status, p.branch AS branch,
        p.last_seen_head_sha AS sha,
        CASE WHEN p.status = 'blocked' THEN i.error END AS reason
    FROM pr_feedback_state p
    LEFT JOIN issue_runs i ON i.repo_full_name = p.repo_full_name
        AND i.issue_number = p.issue_number
    WHERE p.status IN ('awaiting_feedback', 'blocked') @REPO_AND_P@
      AND NOT EXISTS (SELECT 1 FROM issue_takeover_state t
          WHERE t.repo_full_name = p.repo_full_name
            AND t.issue_number = p.issue_number AND t.ignore_active = 1)
      AND NOT EXISTS (SELECT 1 FROM issue_runs c
          WHERE c.repo_full_name = p.repo_full_name
            AND c.issue_number = p.issue_number
            AND lower(c.github_state) = 'closed')
      AND NOT EXISTS (SELECT 1 FROM agent_run_history a
          WHERE a.repo_full_name = p.repo_full_name
            AND a.pr_number = p.pr_number
            AND a.run_kind = 'feedback_turn' AND a.finished_at IS NULL
            AND CASE WHEN json_valid(a.meta_json)
                THEN json_type(a.meta_json, '$.codex_active') END = 'true')
    UNION ALL
    SELECT i.repo_full_name, NULL, i.issue_number, i.status,
        coalesce(i.branch, f.branch, '-'), NULL,
        coalesce(f.waiting_reason, i.error)
    FROM issue_runs i
    LEFT JOIN pre_pr_followup_state f ON f.repo_full_name = i.repo_full_name
        AND f.issue_number = i.issue_number
    WHERE i.status = 'awaiting_issue_followup' @REPO_AND_I@
      AND NOT EXISTS (SELECT 1 FROM issue_takeover_state t
          WHERE t.repo_full_name = i.repo_full_name
            AND t.issue_number = i.issue_number AND t.ignore_active = 1)
      AND lower(coalesce(i.github_state, '')) <> 'closed'
)
SELECT repo, pr, issue, status, branch, sha, reason,
    CASE WHEN pr IS NULL THEN 0 ELSE
        (SELECT count(*) FROM feedback_events e
         WHERE e.repo_full_name = w.repo AND e.pr_number = w.pr
           AND e.processed_at IS NULL) END AS pending_event_count,
    CASE WHEN pr IS NOT NULL THEN (SELECT max(at) FROM (
        SELECT max(e.updated_at) AS at FROM feedback_events e
        WHERE e.repo_full_name = w.repo AND e.pr_number = w.pr
        UNION ALL
        SELECT max(a.observed_updated_at) FROM action_tokens a
        WHERE a.repo_full_name = w.repo AND a.scope_kind = 'pr'
          AND a.scope_number = w.pr AND a.status = 'observed'
        UNION ALL
        SELECT max(c.last_updated_at) FROM github_comment_poll_cursors c
        WHERE c.repo_full_name = w.repo AND c.scope_number = w.pr
          AND c.surface IN ('pr_review_comments', 'pr_issue_comments',
              'pr_review_summaries')
          AND c.last_comment_id > 0))
    ELSE (SELECT max(at) FROM (
        SELECT max(a.observed_updated_at) AS at FROM action_tokens a
        WHERE a.repo_full_name = w.repo AND a.scope_kind = 'issue'
          AND a.scope_number = w.issue AND a.status = 'observed'
        UNION ALL
        SELECT max(c.last_updated_at) FROM github_comment_poll_cursors c
        WHERE c.repo_full_name = w.repo AND c.scope_number = w.issue
          AND c.surface IN ('issue_pre_pr_followups',
              'issue_post_pr_redirects', 'issue_operator_commands')
          AND c.last_comment_id > 0)) END AS updated_at
FROM work w
ORDER BY updated_at IS NULL, updated_at DESC, repo, issue, pr;
