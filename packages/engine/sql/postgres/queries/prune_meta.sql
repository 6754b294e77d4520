-- Forget counters older than two days and workers silent for ten minutes.
WITH s AS (DELETE FROM {schema}.errand_stats WHERE minute < now() - interval '2 days')
DELETE FROM {schema}.errand_workers WHERE last_heartbeat < now() - interval '10 minutes'
