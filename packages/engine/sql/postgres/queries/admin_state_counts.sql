-- Jobs per state, each count capped at $1: an index walk that stops at the cap, so the dashboard
-- stays quick with millions of finished jobs ("100,000+"). Each state is a literal, so each walk
-- can use the partial index that holds that state (errand_jobs_due, errand_jobs_lease,
-- errand_jobs_history's (state, id) in every partition); a state taken from a join could not.
-- Finished jobs are counted in history: errand_jobs holds none.
SELECT 'scheduled' AS state, (SELECT count(*) FROM (SELECT 1 FROM {schema}.errand_jobs WHERE state = 'scheduled' LIMIT $1) c)::int AS n
UNION ALL SELECT 'available', (SELECT count(*) FROM (SELECT 1 FROM {schema}.errand_jobs WHERE state = 'available' LIMIT $1) c)::int
UNION ALL SELECT 'running', (SELECT count(*) FROM (SELECT 1 FROM {schema}.errand_jobs WHERE state = 'running' LIMIT $1) c)::int
UNION ALL SELECT 'retryable', (SELECT count(*) FROM (SELECT 1 FROM {schema}.errand_jobs WHERE state = 'retryable' LIMIT $1) c)::int
UNION ALL SELECT 'completed', (SELECT count(*) FROM (SELECT 1 FROM {schema}.errand_jobs_history WHERE state = 'completed' LIMIT $1) c)::int
UNION ALL SELECT 'dead', (SELECT count(*) FROM (SELECT 1 FROM {schema}.errand_jobs_history WHERE state = 'dead' LIMIT $1) c)::int
UNION ALL SELECT 'cancelled', (SELECT count(*) FROM (SELECT 1 FROM {schema}.errand_jobs_history WHERE state = 'cancelled' LIMIT $1) c)::int
