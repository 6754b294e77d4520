-- select.lua: ids of up to `limit` jobs of one queue matching a filter, for bulk actions.
-- KEYS[1]  the queue's key prefix;  ARGV[1]  state;  ARGV[2]  job name ('' = any);
-- ARGV[3]  lower-case payload substring ('' = any);  ARGV[4]  limit
-- Reply: the ids, in the state's order (see walk.lua).
local base, state, name, search, limit = KEYS[1], ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
local key = base .. state
local desc = state == 'completed' or state == 'dead' or state == 'cancelled'
local out = {}
local pos = 0
while #out < limit do
  local got = desc and redis.call('ZREVRANGE', key, pos, pos + 999) or redis.call('ZRANGE', key, pos, pos + 999)
  if #got == 0 then break end
  pos = pos + #got
  for _, m in ipairs(got) do
    local id = member_id(m)
    local ok = true
    if name ~= '' or search ~= '' then
      local r = redis.call('HMGET', base .. 'job:' .. id, 'name', 'payload')
      if not r[1] or (name ~= '' and r[1] ~= name) or (search ~= '' and not string.find(string.lower(r[2]), search, 1, true)) then ok = false end
    end
    if ok then
      table.insert(out, id)
      if #out >= limit then break end
    end
  end
end
return out
