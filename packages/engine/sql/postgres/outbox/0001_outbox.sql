-- The transactional outbox (src/outbox/): jobs written in the application's own transaction, in
-- the application's database, for a relay to insert into the jobs database (Redis) and delete.
-- id is the job id reserved for it in the jobs database; job is the job as JSON (RelayedJob).
CREATE TABLE errand_outbox (
  id         bigint      PRIMARY KEY,
  job        jsonb       NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
