-- rate_usage.lua: a queue's rate limit and how full its current window is (admin API, and the
-- workers' reading of limits at start and each heartbeat).
-- KEYS[1]  the queue's key prefix `<prefix>:{<queue>}:`
-- ARGV     none
-- Reply: {} when the queue has no limit. Otherwise {limit, interval_ms, per_key ('1' | '0'),
--        updated_at (ms), now (ms, the server's clock), used (starts in the current window summed
--        over the keys), keys (keys with starts in it), then key, starts pairs of the ten fullest
--        keys, fullest first (ties by key)}.
local base = KEYS[1]
local lim = redis.call('HMGET', base .. 'rate', 'limit', 'interval_ms', 'per_key', 'updated_at')
if not lim[1] then return {} end
local now = now_ms()
local interval = tonumber(lim[2])
local window = now - (now % interval)
local flat = redis.call('HGETALL', base .. 'ratewin')
local rows = {}
local used = 0
for i = 1, #flat, 2 do
  local s = window_starts(flat[i + 1], window)
  if s > 0 then
    table.insert(rows, { flat[i], s })
    used = used + s
  end
end
table.sort(rows, function(a, b)
  if a[2] ~= b[2] then return a[2] > b[2] end
  return a[1] < b[1]
end)
local out = { lim[1], lim[2], lim[3], lim[4], int(now), used, #rows }
for i = 1, math.min(10, #rows) do
  table.insert(out, rows[i][1])
  table.insert(out, rows[i][2])
end
return out
