-- The job of one tick of schedule $1 (tick $2, ms epoch): run_at = the tick. The unique index on
-- (schedule_name, schedule_tick) makes a second insert of the same tick a no-op (no row) while
-- the tick's job is unfinished; once it has finished and moved to history, the NOT EXISTS finds it
-- there (errand_jobs_history_schedule). The caller holds the schedule's row locked.
INSERT INTO {schema}.errand_jobs (queue, name, payload, state, priority, run_at, max_attempts, timeout_ms, schedule_name, schedule_tick, rate_key)
SELECT $3, $4, $5::jsonb, CASE WHEN t.tick > now() THEN 'scheduled' ELSE 'available' END, $6, t.tick, $7, $8, $1, t.tick, $9
FROM (SELECT to_timestamp($2::float8 / 1000) AS tick) t
WHERE NOT EXISTS (SELECT 1 FROM {schema}.errand_jobs_history h WHERE h.schedule_name = $1 AND h.schedule_tick = t.tick)
ON CONFLICT (schedule_name, schedule_tick) WHERE schedule_name IS NOT NULL DO NOTHING
RETURNING id
