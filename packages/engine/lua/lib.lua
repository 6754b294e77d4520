-- lib.lua: helpers that src/drivers/redis/scripts.ts puts in front of every other script here
-- (Redis scripts cannot include one another). Not a script on its own.
--
-- Every script gets KEYS[1] = the queue's key prefix `<prefix>:{<queue>}:`; every key it touches
-- is that prefix plus a suffix, so all of them hash to the queue's slot (Redis Cluster):
--   job:<id>   hash, one per job (fields as the SQL columns: id queue name payload state …)
--   scheduled, retryable   zsets by run_at (ms)       available   zset by priority, then run_at
--   running    zset by lease expiry (ms)             completed, dead, cancelled   zsets by id
--   finished   zset of every finished job by finished_at (ms), for prune
--   unique     hash unique key -> id of the unfinished job holding it
--   meta       hash: paused = '1' | '0'
--   stats      hash: 'p:<minute ms>' / 'f:<minute ms>' -> jobs processed / failed that minute
--   schedule:<name>   hash, a cron schedule whose jobs go to this queue
--   ticks:<name>      zset tick (ms) -> id: the jobs a schedule made, one per tick
--   relayed    zset of the ids insert_relayed.lua decided on, by decision time (ms): an outbox
--              row relayed again finds its job's id there even once the job is pruned
-- Every zset member is the job id zero-padded to 16 digits, so equal scores sort by id; in
-- `available`, the job's run_at (15 digits) comes first (avail_member).

local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

local function int(n)
  return string.format('%d', n)
end

