-- One job into the outbox, inside the caller's transaction (src/outbox/sqlite-outbox.ts).
INSERT INTO errand_outbox (id, job, created_at) VALUES (:id, :job, :now)
