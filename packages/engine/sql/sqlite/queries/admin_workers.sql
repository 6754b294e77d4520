SELECT id, host, pid, queues, started_at, last_heartbeat, running
FROM errand_workers WHERE last_heartbeat > @since ORDER BY started_at DESC
