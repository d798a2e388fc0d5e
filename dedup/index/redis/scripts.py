"""The Lua scripts that add and remove pages of the shared index atomically, a chunk at a time.

Each script runs alone on the server, so a page is either entirely in the index or not at
all, and of two processes adding copies of one article at once, the second one's answer
holds the first.
"""

# KEYS: ids, pages, originals, bands, age, seq.
# ARGV: four per page: doc_id, record, band fields, time added.
# Returns, per page, 0 when its id was indexed already, else {its number, the band entries
# it found (the numbers of earlier pages sharing a band), concatenated}. Copies share most
# of their band entries whole: an entry already found for the page is not repeated.
ADD = """
local answers = {}
for first = 1, #ARGV, 4 do
  local doc_id, fields = ARGV[first], ARGV[first + 2]
  if redis.call('HEXISTS', KEYS[1], doc_id) == 1 then
    answers[#answers + 1] = 0
  else
    local id = redis.call('INCR', KEYS[6])
    local number = struct.pack('<I4', id)
    redis.call('HSET', KEYS[1], doc_id, number .. fields)
    redis.call('HSET', KEYS[2], number, ARGV[first + 1])
    redis.call('HSET', KEYS[3], number, doc_id)
    redis.call('ZADD', KEYS[5], ARGV[first + 3], doc_id)
    local found = ''
    if #fields > 0 then
      local names = {}
      for start = 1, #fields, 6 do names[#names + 1] = string.sub(fields, start, start + 5) end
      local held = redis.call('HMGET', KEYS[4], unpack(names))
      local written, earlier, seen = {}, {}, {}
      for n, name in ipairs(names) do
        local entry = held[n]
        written[#written + 1] = name
        if entry then
          if not seen[entry] then seen[entry] = true; earlier[#earlier + 1] = entry end
          written[#written + 1] = entry .. number
        else
          written[#written + 1] = number
        end
      end
      redis.call('HSET', KEYS[4], unpack(written))
      found = table.concat(earlier)
    end
    answers[#answers + 1] = {id, found}
  end
end
return answers
"""
# KEYS: ids, pages, originals, bands, age. ARGV: doc_ids.
# Returns how many of them were indexed (and are now removed).
REMOVE = """
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
      local kept, emptied = {}, {}
      for n, name in ipairs(names) do
        local entry = entries[n]
        if entry then
          local others = {}
          for start = 1, #entry, 4 do
            local other = string.sub(entry, start, start + 3)
            if other ~= number then others[#others + 1] = other end
          end
          if #others == 0 then
            emptied[#emptied + 1] = name
          else
            kept[#kept + 1] = name
            kept[#kept + 1] = table.concat(others)
          end
        end
      end
      if #kept > 0 then redis.call('HSET', KEYS[4], unpack(kept)) end
      if #emptied > 0 then redis.call('HDEL', KEYS[4], unpack(emptied)) end
    end
    redis.call('HDEL', KEYS[1], doc_id)
    redis.call('HDEL', KEYS[2], number)
    redis.call('HDEL', KEYS[3], number)
    redis.call('ZREM', KEYS[5], doc_id)
  end
end
return removed
"""
