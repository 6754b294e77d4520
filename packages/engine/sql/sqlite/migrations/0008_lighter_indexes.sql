-- Claims and completions touch fewer index entries (issue 12: "features cost only when used"; the
-- third finished state, cancelled, and the new columns had made a SQLite burn-down about 14%
-- slower than before them):
--
-- 1. errand_jobs_queue_state leaves running jobs out. A claim (available → running) then removes
--    one entry instead of moving it, and a completion touches none. The console's per-queue count
--    of running jobs walks errand_jobs_lease instead (admin_queue_counts.sql): running jobs are few.
--
-- 2. The partial indexes over finished and unfinished jobs test finished_at instead of the list of
--    finished states. finished_at is set exactly when a job enters completed, dead or cancelled and
--    cleared when it leaves (retry), so the rows indexed are the same; but SQLite evaluates each
--    partial index's WHERE on the old and the new row of every UPDATE, and a NULL test costs less
--    than three text comparisons.
--
-- Measured (20,000 jobs claimed 425 and completed 870 at a time, raw statements): claims 168 →
-- 150 ms, completions 125 → 110 ms for (1), and about 8% for (2). Index builds read the table
-- once each; nothing is rewritten.
--
-- For (2), first make the invariant hold for any row an older version left otherwise.
UPDATE errand_jobs SET finished_at = NULL
WHERE finished_at IS NOT NULL AND state NOT IN ('completed', 'dead', 'cancelled');
UPDATE errand_jobs SET finished_at = coalesce(attempted_at, created_at)
WHERE finished_at IS NULL AND state IN ('completed', 'dead', 'cancelled');

DROP INDEX errand_jobs_state_finished;
CREATE INDEX errand_jobs_state_finished ON errand_jobs (state, finished_at) WHERE finished_at IS NOT NULL;
DROP INDEX errand_jobs_unique;
CREATE UNIQUE INDEX errand_jobs_unique ON errand_jobs (unique_key) WHERE unique_key IS NOT NULL AND finished_at IS NULL;
DROP INDEX errand_jobs_queue_state;
CREATE INDEX errand_jobs_queue_state ON errand_jobs (queue, state, run_at)
  WHERE state IN ('scheduled', 'available', 'retryable');
