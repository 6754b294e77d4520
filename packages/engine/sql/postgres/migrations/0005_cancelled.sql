-- A job can be cancelled by an operator: a finished state of its own, never retried. The new
-- CHECK is added NOT VALID and then validated, so the table is locked exclusively only for the
-- catalogue change, not for the scan. A cancelled job is finished: it releases its unique key, is
-- listed through the finished-jobs index and is pruned like completed and dead jobs, so the three
-- partial indexes that name the finished states are rebuilt with it (built beside the old ones,
-- then swapped).
ALTER TABLE errand_jobs DROP CONSTRAINT errand_jobs_state_check;
ALTER TABLE errand_jobs ADD CONSTRAINT errand_jobs_state_check
  CHECK (state IN ('scheduled','available','running','retryable','completed','dead','cancelled')) NOT VALID;
ALTER TABLE errand_jobs VALIDATE CONSTRAINT errand_jobs_state_check;

CREATE UNIQUE INDEX errand_jobs_unique_next ON errand_jobs (unique_key)
  WHERE unique_key IS NOT NULL AND state NOT IN ('completed', 'dead', 'cancelled');
DROP INDEX errand_jobs_unique;
ALTER INDEX errand_jobs_unique_next RENAME TO errand_jobs_unique;

CREATE INDEX errand_jobs_finished_id_next ON errand_jobs (state, id) WHERE state IN ('completed', 'dead', 'cancelled');
DROP INDEX errand_jobs_finished_id;
ALTER INDEX errand_jobs_finished_id_next RENAME TO errand_jobs_finished_id;

CREATE INDEX errand_jobs_state_finished_next ON errand_jobs (state, finished_at) WHERE state IN ('completed', 'dead', 'cancelled');
DROP INDEX errand_jobs_state_finished;
ALTER INDEX errand_jobs_state_finished_next RENAME TO errand_jobs_state_finished;
