-- A schedule's cursor and pause, read inside the BEGIN IMMEDIATE transaction that advances it.
SELECT last_tick, paused FROM errand_schedules WHERE name = @name
