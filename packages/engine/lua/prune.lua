-- prune.lua: delete finished jobs that finished more than N ms ago (at most `limit` per call; the
-- caller calls again while a full batch went), the queue's per-minute counters older than
-- two days, and rate-limit window counts whose window has ended (or whose limit is gone).
-- KEYS[1]  the queue's key prefix;  ARGV[1]  older than (ms);  ARGV[2]  limit
-- Reply: the ids deleted.
local base, older, limit = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2])
local now = now_ms()
local old = redis.call('ZRANGEBYSCORE', base .. 'finished', '-inf', '(' .. int(now - older), 'LIMIT', 0, limit)
local out = {}
for _, m in ipairs(old) do
  local id = member_id(m)
  local jk = base .. 'job:' .. id
  local s = redis.call('HMGET', jk, 'state', 'schedule_name')
  if s[1] then redis.call('ZREM', base .. s[1], m) end
  if s[2] then redis.call('ZREM', base .. 'ticks:' .. s[2], m) end
  redis.call('ZREM', base .. 'finished', m)
  redis.call('DEL', jk)
  table.insert(out, id)
end
local stats = redis.call('HKEYS', base .. 'stats')
local cutoff = now - 2 * 86400000
for _, f in ipairs(stats) do
  if tonumber(string.sub(f, 3)) < cutoff then redis.call('HDEL', base .. 'stats', f) end
end
local interval = tonumber(redis.call('HGET', base .. 'rate', 'interval_ms'))
local win = redis.call('HGETALL', base .. 'ratewin')
for i = 1, #win, 2 do
  local c = string.find(win[i + 1], ':', 1, true)
  if not interval or tonumber(string.sub(win[i + 1], 1, c - 1)) + interval <= now then redis.call('HDEL', base .. 'ratewin', win[i]) end
end
return out
