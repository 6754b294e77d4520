-- claim.lua: claim up to N due jobs of one queue for a worker, in one step.
-- KEYS[1]  the queue's key prefix `<prefix>:{<queue>}:`
-- ARGV[1]  limit N;  ARGV[2]  worker id;  ARGV[3]  lease (ms)
-- Reply: CLAIM_ROW (lib.lua: 11 per job), in claim order (priority, run_at, id). Empty when the
--        queue is paused or has nothing due.
-- Due scheduled and retryable jobs are promoted first (at most N of each), so a claim never
-- waits for the maintainer's promote. The lease runs on the server's clock. An id whose job hash
-- is gone (it cannot be, short of an evicting maxmemory-policy) is dropped.
local base, limit, worker, lease = KEYS[1], tonumber(ARGV[1]), ARGV[2], tonumber(ARGV[3])
if redis.call('HGET', base .. 'meta', 'paused') == '1' then return {} end
local now = now_ms()
promote(base, now, limit)
local popped = redis.call('ZPOPMIN', base .. 'available', limit)
local out = {}
local expires = now + lease
for i = 1, #popped, 2 do
  start_job(base, member_id(popped[i]), worker, now, expires, out)
end
return out
