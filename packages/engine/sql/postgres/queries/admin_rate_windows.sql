-- How full each limit's current window is, by the server's clock: per queue the starts summed
-- over its keys, the number of keys, and the ten fullest keys. Rows of past windows are not
-- counted.
SELECT queue, rate_key, starts, total::int, keys::int FROM (
  SELECT w.queue, w.rate_key, w.starts,
         sum(w.starts) OVER (PARTITION BY w.queue) AS total,
         count(*) OVER (PARTITION BY w.queue) AS keys,
         row_number() OVER (PARTITION BY w.queue ORDER BY w.starts DESC, w.rate_key) AS rn
  FROM {schema}.errand_rate_windows w JOIN {schema}.errand_rate_limits l ON l.queue = w.queue
  WHERE w.window_start >= floor(extract(epoch FROM now()) * 1000 / l.interval_ms) * l.interval_ms
) x
WHERE rn <= 10
ORDER BY queue, rn
