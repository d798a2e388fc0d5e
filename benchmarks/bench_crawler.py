"""The crawler's index in memory: add+query latency (p50, p99) and memory per document.

Pages are the corpus pages of `make bench` (benchmarks/out/corpus-N), extracted and
fingerprinted once up front, so the figures are the index's own cost: `add_fingerprint`
(look up, verify, insert) for every page, and a `query_fingerprint` for one in ten. Memory
is the growth of the process's peak RSS while the index fills, per page.

With --storage redis://host:port/db the index is the shared one in that Redis server (in a
fresh namespace, deleted afterwards); memory is then the growth of the server's used_memory.

Usage: python benchmarks/bench_crawler.py [--size 100000] [--storage redis://127.0.0.1:6379/0]
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=100000)
    parser.add_argument("--storage", help="redis:// URL of a shared index to measure instead")
    parser.add_argument(
        "--batch", type=int, default=0, help="add and query in batches of this many (add_many)"
    )
    args = parser.parse_args()
    if not (ROOT.parent / "shared" / "corpora").is_dir():
        print("benchmark needs ../shared/corpora beside the repository", file=sys.stderr)
        return 2
    from bench_scan import corpus

    import dedup
    from dedup.readers import list_inputs
    from dedup.workers import Fingerprinter, process_chunk

    folder = corpus(args.size)
    inputs, _ = list_inputs([folder])
    fingerprinter = Fingerprinter(dedup.DedupConfig())
    pages = []
    for start in range(0, len(inputs), 1000):
        chunk = process_chunk(inputs[start : start + 1000], fingerprinter)
        pages.extend(
            (d.doc_id, f, s)
            for d, f, s in zip(chunk.documents, chunk.fingerprints, chunk.signatures, strict=True)
        )
    namespace = f"bench-{time.time_ns()}"
    server = redis_client(args.storage) if args.storage else None
    before = server.info("memory")["used_memory"] / 2**20 if server else rss_mb()
    index = dedup.Deduplicator(storage=args.storage, namespace=namespace)
    if args.batch:
        return batched(index, pages, args.batch, server, namespace)
    adds, queries = [], []
    started = time.perf_counter()
    for number, (doc_id, fingerprint, signature) in enumerate(pages):
        tick = time.perf_counter()
        index.add_fingerprint(doc_id, fingerprint, signature if fingerprint.size else None)
        adds.append(time.perf_counter() - tick)
        if number % 10 == 0:
            tick = time.perf_counter()
            index.query_fingerprint(fingerprint)
            queries.append(time.perf_counter() - tick)
    total = time.perf_counter() - started
    grown = (server.info("memory")["used_memory"] / 2**20 if server else rss_mb()) - before
    for name, values in (("add", adds), ("query", queries)):
        ms = np.array(values) * 1e3
        print(
            f"{name:5s} {len(ms):>7} calls  p50 {np.percentile(ms, 50):.3f} ms  "
            f"p99 {np.percentile(ms, 99):.3f} ms  max {ms.max():.1f} ms"
        )
    print(
        f"{len(pages)} pages indexed in {total:.1f} s ({len(pages) / total:.0f} adds/s with "
        f"the queries); memory {grown:.0f} MB, {grown * 2**20 / len(pages):.0f} bytes per page"
    )
    if server:
        forget(server, namespace)
        return 0
    target = ROOT / "benchmarks" / "out" / "crawler.dedup"
    started = time.perf_counter()
    index.save(target)
    saved = time.perf_counter() - started
    started = time.perf_counter()
    dedup.Deduplicator.load(target)
    loaded = time.perf_counter() - started
    per_page = target.stat().st_size / len(pages)
    print(f"save {saved:.1f} s, load {loaded:.1f} s ({per_page:.0f} bytes per page on disk)")
    return 0


def batched(index, pages, size: int, server, namespace: str) -> int:  # type: ignore[no-untyped-def]
    """Throughput with add_fingerprints / query_fingerprints in batches (a few round trips
    per batch on a shared index)."""
    started = time.perf_counter()
    for start in range(0, len(pages), size):
        index.add_fingerprints(
            [
                (doc_id, fp, sig if fp.size else None)
                for doc_id, fp, sig in pages[start : start + size]
            ]
        )
    adding = time.perf_counter() - started
    started = time.perf_counter()
    for start in range(0, len(pages), size):
        index.query_fingerprints([fp for _, fp, _ in pages[start : start + size]])
    querying = time.perf_counter() - started
    print(
        f"{len(pages)} pages in batches of {size}: {len(pages) / adding:.0f} adds/s, "
        f"{len(pages) / querying:.0f} queries/s"
    )
    if server:
        print(
            f"Redis memory {server.info('memory')['used_memory'] / len(pages):.0f} bytes per page"
        )
        forget(server, namespace)
    return 0


def forget(server, namespace: str) -> None:  # type: ignore[no-untyped-def]
    keys = list(server.scan_iter(f"{namespace}:*", count=10000))
    for start in range(0, len(keys), 10000):
        server.unlink(*keys[start : start + 10000])


def redis_client(url: str):  # type: ignore[no-untyped-def]
    import redis

    return redis.Redis.from_url(url)


if __name__ == "__main__":
    raise SystemExit(main())
