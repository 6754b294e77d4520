-- The window counts of one queue (its limit was removed).
DELETE FROM errand_rate_windows WHERE queue = @queue
