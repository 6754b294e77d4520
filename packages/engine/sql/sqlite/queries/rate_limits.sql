-- Every declared rate limit: workers read it at start and at each heartbeat to know which of
-- their queues take the limited claim (claim_limited_candidates.sql) instead of claim.sql.
SELECT queue, max_starts, interval_ms, per_key, updated_at FROM errand_rate_limits ORDER BY queue
