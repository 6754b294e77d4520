-- discard.lua: give up on waiting jobs (scheduled, available, retryable): dead, with a note.
-- KEYS[1]  the queue's key prefix;  ARGV[1]  message;  ARGV[2…] ids
-- Reply: the ids discarded.
local base, message = KEYS[1], ARGV[1]
local now = now_ms()
local out = {}
local waiting = { scheduled = true, available = true, retryable = true }
for i = 2, #ARGV do
  local id = ARGV[i]
  local jk = base .. 'job:' .. id
  local s = redis.call('HMGET', jk, 'state', 'attempt')
  if s[1] and waiting[s[1]] then
    unindex(base, jk, id, s[1])
    append_error(jk, engine_error(s[2], now, 'discarded', message))
    finish(base, jk, id, 'dead', now)
    table.insert(out, id)
  end
end
return out
