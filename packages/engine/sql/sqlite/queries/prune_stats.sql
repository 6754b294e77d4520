DELETE FROM errand_stats WHERE minute < @before
