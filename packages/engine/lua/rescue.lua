-- rescue.lua: jobs whose lease ran out (their worker was killed, froze or lost Redis) go back to
-- available at once, the attempt counted; a final attempt cut short runs once more (attempt then
-- exceeds max_attempts), cut short again it is dead.
-- KEYS[1]  the queue's key prefix;  ARGV[1]  queue name;  ARGV[2]  wake-up channel
-- Reply: 4 per rescued job (at most 1000): id, name, new state, the worker that held it.
local base, queue, channel = KEYS[1], ARGV[1], ARGV[2]
local now = now_ms()
local expired = redis.call('ZRANGEBYSCORE', base .. 'running', '-inf', '(' .. int(now), 'LIMIT', 0, 1000)
local out = {}
local wake = false
for _, m in ipairs(expired) do
  local id = member_id(m)
  local jk = base .. 'job:' .. id
  local s = redis.call('HMGET', jk, 'name', 'locked_by', 'attempt', 'max_attempts')
  redis.call('ZREM', base .. 'running', m)
  if s[1] then
    append_error(jk, engine_error(s[3], now, 'lease_expired', 'lease expired: worker ' .. (s[2] or '?') .. ' stopped renewing it'))
    redis.call('HSET', jk, 'run_at', int(now))
    local state = 'available'
    if tonumber(s[3]) > tonumber(s[4]) then
      state = 'dead'
      finish(base, jk, id, 'dead', now)
    else
      redis.call('HDEL', jk, 'lease_expires_at')
      make_available(base, jk, id)
      wake = true
    end
    for _, v in ipairs({ id, s[1], state, s[2] }) do table.insert(out, v) end
  end
end
if wake then redis.call('PUBLISH', channel, queue) end
return out
