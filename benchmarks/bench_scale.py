"""How the scan scales: pages/s, peak memory and disk used against corpus size, both engines.

Corpora are `make bench`'s (text pages built from ../shared/corpora by
`benchmarks/bench_scan.py`, cached under benchmarks/out/). Each measurement runs in a fresh
process, so a peak is that run's own:
- local: `dedup.scan(..., jobs=N)` and the CSV report; peak RSS of the scanning process
  (the client) and of its largest worker process, and the bytes its temporary store wrote;
- dask: `scan_on_dask` on a `LocalCluster(n_workers=N, memory_limit=...)`; peak RSS of the
  client and of each worker, and whether a worker was restarted.
Memory per page is the peak above the process's base (after imports, before the scan).

Prints a table and writes it, with a text chart of memory per page against size, to
benchmarks/out/scale.md (matplotlib is not a dependency: the chart is text).

Usage: python benchmarks/bench_scale.py [--sizes 10000,100000] [--engines local,dask]
       [--jobs 2] [--memory-limit 3GB]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

OUT = ROOT / "benchmarks" / "out"


def rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_local(folder: str, jobs: int) -> dict[str, object]:
    import dedup
    from dedup.batch import report

    base = rss_mb()
    with tempfile.TemporaryDirectory(prefix="bench-scale-", dir=OUT) as store:
        started = time.perf_counter()
        with dedup.scan([folder], jobs=jobs, tmp_dir=store) as result:
            report.write_csv(report.clusters_frame(result.clusters), OUT / "scale-local.csv")
            seconds = time.perf_counter() - started
    return {
        "pages": len(result.extracted) + len(result.skipped),
        "seconds": seconds,
        "base_mb": base,
        "client_mb": peak_mb(),
        "workers_mb": [resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024],
        "disk_mb": result.spilled_bytes / 1e6,
    }


def run_dask(folder: str, jobs: int, memory_limit: str) -> dict[str, object]:
    import distributed

    from dedup.batch import report
    from dedup.batch.pipeline import scan_on_dask

    base = rss_mb()
    with (
        distributed.LocalCluster(
            n_workers=jobs,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            memory_limit=memory_limit,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        workers_before = set(client.scheduler_info()["workers"])
        started = time.perf_counter()
        with (
            tempfile.TemporaryDirectory(prefix="bench-scale-", dir=OUT) as store,
            scan_on_dask([folder], scheduler=cluster.scheduler_address, tmp_dir=store) as result,
        ):
            report.write_csv(report.clusters_frame(result.clusters), OUT / "scale-dask.csv")
            seconds = time.perf_counter() - started
        workers = client.run(peak_mb)
        restarted = set(client.scheduler_info()["workers"]) != workers_before
    return {
        "pages": len(result.extracted) + len(result.skipped),
        "seconds": seconds,
        "base_mb": base,
        "client_mb": peak_mb(),
        "workers_mb": sorted(workers.values()),
        "disk_mb": result.spilled_bytes / 1e6,
        "restarted": restarted,
    }


def measure(engine: str, folder: Path, jobs: int, memory_limit: str) -> dict[str, object]:
    command = [sys.executable, __file__, "--run-one", engine, str(folder), "--jobs", str(jobs)]
    completed = subprocess.run(
        [*command, "--memory-limit", memory_limit],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    figures: dict[str, object] = json.loads(completed.stdout.strip().splitlines()[-1])
    return figures


def row(engine: str, size: int, f: dict[str, object], load: float) -> dict[str, object]:
    pages = int(f["pages"])  # type: ignore[call-overload]
    seconds = float(f["seconds"])  # type: ignore[arg-type]
    client = float(f["client_mb"])  # type: ignore[arg-type]
    base = float(f["base_mb"])  # type: ignore[arg-type]
    workers = [float(w) for w in f["workers_mb"]]  # type: ignore[attr-defined]
    return {
        "engine": engine,
        "size": size,
        "pages_per_s": pages / seconds,
        "seconds": seconds,
        "client_mb": client,
        "client_kb_per_page": (client - base) * 1024 / pages,
        "worker_mb": max(workers),
        "disk_mb": float(f["disk_mb"]),  # type: ignore[arg-type]
        "restarted": bool(f.get("restarted", False)),
        "load": load,
    }


def table(rows: list[dict[str, object]]) -> str:
    lines = [
        "| engine | pages | pages/s | client peak | client KB/page above base "
        "| largest worker peak | disk | load avg |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        restart = " (a worker restarted)" if r["restarted"] else ""
        lines.append(
            f"| {r['engine']} | {r['size']:,} | {r['pages_per_s']:,.0f} | "
            f"{r['client_mb']:,.0f} MB | {r['client_kb_per_page']:.2f} | "
            f"{r['worker_mb']:,.0f} MB{restart} | {r['disk_mb']:,.0f} MB | {r['load']:.1f} |"
        )
    return "\n".join(lines)


def chart(rows: list[dict[str, object]], width: int = 50) -> str:
    """Client memory per page against corpus size, as text bars."""
    top = max(float(r["client_kb_per_page"]) for r in rows) or 1.0  # type: ignore[arg-type]
    lines = ["client KB per page above base, by corpus size"]
    for r in rows:
        value = float(r["client_kb_per_page"])  # type: ignore[arg-type]
        bar = "#" * max(1, round(width * value / top))
        lines.append(f"{r['engine']:<6} {r['size']:>9,} | {bar} {value:.2f}")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--engines", default="local,dask")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--memory-limit", default="3GB")
    parser.add_argument("--run-one", nargs=2, metavar=("ENGINE", "FOLDER"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run_one:
        engine, folder = args.run_one
        figures = (
            run_local(folder, args.jobs)
            if engine == "local"
            else run_dask(folder, args.jobs, args.memory_limit)
        )
        print(json.dumps(figures))
        return 0
    if not (ROOT.parent / "shared" / "corpora").is_dir():
        print("benchmark needs ../shared/corpora beside the repository", file=sys.stderr)
        return 2
    from benchmarks.bench_scan import corpus

    rows = []
    for size in map(int, args.sizes.split(",")):
        folder = corpus(size, "synthetic")
        for engine in args.engines.split(","):
            load = os.getloadavg()[0]
            rows.append(
                row(engine, size, measure(engine, folder, args.jobs, args.memory_limit), load)
            )
            print(table(rows[-1:]).splitlines()[-1], flush=True)
    text = f"{table(rows)}\n\n```text\n{chart(rows)}\n```\n"
    (OUT / "scale.md").write_text(text, "utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
