-- heartbeat.lua: renew the leases of the jobs a worker holds in one queue.
-- KEYS[1]  the queue's key prefix `<prefix>:{<queue>}:`
-- ARGV[1]  worker id;  ARGV[2]  lease (ms, from the server's now);  ARGV[3…] ids
-- Reply: the ids still running under this worker (the others were rescued or cancelled).
local base, worker, lease = KEYS[1], ARGV[1], tonumber(ARGV[2])
local expires = now_ms() + lease
local held = {}
for i = 3, #ARGV do
  local id = ARGV[i]
  local jk = base .. 'job:' .. id
  local s = redis.call('HMGET', jk, 'state', 'locked_by')
  if s[1] == 'running' and s[2] == worker then
    redis.call('HSET', jk, 'lease_expires_at', int(expires))
    redis.call('ZADD', base .. 'running', expires, pad(id))
    table.insert(held, id)
  end
end
return held
