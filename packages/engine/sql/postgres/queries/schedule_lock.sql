-- A schedule's cursor and pause, locked for the transaction that advances it, with the server's
-- clock (ticks are decided against it, as run_at is). SKIP LOCKED: when another process is
-- deciding this schedule right now, this one leaves it to it instead of queueing behind it.
SELECT (extract(epoch FROM last_tick) * 1000)::float8 AS last_tick, paused,
       (extract(epoch FROM now()) * 1000)::float8 AS now
FROM {schema}.errand_schedules WHERE name = $1
FOR UPDATE SKIP LOCKED
