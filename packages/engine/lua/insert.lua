-- insert.lua: insert jobs into one queue.
-- KEYS[1]  the queue's key prefix `<prefix>:{<queue>}:`
-- ARGV[1]  the queue's name;  ARGV[2]  the wake-up channel (PUBLISHed the queue when a job is due now)
-- ARGV[3…] 10 per job: id (drawn by the caller with INCRBY), name, payload (JSON text), priority,
--          run_at (ms; '' = now, by the server's clock), max_attempts, timeout_ms ('' = none),
--          unique key ('' = none, else 'k' .. the key), trace context (W3C carrier as JSON text,
--          '' = none; claims return it, so the attempt's span is a child of the enqueue's),
--          rate key ('' = none, else 'k' .. the key: per-key rate limits count it, claim_limited.lua)
-- Reply: 8 per job, in input order: inserted (1; or 0 when an unfinished job of this queue holds
--        the unique key, and the holder's fields follow), id, name, state, priority, run_at,
--        created_at, max_attempts.
local base, queue, channel = KEYS[1], ARGV[1], ARGV[2]
local now = now_ms()
local out = {}
local wake = false
for i = 3, #ARGV, 10 do
  local id, name, payload, prio, run_at, max_attempts, timeout, uk, tc, rk =
    ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4], ARGV[i + 5], ARGV[i + 6], ARGV[i + 7], ARGV[i + 8], ARGV[i + 9]
  local holder = uk ~= '' and redis.call('HGET', base .. 'unique', string.sub(uk, 2))
  if holder then
    local h = redis.call('HMGET', base .. 'job:' .. holder, 'id', 'name', 'state', 'priority', 'run_at', 'created_at', 'max_attempts')
    table.insert(out, 0)
    for _, v in ipairs(h) do table.insert(out, v) end
  else
    local state, t = store_job(base, queue, now, id, name, payload, prio, run_at, max_attempts, timeout, uk, tc, rk)
    if state == 'available' then wake = true end
    for _, v in ipairs({ 1, id, name, state, prio, int(t), int(now), max_attempts }) do table.insert(out, v) end
  end
end
if wake then redis.call('PUBLISH', channel, queue) end
return out
