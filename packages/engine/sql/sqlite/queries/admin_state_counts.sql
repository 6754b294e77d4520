-- Jobs per state, each count capped at @cap: index walks that stop (errand_jobs_state for the
-- unfinished states; for the finished ones, the history tables' (state, id) indexes, each state a
-- literal so the view's tables are searched by it).
SELECT s.value AS state,
       (SELECT count(*) FROM (SELECT 1 FROM errand_jobs j WHERE j.state = s.value LIMIT @cap)) AS n
FROM json_each('["scheduled","available","running","retryable"]') s
UNION ALL SELECT 'completed', (SELECT count(*) FROM (SELECT 1 FROM errand_jobs_history WHERE state = 'completed' LIMIT @cap))
UNION ALL SELECT 'dead', (SELECT count(*) FROM (SELECT 1 FROM errand_jobs_history WHERE state = 'dead' LIMIT @cap))
UNION ALL SELECT 'cancelled', (SELECT count(*) FROM (SELECT 1 FROM errand_jobs_history WHERE state = 'cancelled' LIMIT @cap))
