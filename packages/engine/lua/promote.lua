-- promote.lua: due scheduled and retryable jobs become available (at most 5000 of each per
-- call), so the console tells the truth and the queue's workers are woken. Claims do not depend
-- on it: claim.lua promotes what is due itself.
-- KEYS[1]  the queue's key prefix;  ARGV[1]  queue name;  ARGV[2]  wake-up channel
-- Reply: how many became available.
local base, queue, channel = KEYS[1], ARGV[1], ARGV[2]
local n = promote(base, now_ms(), 5000)
if n > 0 then redis.call('PUBLISH', channel, queue) end
return n
