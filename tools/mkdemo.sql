-- The demo state.db: four repositories, three weeks of agent runs with
-- failures, a few agents working now and a few idle, tracked and blocked
-- PRs with pending feedback, issues waiting for follow-up, and the PR
-- transitions between them.  Deterministic but for 'now': every
-- timestamp is relative to the moment it is built.
-- Load after tests/schema.sql.

CREATE TEMP TABLE repos(i INTEGER PRIMARY KEY, name TEXT);
INSERT INTO repos VALUES (0, 'acme/api'), (1, 'acme/web'),
    (2, 'acme/infra'), (3, 'octo/cli');

CREATE TEMP TABLE t(now TEXT);
INSERT INTO t VALUES (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));

-- 2,400 finished runs over 21 days, newest first.  h is a cheap
-- deterministic hash of n.
CREATE TEMP TABLE gen AS
WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq
    WHERE n < 2400)
SELECT n, ((n * 2654435761) % 4294967296) AS h,
    ((n * 40503 + 7) * 2246822519 % 4294967296) AS h2
FROM seq;

INSERT INTO agent_run_history(run_id, repo_full_name, run_kind,
    issue_number, pr_number, flow, branch, started_at, finished_at,
    terminal_status, failure_class, error, duration_seconds, meta_json)
SELECT
    lower(hex(randomblob(16))),
    r.name,
    k.kind,
    g.issue,
    CASE WHEN k.kind IN ('implementation_flow', 'feedback_turn')
        THEN g.issue + 400 END,
    CASE WHEN k.kind = 'pre_pr_followup' THEN 'design_doc'
        WHEN g.h % 3 = 0 THEN 'bugfix' ELSE 'small_job' END,
    'agent/issue-' || g.issue,
    strftime('%Y-%m-%dT%H:%M:%fZ', t.now,
        printf('-%d seconds', g.ago + g.dur)),
    strftime('%Y-%m-%dT%H:%M:%fZ', t.now, printf('-%d seconds', g.ago)),
    s.status,
    CASE s.status
        WHEN 'failed' THEN (SELECT value FROM json_each(
            '["tests_failed","agent_error","tests_failed","github_error","timeout","history_rewrite"]')
            WHERE key = g.h2 % 6)
        WHEN 'blocked' THEN 'policy_block'
        WHEN 'interrupted' THEN 'unknown' END,
    CASE s.status
        WHEN 'failed' THEN (SELECT value FROM json_each(
            '["3 tests failed: tests/test_api.py::test_retry, test_auth, test_pagination","agent exited with status 1: context window exhausted","pytest: 1 failed, 212 passed (test_migrations.py)","GitHub API 502 Bad Gateway while pushing branch","agent timed out after 3600 s","force-push detected on the PR branch; refusing to rewrite history"]')
            WHERE key = g.h2 % 6)
        WHEN 'blocked' THEN 'policy: change touches .github/workflows'
        WHEN 'interrupted' THEN 'service restarted while the run was active' END,
    g.dur,
    '{}'
FROM (SELECT n, h, h2,
        (n * 756) + (h % 600) AS ago,
        60 + (h % 1000) * (h % 1000) / 330 + (h2 % 90) AS dur,
        100 + (n * 7 + h % 5) / 6 % 460 AS issue
      FROM gen) g, t
JOIN repos r ON r.i = g.h % 4
JOIN (SELECT 0 AS i, 'issue_flow' AS kind UNION ALL SELECT 1, 'issue_flow'
      UNION ALL SELECT 2, 'implementation_flow'
      UNION ALL SELECT 3, 'pre_pr_followup'
      UNION ALL SELECT 4, 'feedback_turn'
      UNION ALL SELECT 5, 'feedback_turn') k ON k.i = g.h2 % 6
JOIN (SELECT 0 AS i, 'completed' AS status UNION ALL SELECT 1, 'completed'
      UNION ALL SELECT 2, 'completed' UNION ALL SELECT 3, 'completed'
      UNION ALL SELECT 4, 'completed' UNION ALL SELECT 5, 'completed'
      UNION ALL SELECT 6, 'failed' UNION ALL SELECT 7, 'completed'
      UNION ALL SELECT 8, 'failed' UNION ALL SELECT 9, 'completed'
      UNION ALL SELECT 10, 'completed' UNION ALL SELECT 11, 'blocked'
      UNION ALL SELECT 12, 'completed' UNION ALL SELECT 13, 'interrupted'
      UNION ALL SELECT 14, 'merged' UNION ALL SELECT 15, 'completed'
      UNION ALL SELECT 16, 'completed' UNION ALL SELECT 17, 'closed'
      UNION ALL SELECT 18, 'completed' UNION ALL SELECT 19, 'failed') s
    ON s.i = (g.h / 7) % 20;

