-- A queue's limit, read inside the BEGIN IMMEDIATE transaction of a limited claim.
SELECT max_starts, interval_ms, per_key FROM errand_rate_limits WHERE queue = @queue
