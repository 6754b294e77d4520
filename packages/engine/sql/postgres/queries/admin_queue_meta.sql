-- Queues known without scanning jobs: paused flags, and the queues live workers serve with
-- their concurrency.
SELECT q.name, q.paused, NULL::int AS concurrency FROM {schema}.errand_queues q
UNION ALL
SELECT k.key, NULL, k.value::int FROM {schema}.errand_workers w, jsonb_each_text(w.queues) k
WHERE w.last_heartbeat > now() - interval '1 minute'
