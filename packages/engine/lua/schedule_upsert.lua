-- schedule_upsert.lua: declare a schedule whose jobs go to this queue. A new one starts its cursor
-- now (no backfill on a first deploy); a known one takes the new definition and keeps its cursor,
-- pause and counters.
-- KEYS[1]  the queue's key prefix
-- ARGV     name, cron, timezone ('' = none), job name, queue, payload (JSON text), catch-up policy
-- Reply: 1 when the schedule is new, 0 when it was updated.
local base = KEYS[1]
local name = ARGV[1]
local sk = base .. 'schedule:' .. name
local now = int(now_ms())
local new = redis.call('EXISTS', sk) == 0
redis.call('HSET', sk, 'name', name, 'cron', ARGV[2], 'timezone', ARGV[3], 'job_name', ARGV[4], 'queue', ARGV[5],
  'payload', ARGV[6], 'catch_up', ARGV[7], 'updated_at', now)
if new then redis.call('HSET', sk, 'paused', 0, 'last_tick', now, 'jobs_made', 0, 'created_at', now) end
return new and 1 or 0
