-- schedule_read.lua: a schedule's cursor and pause, with the server's clock (ticks are decided
-- against it, as run_at is). The caller plans the ticks, then schedule_advance.lua makes them if
-- the cursor has not moved meanwhile.
-- KEYS[1]  the queue's key prefix;  ARGV[1]  name
-- Reply: last_tick (ms), paused (1/0), now (ms); nil when there is no such schedule.
local sk = KEYS[1] .. 'schedule:' .. ARGV[1]
local s = redis.call('HMGET', sk, 'last_tick', 'paused')
if not s[1] then return false end
return { s[1], tonumber(s[2]) or 0, int(now_ms()) }
