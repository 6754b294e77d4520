-- Ids of up to $5 jobs matching a filter, for bulk actions over a filtered selection.
SELECT id FROM {schema}.errand_jobs
WHERE state = $1
  AND ($2::text IS NULL OR queue = $2)
  AND ($3::text IS NULL OR name = $3)
  AND ($4::text IS NULL OR strpos(lower(payload::text), lower($4)) > 0)
ORDER BY id
LIMIT $5
