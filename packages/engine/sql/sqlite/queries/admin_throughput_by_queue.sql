SELECT queue, sum(processed) AS processed, sum(failed) AS failed
FROM errand_stats WHERE minute >= @since GROUP BY queue
