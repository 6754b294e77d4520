-- Job ids for an outbox (outbox/): drawn from the jobs' own sequence, so no insert takes them;
-- the relay inserts each job under its reserved id later (insert_relayed.sql).
SELECT nextval('{schema}.errand_jobs_id_seq') AS id FROM generate_series(1, $1::int)
