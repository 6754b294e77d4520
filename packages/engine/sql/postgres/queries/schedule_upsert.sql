-- Declare a schedule (at worker start): new ones start their cursor now (no backfill on a first
-- deploy); known ones take the new definition and keep their cursor, pause and counters.
INSERT INTO {schema}.errand_schedules (name, cron, timezone, job_name, queue, payload, catch_up, last_tick)
VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, now())
ON CONFLICT (name) DO UPDATE SET
  cron = EXCLUDED.cron, timezone = EXCLUDED.timezone, job_name = EXCLUDED.job_name, queue = EXCLUDED.queue,
  payload = EXCLUDED.payload, catch_up = EXCLUDED.catch_up, updated_at = now()
