"""How long the Scrapy pipeline holds the reactor per item, in memory and in Redis.

Scrapy runs item pipelines on its one Twisted thread: while `DedupPipeline.process_item`
runs, no response is read and no request sent. This measures that time per item: the
pages of the synthetic corpus of `benchmarks/bench_scan.py` (real articles from
../shared/corpora once, then re-posts with variations; cached under benchmarks/out/), each
given as an item ``{"url": ..., "text": page bytes}`` to the pipeline as Scrapy calls it,
on an index in memory and, with --storage, on a shared index in Redis (a fresh namespace,
deleted afterwards). It counts the Redis commands one item costs, from the server's INFO.
With --latency MS, Redis is reached through a proxy on loopback that holds each chunk of
bytes MS milliseconds each way (a server in another building or data centre).

Then what ``DEDUP_THREADED`` changes: the same lookups made from 10 threads at once (the
size of Twisted's pool), items per second, against one at a time on the reactor.

Usage: python benchmarks/bench_scrapy.py [--pages 3000] [--storage redis://127.0.0.1:6379/0]
    [--latency 2]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

THREADS = 10  # Twisted's thread pool: REACTOR_THREADPOOL_MAXSIZE's default


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=3000)
    parser.add_argument("--storage", help="redis:// URL of a server to measure a shared index on")
    parser.add_argument(
        "--latency", type=float, default=0.0, help="ms added each way between us and Redis"
    )
    return parser.parse_args()


def items(pages: int) -> list[dict[str, Any]]:
    from benchmarks.bench_scan import corpus

    folder = corpus(pages, "synthetic")
    paths = sorted(folder.rglob("*.txt"))[:pages]
    return [
        {"url": f"https://site.example/{path.relative_to(folder)}", "text": path.read_bytes()}
        for path in paths
    ]


def opened(location: str | None, warm_up: dict[str, Any]) -> Any:
    """A pipeline as Scrapy makes it, its index open, extractors loaded."""
    from scrapy.settings import Settings
    from scrapy.statscollectors import MemoryStatsCollector

    from dedup.contrib.scrapy import DedupPipeline, PipelineSettings

    settings = Settings({"DEDUP_INDEX": location} if location else {})
    crawler = type("Crawler", (), {"settings": settings})()
    pipeline = DedupPipeline(
        PipelineSettings.from_settings(settings),
        MemoryStatsCollector(crawler),  # type: ignore[arg-type]
    )
    pipeline.open_spider()
    pipeline.process_item(dict(warm_up, url=f"https://warm.example/{uuid.uuid4().hex}"))
    return pipeline


def on_the_reactor(location: str | None, pages: list[dict[str, Any]]) -> dict[str, float]:
    """`process_item` one item at a time, as on the reactor: ms per item."""
    from scrapy.exceptions import DropItem

    pipeline = opened(location, pages[0])
    seconds = []
    for item in pages:
        started = time.perf_counter()
        with contextlib.suppress(DropItem):
            pipeline.process_item(dict(item))
        seconds.append(time.perf_counter() - started)
    seconds.sort()
    return {
        "mean_ms": 1000 * statistics.fmean(seconds),
        "p50_ms": 1000 * seconds[len(seconds) // 2],
        "p99_ms": 1000 * seconds[int(len(seconds) * 0.99)],
        "items_s": len(seconds) / sum(seconds),
    }


def threaded(location: str | None, pages: list[dict[str, Any]]) -> float:
    """Items per second with `THREADS` lookups at once, as ``DEDUP_THREADED`` makes them."""
    pipeline = opened(location, pages[0])
    looked = [pipeline._page_of(item) for item in pages]
    started = time.perf_counter()
    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(lambda page: pipeline._look_up(*page), looked))
    return len(pages) / (time.perf_counter() - started)


def delayed(url: str, latency_ms: float) -> str:
    """A redis:// URL reaching the server of `url` through a proxy that holds each chunk of
    bytes `latency_ms` each way (a thread with its own event loop)."""
    import asyncio
    import threading
    from urllib.parse import urlsplit

    target = urlsplit(url)
    ready = threading.Event()
    port: list[int] = []

    async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while data := await reader.read(65536):
            await asyncio.sleep(latency_ms / 1000)
            writer.write(data)
            await writer.drain()
        writer.close()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream = await asyncio.open_connection(target.hostname, target.port or 6379)
        await asyncio.gather(pipe(reader, upstream[1]), pipe(upstream[0], writer))

    async def run() -> None:
        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        port.append(server.sockets[0].getsockname()[1])
        ready.set()
        await server.serve_forever()

    threading.Thread(target=lambda: asyncio.run(run()), daemon=True).start()
    ready.wait()
    return f"redis://127.0.0.1:{port[0]}{target.path or '/0'}"


def forget(storage: str, namespace: str) -> None:
    import redis

    client = redis.Redis.from_url(storage)
    for key in client.scan_iter(f"{namespace}:*"):
        client.delete(key)


def report(name: str, reactor: dict[str, float], rate: float, extra: str = "") -> None:
    print(
        f"{name}: on the reactor {reactor['mean_ms']:.2f} ms per item (p50 "
        f"{reactor['p50_ms']:.2f}, p99 {reactor['p99_ms']:.2f}), {reactor['items_s']:.0f} "
        f"items/s; {THREADS} threads: {rate:.0f} items/s{extra} "
        f"(load average {os.getloadavg()[0]:.2f})"
    )


def main() -> int:
    args = arguments()
    if not (ROOT.parent / "shared" / "corpora").is_dir():
        print("benchmark needs ../shared/corpora beside the repository", file=sys.stderr)
        return 1
    pages = items(args.pages)
    print(f"{len(pages)} items")
    report("memory", on_the_reactor(None, pages), threaded(None, pages))
    if not args.storage:
        return 0
    import redis

    storage = delayed(args.storage, args.latency) if args.latency else args.storage
    server = redis.Redis.from_url(args.storage)
    names = [f"bench-{uuid.uuid4().hex[:8]}" for _ in range(2)]
    try:
        before = int(server.info("stats")["total_commands_processed"])
        reactor = on_the_reactor(f"{storage}#{names[0]}", pages)
        commands = (int(server.info("stats")["total_commands_processed"]) - before) / len(pages)
        rate = threaded(f"{storage}#{names[1]}", pages)
    finally:
        for name in names:
            forget(args.storage, name)
    report(
        f"redis, {args.latency:g} ms added each way",
        reactor,
        rate,
        f"; {commands:.1f} Redis commands per item",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
