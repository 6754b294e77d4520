-- Insert one job. SQLite has no array parameters, and does not need them: statements run
-- in-process, so a bulk insert is this prepared statement stepped once per row inside one
-- transaction (one fsync). A unique_key held by an unfinished job makes this insert nothing;
-- the caller then looks the holder up with find_unique.
INSERT INTO errand_jobs (queue, name, payload, state, priority, run_at, max_attempts, timeout_ms, unique_key, rate_key, created_at, trace_context)
VALUES (@queue, @name, @payload, CASE WHEN @run_at > @now THEN 'scheduled' ELSE 'available' END,
        @priority, @run_at, @max_attempts, @timeout_ms, @unique_key, @rate_key, @now, @trace_context)
ON CONFLICT (unique_key) WHERE unique_key IS NOT NULL AND finished_at IS NULL DO NOTHING
RETURNING id, queue, name, state, priority, run_at, max_attempts, unique_key, created_at
