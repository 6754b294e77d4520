-- Declare a queue's rate limit (createErrand({ rateLimits })): the last declaration wins. Its
-- window counts are kept: a changed limit applies to the window under way.
INSERT INTO {schema}.errand_rate_limits (queue, max_starts, interval_ms, per_key, updated_at)
VALUES ($1, $2, $3, $4, now())
ON CONFLICT (queue) DO UPDATE SET
  max_starts = EXCLUDED.max_starts, interval_ms = EXCLUDED.interval_ms, per_key = EXCLUDED.per_key, updated_at = now()
