-- Jobs relayed from an outbox, each under the id reserved for it (reserve_ids.sql). A relay
-- that is repeated (the relaying process died after this commit, before deleting its outbox
-- rows) finds the id taken and inserts nothing: DO NOTHING on any conflict, the primary key's
-- or the unique key's (a job whose unique_key an unfinished job holds is dropped, as enqueue
-- would have returned the holder) — and a job relayed earlier that has finished since is in
-- history, not under errand_jobs' primary key, so the NOT EXISTS looks there. Returns the ids
-- inserted now.
INSERT INTO {schema}.errand_jobs (id, queue, name, payload, state, priority, run_at, max_attempts, timeout_ms, unique_key, trace_context, rate_key)
SELECT id, q, n, p, CASE WHEN coalesce(r, now()) > now() THEN 'scheduled' ELSE 'available' END, pr, coalesce(r, now()), ma, t, u, tc, rk
FROM unnest($1::bigint[], $2::text[], $3::text[], $4::jsonb[], $5::int[], $6::timestamptz[], $7::int[], $8::int[], $9::text[], $10::text[], $11::text[])
  AS x(id, q, n, p, pr, r, ma, t, u, tc, rk)
WHERE NOT EXISTS (SELECT 1 FROM {schema}.errand_jobs_history h WHERE h.state IN ('completed', 'dead', 'cancelled') AND h.id = x.id)
ORDER BY id
ON CONFLICT DO NOTHING
RETURNING id
