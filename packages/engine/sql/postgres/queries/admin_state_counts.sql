-- Jobs per state, each count capped at $1: an index-only walk of errand_jobs_state that stops at
-- the cap, so the dashboard stays quick with millions of finished jobs ("100,000+").
SELECT s.state,
       (SELECT count(*) FROM (SELECT 1 FROM errand_jobs j WHERE j.state = s.state LIMIT $1) c)::int AS n
FROM unnest(ARRAY['scheduled', 'available', 'running', 'retryable', 'completed', 'dead']) AS s(state)
