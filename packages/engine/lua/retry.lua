-- retry.lua: run jobs now: waiting, dead, completed or cancelled ones become available, with one
-- more attempt allowed if they had none left. Running jobs are left alone, and so is a finished
-- job whose unique key another unfinished job holds now: the holder stands for it, as at enqueue
-- (it is retried once the key is free, and then takes its key back).
-- KEYS[1]  the queue's key prefix;  ARGV[1]  queue name;  ARGV[2]  wake-up channel;  ARGV[3…] ids
-- Reply: the ids retried.
local base, queue, channel = KEYS[1], ARGV[1], ARGV[2]
local now = now_ms()
local out = {}
for i = 3, #ARGV do
  local id = ARGV[i]
  local jk = base .. 'job:' .. id
  local s = redis.call('HMGET', jk, 'state', 'attempt', 'max_attempts', 'unique_key')
  local held = s[4] and redis.call('HGET', base .. 'unique', s[4])
  if s[1] and s[1] ~= 'running' and not (held and held ~= id) then
    unindex(base, jk, id, s[1])
    redis.call('ZREM', base .. 'finished', pad(id))
    redis.call('HSET', jk, 'run_at', int(now), 'max_attempts', math.max(tonumber(s[3]), tonumber(s[2]) + 1))
    redis.call('HDEL', jk, 'finished_at', 'lease_expires_at')
    if s[4] then redis.call('HSET', base .. 'unique', s[4], id) end
    make_available(base, jk, id)
    table.insert(out, id)
  end
end
if #out > 0 then redis.call('PUBLISH', channel, queue) end
return out
