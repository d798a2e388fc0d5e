"""Reading files not in the page cache, with and without `dedup.readers.files.prefetch`.

Each round first drops the folder's files from the page cache (``posix_fadvise``
DONTNEED, file by file: nothing else is evicted), then reads every file as a worker does,
a chunk of `dedup.batch.workers.CHUNK` files at a time, with each chunk's files asked for
ahead or not; rounds alternate. Prints the wall time of each way, and their medians.

Usage: python benchmarks/bench_prefetch.py FOLDER [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dedup.batch.workers import CHUNK
from dedup.readers import InputFile
from dedup.readers.files import prefetch


def evict(paths: list[str]) -> None:
    for path in paths:
        descriptor = os.open(path, os.O_RDONLY)
        try:
            os.posix_fadvise(descriptor, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(descriptor)


def read_all(paths: list[str], *, ahead: bool) -> float:
    started = time.perf_counter()
    for start in range(0, len(paths), CHUNK):
        chunk = paths[start : start + CHUNK]
        if ahead:
            prefetch([InputFile(path, path) for path in chunk])
        for path in chunk:
            descriptor = os.open(path, os.O_RDONLY)
            try:
                os.read(descriptor, 1 << 20)
            finally:
                os.close(descriptor)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    paths = sorted(str(path) for path in args.folder.rglob("*") if path.is_file())
    times: dict[bool, list[float]] = {False: [], True: []}
    for number in range(args.rounds):
        for ahead in (False, True) if number % 2 == 0 else (True, False):
            evict(paths)
            times[ahead].append(read_all(paths, ahead=ahead))
            print(
                f"{len(paths)} files, {'prefetched' if ahead else 'one by one'}: "
                f"{times[ahead][-1]:.2f} s"
            )
    plain, ahead = statistics.median(times[False]), statistics.median(times[True])
    print(f"median: one by one {plain:.2f} s, prefetched {ahead:.2f} s ({plain / ahead:.1f}x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
