-- Cancel jobs that have not finished: waiting ones never run; a running one is cancelled here and
-- its worker learns it at its next heartbeat (find_cancelled), aborts ctx.signal and writes
-- nothing (its completion's guard, state = 'running', no longer matches). locked_by is kept, so
-- the worker that held it can tell "cancelled" from "lease lost".
UPDATE errand_jobs
SET state = 'cancelled', finished_at = @now, lease_expires_at = NULL,
    errors = json_insert(errors, '$[#]', json_object(
      'attempt', attempt, 'at', strftime('%Y-%m-%dT%H:%M:%fZ', @now / 1000.0, 'unixepoch'),
      'kind', 'cancelled', 'message', @message))
WHERE id IN (SELECT value FROM json_each(@ids)) AND state IN ('scheduled', 'available', 'running', 'retryable')
RETURNING id, queue, name
