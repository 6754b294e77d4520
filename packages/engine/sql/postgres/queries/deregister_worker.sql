DELETE FROM {schema}.errand_workers WHERE id = $1
