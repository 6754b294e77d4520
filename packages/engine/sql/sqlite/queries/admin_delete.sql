DELETE FROM errand_jobs WHERE id IN (SELECT value FROM json_each(@ids)) AND state <> 'running' RETURNING id
