-- Where a filtered newest-first walk stopped: the lowest id it read and how many it read.
SELECT min(id) AS last_id, count(*) AS n
FROM (
  SELECT id FROM errand_jobs
  WHERE state = @state AND (@before_id IS NULL OR id < @before_id)
  ORDER BY id DESC
  LIMIT @walk
)
