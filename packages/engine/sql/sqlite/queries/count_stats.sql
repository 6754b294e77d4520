-- Add to the per-minute, per-worker counters (one row per worker: no contention).
INSERT INTO errand_stats (minute, queue, worker_id, processed, failed)
VALUES (@minute, @queue, @worker, @processed, @failed)
ON CONFLICT (minute, queue, worker_id)
DO UPDATE SET processed = processed + excluded.processed, failed = failed + excluded.failed
