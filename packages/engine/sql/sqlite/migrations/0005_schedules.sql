-- Cron schedules. errand_schedules holds each declared schedule and its cursor: last_tick, the
-- latest tick already decided (made into a job, or skipped by the catch-up policy). A process
-- advances the cursor and inserts the tick's job in one BEGIN IMMEDIATE transaction, so however
-- many processes look, each tick is decided once. On top of that, each job a schedule makes
-- carries (schedule_name, schedule_tick) under a unique index: one job per tick, whatever
-- happens to the cursor. Jobs that no schedule made leave both NULL (nothing in the index).
ALTER TABLE errand_jobs ADD COLUMN schedule_name TEXT;
ALTER TABLE errand_jobs ADD COLUMN schedule_tick INTEGER;
CREATE UNIQUE INDEX errand_jobs_schedule_tick ON errand_jobs (schedule_name, schedule_tick) WHERE schedule_name IS NOT NULL;

CREATE TABLE errand_schedules (
  name        TEXT    PRIMARY KEY,
  cron        TEXT    NOT NULL,
  timezone    TEXT,                       -- IANA name; NULL = UTC
  job_name    TEXT    NOT NULL,
  queue       TEXT    NOT NULL,
  payload     TEXT    NOT NULL,           -- JSON text
  catch_up    TEXT    NOT NULL,           -- 'skip' | 'once' | 'backfill:N'
  paused      INTEGER NOT NULL DEFAULT 0,
  last_tick   INTEGER NOT NULL,           -- the cursor (ms epoch): ticks up to here are decided
  last_run_at INTEGER,                    -- the latest tick that made a job
  jobs_made   INTEGER NOT NULL DEFAULT 0,
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL
);
