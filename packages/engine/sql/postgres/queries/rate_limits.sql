-- Every declared rate limit, with the server's clock (ms epoch: the admin API computes each
-- current window from it). Workers read it at start and at each heartbeat to know which of their
-- queues take the limited claim (claim_limited.sql) instead of claim.sql.
SELECT queue, max_starts, interval_ms, per_key, (extract(epoch FROM updated_at) * 1000)::float8 AS updated_at,
       (extract(epoch FROM now()) * 1000)::float8 AS now
FROM {schema}.errand_rate_limits ORDER BY queue
