-- One day's history table, {table} = errand_jobs_history_YYYYMMDD (UTC), made by
-- src/drivers/sqlite/history.ts inside the transaction that first needs it. Columns as errand_jobs'
-- (same order: the view errand_jobs_history is SELECT * of each table); id is the job's id (the
-- rowid: getJob and the moves find a job in one probe per table). (state, id) serves the console's
-- pages and counts; (schedule_name, schedule_tick) a schedule's recent jobs and its tick check.
CREATE TABLE IF NOT EXISTS {table} (
  id               INTEGER PRIMARY KEY,
  queue            TEXT    NOT NULL,
  name             TEXT    NOT NULL,
  payload          TEXT    NOT NULL,
  state            TEXT    NOT NULL CHECK (state IN ('completed','dead','cancelled')),
  priority         INTEGER NOT NULL,
  run_at           INTEGER NOT NULL,
  attempt          INTEGER NOT NULL,
  max_attempts     INTEGER NOT NULL,
  timeout_ms       INTEGER,
  unique_key       TEXT,
  errors           TEXT    NOT NULL,
  locked_by        TEXT,
  lease_expires_at INTEGER,
  created_at       INTEGER NOT NULL,
  attempted_at     INTEGER,
  finished_at      INTEGER NOT NULL,
  result           TEXT,
  progress         TEXT,
  schedule_name    TEXT,
  schedule_tick    INTEGER,
  rate_key         TEXT,
  trace_context    TEXT
);
CREATE INDEX IF NOT EXISTS {table}_state ON {table} (state, id);
CREATE INDEX IF NOT EXISTS {table}_schedule ON {table} (schedule_name, schedule_tick) WHERE schedule_name IS NOT NULL;
