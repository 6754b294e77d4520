-- Announce or refresh a worker process (the console's Workers page).
INSERT INTO errand_workers (id, host, pid, queues, running, started_at, last_heartbeat)
VALUES (@id, @host, @pid, @queues, @running, @now, @now)
ON CONFLICT (id) DO UPDATE SET last_heartbeat = @now, running = excluded.running, queues = excluded.queues
