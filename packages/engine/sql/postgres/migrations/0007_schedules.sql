-- Cron schedules. errand_schedules holds each declared schedule and its cursor: last_tick, the
-- latest tick already decided (made into a job, or skipped by the catch-up policy). A process
-- locks the schedule's row (FOR UPDATE SKIP LOCKED: another process busy with it is skipped, not
-- waited for), inserts the due ticks' jobs and advances the cursor in one transaction, so each
-- tick is decided once however many processes look. On top of that, each job a schedule makes
-- carries (schedule_name, schedule_tick) under a unique index: one job per tick, whatever
-- happens to the cursor. Jobs no schedule made leave both NULL: nothing enters the index, and
-- adding nullable columns rewrites nothing.
ALTER TABLE errand_jobs ADD COLUMN schedule_name text;
ALTER TABLE errand_jobs ADD COLUMN schedule_tick timestamptz;
CREATE UNIQUE INDEX errand_jobs_schedule_tick ON errand_jobs (schedule_name, schedule_tick) WHERE schedule_name IS NOT NULL;

CREATE TABLE errand_schedules (
  name        text        PRIMARY KEY,
  cron        text        NOT NULL,
  timezone    text,                       -- IANA name; NULL = UTC
  job_name    text        NOT NULL,
  queue       text        NOT NULL,
  payload     jsonb       NOT NULL,
  catch_up    text        NOT NULL,       -- 'skip' | 'once' | 'backfill:N'
  paused      boolean     NOT NULL DEFAULT false,
  last_tick   timestamptz NOT NULL,       -- the cursor: ticks up to here are decided
  last_run_at timestamptz,                -- the latest tick that made a job
  jobs_made   bigint      NOT NULL DEFAULT 0,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);
