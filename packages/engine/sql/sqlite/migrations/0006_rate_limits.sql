-- Rate limits per queue, counted in the database so every process shares them.
--
-- errand_rate_limits: one row per limited queue (declared by createErrand({ rateLimits }); the
-- last declaration wins). errand_rate_windows: one row per (queue, key) with the fixed window it
-- counts (window_start, ms epoch, a multiple of interval_ms) and the jobs started in it; a claim
-- in a later window starts the count again. rate_key is '' for a queue-wide limit and for jobs
-- without a key under a per-key limit.
--
-- errand_jobs.rate_key is the job's key, computed from its payload at enqueue (NULL: none). The
-- column is nullable and never indexed: a queue without a limit never reads it.
ALTER TABLE errand_jobs ADD COLUMN rate_key TEXT;

CREATE TABLE errand_rate_limits (
  queue       TEXT    PRIMARY KEY,
  max_starts  INTEGER NOT NULL,           -- at most this many job starts per window
  interval_ms INTEGER NOT NULL,           -- the window's length
  per_key     INTEGER NOT NULL DEFAULT 0, -- 1: counted per job rate_key
  updated_at  INTEGER NOT NULL
);

CREATE TABLE errand_rate_windows (
  queue        TEXT    NOT NULL,
  rate_key     TEXT    NOT NULL,
  window_start INTEGER NOT NULL,
  starts       INTEGER NOT NULL,
  PRIMARY KEY (queue, rate_key)
);
