-- mx-history (no -i, -p): terminal outcomes, newest first (design
-- section 5).
SELECT repo_full_name, issue_number, pr_number, status,
    CASE status WHEN 'merged' THEN 'completed' ELSE 'abandoned' END
        AS outcome,
    branch, updated_at
FROM issue_runs
WHERE status IN ('merged', 'closed') @REPO_AND@
ORDER BY updated_at DESC, repo_full_name, issue_number, pr_number
LIMIT @LIMIT@;
