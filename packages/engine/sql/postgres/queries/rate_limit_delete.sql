-- Remove a queue's rate limit and its counts (admin API). Workers claim the queue without a
-- limit from their next claim on.
WITH w AS (DELETE FROM {schema}.errand_rate_windows WHERE queue = $1)
DELETE FROM {schema}.errand_rate_limits WHERE queue = $1 RETURNING queue
