-- Store a running job's latest progress report (@progress, JSON text); the worker throttles the
-- calls. Guarded by the lease holder: a report arriving after the job ended changes nothing.
UPDATE errand_jobs SET progress = json(@progress)
WHERE id = @id AND locked_by = @worker AND state = 'running'
