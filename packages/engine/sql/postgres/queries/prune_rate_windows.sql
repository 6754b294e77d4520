-- Forget window counts whose window has ended (or whose limit is gone).
DELETE FROM {schema}.errand_rate_windows w
WHERE NOT EXISTS (SELECT 1 FROM {schema}.errand_rate_limits l
                  WHERE l.queue = w.queue AND w.window_start + l.interval_ms > extract(epoch FROM now()) * 1000)
