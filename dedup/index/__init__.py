"""The crawler's index: `Deduplicator`, "have I seen this article?" as pages arrive.

- `deduplicator`: the crawler-facing class (add, query, remove, expire, save, load);
- `memory`: the pages of an index in this process, in numpy columns;
- `bands`: the band-key table of the in-memory index;
- `file`: the saved index format (versioned header plus arrays, no pickle);
- `redis`: the index shared in Redis by several processes.

Uses readers, extract, fingerprint and verdict; never the batch engine (`dedup.batch`).
"""
