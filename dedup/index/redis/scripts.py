"""The Lua scripts that add and remove pages of the shared index atomically.

Each script runs alone on the server, so a page is either entirely in the index, with its
original, or not at all. The client decides a page's original from the pages it saw
sharing a band with it; the add script writes the page only if no other process indexed
such a page since (else it stops, and the client looks again): of two processes adding
copies of one article at once, the second one's page names the first one's original.
"""

# KEYS: ids, pages, originals, bands, age, seq, groups, config, epoch.
# ARGV: the config JSON, a fresh epoch token, the numbers the client's previous call gave
# (it knows of them though it read the pages' band entries before), then six per page:
# doc_id, record, band fields, time added, its original's doc_id, the last page number
# given when the client read its band entries.
# Returns {status, numbers}: numbers has, for each page handled, its number or 0 when its
# id was indexed already. Status 0: every page was handled. Status 1: the page after the
# last one handled shares a band with a page the client did not see, or its original was
# removed: the client verifies it and those after it again. Status 2: the namespace holds
# another configuration (it was emptied and made anew by another process): nothing written,
# the third element is that configuration.
ADD = """
local stored = redis.call('GET', KEYS[8])
if not stored then
  redis.call('SET', KEYS[8], ARGV[1])
  redis.call('SET', KEYS[9], ARGV[2])
elseif stored ~= ARGV[1] then
  return {2, {}, stored}
end
local numbers, mine = {}, {}
for at = 1, #ARGV[3], 4 do mine[struct.unpack('<I4', ARGV[3], at)] = true end
for first = 4, #ARGV, 6 do
  local doc_id, fields, original = ARGV[first], ARGV[first + 2], ARGV[first + 4]
  local seen = tonumber(ARGV[first + 5])
  if redis.call('HEXISTS', KEYS[1], doc_id) == 1 then
    numbers[#numbers + 1] = 0
  else
    if original ~= doc_id and redis.call('HEXISTS', KEYS[1], original) == 0 then
      return {1, numbers}
    end
    local names, held = {}, {}
    if #fields > 0 then
      for start = 1, #fields, 6 do names[#names + 1] = string.sub(fields, start, start + 5) end
      held = redis.call('HMGET', KEYS[4], unpack(names))
      -- Entries are in the order pages were added: pages the client did not see are last.
      for n = 1, #names do
        local entry = held[n]
        if entry then
          local at = #entry - 3
          while at > 0 do
            local other = struct.unpack('<I4', entry, at)
            if other <= seen then break end
            if not mine[other] then return {1, numbers} end
            at = at - 4
          end
        end
      end
    end
    local id = redis.call('INCR', KEYS[6])
    local number = struct.pack('<I4', id)
    mine[id] = true
    redis.call('HSET', KEYS[1], doc_id, number .. fields)
    redis.call('HSET', KEYS[2], number, ARGV[first + 1])
    redis.call('HSET', KEYS[3], number, original)
    redis.call('ZADD', KEYS[5], ARGV[first + 3], doc_id)
    if original ~= doc_id then
      redis.call('HSET', KEYS[7], original, (redis.call('HGET', KEYS[7], original) or '') .. number)
    end
    if #names > 0 then
      local written = {}
      for n, name in ipairs(names) do
        written[#written + 1] = name
        written[#written + 1] = (held[n] or '') .. number
      end
      redis.call('HSET', KEYS[4], unpack(written))
    end
    numbers[#numbers + 1] = id
  end
end
return {0, numbers}
"""
# KEYS: ids, pages, originals, bands, age, groups. ARGV: doc_ids.
# Returns how many of them were indexed (and are now removed). A removed original hands
# its group to the oldest page left in it, which becomes the original of the others.
REMOVE = """
local function without(list, number)
  local others = {}
  for start = 1, #list, 4 do
    local other = string.sub(list, start, start + 3)
    if other ~= number then others[#others + 1] = other end
  end
  return table.concat(others)
end
local function set_or_delete(key, field, value)
  if #value > 0 then redis.call('HSET', key, field, value) else redis.call('HDEL', key, field) end
end
local removed = 0
for _, doc_id in ipairs(ARGV) do
  local held = redis.call('HGET', KEYS[1], doc_id)
  if held then
    removed = removed + 1
    local number, fields = string.sub(held, 1, 4), string.sub(held, 5)
    if #fields > 0 then
      local names = {}
      for start = 1, #fields, 6 do names[#names + 1] = string.sub(fields, start, start + 5) end
      local entries = redis.call('HMGET', KEYS[4], unpack(names))
      for n, name in ipairs(names) do
        if entries[n] then set_or_delete(KEYS[4], name, without(entries[n], number)) end
      end
    end
    local original = redis.call('HGET', KEYS[3], number)
    if original == doc_id then
      local group = redis.call('HGET', KEYS[6], doc_id)
      if group then
        redis.call('HDEL', KEYS[6], doc_id)
        local heir = string.sub(group, 1, 4)
        local record = redis.call('HGET', KEYS[2], heir)
        local _, values, ids, size = struct.unpack('<I4I4I4I4', record)
        local start = 17 + 4 * (values + ids)
        local heir_id = string.sub(record, start, start + size - 1)
        redis.call('HSET', KEYS[3], heir, heir_id)
        for at = 5, #group, 4 do
          redis.call('HSET', KEYS[3], string.sub(group, at, at + 3), heir_id)
        end
        set_or_delete(KEYS[6], heir_id, string.sub(group, 5))
      end
    elseif original then
      local group = redis.call('HGET', KEYS[6], original)
      if group then set_or_delete(KEYS[6], original, without(group, number)) end
    end
    redis.call('HDEL', KEYS[1], doc_id)
    redis.call('HDEL', KEYS[2], number)
    redis.call('HDEL', KEYS[3], number)
    redis.call('ZREM', KEYS[5], doc_id)
  end
end
return removed
"""
