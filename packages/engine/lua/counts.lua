-- counts.lua: a queue's jobs per state, each count capped, its latency and pause.
-- KEYS[1]  the queue's key prefix;  ARGV[1]  cap
-- Reply: scheduled, available, running, retryable, completed, dead, cancelled, the run_at (ms) of
--        the oldest job that could run now (nil when none; for available jobs, the oldest of the
--        first 100 in claim order), the server's now (ms), paused ('1' / '0', nil when never paused).
local base, cap = KEYS[1], tonumber(ARGV[1])
local now = now_ms()
local out = {}
for _, s in ipairs({ 'scheduled', 'available', 'running', 'retryable', 'completed', 'dead', 'cancelled' }) do
  table.insert(out, math.min(redis.call('ZCARD', base .. s), cap))
end
local oldest = nil
for _, s in ipairs({ 'scheduled', 'retryable' }) do
  local first = redis.call('ZRANGEBYSCORE', base .. s, '-inf', now, 'WITHSCORES', 'LIMIT', 0, 1)
  if #first > 0 then
    local t = tonumber(first[2])
    if not oldest or t < oldest then oldest = t end
  end
end
for _, m in ipairs(redis.call('ZRANGE', base .. 'available', 0, 99)) do
  local t = tonumber(redis.call('HGET', base .. 'job:' .. member_id(m), 'run_at'))
  if t and (not oldest or t < oldest) then oldest = t end
end
table.insert(out, oldest and int(oldest) or false)
table.insert(out, int(now))
table.insert(out, redis.call('HGET', base .. 'meta', 'paused'))
return out
