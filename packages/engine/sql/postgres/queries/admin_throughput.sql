-- Processed and failed per minute over the last $1 ms (from the per-worker counters).
SELECT minute, sum(processed)::bigint AS processed, sum(failed)::bigint AS failed
FROM {schema}.errand_stats
WHERE minute >= date_trunc('minute', now() - make_interval(secs => $1::float8 / 1000))
GROUP BY minute
ORDER BY minute
