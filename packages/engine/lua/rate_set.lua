-- rate_set.lua: declare or remove a queue's rate limit (lib.lua: the `rate` and `ratewin` keys).
-- KEYS[1]  the queue's key prefix `<prefix>:{<queue>}:`
-- ARGV[1]  'set' | 'remove';  with 'set': ARGV[2] limit (starts per window), ARGV[3] interval_ms,
--          ARGV[4] per_key ('1' | '0')
-- Reply: 'set': 1. 'remove': 1 when the queue had a limit (it and its window counts are gone), 0 if not.
-- A declaration replaces the last one (the last wins) and keeps the window counts: a changed limit
-- applies to the window under way.
local base, op = KEYS[1], ARGV[1]
if op == 'set' then
  redis.call('HSET', base .. 'rate', 'limit', ARGV[2], 'interval_ms', ARGV[3], 'per_key', ARGV[4], 'updated_at', int(now_ms()))
  return 1
elseif op == 'remove' then
  local had = redis.call('EXISTS', base .. 'rate')
  redis.call('DEL', base .. 'rate', base .. 'ratewin')
  return had
end
return redis.error_reply('rate_set.lua: ARGV[1] must be set or remove, got ' .. tostring(op))
