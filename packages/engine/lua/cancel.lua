-- cancel.lua: unfinished jobs (scheduled, available, running, retryable) become cancelled. A
-- running one's worker learns it at its next heartbeat (its lease no longer matches; locked_by
-- is kept so find_cancelled can tell "cancelled" from "rescued") and aborts ctx.signal.
-- KEYS[1]  the queue's key prefix;  ARGV[1]  message;  ARGV[2…] ids
-- Reply: 2 per cancelled job: id, name.
local base, message = KEYS[1], ARGV[1]
local now = now_ms()
local out = {}
local unfinished = { scheduled = true, available = true, running = true, retryable = true }
for i = 2, #ARGV do
  local id = ARGV[i]
  local jk = base .. 'job:' .. id
  local s = redis.call('HMGET', jk, 'state', 'attempt', 'name')
  if s[1] and unfinished[s[1]] then
    unindex(base, jk, id, s[1])
    append_error(jk, engine_error(s[2], now, 'cancelled', message))
    finish(base, jk, id, 'cancelled', now)
    table.insert(out, id)
    table.insert(out, s[3])
  end
end
return out
