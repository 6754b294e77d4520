-- Processed and failed per queue and job-name-agnostic over the last $1 ms.
SELECT queue, sum(processed)::bigint AS processed, sum(failed)::bigint AS failed
FROM {schema}.errand_stats
WHERE minute >= date_trunc('minute', now() - make_interval(secs => $1::float8 / 1000))
GROUP BY queue
