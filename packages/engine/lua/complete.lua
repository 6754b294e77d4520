-- complete.lua: mark a batch of a queue's jobs completed, and count them for the dashboard.
-- KEYS[1]  the queue's key prefix `<prefix>:{<queue>}:`
-- ARGV[1]  worker id;  ARGV[2]  '1' when each id is followed by its result (JSON text, '' = none)
-- ARGV[3…] ids (with results: id, result, id, result, …)
-- Reply: how many were completed. A job no longer running under this worker (its lease was lost
-- and it was rescued, or an operator cancelled it) is left alone: at-least-once allows the rerun.
local base, worker, with_results = KEYS[1], ARGV[1], ARGV[2] == '1'
local step = with_results and 2 or 1
local now = now_ms()
local done = 0
for i = 3, #ARGV, step do
  local id = ARGV[i]
  local jk = base .. 'job:' .. id
  local s = redis.call('HMGET', jk, 'state', 'locked_by')
  if s[1] == 'running' and s[2] == worker then
    redis.call('ZREM', base .. 'running', pad(id))
    finish(base, jk, id, 'completed', now)
    if with_results and ARGV[i + 1] ~= '' then redis.call('HSET', jk, 'result', ARGV[i + 1]) end
    done = done + 1
  end
end
if done > 0 then count_stat(base, 'p', now, done) end
return done
