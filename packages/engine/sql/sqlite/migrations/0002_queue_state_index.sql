-- Unfinished jobs by queue and state, in run order: the console counts each queue's jobs with
-- capped index walks and finds its oldest due job with one probe.
CREATE INDEX errand_jobs_queue_state ON errand_jobs (queue, state, run_at)
  WHERE state IN ('scheduled', 'available', 'running', 'retryable');
