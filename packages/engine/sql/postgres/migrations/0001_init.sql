-- Errand's tables on PostgreSQL. Times are timestamptz taken from the server's clock (now()),
-- so workers on machines with skewed clocks still agree on leases and run_at.

CREATE TABLE errand_jobs (
  id               bigserial   PRIMARY KEY,
  queue            text        NOT NULL,
  name             text        NOT NULL,
  payload          jsonb       NOT NULL,
  state            text        NOT NULL CHECK (state IN ('scheduled','available','running','retryable','completed','dead')),
  priority         integer     NOT NULL DEFAULT 0,   -- smaller runs first
  run_at           timestamptz NOT NULL DEFAULT now(),
  attempt          integer     NOT NULL DEFAULT 0,
  max_attempts     integer     NOT NULL,
  timeout_ms       integer,
  unique_key       text,
  errors           jsonb       NOT NULL DEFAULT '[]',
  locked_by        text,
  lease_expires_at timestamptz,
  created_at       timestamptz NOT NULL DEFAULT now(),
  attempted_at     timestamptz,
  finished_at      timestamptz
);

CREATE INDEX errand_jobs_fetch ON errand_jobs (queue, priority, run_at, id)
  WHERE state IN ('available', 'scheduled', 'retryable');
CREATE INDEX errand_jobs_lease ON errand_jobs (lease_expires_at) WHERE state = 'running';
CREATE INDEX errand_jobs_state ON errand_jobs (state, id);
CREATE INDEX errand_jobs_state_finished ON errand_jobs (state, finished_at) WHERE state IN ('completed', 'dead');
-- Jobs waiting to run, in run order: the console's "next to run first" pages and the promoter.
CREATE INDEX errand_jobs_due ON errand_jobs (state, run_at, id)
  WHERE state IN ('scheduled', 'available', 'retryable');
CREATE UNIQUE INDEX errand_jobs_unique ON errand_jobs (unique_key)
  WHERE unique_key IS NOT NULL AND state NOT IN ('completed', 'dead');

CREATE TABLE errand_queues (
  name       text PRIMARY KEY,
  paused     boolean     NOT NULL DEFAULT false,
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE errand_workers (
  id             text PRIMARY KEY,
  host           text        NOT NULL,
  pid            integer     NOT NULL,
  queues         jsonb       NOT NULL,
  started_at     timestamptz NOT NULL DEFAULT now(),
  last_heartbeat timestamptz NOT NULL DEFAULT now(),
  running        integer     NOT NULL DEFAULT 0
);

CREATE TABLE errand_stats (
  minute    timestamptz NOT NULL,
  queue     text        NOT NULL,
  worker_id text        NOT NULL,
  processed bigint      NOT NULL DEFAULT 0,
  failed    bigint      NOT NULL DEFAULT 0,
  PRIMARY KEY (minute, queue, worker_id)
);

-- Wake workers at once when jobs they can run now are inserted. One notification per statement
-- and queue (PostgreSQL folds identical notifications within a transaction), delivered at commit,
-- so a job inserted inside a rolled-back transaction wakes nobody.
CREATE FUNCTION errand_notify_insert() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE q text;
BEGIN
  FOR q IN SELECT DISTINCT queue FROM new_rows WHERE state = 'available' LOOP
    PERFORM pg_notify('errand_jobs', q);
  END LOOP;
  RETURN NULL;
END $$;

CREATE TRIGGER errand_jobs_notify AFTER INSERT ON errand_jobs
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION errand_notify_insert();
