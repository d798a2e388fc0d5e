"""The crawler's index: `Deduplicator`, "have I seen this article?" as pages arrive.

- `deduplicator`: the crawler-facing class (add, query, remove, expire, save, load);
- `memory`: the pages of an index in this process, in numpy columns;
- `bands`: the band-key table of the in-memory index;
- `sample_table`: page samples in growable columns (the in-memory index, the record cache);
- `backend`, `sketches`, `matching`: the interface both storages implement, what they keep
  of a page, and how they verify candidates;
- `file`: the saved index format (versioned header plus arrays, no pickle);
- `redis`: the index shared in Redis by several processes.

Uses readers, extract, fingerprint and verdict; never the batch engine (`dedup.batch`).
"""
