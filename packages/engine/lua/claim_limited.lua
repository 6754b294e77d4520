-- claim_limited.lua: claim on a rate-limited queue: up to N due jobs that fit the room left in
-- their key's current window, counted there in the same step. One script per call, so limited
-- claims of a queue from every process take turns (a script runs alone on its shard).
-- KEYS[1]  the queue's key prefix `<prefix>:{<queue>}:`
-- ARGV[1]  limit N;  ARGV[2]  worker id;  ARGV[3]  lease (ms);  ARGV[4]  scan: how many due jobs,
--          in claim order, are looked at for room (per-key limits; a queue-wide limit looks at N)
-- Reply: {0} when the queue has no limit (the caller then runs claim.lua). Otherwise
--        {1, held, window_left_ms, per_key (1 | 0), CLAIM_ROW (lib.lua: 11 per job) …}: `held` the
--        candidates the limit kept back (they stay available, attempt untouched), `window_left_ms`
--        until the current window ends. No jobs when the queue is paused or has nothing due.
-- The window is a multiple of the limit's interval_ms since the epoch, by the server's clock
-- (TIME); the candidates are the first `scan` due jobs (due scheduled and retryable ones promoted
-- first), each ranked among the candidates of its key; a candidate fits when its rank is within
-- its key's room (limit - starts counted in the window).
local base, n, worker, lease, scan = KEYS[1], tonumber(ARGV[1]), ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local lim = redis.call('HMGET', base .. 'rate', 'limit', 'interval_ms', 'per_key')
if not lim[1] then return { 0 } end
local max_starts, interval, per_key = tonumber(lim[1]), tonumber(lim[2]), lim[3] == '1'
local now = now_ms()
local window = now - (now % interval)
local out = { 1, 0, int(window + interval - now), per_key and 1 or 0 }
if redis.call('HGET', base .. 'meta', 'paused') == '1' then return out end
if not per_key then scan = n end
promote(base, now, scan)
local cands = redis.call('ZRANGE', base .. 'available', 0, scan - 1)
local room, rank, counted = {}, {}, {}
local keys = {}
local held, taken = 0, 0
local expires = now + lease
for _, m in ipairs(cands) do
  local id = member_id(m)
  local k = ''
  if per_key then k = redis.call('HGET', base .. 'job:' .. id, 'rate_key') or '' end
  if room[k] == nil then
    room[k] = max_starts - window_starts(redis.call('HGET', base .. 'ratewin', k), window)
    rank[k] = 0
  end
  rank[k] = rank[k] + 1
  if rank[k] > room[k] then
    held = held + 1
  elseif taken < n then
    redis.call('ZREM', base .. 'available', m)
    if start_job(base, id, worker, now, expires, out) then
      taken = taken + 1
      if counted[k] == nil then
        counted[k] = 0
        table.insert(keys, k)
      end
      counted[k] = counted[k] + 1
    end
  end
end
for _, k in ipairs(keys) do count_starts(base, k, window, counted[k]) end
out[2] = held
return out
