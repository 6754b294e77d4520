-- Prune: drop the day partitions of history wholly older than $1 ms (errand_history_drop, in
-- migration 0011: whole tables, no DELETE). Returns how many were dropped.
SELECT {schema}.errand_history_drop('{schema}.errand_jobs_history', now() - make_interval(secs => $1::float8 / 1000)) AS dropped
