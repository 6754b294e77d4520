-- A job can be cancelled by an operator: a finished state of its own, never retried. SQLite cannot
-- alter a CHECK constraint, so the table is rebuilt (the documented 12-step way: new table, copy,
-- drop, rename, indexes again), inside this migration's BEGIN IMMEDIATE. A cancelled job is
-- finished: it releases its unique key and is pruned like completed and dead jobs.
CREATE TABLE errand_jobs_next (
  id               INTEGER PRIMARY KEY,
  queue            TEXT    NOT NULL,
  name             TEXT    NOT NULL,
  payload          TEXT    NOT NULL,
  state            TEXT    NOT NULL CHECK (state IN ('scheduled','available','running','retryable','completed','dead','cancelled')),
  priority         INTEGER NOT NULL DEFAULT 0,
  run_at           INTEGER NOT NULL,
  attempt          INTEGER NOT NULL DEFAULT 0,
  max_attempts     INTEGER NOT NULL,
  timeout_ms       INTEGER,
  unique_key       TEXT,
  errors           TEXT    NOT NULL DEFAULT '[]',
  locked_by        TEXT,
  lease_expires_at INTEGER,
  created_at       INTEGER NOT NULL,
  attempted_at     INTEGER,
  finished_at      INTEGER
);
INSERT INTO errand_jobs_next SELECT id, queue, name, payload, state, priority, run_at, attempt, max_attempts, timeout_ms,
  unique_key, errors, locked_by, lease_expires_at, created_at, attempted_at, finished_at FROM errand_jobs;
DROP TABLE errand_jobs;
ALTER TABLE errand_jobs_next RENAME TO errand_jobs;

CREATE INDEX errand_jobs_fetch ON errand_jobs (queue, priority, run_at, id)
  WHERE state IN ('available', 'scheduled', 'retryable');
CREATE INDEX errand_jobs_lease ON errand_jobs (lease_expires_at) WHERE state = 'running';
CREATE INDEX errand_jobs_state ON errand_jobs (state, id);
CREATE INDEX errand_jobs_state_finished ON errand_jobs (state, finished_at) WHERE state IN ('completed', 'dead', 'cancelled');
CREATE UNIQUE INDEX errand_jobs_unique ON errand_jobs (unique_key)
  WHERE unique_key IS NOT NULL AND state NOT IN ('completed', 'dead', 'cancelled');
CREATE INDEX errand_jobs_due ON errand_jobs (state, run_at, id)
  WHERE state IN ('scheduled', 'available', 'retryable');
CREATE INDEX errand_jobs_queue_state ON errand_jobs (queue, state, run_at)
  WHERE state IN ('scheduled', 'available', 'running', 'retryable');
