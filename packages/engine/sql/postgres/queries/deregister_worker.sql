DELETE FROM errand_workers WHERE id = $1
