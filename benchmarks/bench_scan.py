"""End-to-end speed and memory of `dedup scan`, against a plain datasketch pipeline.

Builds text-page corpora of the requested sizes from ../shared/corpora (every usable real
article once, then re-posts with variations to reach the size; cached under
benchmarks/out/), then, each in a fresh process so peak memory is its own:
- the baseline, written plainly: whole page text, character 5-grams, per-shingle
  `MinHash.update`, datasketch `MinHashLSH` at threshold 0.8, union-find over query results;
- `dedup scan` as the CLI runs it (reading, extraction, normalization, shingles, signatures,
  LSH, verification, clustering, the CSV report), with --jobs N.
Prints pages/s, the ratio to the baseline, peak RSS, the index size per document and the
time per stage.

Usage: python benchmarks/bench_scan.py [--sizes 10000,30000,100000] [--jobs 2] [--no-baseline]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

OUT = ROOT / "benchmarks" / "out"


def corpus(size: int) -> Path:
    from tests.syndication import build_sized

    folder = OUT / f"corpus-{size}"
    done = folder / ".complete"
    if not done.exists():
        build_sized(folder, size)
        done.write_text("ok")
    return folder


def run_baseline(folder: str) -> dict[str, object]:
    import re

    from datasketch import MinHash, MinHashLSH

    started = time.perf_counter()
    paths = sorted(p for p in Path(folder).rglob("*.txt"))
    lsh = MinHashLSH(threshold=0.8, num_perm=128)
    sketches = {}
    for path in paths:
        text = re.sub(r"\s+", "", path.read_text("utf-8"))
        minhash = MinHash(num_perm=128, seed=1)
        for shingle in {text[i : i + 5] for i in range(max(1, len(text) - 4))}:
            minhash.update(shingle.encode("utf-8"))
        key = str(path)
        lsh.insert(key, minhash)
        sketches[key] = minhash
    parent = {key: key for key in sketches}

    def find(key: str) -> str:
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    for key, minhash in sketches.items():
        for other in lsh.query(minhash):
            parent[find(other)] = find(key)
    clusters = len({find(key) for key in sketches})
    return {"pages": len(paths), "seconds": time.perf_counter() - started, "clusters": clusters}


def run_dedup(folder: str, jobs: int) -> dict[str, object]:
    import dedup
    from dedup.batch import report

    started = time.perf_counter()
    result = dedup.scan([folder], dedup.DedupConfig(), jobs=jobs)
    frame = report.clusters_frame(result.clusters)
    report.write_csv(frame, OUT / "bench-report.csv")
    seconds = time.perf_counter() - started
    return {
        "pages": len(result.extracted) + len(result.skipped),
        "seconds": seconds,
        "clusters": len(result.duplicate_clusters),
        "stages": result.stage_seconds,
        "index_bytes_per_doc": result.index_bytes / max(1, len(result.documents)),
    }


def measure(kind: str, folder: Path, jobs: int) -> dict[str, object]:
    """Run one measurement in a fresh process and read its figures and peak memory."""
    completed = subprocess.run(
        [sys.executable, __file__, "--run-one", kind, str(folder), "--jobs", str(jobs)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return json.loads(completed.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10000")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument(
        "--check-reference",
        action="store_true",
        help="also check that the fast path gives the reference path's clusters",
    )
    parser.add_argument("--run-one", nargs=2, metavar=("KIND", "FOLDER"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run_one:
        kind, folder = args.run_one
        figures = run_baseline(folder) if kind == "baseline" else run_dedup(folder, args.jobs)
        usage = max(
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
            resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
        )
        figures["peak_rss_mb"] = usage / 1024
        print(json.dumps(figures))
        return 0
    if not (ROOT.parent / "shared" / "corpora").is_dir():
        print("benchmark needs ../shared/corpora beside the repository", file=sys.stderr)
        return 2
    sizes = [int(s) for s in args.sizes.split(",")]
    baseline_rate = None
    for number, size in enumerate(sizes):
        folder = corpus(size)
        if number == 0 and not args.no_baseline:
            base = measure("baseline", folder, 1)
            baseline_rate = base["pages"] / base["seconds"]
            print(
                f"baseline   {size:>7} pages  {base['seconds']:7.1f} s  "
                f"{baseline_rate:7.0f} pages/s  peak RSS {base['peak_rss_mb']:.0f} MB"
            )
        figures = measure("dedup", folder, args.jobs)
        rate = figures["pages"] / figures["seconds"]
        ratio = f"  {rate / baseline_rate:.1f}x baseline" if baseline_rate else ""
        per_page = 1e3 * figures["seconds"] / figures["pages"]
        print(
            f"dedup -j{args.jobs}  {size:>7} pages  {figures['seconds']:7.1f} s  "
            f"{rate:7.0f} pages/s  {per_page:.2f} ms/page  peak RSS "
            f"{figures['peak_rss_mb']:.0f} MB  index {figures['index_bytes_per_doc']:.0f} B/doc"
            f"{ratio}"
        )
        stages = figures["stages"]
        print("           stages: " + ", ".join(f"{k} {v:.1f} s" for k, v in stages.items()))
        if args.check_reference and number == 0:
            check_reference(folder)
    return 0


def check_reference(folder: Path) -> None:
    """The fast path (numpy signatures, banded LSH, worker processes) against the reference
    path (datasketch MinHash and MinHashLSH, one process), cluster for cluster."""
    import dedup

    fast = dedup.scan([folder], jobs=2)
    reference = dedup.scan([folder], jobs=1, reference=True)
    same = fast.clusters == reference.clusters
    print(
        f"           reference path: {len(reference.duplicate_clusters)} clusters of 2+, "
        f"{'identical to' if same else 'DIFFERENT from'} the fast path's"
    )


if __name__ == "__main__":
    raise SystemExit(main())
