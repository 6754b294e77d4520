-- Declare a schedule (at worker start): new ones start their cursor now (no backfill on a first
-- deploy); known ones take the new definition and keep their cursor, pause and counters.
INSERT INTO errand_schedules (name, cron, timezone, job_name, queue, payload, catch_up, last_tick, created_at, updated_at)
VALUES (@name, @cron, @timezone, @job_name, @queue, @payload, @catch_up, @now, @now, @now)
ON CONFLICT (name) DO UPDATE SET
  cron = excluded.cron, timezone = excluded.timezone, job_name = excluded.job_name, queue = excluded.queue,
  payload = excluded.payload, catch_up = excluded.catch_up, updated_at = excluded.updated_at
