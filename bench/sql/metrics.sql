-- mx-metrics -w WINDOW: the overall row, then one per repo: terminal and
-- failed counts, failure rate, mean, stddev, and p50/p95 by nearest rank
-- over the same sample (design section 5).  @LABEL@ labels the overall
-- row: the -r repo or __all__.
WITH s AS (
    SELECT repo_full_name AS repo, terminal_status AS st,
        duration_seconds AS d
    FROM agent_run_history
    WHERE finished_at IS NOT NULL
      AND run_kind IN ('issue_flow', 'implementation_flow',
          'pre_pr_followup')
      AND terminal_status IN ('completed', 'failed', 'blocked',
          'interrupted')
      AND finished_at >= strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '@WINDOW@')
      @REPO_AND@
), g AS (
    SELECT 0 AS ord, '@LABEL@' AS grp, st, d FROM s
    UNION ALL
    SELECT 1, repo, st, d FROM s
), r AS (
    SELECT ord, grp, st, d,
        row_number() OVER (PARTITION BY ord, grp ORDER BY d) AS rn,
        count(*) OVER (PARTITION BY ord, grp) AS n
    FROM g
)
SELECT grp AS repo_full_name, count(*) AS terminal_count,
    sum(st = 'failed') AS failed_count,
    CAST(sum(st = 'failed') AS REAL) / count(*) AS failure_rate,
    avg(d) AS mean_runtime_seconds,
    CASE WHEN count(*) < 2 THEN 0.0
        ELSE sqrt(max(0.0, avg(d * d) - avg(d) * avg(d))) END
        AS stddev_runtime_seconds,
    max(CASE WHEN rn = (n * 50 + 99) / 100 THEN d END)
        AS p50_runtime_seconds,
    max(CASE WHEN rn = (n * 95 + 99) / 100 THEN d END)
        AS p95_runtime_seconds
FROM r
GROUP BY ord, grp
ORDER BY ord, grp;
