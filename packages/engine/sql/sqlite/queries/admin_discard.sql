-- Give up on waiting jobs: they go to dead with a note saying so.
UPDATE errand_jobs
SET state = 'dead', finished_at = @now,
    errors = json_insert(errors, '$[#]', json_object(
      'attempt', attempt, 'at', strftime('%Y-%m-%dT%H:%M:%fZ', @now / 1000.0, 'unixepoch'),
      'kind', 'discarded', 'message', @message))
WHERE id IN (SELECT value FROM json_each(@ids)) AND state IN ('scheduled', 'available', 'retryable')
RETURNING id
