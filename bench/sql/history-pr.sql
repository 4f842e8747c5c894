-- mx-history -p PR: the PR's status changes, newest first (design
-- section 5).
SELECT id, repo_full_name, pr_number, issue_number, from_status,
    to_status, reason, detail, changed_at
FROM pr_status_history
WHERE pr_number = @PR@ @REPO_AND@
ORDER BY changed_at DESC, id DESC;
