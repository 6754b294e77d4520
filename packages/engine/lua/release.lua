-- release.lua: hand running jobs back at once (a stopping worker; claimed but never started).
-- KEYS[1]  the queue's key prefix `<prefix>:{<queue>}:`
-- ARGV[1]  worker id;  ARGV[2]  '1' = uncount the attempt that never really ran;
-- ARGV[3]  a note (JSON text) appended to errors, '' = none;  ARGV[4]  queue name;  ARGV[5]  wake-up channel
-- ARGV[6…] ids
-- Reply: how many were released (available now; the queue's workers are woken).
local base, worker, uncount, note, queue, channel = KEYS[1], ARGV[1], ARGV[2] == '1', ARGV[3], ARGV[4], ARGV[5]
local now = now_ms()
local n = 0
for i = 6, #ARGV do
  local id = ARGV[i]
  local jk = base .. 'job:' .. id
  local s = redis.call('HMGET', jk, 'state', 'locked_by', 'attempt')
  if s[1] == 'running' and s[2] == worker then
    redis.call('ZREM', base .. 'running', pad(id))
    if uncount then redis.call('HSET', jk, 'attempt', math.max(tonumber(s[3]) - 1, 0)) end
    if note ~= '' then append_error(jk, note) end
    redis.call('HSET', jk, 'run_at', int(now))
    redis.call('HDEL', jk, 'lease_expires_at')
    make_available(base, jk, id)
    n = n + 1
  end
end
if n > 0 then redis.call('PUBLISH', channel, queue) end
return n
