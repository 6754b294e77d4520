SELECT minute, sum(processed) AS processed, sum(failed) AS failed
FROM errand_stats WHERE minute >= @since GROUP BY minute ORDER BY minute
