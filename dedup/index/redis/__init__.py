"""The crawler's index shared in Redis (``pip install "dedup[redis]"``).

- `store`: `RedisIndex`, the pages of one namespace (the key layout is in its docstring);
- `scripts`: the Lua scripts that add and remove pages atomically;
- `codec`: page records, band fields and packed commands, as bytes;
- `cache`: the page records this process already fetched;
- `stream`: a batch's commands sent ahead on one connection, in waves.
"""
