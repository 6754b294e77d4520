DELETE FROM errand_workers WHERE last_heartbeat < @before
