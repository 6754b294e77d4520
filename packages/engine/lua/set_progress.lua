-- set_progress.lua: store a running job's latest progress report.
-- KEYS[1]  the queue's key prefix;  ARGV[1]  id;  ARGV[2]  worker id;  ARGV[3]  progress (JSON text)
-- Reply: 1 when stored, 0 when the job is no longer running under this worker.
local base, id, worker = KEYS[1], ARGV[1], ARGV[2]
local jk = base .. 'job:' .. id
local s = redis.call('HMGET', jk, 'state', 'locked_by')
if s[1] ~= 'running' or s[2] ~= worker then return 0 end
redis.call('HSET', jk, 'progress', ARGV[3])
return 1
