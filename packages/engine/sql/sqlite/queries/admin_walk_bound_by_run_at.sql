-- Where a filtered next-to-run walk stopped: the last (run_at, id) it read, and how many rows.
SELECT run_at AS last_us, id AS last_id, (SELECT count(*) FROM (
    SELECT 1 FROM errand_jobs
    WHERE state = @state
      AND (@after_run_at IS NULL OR run_at > @after_run_at OR (run_at = @after_run_at AND id > @after_id))
    LIMIT @walk)) AS n
FROM (
  SELECT id, run_at FROM errand_jobs
  WHERE state = @state
    AND (@after_run_at IS NULL OR run_at > @after_run_at OR (run_at = @after_run_at AND id > @after_id))
  ORDER BY run_at, id
  LIMIT @walk
)
ORDER BY run_at DESC, id DESC
LIMIT 1
