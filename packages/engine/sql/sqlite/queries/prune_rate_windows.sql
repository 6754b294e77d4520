-- Forget window counts whose window has ended (or whose limit is gone).
DELETE FROM errand_rate_windows
WHERE NOT EXISTS (SELECT 1 FROM errand_rate_limits l
                  WHERE l.queue = errand_rate_windows.queue AND errand_rate_windows.window_start + l.interval_ms > @now)
