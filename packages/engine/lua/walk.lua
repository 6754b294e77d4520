-- walk.lua: one queue's part of an admin page: the jobs of one state, in that state's order
-- (scheduled, retryable: next to run first; available: claim order; running, completed, dead,
-- cancelled: newest id first), keyset-paged after a cursor, with optional
-- filters. It reads at most `walk` jobs and stops at `limit` matches, so a rare filter never
-- reads a whole backlog: the caller continues from where it stopped.
-- KEYS[1]  the queue's key prefix
-- ARGV[1]  state;  ARGV[2]  cursor score ('' = from the start);  ARGV[3]  cursor member (as walk.lua replied it)
-- ARGV[4]  walk;  ARGV[5]  limit;  ARGV[6]  job name ('' = any);  ARGV[7]  lower-case payload substring ('' = any)
-- Reply: n read, last score read, last member read, then 21 per matching job: its score, its
--        member and the 19 fields of lib.lua's ROW (result and progress left out: nil).
-- To find where a cursor falls when its job has left the state, the script adds the cursor's
-- member at its score for a moment and reads its rank: a write, undone before the script ends.
local base, state, after_score, after_member = KEYS[1], ARGV[1], ARGV[2], ARGV[3]
local walk, limit, name, search = tonumber(ARGV[4]), tonumber(ARGV[5]), ARGV[6], ARGV[7]
local key = base .. state
local desc = state == 'completed' or state == 'dead' or state == 'cancelled'
local start = 0
-- Running jobs (few: at most the workers' concurrency) are listed newest id first, as on SQL:
-- the whole set, sorted here (its zset is by lease expiry); each row's score is its id.
local running = nil
if state == 'running' then
  running = redis.call('ZRANGE', key, 0, -1)
  table.sort(running, function(a, b) return a > b end)
  if after_member ~= '' then
    while start < #running and running[start + 1] >= after_member do start = start + 1 end
  end
elseif after_member ~= '' then
  local added = false
  if not redis.call('ZSCORE', key, after_member) then
    redis.call('ZADD', key, after_score, after_member)
    added = true
  end
  local r = desc and redis.call('ZREVRANK', key, after_member) or redis.call('ZRANK', key, after_member)
  if added then redis.call('ZREM', key, after_member) end
  start = r + 1
end
local out = { 0, false, false }
local n, found = 0, 0
local chunk = 500
while n < walk and found < limit do
  local want = math.min(chunk, walk - n)
  local stop = start + n + want - 1
  local got
  if running then
    got = {}
    for k = start + n + 1, math.min(stop + 1, #running) do
      table.insert(got, running[k])
      table.insert(got, member_id(running[k]))
    end
  elseif desc then
    got = redis.call('ZREVRANGE', key, start + n, stop, 'WITHSCORES')
  else
    got = redis.call('ZRANGE', key, start + n, stop, 'WITHSCORES')
  end
  if #got == 0 then break end
  for i = 1, #got, 2 do
    n = n + 1
    out[2], out[3] = got[i + 1], got[i]
    local jk = base .. 'job:' .. member_id(got[i])
    local r = redis.call('HMGET', jk, unpack(ROW))
    local ok = r[1] ~= false
    if ok and name ~= '' and r[3] ~= name then ok = false end
    if ok and search ~= '' and not string.find(string.lower(r[4]), search, 1, true) then ok = false end
    if ok then
      found = found + 1
      table.insert(out, got[i + 1])
      table.insert(out, got[i])
      for j = 1, 17 do table.insert(out, r[j]) end
      table.insert(out, false)
      table.insert(out, false)
      if found >= limit then break end
    end
  end
  if #got < want * 2 then break end
end
out[1] = n
return out
