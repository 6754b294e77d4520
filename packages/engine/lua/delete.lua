-- delete.lua: delete jobs that are not running (a running job finishes or is rescued first).
-- KEYS[1]  the queue's key prefix;  ARGV[1…] ids
-- Reply: the ids deleted (the caller then forgets them in the global id -> queue hash).
local base = KEYS[1]
local out = {}
for i = 1, #ARGV do
  local id = ARGV[i]
  local jk = base .. 'job:' .. id
  local s = redis.call('HMGET', jk, 'state', 'unique_key', 'schedule_name', 'schedule_tick')
  if s[1] and s[1] ~= 'running' then
    unindex(base, jk, id, s[1])
    redis.call('ZREM', base .. 'finished', pad(id))
    if s[2] and redis.call('HGET', base .. 'unique', s[2]) == id then redis.call('HDEL', base .. 'unique', s[2]) end
    if s[3] then redis.call('ZREM', base .. 'ticks:' .. s[3], pad(id)) end
    redis.call('DEL', jk)
    table.insert(out, id)
  end
end
return out
