"""End-to-end speed and memory of `dedup scan`, against two baselines a user could pick.

Corpora, cached under benchmarks/out/:
- ``--mode synthetic`` (default): text pages built from ../shared/corpora (every usable real
  article once, then re-posts with variations to reach the size);
- ``--mode corpus``: the articles of ../shared/corpora/zh-crudrag-news-2023, the first N,
  one per ``.txt`` file exactly as the corpus holds them (no templates; at most 13,182).

Each run is a whole fresh process, timed from outside (start-up, imports and the report
included), so peak memory is its own too:
- datasketch, written plainly: whole page text, character 5-grams, per-shingle
  `MinHash.update`, `MinHashLSH` at threshold 0.8, union-find over query results;
- rensa (``pip install "dedup[bench]"``): Rust MinHash and its LSH at 0.8 over the raw
  text's character 5-grams, union-find; no extraction and no verification;
- `dedup scan` as the CLI runs it (reading, extraction, normalization, shingles, signatures,
  LSH, verification, clustering, the CSV report), with --jobs N.
Prints wall time, pages/s, the ratio to each baseline, peak RSS, the index size per document
and the time per stage.

Usage: python benchmarks/bench_scan.py [--sizes 1000,6000,30000] [--mode corpus] [--jobs 2]
       [--no-baseline]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

OUT = ROOT / "benchmarks" / "out"
# Bytecode is written (and then read) as on a user's machine: a shell that forbids it would
# have every run compile dedup's modules from source.
ENV = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}


CRUDRAG = ROOT.parent / "shared" / "corpora" / "zh-crudrag-news-2023"


def corpus(size: int, mode: str) -> Path:
    folder = OUT / f"{'raw' if mode == 'corpus' else 'corpus'}-{size}"
    done = folder / ".complete"
    if not done.exists():
        if mode == "corpus":
            write_articles(folder, size)
        else:
            from tests.syndication import build_sized

            build_sized(folder, size)
        done.write_text("ok")
    return folder


def write_articles(folder: Path, size: int) -> None:
    """The first `size` articles of the corpus, one per file, each text exactly as it is."""
    folder.mkdir(parents=True, exist_ok=True)
    written = 0
    for source in sorted(CRUDRAG.glob("*.jsonl")):
        with source.open(encoding="utf-8") as lines:
            for line in lines:
                record = json.loads(line)
                (folder / f"{record['id']}.txt").write_text(record["text"], "utf-8")
                written += 1
                if written == size:
                    return
    if written < size:
        raise SystemExit(f"the corpus holds {written} articles, fewer than {size}")


def run_baseline(folder: str) -> dict[str, object]:
    import re

    from datasketch import MinHash, MinHashLSH

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
    return {"pages": len(paths), "clusters": clusters}


def run_rensa(folder: str) -> dict[str, object]:
    from rensa import RMinHash, RMinHashLSH

    paths = sorted(p for p in Path(folder).rglob("*.txt"))
    lsh = RMinHashLSH(threshold=0.8, num_perm=128, num_bands=16)
    sketches = []
    for key, path in enumerate(paths):
        text = path.read_text("utf-8")
        minhash = RMinHash(num_perm=128, seed=1)
        minhash.update(list({text[i : i + 5] for i in range(max(1, len(text) - 4))}))
        lsh.insert(key, minhash)
        sketches.append(minhash)
    parent = list(range(len(paths)))

    def find(key: int) -> int:
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    for key, minhash in enumerate(sketches):
        for other in lsh.query(minhash):
            parent[find(other)] = find(key)
    clusters = len({find(key) for key in range(len(paths))})
    return {"pages": len(paths), "clusters": clusters}


def run_dedup(folder: str, jobs: int) -> dict[str, object]:
    import dedup
    from dedup.batch import report

    result = dedup.scan([folder], dedup.DedupConfig(), jobs=jobs)
    report.write_csv(report.clusters_table(result.clusters), OUT / "bench-report.csv")
    return {
        "pages": len(result.extracted) + len(result.skipped),
        "clusters": len(result.duplicate_clusters),
        "report_sha256": hashlib.sha256((OUT / "bench-report.csv").read_bytes()).hexdigest(),
        "stages": result.stage_seconds,
        "index_bytes_per_doc": result.index_bytes / max(1, len(result.documents)),
    }


def measure(kind: str, folder: Path, jobs: int) -> dict[str, object]:
    """Run one measurement in a fresh process and read its figures and peak memory; its
    wall time is the whole process's, start-up and report included."""
    started = time.perf_counter()
    completed = subprocess.run(
        [sys.executable, __file__, "--run-one", kind, str(folder), "--jobs", str(jobs)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env=ENV,
    )
    figures: dict[str, object] = json.loads(completed.stdout.strip().splitlines()[-1])
    figures["seconds"] = time.perf_counter() - started
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10000")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--mode", choices=("synthetic", "corpus"), default="synthetic")
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument(
        "--baseline-max",
        type=int,
        default=30000,
        help="run the baselines up to this size only (datasketch takes 10 minutes at 100k)",
    )
    parser.add_argument(
        "--check-reference",
        action="store_true",
        help="also check that the fast path gives the reference path's clusters",
    )
    parser.add_argument(
        "--same-clusters",
        metavar="FILE",
        help="record each corpus's report digest in FILE, or check it against the one recorded "
        "there (a change meant to make dedup faster must give the same report, byte for byte)",
    )
    parser.add_argument("--run-one", nargs=2, metavar=("KIND", "FOLDER"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run_one:
        kind, folder = args.run_one
        runs = {"baseline": run_baseline, "rensa": run_rensa}
        figures = runs[kind](folder) if kind in runs else run_dedup(folder, args.jobs)
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
    failed = False
    for number, size in enumerate(int(s) for s in args.sizes.split(",")):
        folder = corpus(size, args.mode)
        rates = {}
        if not args.no_baseline and size <= args.baseline_max:
            for kind, label in (("baseline", "datasketch"), ("rensa", "rensa")):
                base = measure(kind, folder, 1)
                rates[label] = base["pages"] / base["seconds"]
                print(
                    f"{label:<10} {size:>7} pages  {base['seconds']:7.1f} s  "
                    f"{rates[label]:7.0f} pages/s  peak RSS {base['peak_rss_mb']:.0f} MB"
                )
        figures = measure("dedup", folder, args.jobs)
        rate = figures["pages"] / figures["seconds"]
        ratios = "".join(f"  {rate / r:.1f}x {label}" for label, r in rates.items())
        per_page = 1e3 * figures["seconds"] / figures["pages"]
        print(
            f"dedup -j{args.jobs}   {size:>7} pages  {figures['seconds']:7.1f} s  "
            f"{rate:7.0f} pages/s  {per_page:.2f} ms/page  peak RSS "
            f"{figures['peak_rss_mb']:.0f} MB  index {figures['index_bytes_per_doc']:.0f} B/doc"
            f"{ratios}"
        )
        stages = figures["stages"]
        print("           stages: " + ", ".join(f"{k} {v:.1f} s" for k, v in stages.items()))
        if args.check_reference and number == 0:
            check_reference(folder)
        if args.same_clusters and not same_report(
            Path(args.same_clusters), folder.name, str(figures["report_sha256"])
        ):
            failed = True
    return 1 if failed else 0


def same_report(record: Path, corpus: str, digest: str) -> bool:
    """Record the report's digest for the corpus, or check it against the one recorded."""
    digests = json.loads(record.read_text()) if record.exists() else {}
    if corpus not in digests:
        digests[corpus] = digest
        record.write_text(json.dumps(digests, indent=1, sort_keys=True) + "\n")
        print(f"           report digest recorded in {record}")
        return True
    same = digests[corpus] == digest
    print(f"           report {'identical to' if same else 'DIFFERENT from'} the one recorded")
    return same


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
