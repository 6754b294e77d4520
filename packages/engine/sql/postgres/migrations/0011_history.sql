-- Finished jobs leave the table claims run on (issue 14, "cost as history grows").
--
-- Until now a completed, dead or cancelled job stayed in errand_jobs for the retention (7 days by
-- default) and was pruned by DELETE: at 1,000 jobs/s the table would hold ~600 million rows, every
-- claim's and completion's index walk grew with it (−13% burn-down after a million finished jobs)
-- and pruning was a DELETE storm followed by vacuum. Now finishing a job moves its row, in the
-- same statement, into errand_jobs_history, a table partitioned by finished_at with one partition
-- per UTC day (errand_jobs_history_YYYYMMDD). errand_jobs only ever holds unfinished jobs, and
-- pruning drops whole partitions (errand_history_drop): no DELETE, no dead tuples, no vacuum.
--
-- errand_jobs_history has errand_jobs' columns, in the same order; a later migration that adds a
-- column to errand_jobs adds it here too (the move statements list every column).
-- Its indexes: (state, id), which serves the console's pages (newest first per state, merged
-- across partitions), its counts, and every lookup by id (`state IN (finished) AND id = …`: three
-- probes per partition); and (schedule_name, schedule_tick) for a schedule's recent jobs and its
-- one-job-per-tick check. A range-partitioned table cannot have a primary key on id alone: ids stay
-- unique because they come from errand_jobs' sequence and a row is in exactly one of the two tables
-- (moves are one statement). Retry moves a row back (admin_retry.sql).
--
-- Partitions are made ahead by errand_history_ensure (the maintainer's prune makes today's and the
-- next three days'; a move that finds no partition makes it and retries: drivers/postgres/driver.ts).
-- Like every migration, this runs with search_path set to the install's schema.
CREATE TABLE errand_jobs_history (
  id               bigint      NOT NULL,
  queue            text        NOT NULL,
  name             text        NOT NULL,
  payload          jsonb       NOT NULL,
  state            text        NOT NULL CHECK (state IN ('completed', 'dead', 'cancelled')),
  priority         integer     NOT NULL,
  run_at           timestamptz NOT NULL,
  attempt          integer     NOT NULL,
  max_attempts     integer     NOT NULL,
  timeout_ms       integer,
  unique_key       text,
  errors           jsonb       NOT NULL,
  locked_by        text,
  lease_expires_at timestamptz,
  created_at       timestamptz NOT NULL,
  attempted_at     timestamptz,
  finished_at      timestamptz NOT NULL,
  result           jsonb,
  progress         jsonb,
  schedule_name    text,
  schedule_tick    timestamptz,
  rate_key         text,
  trace_context    text
) PARTITION BY RANGE (finished_at);

CREATE INDEX errand_jobs_history_state_id ON errand_jobs_history (state, id);
CREATE INDEX errand_jobs_history_schedule ON errand_jobs_history (schedule_name, schedule_tick) WHERE schedule_name IS NOT NULL;

-- Make the partitions of the UTC days first_day..last_day that are missing; returns how many were
-- made. The parent is passed as a regclass (the caller qualifies it), and each partition is made in
-- the parent's schema, named <parent>_YYYYMMDD. Two processes making the same day at once: the
-- loser's CREATE fails with duplicate_table (or unique_violation in the catalogue) and is ignored.
CREATE FUNCTION errand_history_ensure(parent regclass, first_day date, last_day date) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
  ns text;
  base text;
  d date;
  part text;
  made integer := 0;
BEGIN
  SELECT n.nspname, c.relname INTO ns, base FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = parent;
  FOR d IN SELECT g::date FROM generate_series(first_day::timestamp, last_day::timestamp, interval '1 day') g LOOP
    part := base || '_' || to_char(d, 'YYYYMMDD');
    CONTINUE WHEN to_regclass(format('%I.%I', ns, part)) IS NOT NULL;
    BEGIN
      EXECUTE format('CREATE TABLE %I.%I PARTITION OF %s FOR VALUES FROM (%L) TO (%L)', ns, part, parent,
                     d::timestamp AT TIME ZONE 'UTC', (d + 1)::timestamp AT TIME ZONE 'UTC');
      made := made + 1;
    EXCEPTION WHEN duplicate_table OR unique_violation THEN
      NULL;
    END;
  END LOOP;
  RETURN made;
END $$;

-- Drop the day partitions that end at or before `before` (a partition holding jobs on both sides of
-- the cutoff is kept until it is wholly old: jobs are kept between the retention and the retention
-- plus a day). Returns the partitions dropped. A DROP needs an exclusive lock on the parent for a
-- moment; while a long reader holds the parent, the DROP would queue every completion behind it,
-- so each waits at most 500 ms and is otherwise left for the next prune.
CREATE FUNCTION errand_history_drop(parent regclass, before timestamptz) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
  p record;
  dropped integer := 0;
BEGIN
  PERFORM set_config('lock_timeout', '500ms', true);
  FOR p IN
    SELECT c.oid::regclass AS rel
    FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
    WHERE i.inhparent = parent AND c.relname ~ '_[0-9]{8}$'
      AND (to_date(right(c.relname, 8), 'YYYYMMDD') + 1)::timestamp AT TIME ZONE 'UTC' <= before
    ORDER BY c.relname
  LOOP
    BEGIN
      EXECUTE format('DROP TABLE %s', p.rel);
      dropped := dropped + 1;
    EXCEPTION WHEN lock_not_available THEN
      NULL;
    END;
  END LOOP;
  RETURN dropped;
END $$;

-- Finished jobs already in errand_jobs move into history, each under the day it finished (an older
-- version may have left finished_at empty: the last time it was touched stands in). Then the
-- indexes that served finished rows go, and the CHECK says what errand_jobs now holds.
SELECT errand_history_ensure('errand_jobs_history',
  (coalesce((SELECT min(coalesce(finished_at, attempted_at, created_at)) FROM errand_jobs WHERE state IN ('completed', 'dead', 'cancelled')), now()) AT TIME ZONE 'UTC')::date,
  (now() AT TIME ZONE 'UTC')::date + 3);

WITH gone AS (
  DELETE FROM errand_jobs WHERE state IN ('completed', 'dead', 'cancelled') RETURNING *
)
INSERT INTO errand_jobs_history (id, queue, name, payload, state, priority, run_at, attempt, max_attempts, timeout_ms, unique_key, errors,
  locked_by, lease_expires_at, created_at, attempted_at, finished_at, result, progress, schedule_name, schedule_tick, rate_key, trace_context)
SELECT id, queue, name, payload, state, priority, run_at, attempt, max_attempts, timeout_ms, unique_key, errors,
  locked_by, NULL, created_at, attempted_at, coalesce(finished_at, attempted_at, created_at), result, progress, schedule_name, schedule_tick, rate_key, trace_context
FROM gone;

DROP INDEX errand_jobs_finished_id;
DROP INDEX errand_jobs_state_finished;
ALTER TABLE errand_jobs DROP CONSTRAINT errand_jobs_state_check;
ALTER TABLE errand_jobs ADD CONSTRAINT errand_jobs_state_check CHECK (state IN ('scheduled', 'available', 'running', 'retryable')) NOT VALID;
ALTER TABLE errand_jobs VALIDATE CONSTRAINT errand_jobs_state_check;