-- Agents at work now, and runs that are open but idle.
INSERT INTO agent_run_history(run_id, repo_full_name, run_kind,
    issue_number, pr_number, flow, branch, started_at, meta_json)
VALUES
 ('6f1c2e0a9b7d4c3e8f5a1b2c3d4e5f60', 'acme/api', 'issue_flow', 612, NULL,
  'bugfix', 'agent/issue-612',
  strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-7 minutes'),
  json_object('codex_active', json('true'), 'last_prompt',
    'Fix the retry loop in client.py: requests to /v2/orders are retried forever on HTTP 429',
    'codex_mode', 'full-auto', 'codex_session_id',
    '0193a7c2-5be1-7d40-9a51-6c1f0e2b7a11', 'codex_invocation_started_at',
    strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-6 minutes'))),
 ('a83d5e21c4b64f0f9e7d2c1b0a998877', 'acme/web', 'feedback_turn', 598, 998,
  'small_job', 'agent/issue-598',
  strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-3 minutes'),
  json_object('codex_active', json('true'), 'last_prompt',
    'Address review: rename useCart to useBasket and add a test for the empty basket',
    'codex_mode', 'full-auto', 'codex_session_id',
    '0193a7c9-11aa-7e02-8c3d-2f4e5a6b7c8d')),
 ('c2b7e9f04d1a4b8e9c6f3a2d1e0b9c8d', 'acme/infra', 'implementation_flow',
  577, 977, 'design_doc', 'agent/issue-577',
  strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-41 minutes'),
  json_object('codex_active', json('true'), 'last_prompt',
    'Implement the approved design: move the Terraform state to the new bucket',
    'codex_mode', 'full-auto')),
 ('0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a', 'octo/cli', 'pre_pr_followup', 633,
  NULL, 'design_doc', 'agent/issue-633',
  strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-95 minutes'),
  json_object('codex_active', json('true'), 'last_prompt',
    'Revise the design doc after the maintainer''s questions about config precedence')),
 ('e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9', 'acme/api', 'issue_flow', 615, NULL,
  'small_job', 'agent/issue-615',
  strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-18 minutes'),
  json_object('codex_active', json('false'), 'last_prompt',
    'Waiting for CI before the next step')),
 ('f0e1d2c3b4a59687a6b5c4d3e2f1a0b9', 'acme/web', 'feedback_turn', 590, 990,
  'bugfix', 'agent/issue-590',
  strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-2 hours'), '{}');

-- The story of the open issues: how they got where they are.
INSERT INTO agent_run_history(run_id, repo_full_name, run_kind,
    issue_number, pr_number, flow, branch, started_at, finished_at,
    terminal_status, failure_class, error, duration_seconds, meta_json)
SELECT lower(hex(randomblob(16))), s.repo, s.kind, s.issue, s.pr, s.flow,
    'agent/issue-' || s.issue,
    strftime('%Y-%m-%dT%H:%M:%fZ', 'now', printf('-%d minutes', s.ago + s.mins)),
    strftime('%Y-%m-%dT%H:%M:%fZ', 'now', printf('-%d minutes', s.ago)),
    s.status, s.class, s.error, s.mins * 60.0 + 17.25, '{}'
FROM (
 SELECT 'acme/api' AS repo, 'issue_flow' AS kind, 604 AS issue, NULL AS pr,
  'bugfix' AS flow, 2900 AS ago, 14 AS mins, 'completed' AS status,
  NULL AS class, NULL AS error
 UNION ALL SELECT 'acme/api', 'implementation_flow', 604, 1004, 'bugfix',
  2820, 38, 'completed', NULL, NULL
 UNION ALL SELECT 'acme/api', 'feedback_turn', 604, 1004, 'bugfix', 1700, 22,
  'completed', NULL, NULL
 UNION ALL SELECT 'acme/api', 'feedback_turn', 604, 1004, 'bugfix', 1580, 41,
  'failed', 'tests_failed',
  'CI red: 3 tests failed in tests/test_orders.py after rebase on main'
 UNION ALL SELECT 'acme/web', 'issue_flow', 585, NULL, 'small_job', 5000, 9,
  'completed', NULL, NULL
 UNION ALL SELECT 'acme/web', 'feedback_turn', 585, 985, 'small_job', 4330, 12,
  'failed', 'history_rewrite',
  'history rewrite detected: a human force-pushed agent/issue-585'
 UNION ALL SELECT 'acme/api', 'issue_flow', 601, NULL, 'bugfix', 240, 19,
  'completed', NULL, NULL
 UNION ALL SELECT 'acme/api', 'feedback_turn', 601, 1001, 'bugfix', 70, 11,
  'completed', NULL, NULL
 UNION ALL SELECT 'octo/cli', 'issue_flow', 629, NULL, 'bugfix', 700, 25,
  'blocked', 'policy_block', 'design needs an answer'
) s;

-- Every issue that had runs: mostly merged or closed.
INSERT INTO issue_runs(repo_full_name, issue_number, status, branch,
    pr_number, pr_url, error, updated_at, github_state)
SELECT repo_full_name, issue_number,
    CASE WHEN issue_number % 5 = 0 THEN 'closed' ELSE 'merged' END,
    'agent/issue-' || issue_number, issue_number + 400,
    'https://github.com/' || repo_full_name || '/pull/' || (issue_number + 400),
    NULL, max(finished_at),
    CASE WHEN issue_number % 5 = 0 THEN 'CLOSED' ELSE 'closed' END
FROM agent_run_history
WHERE finished_at IS NOT NULL AND issue_number < 560
GROUP BY repo_full_name, issue_number;

-- The open work: tracked and blocked PRs, issues awaiting follow-up.
INSERT OR REPLACE INTO issue_runs(repo_full_name, issue_number, status,
    branch, pr_number, pr_url, error, updated_at, github_state)
VALUES
 ('acme/api', 601, 'awaiting_feedback', 'agent/issue-601', 1001,
  'https://github.com/acme/api/pull/1001', NULL,
  strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-50 minutes'), 'open'),
 ('acme/api', 604, 'blocked', 'agent/issue-604', 1004,
  'https://github.com/acme/api/pull/1004',
  'CI red: 3 tests failed in tests/test_orders.py after rebase on main',
  strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-26 hours'), 'open'),
 ('acme/web', 598, 'awaiting_feedback', 'agent/issue-598', 998,
  'https://github.com/acme/web/pull/998', NULL,
  strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-3 minutes'), 'open'),
 ('acme/web', 590, 'awaiting_feedback', 'agent/issue-590', 990,
  'https://github.com/acme/web/pull/990', NULL,
  strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-5 hours'), 'open'),
 ('acme/web', 585, 'blocked', 'agent/issue-585', 985,
  'https://github.com/acme/web/pull/985',
  'history rewrite detected: a human force-pushed agent/issue-585',
  strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-3 days'), 'open'),
 ('acme/infra', 577, 'awaiting_feedback', 'agent/issue-577', 977,
  'https://github.com/acme/infra/pull/977', NULL,
  strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-41 minutes'), 'open'),
 ('acme/infra', 570, 'awaiting_feedback', 'agent/issue-570', 970,
  'https://github.com/acme/infra/pull/970', NULL,
  strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-2 days'), 'open'),
 ('octo/cli', 633, 'awaiting_issue_followup', NULL, NULL, NULL,
  'waiting for the reporter',
  strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-95 minutes'), 'open'),
 ('octo/cli', 629, 'awaiting_issue_followup', 'agent/issue-629', NULL, NULL,
  'design needs an answer',
  strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-9 hours'), 'open'),
 ('octo/cli', 621, 'awaiting_feedback', 'agent/issue-621', 1021,
  'https://github.com/octo/cli/pull/1021', NULL,
  strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-4 hours'), 'open'),
 -- Taken over by a human, and closed on GitHub: hidden from the lists.
 ('octo/cli', 618, 'awaiting_feedback', 'agent/issue-618', 1018,
  'https://github.com/octo/cli/pull/1018', NULL,
  strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-6 hours'), 'open'),
 ('acme/api', 599, 'blocked', 'agent/issue-599', 999,
  'https://github.com/acme/api/pull/999', 'superseded',
  strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-8 days'), 'Closed');

INSERT INTO pr_feedback_state(repo_full_name, pr_number, issue_number,
    branch, status, last_seen_head_sha, updated_at)
SELECT repo_full_name, pr_number, issue_number, branch,
    CASE WHEN status IN ('merged', 'closed') THEN status ELSE
        CASE status WHEN 'blocked' THEN 'blocked'
        ELSE 'awaiting_feedback' END END,
    lower(hex(randomblob(20))), updated_at
FROM issue_runs WHERE pr_number IS NOT NULL;

INSERT INTO issue_takeover_state(repo_full_name, issue_number, ignore_active)
VALUES ('octo/cli', 618, 1);

INSERT INTO pre_pr_followup_state(repo_full_name, issue_number, flow, branch,
    context_json, waiting_reason, last_checkpoint_sha, updated_at)
VALUES
 ('octo/cli', 633, 'design_doc', 'agent/issue-633', '{}',
  'Asked the reporter which config file wins when both exist; no answer yet',
  NULL, strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-95 minutes')),
 ('octo/cli', 629, 'bugfix', 'agent/issue-629-followup', '{}',
  'Needs a maintainer decision: drop Python 3.8 support?',
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4',
  strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-9 hours'));

-- Review feedback: processed for the old PRs, pending for the open ones.
INSERT INTO feedback_events(repo_full_name, event_key, pr_number,
    issue_number, kind, comment_id, updated_at, processed_at, created_at)
SELECT p.repo_full_name, 'review:' || p.pr_number || ':' || k.n,
    p.pr_number, p.issue_number,
    CASE k.n % 3 WHEN 0 THEN 'review' WHEN 1 THEN 'review_comment'
        ELSE 'issue_comment' END,
    p.pr_number * 100 + k.n,
    strftime('%Y-%m-%dT%H:%M:%fZ', p.updated_at, printf('-%d minutes', 30 * k.n)),
    CASE WHEN p.status IN ('merged', 'closed') OR k.n > 2
        THEN strftime('%Y-%m-%dT%H:%M:%fZ', p.updated_at,
            printf('-%d minutes', 30 * k.n - 5)) END,
    strftime('%Y-%m-%dT%H:%M:%fZ', p.updated_at, printf('-%d minutes', 30 * k.n))
FROM pr_feedback_state p,
    (SELECT 1 AS n UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4) k
WHERE p.status NOT IN ('merged', 'closed') OR p.pr_number % 3 = 0;

-- Newer activity that is not a feedback event: an observed action token
-- on PR 970 and an issue poll cursor on issue 629.
INSERT INTO action_tokens(repo_full_name, token, scope_kind, scope_number,
    status, observed_comment_id, observed_updated_at)
VALUES ('acme/infra', 'tok-970-1', 'pr', 970, 'observed', 97001,
    strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-20 hours')),
 ('acme/infra', 'tok-970-2', 'pr', 970, 'planned', NULL, NULL);
INSERT INTO github_comment_poll_cursors(repo_full_name, surface,
    scope_number, last_updated_at, last_comment_id, bootstrap_complete)
VALUES ('octo/cli', 'issue_pre_pr_followups', 629,
    strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-7 hours'), 62901, 1),
 ('acme/api', 'pr_review_comments', 1001,
    strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-45 minutes'), 100101, 1);

-- PR transitions: every PR went to awaiting_feedback, some were blocked
-- on the way, the finished ones were merged or closed.
INSERT INTO pr_status_history(repo_full_name, pr_number, issue_number,
    from_status, to_status, reason, detail, changed_at)
SELECT repo_full_name, pr_number, issue_number, NULL, 'awaiting_feedback',
    'pr_opened', 'opened by agent', strftime('%Y-%m-%dT%H:%M:%fZ', updated_at,
    printf('-%d minutes', 180 + pr_number % 240))
FROM pr_feedback_state;
INSERT INTO pr_status_history(repo_full_name, pr_number, issue_number,
    from_status, to_status, reason, detail, changed_at)
SELECT repo_full_name, pr_number, issue_number, 'awaiting_feedback',
    'blocked', 'ci_failed', 'required check "test" failed',
    strftime('%Y-%m-%dT%H:%M:%fZ', updated_at,
    printf('-%d minutes', 120 + pr_number % 50))
FROM pr_feedback_state WHERE pr_number % 4 = 0 OR status = 'blocked';
INSERT INTO pr_status_history(repo_full_name, pr_number, issue_number,
    from_status, to_status, reason, detail, changed_at)
SELECT repo_full_name, pr_number, issue_number, 'blocked',
    'awaiting_feedback', 'ci_green', 'checks passed after agent fix',
    strftime('%Y-%m-%dT%H:%M:%fZ', updated_at, printf('-%d minutes', 60))
FROM pr_feedback_state WHERE pr_number % 4 = 0 AND status <> 'blocked';
INSERT INTO pr_status_history(repo_full_name, pr_number, issue_number,
    from_status, to_status, reason, detail, changed_at)
SELECT repo_full_name, pr_number, issue_number, 'awaiting_feedback', status,
    CASE status WHEN 'merged' THEN 'pr_merged' ELSE 'pr_closed' END,
    CASE status WHEN 'merged' THEN 'merged by maintainer'
        ELSE 'closed without merge' END, updated_at
FROM pr_feedback_state WHERE status IN ('merged', 'closed');

DROP TABLE gen;
DROP TABLE repos;
DROP TABLE t;
