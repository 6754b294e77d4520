-- Finished jobs leave the table claims run on (issue 14, "cost as history grows").
--
-- Finishing a job (completed, dead, cancelled) now moves its row, in the finishing transaction,
-- into a table of the UTC day it finished: errand_jobs_history_YYYYMMDD (made by the driver when
-- the day's first job finishes, or ahead by the maintainer: src/drivers/sqlite/history.ts, from
-- queries/history_day.sql). The view errand_jobs_history is the UNION ALL of every history table
-- (the driver recreates it, in the same transaction, whenever it makes or drops one); reads of
-- finished jobs go through it, and SQLite merges the tables' (state, id) indexes for a page.
-- Pruning drops whole day tables: no DELETE of millions of rows, no index maintenance per row.
--
-- errand_jobs is rebuilt (SQLite cannot alter a table's CHECK or key; the 12-step way, inside this
-- migration's BEGIN IMMEDIATE) with two changes:
--  - AUTOINCREMENT: ids are never handed out again. Without it SQLite gives a new row max(id) + 1,
--    and once finished jobs leave, the highest ids would be reused — and results, waitForJob and
--    the console look jobs up by id. The sequence starts above every id in either table.
--  - its CHECK admits unfinished states only, and errand_jobs_state_finished (finished rows) goes.
--
-- Finished rows already here move into errand_jobs_history_upgrade, one table for every day they
-- finished on (SQL alone cannot name a table per day). The pruner drops it whole once its newest
-- job is older than the retention (its finished_at index answers that in one probe).
--
-- Every history table has errand_jobs' columns in the same order (the view is SELECT * of each); a
-- later migration that adds a column to errand_jobs adds it to history_day.sql and to every
-- existing history table too.
CREATE TABLE errand_jobs_next (
  id               INTEGER PRIMARY KEY AUTOINCREMENT,
  queue            TEXT    NOT NULL,
  name             TEXT    NOT NULL,
  payload          TEXT    NOT NULL,
  state            TEXT    NOT NULL CHECK (state IN ('scheduled','available','running','retryable')),
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
  finished_at      INTEGER,
  result           TEXT,
  progress         TEXT,
  schedule_name    TEXT,
  schedule_tick    INTEGER,
  rate_key         TEXT,
  trace_context    TEXT
);

CREATE TABLE errand_jobs_history_upgrade (
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

INSERT INTO errand_jobs_next SELECT id, queue, name, payload, state, priority, run_at, attempt, max_attempts, timeout_ms, unique_key,
  errors, locked_by, lease_expires_at, created_at, attempted_at, finished_at, result, progress, schedule_name, schedule_tick, rate_key, trace_context
FROM errand_jobs WHERE state NOT IN ('completed', 'dead', 'cancelled');
INSERT INTO errand_jobs_history_upgrade SELECT id, queue, name, payload, state, priority, run_at, attempt, max_attempts, timeout_ms, unique_key,
  errors, locked_by, NULL, created_at, attempted_at, coalesce(finished_at, attempted_at, created_at), result, progress, schedule_name, schedule_tick, rate_key, trace_context
FROM errand_jobs WHERE state IN ('completed', 'dead', 'cancelled');

-- The sequence starts above every id ever handed out (unfinished or finished).
DELETE FROM sqlite_sequence WHERE name = 'errand_jobs_next';
INSERT INTO sqlite_sequence (name, seq)
SELECT 'errand_jobs_next', max(coalesce((SELECT max(id) FROM errand_jobs), 0), coalesce((SELECT max(id) FROM errand_jobs_history_upgrade), 0));

DROP TABLE errand_jobs;
ALTER TABLE errand_jobs_next RENAME TO errand_jobs;

CREATE INDEX errand_jobs_fetch ON errand_jobs (queue, priority, run_at, id)
  WHERE state IN ('available', 'scheduled', 'retryable');
CREATE INDEX errand_jobs_lease ON errand_jobs (lease_expires_at) WHERE state = 'running';
CREATE INDEX errand_jobs_state ON errand_jobs (state, id);
CREATE UNIQUE INDEX errand_jobs_unique ON errand_jobs (unique_key) WHERE unique_key IS NOT NULL AND finished_at IS NULL;
CREATE INDEX errand_jobs_due ON errand_jobs (state, run_at, id)
  WHERE state IN ('scheduled', 'available', 'retryable');
CREATE INDEX errand_jobs_queue_state ON errand_jobs (queue, state, run_at)
  WHERE state IN ('scheduled', 'available', 'retryable');
CREATE UNIQUE INDEX errand_jobs_schedule_tick ON errand_jobs (schedule_name, schedule_tick) WHERE schedule_name IS NOT NULL;

CREATE INDEX errand_jobs_history_upgrade_state ON errand_jobs_history_upgrade (state, id);
CREATE INDEX errand_jobs_history_upgrade_schedule ON errand_jobs_history_upgrade (schedule_name, schedule_tick) WHERE schedule_name IS NOT NULL;
CREATE INDEX errand_jobs_history_upgrade_finished ON errand_jobs_history_upgrade (finished_at);

CREATE VIEW errand_jobs_history AS SELECT * FROM errand_jobs_history_upgrade;
