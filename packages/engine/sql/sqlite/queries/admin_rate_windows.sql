-- How full each limit's current window is (@now, ms): per queue the starts summed over its keys,
-- the number of keys, and the ten fullest keys. Rows of past windows are not counted.
SELECT queue, rate_key, starts, total, keys FROM (
  SELECT w.queue, w.rate_key, w.starts,
         sum(w.starts) OVER (PARTITION BY w.queue) AS total,
         count(*) OVER (PARTITION BY w.queue) AS keys,
         row_number() OVER (PARTITION BY w.queue ORDER BY w.starts DESC, w.rate_key) AS rn
  FROM errand_rate_windows w JOIN errand_rate_limits l ON l.queue = w.queue
  WHERE w.window_start >= CAST(@now AS INTEGER) / l.interval_ms * l.interval_ms
)
WHERE rn <= 10
ORDER BY queue, rn
