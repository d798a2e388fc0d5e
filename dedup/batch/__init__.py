"""The batch: files -> clusters of copies -> the CSV report (`dedup.scan` and friends).

- `pipeline`: `scan` (read, fingerprint, band, verify, cluster), `scan_on_dask`,
  `extract_file`, `index_files` (files fed to a crawler index);
- `workers`: the local engine, chunks of files in worker processes (`ChunkResult`, the
  chunk contract every engine shares; `ChunkRows`, a chunk's result as the scan's store
  writes it, made in the worker);
- `dask_engine`: the same stages on a Dask cluster;
- `banding`: candidate pairs from every page's band keys at once;
- `reference`: the datasketch MinHashLSH path, one page at a time, for audits;
- `clustering`: verified pairs -> clusters around a representative;
- `skips`: why a page is left out, and how skips are logged;
- `report`: clusters and matches -> CSV (the only pandas user);
- `html_report`: clusters -> one self-contained HTML page to read (the only Jinja2 user);
- `textdiff`: what a copy changed, character by character, for that page.

Uses readers, extract, fingerprint, verdict and the crawler's index (`scan --save-index`).
"""
