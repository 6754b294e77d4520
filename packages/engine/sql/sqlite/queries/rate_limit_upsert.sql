-- Declare a queue's rate limit (createErrand({ rateLimits })): the last declaration wins. Its
-- window counts are kept: a changed limit applies to the window under way.
INSERT INTO errand_rate_limits (queue, max_starts, interval_ms, per_key, updated_at)
VALUES (@queue, @max_starts, @interval_ms, @per_key, @now)
ON CONFLICT (queue) DO UPDATE SET
  max_starts = excluded.max_starts, interval_ms = excluded.interval_ms, per_key = excluded.per_key, updated_at = excluded.updated_at
