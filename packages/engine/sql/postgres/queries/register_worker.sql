-- Announce or refresh a worker process (the console's Workers page; its queues and load).
INSERT INTO {schema}.errand_workers (id, host, pid, queues, running, started_at, last_heartbeat)
VALUES ($1, $2, $3, $4::jsonb, $5, now(), now())
ON CONFLICT (id) DO UPDATE SET last_heartbeat = now(), running = EXCLUDED.running, queues = EXCLUDED.queues
