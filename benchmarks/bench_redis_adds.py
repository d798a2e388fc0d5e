"""The shared index's adds: throughput and CPU per add, in the client and in Redis.

Made-up articles (400 random characters each, so no two match by chance), four copies of
each differing by a short line, shuffled, fingerprinted up front, then added in batches
with `add_fingerprints` into a fresh namespace (deleted afterwards). The client's CPU is
this process's (every thread); Redis's is the growth of its used_cpu_user + used_cpu_sys,
so a busy machine changes them less than the wall time.

Usage: python benchmarks/bench_redis_adds.py --storage redis://127.0.0.1:6379/0
    [--articles 1500] [--copies 4] [--batch 1000]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def article(number: int) -> str:
    rng = random.Random(number)
    return "".join(chr(0x4E00 + rng.randrange(3000)) for _ in range(400)) + "。"


def main() -> int:
    import redis

    from dedup import Deduplicator

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--storage", required=True, help="redis://host:port/db")
    parser.add_argument("--articles", type=int, default=1500)
    parser.add_argument("--copies", type=int, default=4)
    parser.add_argument("--batch", type=int, default=1000)
    args = parser.parse_args()
    pages = [
        (f"a{number}-c{copy}", f"转载自第{copy}站。" + article(number))
        for number in range(args.articles)
        for copy in range(args.copies)
    ]
    random.Random(1).shuffle(pages)
    namespace = f"bench-adds-{os.getpid()}"
    dd = Deduplicator(storage=args.storage, namespace=namespace)
    fingerprints = [(doc_id, dd._page_fingerprint(text, None)) for doc_id, text in pages]
    signed = [(doc_id, found, dd._sign(found)) for doc_id, found in fingerprints]
    server = redis.Redis.from_url(args.storage)

    def server_cpu() -> float:
        info = server.info("cpu")
        return float(info["used_cpu_user"]) + float(info["used_cpu_sys"])

    try:
        before, cpu, started = server_cpu(), time.process_time(), time.perf_counter()
        for start in range(0, len(signed), args.batch):
            dd.add_fingerprints(signed[start : start + args.batch])
        wall = time.perf_counter() - started
        client = (time.process_time() - cpu) / len(signed) * 1e6
        spent = (server_cpu() - before) / len(signed) * 1e6
        print(
            f"{len(signed)} adds: {len(signed) / wall:,.0f} adds/s; CPU per add: client "
            f"{client:.0f} us, Redis {spent:.0f} us; {dd.stats().originals} originals; "
            f"load average {os.getloadavg()[0]:.1f}"
        )
    finally:
        keys = list(server.scan_iter(f"{namespace}:*"))
        if keys:
            server.delete(*keys)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
