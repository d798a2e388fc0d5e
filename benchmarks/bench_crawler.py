"""The crawler's index: add+query latency (p50, p99), throughput, memory per page, save, load.

Pages are the corpus pages of `make bench` (benchmarks/out/corpus-N: every usable real
article once, then re-posts with variations), extracted and fingerprinted once up front in
worker processes and cached (benchmarks/out/fingerprints-N.npz), so the figures are the
index's own cost. Every page is added with `add_fingerprint` (look up, verify, insert),
given its extracted body as `add` gives it (the index keeps what the slot check reads); one
in ten is queried again with `query_fingerprint`, given its signature and body as the add
is, right after. Memory is the growth of the process's resident set while the index fills,
per page (the peak growth is printed too), and, in memory, the bytes of the index's arrays.

With --storage redis://host:port/db the index is the shared one in that Redis server (in a
fresh namespace, deleted afterwards); memory is then the growth of the server's used_memory.
--batch N adds, then queries, in batches of N (add_fingerprints / query_fingerprints).

Usage: python benchmarks/bench_crawler.py [--size 100000] [--storage redis://127.0.0.1:6379/0]
    [--batch 1000] [--sample-size 128|0]
"""

from __future__ import annotations

import argparse
import gc
import os
import resource
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def resident_mb() -> float:
    with open("/proc/self/statm") as stream:
        return int(stream.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=100000)
    parser.add_argument("--storage", help="redis:// URL of a shared index to measure instead")
    parser.add_argument(
        "--batch", type=int, default=0, help="add and query in batches of this many (add_many)"
    )
    parser.add_argument(
        "--sample-size", type=int, default=None, help="DedupConfig.sample_size (0: every shingle)"
    )
    return parser.parse_args()


