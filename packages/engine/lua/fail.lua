-- fail.lua: record a failed attempt of a running job.
-- KEYS[1]  the queue's key prefix `<prefix>:{<queue>}:`
-- ARGV[1]  id;  ARGV[2]  worker id;  ARGV[3]  'retryable' | 'dead';  ARGV[4]  retry in (ms);
-- ARGV[5]  the attempt's error (JSON text), appended to the job's errors
-- Reply: 1 when recorded (counted as failed), 0 when the job is no longer running under this worker.
local base, id, worker, nxt, retry_in, err = KEYS[1], ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4]), ARGV[5]
local jk = base .. 'job:' .. id
local s = redis.call('HMGET', jk, 'state', 'locked_by')
if s[1] ~= 'running' or s[2] ~= worker then return 0 end
local now = now_ms()
redis.call('ZREM', base .. 'running', pad(id))
append_error(jk, err)
if nxt == 'retryable' then
  local t = now + retry_in
  redis.call('HSET', jk, 'state', 'retryable', 'run_at', int(t))
  redis.call('HDEL', jk, 'lease_expires_at')
  redis.call('ZADD', base .. 'retryable', t, pad(id))
else
  finish(base, jk, id, 'dead', now)
end
count_stat(base, 'f', now, 1)
return 1
