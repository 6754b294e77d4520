-- Queues known without scanning jobs: paused flags, and queues live workers serve.
SELECT q.name AS name, q.paused AS paused, NULL AS concurrency FROM errand_queues q
UNION ALL
SELECT k.key, NULL, k.value FROM errand_workers w, json_each(w.queues) k
WHERE w.last_heartbeat > @since
