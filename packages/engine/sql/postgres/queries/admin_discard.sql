-- Give up on waiting jobs: they go to dead with a note saying so.
UPDATE {schema}.errand_jobs
SET state = 'dead', finished_at = now(),
    errors = errors || jsonb_build_array(jsonb_build_object(
      'attempt', attempt, 'at', now(), 'kind', 'discarded', 'message', $2::text))
WHERE id = ANY($1::bigint[]) AND state IN ('scheduled', 'available', 'retryable')
RETURNING id
