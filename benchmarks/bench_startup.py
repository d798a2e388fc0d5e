"""Start-up: what a user waits for before the first answer, in fresh processes.

- ``dedup scan samples/`` wall time against ``python -c "import pandas, numpy"`` in the same
  virtualenv (target: at most 1.5x);
- ``Deduplicator()`` and its first ``add`` of a text page, timed inside a fresh process from
  the first line of the script (target: under 0.3 s), and the process's whole wall time.

The commands alternate, so a busy machine slows both sides alike; medians are reported.

Usage: python benchmarks/bench_startup.py [--repeat 7]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
# Bytecode is written (and then read) as on a user's machine: a shell that forbids it would
# have every run compile dedup's modules from source.
ENV = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}

FIRST_ADD = """
import time
started = time.perf_counter()
from dedup import Deduplicator
page = "\\n".join(["本报讯 今年春季的茶叶收购价格比去年上涨一成，茶农收入明显增加。" * 3] * 8)
dd = Deduplicator()
dd.add("first", page)
print(time.perf_counter() - started)
"""


def wall(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=REPO, env=ENV, check=True, capture_output=True)
    return time.perf_counter() - started


def first_add() -> tuple[float, float]:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", FIRST_ADD],
        cwd=REPO,
        env=ENV,
        check=True,
        capture_output=True,
        text=True,
    )
    return float(done.stdout), time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    # The report goes to standard output, which `wall` captures and drops (dedup writes
    # `-o` outputs to regular files only).
    scan = [str(BIN / "dedup"), "scan", "samples/"]
    imports = [sys.executable, "-c", "import pandas, numpy"]
    wall(scan)  # bytecode compiled, files in the page cache
    scans, baselines, adds, add_walls = [], [], [], []
    for _ in range(args.repeat):
        baselines.append(wall(imports))
        scans.append(wall(scan))
        inside, whole = first_add()
        adds.append(inside)
        add_walls.append(whole)
    scan_s, base_s = statistics.median(scans), statistics.median(baselines)
    print(f"python -c 'import pandas, numpy'   {base_s:6.3f} s (median of {args.repeat})")
    print(f"dedup scan samples/                {scan_s:6.3f} s  = {scan_s / base_s:.2f}x (<= 1.5x)")
    print(
        f"Deduplicator() + first add         {statistics.median(adds):6.3f} s in-process "
        f"(< 0.3 s), {statistics.median(add_walls):.3f} s whole process"
    )


if __name__ == "__main__":
    main()
