-- worker_register.lua: announce or refresh a worker process (the console's Workers page), with
-- the server's clock. Not a queue's script: KEYS[1] is the global workers hash.
-- KEYS[1]  `<prefix>:workers`;  ARGV  id, host, pid, queues (JSON text), running
-- Reply: the server's now (ms).
local now = int(now_ms())
local old = redis.call('HGET', KEYS[1], ARGV[1])
local started = now
if old then started = cjson.decode(old).started_at end
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode({ host = ARGV[2], pid = tonumber(ARGV[3]), queues = ARGV[4],
  running = tonumber(ARGV[5]), started_at = started, last_heartbeat = now }))
return now
