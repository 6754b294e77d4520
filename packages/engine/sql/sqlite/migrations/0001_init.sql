-- Errand's tables on SQLite. Times are integer milliseconds since the epoch (UTC):
-- every process on one machine shares the clock, and integers compare fast in indexes.

CREATE TABLE errand_jobs (
  id               INTEGER PRIMARY KEY,
  queue            TEXT    NOT NULL,
  name             TEXT    NOT NULL,
  payload          TEXT    NOT NULL,             -- JSON text
  state            TEXT    NOT NULL CHECK (state IN ('scheduled','available','running','retryable','completed','dead')),
  priority         INTEGER NOT NULL DEFAULT 0,   -- smaller runs first
  run_at           INTEGER NOT NULL,
  attempt          INTEGER NOT NULL DEFAULT 0,   -- attempts started so far
  max_attempts     INTEGER NOT NULL,
  timeout_ms       INTEGER,
  unique_key       TEXT,
  errors           TEXT    NOT NULL DEFAULT '[]', -- JSON array of {attempt, at, message, stack}
  locked_by        TEXT,                          -- worker id holding the lease
  lease_expires_at INTEGER,
  created_at       INTEGER NOT NULL,
  attempted_at     INTEGER,
  finished_at      INTEGER
);

-- The fetch index: only rows that can be claimed, in claim order.
CREATE INDEX errand_jobs_fetch ON errand_jobs (queue, priority, run_at, id)
  WHERE state IN ('available', 'scheduled', 'retryable');

-- Lease rescue scans only running rows.
CREATE INDEX errand_jobs_lease ON errand_jobs (lease_expires_at) WHERE state = 'running';

-- Console listings by state (newest first) and the pruner.
CREATE INDEX errand_jobs_state ON errand_jobs (state, id);
CREATE INDEX errand_jobs_state_finished ON errand_jobs (state, finished_at) WHERE state IN ('completed', 'dead');

-- A unique key holds while the job is not finished.
CREATE UNIQUE INDEX errand_jobs_unique ON errand_jobs (unique_key)
  WHERE unique_key IS NOT NULL AND state NOT IN ('completed', 'dead');

CREATE TABLE errand_queues (
  name       TEXT PRIMARY KEY,
  paused     INTEGER NOT NULL DEFAULT 0,
  updated_at INTEGER NOT NULL
);

CREATE TABLE errand_workers (
  id             TEXT PRIMARY KEY,
  host           TEXT    NOT NULL,
  pid            INTEGER NOT NULL,
  queues         TEXT    NOT NULL,  -- JSON object queue -> concurrency
  started_at     INTEGER NOT NULL,
  last_heartbeat INTEGER NOT NULL,
  running        INTEGER NOT NULL DEFAULT 0
);

-- Processed/failed counters per minute, per worker (no two workers ever write one row).
CREATE TABLE errand_stats (
  minute    INTEGER NOT NULL,  -- ms epoch, floored to the minute
  queue     TEXT    NOT NULL,
  worker_id TEXT    NOT NULL,
  processed INTEGER NOT NULL DEFAULT 0,
  failed    INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (minute, queue, worker_id)
);

-- Jobs waiting to run, in run order: the console's "next to run first" pages and the promoter.
CREATE INDEX errand_jobs_due ON errand_jobs (state, run_at, id)
  WHERE state IN ('scheduled', 'available', 'retryable');