local function pad(id)
  local s = tostring(id)
  return string.rep('0', 16 - #s) .. s
end

-- A job's member in `available`: its run_at (ms, 15 digits) then its id (16 digits), so that
-- within one priority (the score) jobs sort by run_at, then id — the SQL drivers' claim order.
local function avail_member(run_at, id)
  local t = int(tonumber(run_at))
  return string.rep('0', 15 - #t) .. t .. pad(id)
end

-- The job id of a zset member (the last 16 digits of every member).
local function member_id(m)
  return (string.gsub(string.sub(m, -16), '^0+', ''))
end

-- Epoch milliseconds as ISO 8601 (UTC), as Date.prototype.toISOString writes it. (Redis' Lua
-- has no os.date; this is H. Hinnant's civil_from_days.)
local function iso(ms)
  local s = math.floor(ms / 1000)
  local msr = ms - s * 1000
  local days = math.floor(s / 86400)
  local sod = s - days * 86400
  local z = days + 719468
  local era = math.floor(z / 146097)
  local doe = z - era * 146097
  local yoe = math.floor((doe - math.floor(doe / 1460) + math.floor(doe / 36524) - math.floor(doe / 146096)) / 365)
  local y = yoe + era * 400
  local doy = doe - (365 * yoe + math.floor(yoe / 4) - math.floor(yoe / 100))
  local mp = math.floor((5 * doy + 2) / 153)
  local d = doy - math.floor((153 * mp + 2) / 5) + 1
  local m = mp < 10 and mp + 3 or mp - 9
  if m <= 2 then y = y + 1 end
  return string.format('%04d-%02d-%02dT%02d:%02d:%02d.%03dZ', y, m, d, math.floor(sod / 3600), math.floor((sod % 3600) / 60), sod % 60, msr)
end

-- Append one attempt error (JSON text) to a job's `errors` (JSON array text), without decoding
-- the others (cjson would rewrite their numbers and escapes).
local function append_error(jk, err_json)
  local errs = redis.call('HGET', jk, 'errors')
  if not errs or errs == '[]' or errs == '' then
    errs = '[' .. err_json .. ']'
  else
    errs = string.sub(errs, 1, -2) .. ',' .. err_json .. ']'
  end
  redis.call('HSET', jk, 'errors', errs)
end

local function engine_error(attempt, at, kind, message)
  return cjson.encode({ attempt = tonumber(attempt) or 0, at = iso(at), kind = kind, message = message })
end

-- Take a job out of the zset of its state (whatever it is), before its run_at changes.
local function unindex(base, jk, id, state)
  if state == 'available' then
    redis.call('ZREM', base .. 'available', avail_member(redis.call('HGET', jk, 'run_at'), id))
  else
    redis.call('ZREM', base .. state, pad(id))
  end
end

-- A job becomes available (claim order: priority, run_at, id), once its run_at is set.
local function make_available(base, jk, id)
  local s = redis.call('HMGET', jk, 'priority', 'run_at')
  redis.call('ZADD', base .. 'available', s[1], avail_member(s[2], id))
  redis.call('HSET', jk, 'state', 'available')
end

-- A job becomes finished (completed, dead or cancelled) at `now`: listed by id in its state's
-- zset, by finish time in `finished` (prune), and its unique key is free again.
local function finish(base, jk, id, state, now)
  redis.call('ZADD', base .. state, id, pad(id))
  redis.call('ZADD', base .. 'finished', now, pad(id))
  redis.call('HSET', jk, 'state', state, 'finished_at', int(now))
  redis.call('HDEL', jk, 'lease_expires_at')
  local u = redis.call('HGET', jk, 'unique_key')
  if u and redis.call('HGET', base .. 'unique', u) == tostring(id) then redis.call('HDEL', base .. 'unique', u) end
end

-- Store one new job (insert.lua, insert_relayed.lua): its hash, its unique key, and its place in
-- `scheduled` (run_at later than now) or `available`. The arguments are insert.lua's 10 per job,
-- as given (uk and rk: '' = none, else 'k' .. the key). Returns its state and run_at (ms).
local function store_job(base, queue, now, id, name, payload, prio, run_at, max_attempts, timeout, uk, tc, rk)
  local t = run_at == '' and now or tonumber(run_at)
  local state = t > now and 'scheduled' or 'available'
  local jk = base .. 'job:' .. id
  redis.call('HSET', jk, 'id', id, 'queue', queue, 'name', name, 'payload', payload, 'state', state, 'priority', prio,
    'run_at', int(t), 'attempt', 0, 'max_attempts', max_attempts, 'created_at', int(now), 'errors', '[]')
  if timeout ~= '' then redis.call('HSET', jk, 'timeout_ms', timeout) end
  if tc ~= '' then redis.call('HSET', jk, 'trace_context', tc) end
  if rk ~= '' then redis.call('HSET', jk, 'rate_key', string.sub(rk, 2)) end
  if uk ~= '' then
    redis.call('HSET', jk, 'unique_key', string.sub(uk, 2))
    redis.call('HSET', base .. 'unique', string.sub(uk, 2), id)
  end
  if state == 'scheduled' then
    redis.call('ZADD', base .. 'scheduled', t, pad(id))
  else
    redis.call('ZADD', base .. 'available', prio, avail_member(t, id))
  end
  return state, t
end

local function count_stat(base, kind, now, n)
  redis.call('HINCRBY', base .. 'stats', kind .. ':' .. int(math.floor(now / 60000) * 60000), n)
end

-- Due scheduled and retryable jobs (run_at <= now) become available, at most `max` of each.
local function promote(base, now, max)
  local moved = 0
  for _, state in ipairs({ 'scheduled', 'retryable' }) do
    local due = redis.call('ZRANGEBYSCORE', base .. state, '-inf', now, 'LIMIT', 0, max)
    for _, m in ipairs(due) do
      local id = member_id(m)
      redis.call('ZREM', base .. state, m)
      if redis.call('EXISTS', base .. 'job:' .. id) == 1 then
        make_available(base, base .. 'job:' .. id, id)
        moved = moved + 1
      end
    end
  end
  return moved
end

-- The fields of a job row, in the order src/drivers/redis/rows.ts reads them.
local ROW = { 'id', 'queue', 'name', 'payload', 'state', 'priority', 'run_at', 'attempt', 'max_attempts', 'timeout_ms',
  'unique_key', 'locked_by', 'lease_expires_at', 'created_at', 'attempted_at', 'finished_at', 'errors', 'result', 'progress' }

-- What a claim returns of each job, in the order src/drivers/redis/rows.ts (toClaimed) reads it:
-- id, queue, name, payload, priority, run_at, attempt, max_attempts, timeout_ms (nil = none),
-- created_at, trace_context (nil = not traced).
local CLAIM_ROW = { 'id', 'queue', 'name', 'payload', 'priority', 'run_at', 'attempt', 'max_attempts', 'timeout_ms',
  'created_at', 'trace_context' }

-- Append a claimed job's CLAIM_ROW fields to `out`.
local function claimed_row(jk, out)
  local r = redis.call('HMGET', jk, unpack(CLAIM_ROW))
  for j = 1, #CLAIM_ROW do table.insert(out, r[j]) end
end

-- A due job (popped from `available`) starts: running for `worker` until `expires`, one more
-- attempt; its CLAIM_ROW is appended to `out`. False when its hash is gone (it cannot be, short of
-- an evicting maxmemory-policy): the member is dropped.
local function start_job(base, id, worker, now, expires, out)
  local jk = base .. 'job:' .. id
  if redis.call('EXISTS', jk) == 0 then return false end
  redis.call('HINCRBY', jk, 'attempt', 1)
  redis.call('HSET', jk, 'state', 'running', 'locked_by', worker, 'attempted_at', int(now), 'lease_expires_at', int(expires))
  redis.call('ZADD', base .. 'running', expires, pad(id))
  claimed_row(jk, out)
  return true
end

-- Rate limits (lua/claim_limited.lua, rate_set.lua, rate_usage.lua), in the queue's slot:
--   rate      hash: limit, interval_ms, per_key ('1' | '0'), updated_at (ms); absent = no limit
--   ratewin   hash: rate key ('' for a queue-wide limit, or a job without a key) ->
--             '<window start ms>:<starts>', the starts counted in that key's latest window
-- Windows are fixed: multiples of interval_ms since the epoch, by the server's clock (TIME).

-- The starts a `ratewin` value counts in the window starting at `window`. A value of a later
-- window (the clock went back) counts as the current one, so a step back never resets a count.
local function window_starts(v, window)
  if not v then return 0 end
  local c = string.find(v, ':', 1, true)
  if tonumber(string.sub(v, 1, c - 1)) >= window then return tonumber(string.sub(v, c + 1)) end
  return 0
end

-- Count `n` more starts of key `k` in the window starting at `window`.
local function count_starts(base, k, window, n)
  local v = redis.call('HGET', base .. 'ratewin', k)
  local ws, starts = window, n
  if v then
    local c = string.find(v, ':', 1, true)
    local old = tonumber(string.sub(v, 1, c - 1))
    if old >= window then
      ws = old
      starts = tonumber(string.sub(v, c + 1)) + n
    end
  end
  redis.call('HSET', base .. 'ratewin', k, int(ws) .. ':' .. int(starts))
end
