-- Rate limits per queue, counted in the database so every process shares them.
--
-- errand_rate_limits: one row per limited queue (declared by createErrand({ rateLimits }); the
-- last declaration wins). A claim on a limited queue locks its row (FOR UPDATE) for the length of
-- its transaction, so the claims of one limited queue take turns, whatever the process, and each
-- sees the counts the previous one committed. errand_rate_windows: one row per (queue, key) with
-- the fixed window it counts (window_start, ms epoch by the server's clock, a multiple of
-- interval_ms) and the jobs started in it; a claim in a later window starts the count again.
-- rate_key is '' for a queue-wide limit and for jobs without a key under a per-key limit.
--
-- errand_jobs.rate_key is the job's key, computed from its payload at enqueue (NULL: none).
-- Adding a nullable column rewrites nothing; it is never indexed, and a queue without a limit
-- never reads it.
ALTER TABLE errand_jobs ADD COLUMN rate_key text;

CREATE TABLE errand_rate_limits (
  queue       text        PRIMARY KEY,
  max_starts  integer     NOT NULL,            -- at most this many job starts per window
  interval_ms integer     NOT NULL,            -- the window's length
  per_key     boolean     NOT NULL DEFAULT false, -- counted per job rate_key
  updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE errand_rate_windows (
  queue        text    NOT NULL,
  rate_key     text    NOT NULL,
  window_start float8  NOT NULL,
  starts       integer NOT NULL,
  PRIMARY KEY (queue, rate_key)
);
