"""`dedup scan` of another git ref against the working tree's, on the same corpus.

The ref's files are exported (``git archive``, the repository is left as it is) to a
temporary folder; each run is a whole fresh process (``python -m dedup scan FOLDER -o
FILE``) started in that folder or in the working tree, so the same interpreter and
third-party packages run both. Runs alternate (the side going first alternates too) so that
a busy machine slows both sides alike. Prints each side's wall time and CPU time (the
process and its workers), their medians, the ratios, and whether the reports are identical
byte for byte (a change meant to make the scan faster must not change them).

Usage: python benchmarks/bench_against.py [REF] [--corpus FOLDER | --size 6000]
       [--rounds 5] [--jobs 2]
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import resource
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# Bytecode is written and read as on a user's machine (see bench_scan.py).
ENV = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}


def export(ref: str, into: Path) -> str:
    """The files of `ref` written under `into`; returns the commit it names."""
    commit = subprocess.run(
        ["git", "rev-parse", "--short", f"{ref}^{{commit}}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    archive = subprocess.run(["git", "archive", commit], cwd=ROOT, capture_output=True, check=True)
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(into, filter="data")
    return commit


def run_scan(tree: Path, folder: Path, out: Path, jobs: int) -> tuple[float, float]:
    """Wall and CPU seconds (user + system, workers included) of one scan run in `tree`."""
    env = dict(ENV, PYTHONPATH=str(tree))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "dedup", "scan", str(folder), "-o", str(out), "--jobs", str(jobs)],
        cwd=tree,
        env=env,
        check=True,
        capture_output=True,
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def imported_from(tree: Path) -> str:
    """Where `python -m dedup` started in `tree` finds the package (checked, not assumed)."""
    return subprocess.run(
        [sys.executable, "-c", "import dedup; print(dedup.__file__)"],
        cwd=tree,
        env=dict(ENV, PYTHONPATH=str(tree)),
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("ref", nargs="?", default="main", help="git ref to compare against")
    parser.add_argument("--corpus", type=Path, help="folder to scan (default: --size's corpus)")
    parser.add_argument(
        "--size",
        type=int,
        default=6000,
        help="pages of bench_scan.py's corpus mode (real articles as they are)",
    )
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    folder = args.corpus
    if folder is None:
        from benchmarks.bench_scan import CRUDRAG, corpus

        if not CRUDRAG.is_dir():
            print("benchmark needs ../shared/corpora beside the repository", file=sys.stderr)
            return 2
        folder = corpus(args.size, "corpus")
    with tempfile.TemporaryDirectory(prefix="dedup-against-") as scratch:
        other = Path(scratch) / "tree"
        commit = export(args.ref, other)
        trees = {f"{args.ref} ({commit})": other, "working tree": ROOT}
        for label, tree in trees.items():
            found = Path(imported_from(tree)).resolve()
            if not found.is_relative_to(tree.resolve()):
                print(f"{label}: dedup imported from {found}, not from the tree", file=sys.stderr)
                return 2
        walls: dict[str, list[float]] = {label: [] for label in trees}
        cpus: dict[str, list[float]] = {label: [] for label in trees}
        digests: dict[str, set[str]] = {label: set() for label in trees}
        print(f"{folder}: {args.rounds} rounds, --jobs {args.jobs}, load {os.getloadavg()[0]:.1f}")
        for number in range(args.rounds):
            order = list(trees.items())[:: 1 if number % 2 == 0 else -1]
            for side, (label, tree) in enumerate(order):
                out = Path(scratch) / f"report-{number}-{side}.csv"
                wall, cpu = run_scan(tree, folder, out, args.jobs)
                walls[label].append(wall)
                cpus[label].append(cpu)
                digests[label].add(hashlib.md5(out.read_bytes()).hexdigest())
                print(f"  round {number + 1} {label:<24} wall {wall:6.2f} s  CPU {cpu:6.2f} s")
        print(f"load average after: {os.getloadavg()[0]:.1f}")
        medians = {}
        for label in trees:
            medians[label] = (statistics.median(walls[label]), statistics.median(cpus[label]))
            wall, cpu = medians[label]
            print(f"{label:<24} median wall {wall:6.2f} s  CPU {cpu:6.2f} s")
        (before_wall, before_cpu), (after_wall, after_cpu) = medians.values()
        print(
            f"wall {before_wall:.2f} -> {after_wall:.2f} s ({before_wall / after_wall:.2f}x), "
            f"CPU {before_cpu:.2f} -> {after_cpu:.2f} s ({before_cpu / after_cpu:.2f}x)"
        )
        every = set().union(*digests.values())
        if len(every) != 1:
            print(f"reports DIFFER: {sorted(every)}")
            return 1
        print(f"reports identical (md5 {every.pop()})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
