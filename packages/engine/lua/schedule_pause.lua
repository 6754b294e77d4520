-- schedule_pause.lua: pause ('1') or resume ('0') a schedule. Resuming moves the cursor to now: the
-- ticks that fell while it was paused are not made.
-- KEYS[1]  the queue's key prefix;  ARGV[1]  name;  ARGV[2]  '1' | '0'
-- Reply: 1, or 0 when there is no such schedule.
local sk = KEYS[1] .. 'schedule:' .. ARGV[1]
local s = redis.call('HMGET', sk, 'paused', 'last_tick')
if not s[1] then return 0 end
local now = now_ms()
if s[1] == '1' and ARGV[2] == '0' then redis.call('HSET', sk, 'last_tick', int(math.max(tonumber(s[2]), now))) end
redis.call('HSET', sk, 'paused', ARGV[2], 'updated_at', int(now))
return 1
