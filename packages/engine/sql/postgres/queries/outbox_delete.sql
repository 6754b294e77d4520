-- Relayed rows leave the outbox, in the relay's transaction.
DELETE FROM errand_outbox WHERE id = ANY($1::bigint[])
