-- schedule_advance.lua: make one job per planned tick of a schedule and move its cursor, if the
-- cursor is still where schedule_read.lua saw it (compare-and-set: when another process moved it
-- first, nothing is made). A tick that already has its job (ticks:<name> holds one per tick) is
-- skipped, so a tick never makes two jobs however many processes plan it.
-- KEYS[1]  the queue's key prefix
-- ARGV[1]  name;  ARGV[2]  the cursor read (ms);  ARGV[3]  the new cursor (ms);  ARGV[4]  queue name
-- ARGV[5]  wake-up channel;  ARGV[6] job name;  ARGV[7] payload;  ARGV[8] priority;
-- ARGV[9]  max_attempts;  ARGV[10] timeout_ms ('' = none);  ARGV[11] rate key ('' = none, else
--          'k' .. the key);  ARGV[12] when the plan was decided (ms: the clock schedule_read.lua
--          returned): the jobs' created_at, as PostgreSQL's transaction time is, so a tick's
--          lateness reads the same however long the round trips between read and advance took;
-- ARGV[13…] pairs: id (drawn by the caller), tick (ms)
-- Reply: nil when the schedule is gone, paused or its cursor moved; else pairs id, tick made.
local base, name, seen, cursor, queue, channel = KEYS[1], ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local sk = base .. 'schedule:' .. name
local s = redis.call('HMGET', sk, 'last_tick', 'paused')
if not s[1] or s[2] == '1' or s[1] ~= seen then return false end
local now = now_ms()
local out = {}
local last = false
local wake = false
local tk = base .. 'ticks:' .. name
for i = 13, #ARGV, 2 do
  local id, tick = ARGV[i], tonumber(ARGV[i + 1])
  if #redis.call('ZRANGEBYSCORE', tk, tick, tick, 'LIMIT', 0, 1) == 0 then
    local state = tick > now and 'scheduled' or 'available'
    local jk = base .. 'job:' .. id
    redis.call('HSET', jk, 'id', id, 'queue', queue, 'name', ARGV[6], 'payload', ARGV[7], 'state', state, 'priority', ARGV[8],
      'run_at', int(tick), 'attempt', 0, 'max_attempts', ARGV[9], 'created_at', ARGV[12], 'errors', '[]',
      'schedule_name', name, 'schedule_tick', int(tick))
    if ARGV[10] ~= '' then redis.call('HSET', jk, 'timeout_ms', ARGV[10]) end
    if ARGV[11] ~= '' then redis.call('HSET', jk, 'rate_key', string.sub(ARGV[11], 2)) end
    if state == 'scheduled' then
      redis.call('ZADD', base .. 'scheduled', tick, pad(id))
    else
      redis.call('ZADD', base .. 'available', ARGV[8], avail_member(tick, id))
      wake = true
    end
    redis.call('ZADD', tk, tick, pad(id))
    table.insert(out, id)
    table.insert(out, int(tick))
    last = int(tick)
  end
end
redis.call('HSET', sk, 'last_tick', cursor)
if last then redis.call('HSET', sk, 'last_run_at', last) end
redis.call('HINCRBY', sk, 'jobs_made', #out / 2)
if wake then redis.call('PUBLISH', channel, queue) end
return out
