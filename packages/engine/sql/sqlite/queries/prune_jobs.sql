-- Delete finished jobs that finished before @before, at most @limit per call.
DELETE FROM errand_jobs
WHERE id IN (
  SELECT id FROM errand_jobs
  WHERE state IN ('completed', 'dead', 'cancelled') AND finished_at IS NOT NULL AND finished_at < @before
  LIMIT @limit
)
