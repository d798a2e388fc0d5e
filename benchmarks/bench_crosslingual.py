"""What --cross-lingual costs: the encoder's documents per second, and the extra time of a scan.

1. The encoder alone (`dedup.xling.encoder.Bodies`) on the English articles and the
   Chinese translations of the shared NTREX half (CC BY-SA 4.0, ../shared/corpora/en-zh-ntrex):
   documents and sentences per second, for the leads, then for the rest of the bodies.
2. `dedup scan` as a fresh process, with and without --cross-lingual, on the 10,000-page
   corpus of benchmarks/bench_scan.py (Chinese pages: no counterpart language, so nothing is
   encoded), then on the 1,000-page corpus with the 216 NTREX pages (English and Chinese)
   added: every article of both languages has its lead encoded, the candidates their
   whole bodies.

Prints the load average beside every figure: the machine is shared.

Usage: python benchmarks/bench_crosslingual.py [--size 10000] [--mixed 1000] [--jobs 2]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.bench_scan import corpus
from tests.ntrex import CHINESE, load, ntrex_available, write_plain


def load_average() -> str:
    return f"load average {os.getloadavg()[0]:.2f}"


def encoder_speed() -> None:
    from dedup.xling.encoder import Bodies

    records = load(("en", *CHINESE))
    texts = ["\n".join(record.sentences) for record in records]
    Bodies(texts[:2]).leads([0, 1])  # the model loads once per process
    bodies = Bodies(texts)
    everyone = list(range(len(bodies)))
    for name, encode in (("leads", bodies.leads), ("whole bodies", bodies.whole)):
        before = bodies.encoded
        started = time.perf_counter()
        encode(everyone)
        seconds = time.perf_counter() - started
        sentences = bodies.encoded - before
        print(
            f"encoder, {name}: {len(texts)} documents ({sentences} sentences) in {seconds:.1f} s: "
            f"{len(texts) / seconds:.2f} documents/s, {sentences / seconds:.1f} sentences/s "
            f"({load_average()})"
        )


def timed_scan(folder: Path, jobs: int, cross_lingual: bool) -> tuple[float, str]:
    """Wall time of a scan, and the cross-lingual stage's line of its log."""
    command = [str(Path(sys.executable).parent / "dedup"), "scan", str(folder), "-o", os.devnull]
    command += ["--jobs", str(jobs), "-v"] + (["--cross-lingual"] if cross_lingual else [])
    started = time.perf_counter()
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    stage = [line for line in done.stderr.splitlines() if "cross-lingual" in line]
    return time.perf_counter() - started, "; ".join(line.split("info: ")[-1] for line in stage)


def scan_cost(folder: Path, name: str, jobs: int) -> None:
    plain, _ = timed_scan(folder, jobs, cross_lingual=False)
    crossed, stage = timed_scan(folder, jobs, cross_lingual=True)
    print(
        f"{name}: dedup scan {plain:.1f} s, with --cross-lingual {crossed:.1f} s "
        f"(+{crossed - plain:.1f} s; {stage or 'no cross-lingual stage logged'}) "
        f"({load_average()})"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=10000)
    parser.add_argument("--mixed", type=int, default=1000)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    if not ntrex_available():
        print("needs ../shared/corpora beside the repository", file=sys.stderr)
        return 2
    print(f"cores {os.cpu_count()}, {load_average()}")
    encoder_speed()
    scan_cost(corpus(args.size, "synthetic"), f"{args.size:,} pages", args.jobs)
    with tempfile.TemporaryDirectory() as folder:
        mixed = Path(folder)
        shutil.copytree(corpus(args.mixed, "synthetic"), mixed / "pages")
        (mixed / "ntrex").mkdir()
        write_plain(load(("en", *CHINESE)), mixed / "ntrex")
        scan_cost(mixed, f"{args.mixed:,} pages + 216 NTREX pages (en, zh)", args.jobs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
