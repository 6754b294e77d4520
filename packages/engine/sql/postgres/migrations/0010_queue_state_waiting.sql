-- errand_jobs_queue_state leaves running jobs out, as SQLite's 0008 does (issue 12: "features
-- cost only when used"). No update of errand_jobs is HOT (state is indexed), so every claim
-- (available → running) wrote a new entry in each index whose predicate the running row meets;
-- this was one of them, needed only for the console's per-queue count of running jobs, which now
-- walks errand_jobs_lease instead (admin_queue_counts.sql): running jobs are few, at most what the
-- workers hold. Built beside the old index, then swapped.
CREATE INDEX errand_jobs_queue_state_next ON errand_jobs (queue, state, run_at)
  WHERE state IN ('scheduled', 'available', 'retryable');
DROP INDEX errand_jobs_queue_state;
ALTER INDEX errand_jobs_queue_state_next RENAME TO errand_jobs_queue_state;
