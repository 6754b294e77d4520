-- Relayed rows leave the outbox, in the relay's transaction. :ids is a JSON array of ids.
DELETE FROM errand_outbox WHERE id IN (SELECT value FROM json_each(:ids))