def main() -> int:
    args = arguments()
    if not (ROOT.parent / "shared" / "corpora").is_dir():
        print("benchmark needs ../shared/corpora beside the repository", file=sys.stderr)
        return 2
    import dedup

    pages = fingerprinted(args.size)
    # The cached pages are the harness's objects, not the index's: keep the collector from
    # walking them again and again (it would charge their count to every call measured).
    gc.freeze()
    config = dedup.DedupConfig()
    if args.sample_size is not None:
        config = dedup.DedupConfig(sample_size=args.sample_size or None)
    print(f"{len(pages)} pages fingerprinted; sample_size {config.sample_size}")
    namespace = f"bench-{time.time_ns()}"
    server = redis_client(args.storage) if args.storage else None
    index = dedup.Deduplicator(config, storage=args.storage, namespace=namespace)
    if args.batch:
        return batched(index, pages, args.batch, server, namespace)
    before, before_peak = used_mb(server), peak_mb()
    adds, queries, both = [], [], []
    started = time.perf_counter()
    for number, (doc_id, fingerprint, signature, body) in enumerate(pages):
        tick = time.perf_counter()
        index.add_fingerprint(doc_id, fingerprint, signature, body=body)
        added = time.perf_counter()
        adds.append(added - tick)
        if number % 10 == 0:
            index.query_fingerprint(fingerprint, signature, body=body)
            queries.append(time.perf_counter() - added)
            both.append(time.perf_counter() - tick)
    total = time.perf_counter() - started
    grown = used_mb(server) - before
    for name, values in (("add", adds), ("query", queries), ("add+query", both)):
        ms = np.array(values) * 1e3
        print(
            f"{name:9s} {len(ms):>8} calls  p50 {np.percentile(ms, 50):.3f} ms  "
            f"p99 {np.percentile(ms, 99):.3f} ms  p99.9 {np.percentile(ms, 99.9):.2f} ms  "
            f"max {ms.max():.1f} ms"
        )
    print(
        f"{len(pages)} pages indexed in {total:.1f} s ({len(pages) / total:.0f} adds/s with "
        f"the queries); memory {grown:.0f} MB, {grown * 2**20 / len(pages):.0f} bytes per page"
    )
    if server:
        forget(server, namespace)
        return 0
    print(f"peak memory growth {peak_mb() - before_peak:.0f} MB")
    arrays = index._index.nbytes
    print(f"the index's arrays: {arrays / len(pages):.0f} bytes per page")
    target = ROOT / "benchmarks" / "out" / "crawler.dedup"
    started = time.perf_counter()
    index.save(target)
    saved = time.perf_counter() - started
    del index
    started = time.perf_counter()
    loaded = dedup.Deduplicator.load(target)
    loading = time.perf_counter() - started
    per_page = target.stat().st_size / len(pages)
    print(f"save {saved:.1f} s, load {loading:.1f} s ({per_page:.0f} bytes per page on disk)")
    probe = pages[len(pages) // 2][1]
    print(f"after load: {len(loaded)} pages, a query finds {len(loaded.query_fingerprint(probe))}")
    target.unlink()
    return 0


def fingerprinted(size: int) -> list:  # type: ignore[type-arg]
    """(doc_id, fingerprint, signature or None, body) of every page of corpus-N, cached."""
    from bench_scan import OUT, corpus

    from dedup.fingerprint.shingle import Fingerprint

    cache = OUT / f"fingerprints-{size}.npz"
    if not _with_bodies(cache):
        write_cache(corpus(size, "synthetic"), cache)
    with np.load(cache, allow_pickle=False) as saved:
        raw, ids = saved["id_bytes"].tobytes(), saved["id_offsets"].tolist()
        shingles, cuts = saved["shingles"], saved["shingle_offsets"].tolist()
        numbers, number_cuts = saved["numbers"], saved["number_offsets"].tolist()
        signatures = saved["signatures"]
        body_bytes, body_cuts = saved["body_bytes"].tobytes(), saved["body_offsets"].tolist()
    pages = []
    for row in range(len(ids) - 1):
        fingerprint = Fingerprint(
            shingles[cuts[row] : cuts[row + 1]], numbers[number_cuts[row] : number_cuts[row + 1]]
        )
        signature = signatures[row] if fingerprint.size else None
        body = body_bytes[body_cuts[row] : body_cuts[row + 1]].decode()
        pages.append((raw[ids[row] : ids[row + 1]].decode(), fingerprint, signature, body))
    return pages


def _with_bodies(cache: Path) -> bool:
    """Whether the cache exists and holds the pages' bodies (earlier ones did not)."""
    if not cache.exists():
        return False
    with np.load(cache, allow_pickle=False) as saved:
        return "body_bytes" in saved.files


def write_cache(folder: Path, cache: Path) -> None:
    import dedup
    from dedup.batch.workers import default_jobs, process_all
    from dedup.readers import list_inputs

    inputs, _ = list_inputs([folder])
    ids, shingles, numbers, signatures, bodies = [], [], [], [], []

    def collect(chunk) -> None:  # type: ignore[no-untyped-def]
        for document, fingerprint, signature in zip(
            chunk.documents, chunk.fingerprints, chunk.signatures, strict=True
        ):
            ids.append(document.doc_id.encode())
            bodies.append(document.body.encode())
            shingles.append(fingerprint.shingles)
            numbers.append(fingerprint.numbers)
            signatures.append(signature)

    started = time.perf_counter()
    process_all(inputs, dedup.DedupConfig(), jobs=default_jobs(), on_chunk=collect)
    print(f"fingerprinted {len(ids)} pages in {time.perf_counter() - started:.0f} s")
    np.savez(
        cache,
        id_bytes=np.frombuffer(b"".join(ids), dtype=np.uint8),
        id_offsets=offsets(len(i) for i in ids),
        shingles=np.concatenate(shingles),
        shingle_offsets=offsets(s.size for s in shingles),
        numbers=np.concatenate(numbers),
        number_offsets=offsets(n.size for n in numbers),
        signatures=np.stack(signatures),
        body_bytes=np.frombuffer(b"".join(bodies), dtype=np.uint8),
        body_offsets=offsets(len(b) for b in bodies),
    )


def offsets(lengths) -> np.ndarray:  # type: ignore[no-untyped-def]
    return np.concatenate([[0], np.cumsum(list(lengths))]).astype(np.int64)


def used_mb(server) -> float:  # type: ignore[no-untyped-def]
    return server.info("memory")["used_memory"] / 2**20 if server else resident_mb()


def batched(index, pages, size: int, server, namespace: str) -> int:  # type: ignore[no-untyped-def]
    """Throughput with add_fingerprints / query_fingerprints in batches (a few round trips
    per batch on a shared index)."""
    before = used_mb(server)
    started = time.perf_counter()
    for start in range(0, len(pages), size):
        batch = pages[start : start + size]
        index.add_fingerprints([page[:3] for page in batch], bodies=[body for *_, body in batch])
    adding = time.perf_counter() - started
    grown = used_mb(server) - before
    started = time.perf_counter()
    for start in range(0, len(pages), size):
        batch = pages[start : start + size]
        index.query_fingerprints(
            [fp for _, fp, _, _ in batch],
            [signature for _, _, signature, _ in batch],
            bodies=[body for *_, body in batch],
        )
    querying = time.perf_counter() - started
    print(
        f"{len(pages)} pages in batches of {size}: {len(pages) / adding:.0f} adds/s, "
        f"{len(pages) / querying:.0f} queries/s; memory {grown * 2**20 / len(pages):.0f} "
        "bytes per page"
    )
    if server:
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
