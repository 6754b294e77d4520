-- Cancel jobs that have not finished: waiting ones never run; a running one is cancelled here and
-- its worker learns it at its next heartbeat (find_cancelled), aborts ctx.signal and writes
-- nothing (its completion's guard, state = 'running', no longer matches). locked_by is kept, so
-- the worker that held it can tell "cancelled" from "lease lost".
UPDATE {schema}.errand_jobs
SET state = 'cancelled', finished_at = now(), lease_expires_at = NULL,
    errors = errors || jsonb_build_array(jsonb_build_object(
      'attempt', attempt, 'at', now(), 'kind', 'cancelled', 'message', $2::text))
WHERE id = ANY($1::bigint[]) AND state IN ('scheduled', 'available', 'running', 'retryable')
RETURNING id, queue, name
