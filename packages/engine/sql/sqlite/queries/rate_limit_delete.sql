-- Remove a queue's rate limit (admin API); its counts go with it. Workers claim the queue
-- without a limit from their next claim on.
DELETE FROM errand_rate_limits WHERE queue = @queue RETURNING queue
