-- Worker processes heard from in the last $1 ms, newest first.
SELECT id, host, pid, queues, started_at, last_heartbeat, running
FROM {schema}.errand_workers
WHERE last_heartbeat > now() - make_interval(secs => $1::float8 / 1000)
ORDER BY started_at DESC
