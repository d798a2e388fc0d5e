"""The Lua scripts that add and remove pages of the shared index atomically.

Each script runs alone on the server, so a page is either entirely in the index, with its
original, or not at all. The client decides a page's original from the pages it saw
sharing a band or anchors with it; the add script writes the page only if no other process
indexed such a page since (else it stops, and the client looks again): of two processes
adding copies of one article at once, the second one's page names the first one's original.
The add script also keeps anchor entries bounded: one holding more than `COMMON_ANCHOR`
pages takes no more.
"""

from dedup.fingerprint.anchors import COMMON_ANCHOR, MIN_SHARED
from dedup.index.redis.codec import ANCHOR

# Reading and writing many fields of a hash a thousand at a time: Lua's unpack takes a few
# thousand values at most, and a long page has that many anchors.
_CHUNKED = f"""
local COMMON_ANCHOR, MIN_SHARED = {COMMON_ANCHOR}, {MIN_SHARED}
local ANCHOR_FIELD = struct.pack('<I2', {ANCHOR})
local function hmget(key, names)
  local values = {{}}
  for start = 1, #names, 1000 do
    local part = redis.call('HMGET', key, unpack(names, start, math.min(start + 999, #names)))
    for n = 1, #part do values[start + n - 1] = part[n] end
  end
  return values
end
local function hset(key, pairs)
  for start = 1, #pairs, 1000 do
    redis.call('HSET', key, unpack(pairs, start, math.min(start + 999, #pairs)))
  end
end
"""

# KEYS: ids, pages, originals, bands, age, seq, groups, config, epoch, bodies.
# ARGV: the config JSON, a fresh epoch token, the numbers the client's previous call gave
# (it knows of them though it read the pages' entries before), then seven per page:
# doc_id, record, band and anchor fields, time added, kept body (empty: none), its
# original's doc_id, the last page number given when the client read its entries.
# Returns {status, numbers}: numbers has, for each page handled, its number or 0 when its
# id was indexed already. Status 0: every page was handled. Status 1: the page after the
# last one handled shares a band, or MIN_SHARED anchors, with a page the client did not
# see, or its original was removed: the client verifies it and those after it again.
# Status 2: the namespace holds another configuration (it was emptied and made anew by
# another process): nothing written, the third element is that configuration.
# An anchor entry holding more than COMMON_ANCHOR pages takes no more (a stock phrase).
ADD = (
    _CHUNKED
    + """
local stored = redis.call('GET', KEYS[8])
if not stored then
  redis.call('SET', KEYS[8], ARGV[1])
  redis.call('SET', KEYS[9], ARGV[2])
elseif stored ~= ARGV[1] then
  return {2, {}, stored}
end
local numbers, mine = {}, {}
for at = 1, #ARGV[3], 4 do mine[struct.unpack('<I4', ARGV[3], at)] = true end
for first = 4, #ARGV, 7 do
  local doc_id, fields, original = ARGV[first], ARGV[first + 2], ARGV[first + 5]
  local seen = tonumber(ARGV[first + 6])
  if redis.call('HEXISTS', KEYS[1], doc_id) == 1 then
    numbers[#numbers + 1] = 0
  else
    if original ~= doc_id and redis.call('HEXISTS', KEYS[1], original) == 0 then
      return {1, numbers}
    end
    local names, held, posted, unseen = {}, {}, {}, {}
    if #fields > 0 then
      for start = 1, #fields, 6 do names[#names + 1] = string.sub(fields, start, start + 5) end
      held = hmget(KEYS[4], names)
      for n = 1, #names do
        local entry = held[n]
        local anchor = string.sub(names[n], 1, 2) == ANCHOR_FIELD
        if not (anchor and entry and #entry > 4 * COMMON_ANCHOR) then
          posted[#posted + 1] = n
          -- Entries are in the order pages were added: pages the client did not see are last.
          if entry then
            local at = #entry - 3
            while at > 0 do
              local other = struct.unpack('<I4', entry, at)
              if other <= seen then break end
              if not mine[other] then
                if not anchor then return {1, numbers} end
                unseen[other] = (unseen[other] or 0) + 1
                if unseen[other] >= MIN_SHARED then return {1, numbers} end
              end
              at = at - 4
            end
          end
        end
      end
    end
    local id = redis.call('INCR', KEYS[6])
    local number = struct.pack('<I4', id)
    mine[id] = true
    local written, kept = {}, {}
    for _, n in ipairs(posted) do
      kept[#kept + 1] = names[n]
      written[#written + 1] = names[n]
      written[#written + 1] = (held[n] or '') .. number
    end
    redis.call('HSET', KEYS[1], doc_id, number .. table.concat(kept))
    redis.call('HSET', KEYS[2], number, ARGV[first + 1])
    redis.call('HSET', KEYS[3], number, original)
    redis.call('ZADD', KEYS[5], ARGV[first + 3], doc_id)
    if #ARGV[first + 4] > 0 then redis.call('HSET', KEYS[10], number, ARGV[first + 4]) end
    if original ~= doc_id then
      redis.call('HSET', KEYS[7], original, (redis.call('HGET', KEYS[7], original) or '') .. number)
    end
    hset(KEYS[4], written)
    numbers[#numbers + 1] = id
  end
end
return {0, numbers}
"""
)
# KEYS: ids, pages, originals, bands, age, groups, bodies. ARGV: doc_ids.
# Returns how many of them were indexed (and are now removed). A removed original hands
# its group to the oldest page left in it, which becomes the original of the others.
REMOVE = (
    _CHUNKED
    + """
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
      local entries = hmget(KEYS[4], names)
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
    redis.call('HDEL', KEYS[7], number)
    redis.call('ZREM', KEYS[5], doc_id)
  end
end
return removed
"""
)
