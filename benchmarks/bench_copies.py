"""One page seen many times (a crawler's soft-404): the time of an add, and memory, as the
copies pile up.

A sample page is added again and again under new ids with `add` (look up, verify, return
the matches, insert). At each milestone (1,000, 5,000 and 20,000 copies by default) the
mean time of the last 100 adds is printed with how many matches they returned, and the
memory: the growth of this process's resident set, or with --storage of the Redis
server's used_memory (a fresh namespace, deleted afterwards). --budget stops a run whose
adds have taken that many seconds in all (the figure before the match cap).

Usage: python benchmarks/bench_copies.py [--storage redis://127.0.0.1:6379/0]
    [--copies 1000,5000,20000] [--budget 300]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PAGE = ROOT / "samples" / "jiangnan_daily" / "2025" / "0312" / "charging-plan.txt"
WINDOW = 100


def resident_mb() -> float:
    with open("/proc/self/statm", encoding="ascii") as stream:
        return int(stream.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def main() -> int:
    from dedup import Deduplicator

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--storage", help="redis:// URL of a shared index to measure instead")
    parser.add_argument("--copies", default="1000,5000,20000")
    parser.add_argument("--budget", type=float, default=300.0, help="seconds of adds at most")
    args = parser.parse_args()
    milestones = [int(value) for value in args.copies.split(",")]
    text = PAGE.read_text("utf-8")
    namespace = f"bench-copies-{os.getpid()}"
    server = None
    if args.storage:
        import redis

        server = redis.Redis.from_url(args.storage)
        dd = Deduplicator(storage=args.storage, namespace=namespace)
    else:
        dd = Deduplicator()

    def memory_mb() -> float:
        if server is not None:
            return float(server.info("memory")["used_memory"]) / 2**20
        return resident_mb()

    where = "Redis" if server is not None else "in memory"
    print(f"{where}; load average {os.getloadavg()[0]:.1f}")
    before = memory_mb()
    spent, times, returned = 0.0, [], []
    try:
        for number in range(max(milestones)):
            started = time.perf_counter()
            found = dd.add(f"copy-{number}", text)
            took = time.perf_counter() - started
            spent += took
            times.append(took)
            returned.append(len(found))
            if number + 1 in milestones:
                recent = times[-WINDOW:]
                print(
                    f"{number + 1:>7,} copies: {sum(recent) / len(recent) * 1000:8.2f} ms per add, "
                    f"{returned[-1]:>6,} matches returned, memory +{memory_mb() - before:,.0f} MB"
                )
            if spent > args.budget:
                recent = times[-WINDOW:]
                print(
                    f"stopped after {number + 1:,} copies ({spent:.0f} s of adds): "
                    f"{sum(recent) / len(recent) * 1000:.2f} ms per add at the end, "
                    f"{returned[-1]:,} matches returned"
                )
                break
    finally:
        if server is not None:
            keys = list(server.scan_iter(f"{namespace}:*"))
            for start in range(0, len(keys), 1000):
                server.delete(*keys[start : start + 1000])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
