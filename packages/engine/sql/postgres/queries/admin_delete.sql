-- Delete jobs that are not running (a running job finishes or is rescued first).
DELETE FROM {schema}.errand_jobs WHERE id = ANY($1::bigint[]) AND state <> 'running' RETURNING id
