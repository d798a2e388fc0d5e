"""`dedup serve` under load: requests per second and latency of POST /seen at 100k pages.

The index: 100,000 pages made the cheap way, without pages to extract: each a random set of
700 shingle ids (the size of a 700-character article's), signed and added with
`add_fingerprints`, so its band rows hold as many keys as 100k real distinct articles'
would (saved once under benchmarks/out/serve-N.dedup). The requests: real pages, the
synthetic corpus of `benchmarks/bench_scan.py` (real articles from ../shared/corpora once,
then re-posts with variations; cached under benchmarks/out/), each sent with a new id, so
every request extracts, fingerprints, looks up, verifies and adds a page; a page sent a
second time is a copy of its first sending.

The service is the command a user runs (`dedup serve INDEX --port P`, one process); the
load generator is this process, on the same machine: httpx's async client keeping
--concurrency requests in flight for --seconds. Also batches: arrays of --batch pages per
request. Prints requests (and pages) per second, latency p50 and p99, and the load average.

Usage: python benchmarks/bench_serve.py [--pages 100000] [--concurrency 1,8,32]
    [--seconds 20] [--batch 50]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

OUT = ROOT / "benchmarks" / "out"
SHINGLES_PER_PAGE = 700


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=100_000, help="pages indexed beforehand")
    parser.add_argument("--concurrency", default="1,8,32", help="requests in flight")
    parser.add_argument("--seconds", type=float, default=20.0, help="per measurement")
    parser.add_argument("--batch", type=int, default=50, help="pages per batch request")
    parser.add_argument("--corpus", type=int, default=3000, help="distinct pages to send")
    return parser.parse_args()


def index_file(pages: int) -> Path:
    """An index of `pages` synthetic pages, made once."""
    import numpy as np

    from dedup import DedupConfig, Deduplicator
    from dedup.fingerprint.fingerprinter import Fingerprinter
    from dedup.fingerprint.shingle import Fingerprint

    path = OUT / f"serve-{pages}.dedup"
    if path.exists():
        return path
    OUT.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    config = DedupConfig()
    hasher = Fingerprinter(config).hasher
    index = Deduplicator(config)
    rng = np.random.default_rng(21)
    none = np.zeros(0, dtype=np.uint32)
    for first in range(0, pages, 1000):
        batch = []
        for number in range(first, min(pages, first + 1000)):
            ids = rng.integers(0, 2**32, SHINGLES_PER_PAGE, dtype=np.uint64).astype(np.uint32)
            fingerprint = Fingerprint(np.unique(ids), none)
            batch.append((f"synthetic/{number}", fingerprint, hasher.sign(fingerprint.shingles)))
        index.add_fingerprints(batch)
    index.save(path)
    print(f"made {path.name}: {pages} pages in {time.perf_counter() - started:.0f} s")
    return path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_service(index: Path) -> tuple[subprocess.Popen[bytes], str]:
    import httpx

    port = free_port()
    # A copy: the service saves its index on shutdown, and each run starts from the same.
    served = index.with_name(f"served-{index.name}")
    served.write_bytes(index.read_bytes())
    process = subprocess.Popen(
        [sys.executable, "-m", "dedup", "serve", str(served), "--port", str(port)],
        cwd=ROOT,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return process, url
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("dedup serve did not start")


def corpus_pages(count: int) -> list[str]:
    from benchmarks.bench_scan import corpus
    from dedup.readers.decode import decode_bytes

    folder = corpus(count, "synthetic")
    return [
        decode_bytes(path.read_bytes(), str(path))[0]
        for path in sorted(folder.rglob("*.txt"))[:count]
    ]


async def load(
    url: str, pages: list[str], *, concurrency: int, seconds: float, batch: int, run: str
) -> tuple[int, int, list[float]]:
    """Keep `concurrency` requests in flight for `seconds`: (requests, pages, latencies)."""
    import httpx

    latencies: list[float] = []
    sent = [0, 0]
    deadline = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)

    async def worker(client: httpx.AsyncClient, worker_number: int) -> None:
        number = 0
        while time.perf_counter() < deadline:
            body = [
                {
                    "id": f"{run}/{worker_number}/{number + k}",
                    "text": pages[(sent[1] + k) % len(pages)],
                }
                for k in range(batch)
            ]
            number += batch
            sent[1] += batch
            started = time.perf_counter()
            answer = await client.post("/seen", json=body if batch > 1 else body[0])
            latencies.append(time.perf_counter() - started)
            # A page of the corpus with no article body is answered 422 no_body: an answer.
            if answer.status_code != 200 and "no_body" not in answer.text:
                raise SystemExit(f"/seen answered {answer.status_code}: {answer.text[:300]}")
            sent[0] += 1

    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=120) as client:
        await asyncio.gather(*(worker(client, n) for n in range(concurrency)))
    return sent[0], sent[1], latencies


def in_process(index: Path, pages: list[str], count: int = 1000) -> list[float]:
    """The same work without HTTP: `Deduplicator.seen` of the pages, one at a time, on the
    same index loaded in this process (what each request costs the index itself)."""
    from dedup import DedupError, Deduplicator

    loaded = Deduplicator.load(index)
    seconds = []
    for number in range(count):
        started = time.perf_counter()
        with contextlib.suppress(DedupError):  # a page with no article body
            loaded.seen(f"direct/{number}", pages[number % len(pages)])
        seconds.append(time.perf_counter() - started)
    return seconds


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def main() -> int:
    args = arguments()
    if not (ROOT.parent / "shared" / "corpora").is_dir():
        print("benchmark needs ../shared/corpora beside the repository", file=sys.stderr)
        return 1
    index = index_file(args.pages)
    pages = corpus_pages(args.corpus)
    direct = in_process(index, pages)
    print(
        f"Deduplicator.seen in this process, no HTTP: p50 {1000 * percentile(direct, 0.5):.1f} "
        f"ms, p99 {1000 * percentile(direct, 0.99):.1f} ms "
        f"(load average {os.getloadavg()[0]:.2f})"
    )
    process, url = start_service(index)
    try:
        print(f"dedup serve: {args.pages} pages indexed; {len(pages)} distinct pages sent")
        runs = [(int(c), 1) for c in args.concurrency.split(",")] + [(8, args.batch)]
        for number, (concurrency, batch) in enumerate(runs):
            requests, sent, latencies = asyncio.run(
                load(
                    url,
                    pages,
                    concurrency=concurrency,
                    seconds=args.seconds,
                    batch=batch,
                    run=f"run{number}",
                )
            )
            per_second = requests / args.seconds
            what = f"batches of {batch}" if batch > 1 else "one page each"
            print(
                f"POST /seen, {what}, {concurrency} in flight: {per_second:.0f} requests/s "
                f"({sent / args.seconds:.0f} pages/s), p50 {1000 * percentile(latencies, 0.5):.1f} "
                f"ms, p99 {1000 * percentile(latencies, 0.99):.1f} ms "
                f"(load average {os.getloadavg()[0]:.2f})"
            )
    finally:
        process.terminate()
        process.wait(timeout=120)
    return 0


if __name__ == "__main__":
    sys.exit(main())
