-- First statement of a limited claim's transaction: lock the queue's limit row. Limited claims
-- of one queue take turns here, from any process (no SKIP LOCKED: the next claim waits the few
-- milliseconds the current one holds it). The claim statement that follows starts after the
-- lock is granted, so under READ COMMITTED its snapshot holds every count the previous holder
-- committed — in one statement, the snapshot would predate the wait and miss them.
SELECT max_starts, interval_ms, per_key FROM {schema}.errand_rate_limits WHERE queue = $1 FOR UPDATE
