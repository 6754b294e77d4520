-- The due jobs of a rate-limited queue a claim may take, in claim order (the first @scan of
-- errand_jobs_fetch), each with its rank among the candidates of its key (rn) and the room left
-- in its key's current window (room). Jobs with rn <= room fit; the rest wait, attempt
-- untouched. @per_key = 0 counts every job under the key ''. A window row from a later window
-- than @window (the clock went back) counts as the current one, so a step back never resets a
-- count. Runs inside BEGIN IMMEDIATE with claim_ids.sql and rate_count.sql: the write lock
-- serialises limited claims across processes.
SELECT c.id, c.k, row_number() OVER (PARTITION BY c.k ORDER BY c.priority, c.run_at, c.id) AS rn,
       @max_starts - coalesce((SELECT w.starts FROM errand_rate_windows w
                               WHERE w.queue = @queue AND w.rate_key = c.k AND w.window_start >= @window), 0) AS room
FROM (
  SELECT id, priority, run_at, CASE WHEN @per_key = 1 THEN coalesce(rate_key, '') ELSE '' END AS k
  FROM errand_jobs
  WHERE queue = @queue AND state IN ('available', 'scheduled', 'retryable') AND run_at <= @now
    AND NOT EXISTS (SELECT 1 FROM errand_queues q WHERE q.name = @queue AND q.paused = 1)
  ORDER BY priority, run_at, id
  LIMIT @scan
) c
ORDER BY c.priority, c.run_at, c.id
