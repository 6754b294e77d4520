-- insert_relayed.lua: insert jobs relayed from an outbox (src/outbox/) into one queue, each under
-- the id reserved for it when it was written to the outbox (RedisDriver.reserveIds), and each at
-- most once however often its outbox row is relayed (a relay that dies after this script and
-- before deleting its rows leaves them to be relayed again; on SQLite two relays may read the
-- same row). The job id — the outbox row's — is the Redis-side unique key of a relay:
--   * its job hash is there (an earlier relay inserted it, and it is not pruned yet): skipped;
--   * the id is in the queue's `relayed` zset (decided on by an earlier relay within the last
--     ARGV[3] ms; its job since finished and pruned or deleted, or it was dropped): skipped. The
--     zset outlives the job hash so that a relay repeated after the job ran and was pruned (a
--     short pruneAfterMs) or deleted by an operator makes no second job. Members older than
--     ARGV[3] ms are trimmed here, on every call, so it holds about that much time of relayed
--     ids whether or not anything prunes;
--   * its unique key is held by an unfinished job of this queue: dropped (what enqueue would
--     have done: the holder stands for it) and remembered in `relayed`, so a repeated relay after
--     the holder finished drops it too;
--   * otherwise stored exactly as insert.lua stores a job (lib.lua store_job: priority, run_at →
--     scheduled or available, max attempts, timeout, unique key, trace context, rate key).
-- KEYS[1]  the queue's key prefix `<prefix>:{<queue>}:`
-- ARGV[1]  the queue's name;  ARGV[2]  the wake-up channel (PUBLISHed the queue when a job is due now)
-- ARGV[3]  how long (ms) a decided id is remembered in `relayed`
-- ARGV[4…] 10 per job, as insert.lua's (id: the reserved one)
-- Reply: one integer per job, in input order: 1 inserted now; 0 its job is there already (an
--        earlier relay); -1 not inserted and no job of this id here (dropped for its unique key
--        now or earlier, or inserted earlier and gone since) — the caller then forgets the id in
--        the global id -> queue hash.
local base, queue, channel, remember = KEYS[1], ARGV[1], ARGV[2], tonumber(ARGV[3])
local now = now_ms()
local relayed = base .. 'relayed'
redis.call('ZREMRANGEBYSCORE', relayed, '-inf', '(' .. int(now - remember))
local out = {}
local wake = false
for i = 4, #ARGV, 10 do
  local id, name, payload, prio, run_at, max_attempts, timeout, uk, tc, rk =
    ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4], ARGV[i + 5], ARGV[i + 6], ARGV[i + 7], ARGV[i + 8], ARGV[i + 9]
  if redis.call('EXISTS', base .. 'job:' .. id) == 1 then
    table.insert(out, 0)
  elseif redis.call('ZSCORE', relayed, pad(id)) then
    table.insert(out, -1)
  else
    redis.call('ZADD', relayed, now, pad(id))
    if uk ~= '' and redis.call('HGET', base .. 'unique', string.sub(uk, 2)) then
      table.insert(out, -1)
    else
      local state = store_job(base, queue, now, id, name, payload, prio, run_at, max_attempts, timeout, uk, tc, rk)
      if state == 'available' then wake = true end
      table.insert(out, 1)
    end
  end
end
if wake then redis.call('PUBLISH', channel, queue) end
return out
