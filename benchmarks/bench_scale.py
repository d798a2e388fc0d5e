"""How the scan scales: pages/s, peak memory and disk used against corpus size, both engines.

Corpora are `make bench`'s (text pages built from ../shared/corpora by
`benchmarks/bench_scan.py`, cached under benchmarks/out/; a size not built yet is built the
same way). Each measurement runs in a fresh process, so a peak is that run's own:
- local: `dedup.scan(..., jobs=N)` and the CSV report; peak RSS of the scanning process
  (the client) and of its largest worker process, and the bytes its temporary store wrote;
- dask: `scan_on_dask` on a `LocalCluster(n_workers=N, memory_limit=...)` and the CSV
  report; peak RSS of the client (the LocalCluster's scheduler runs in it) and of each
  worker, whether a worker was restarted, how many memory warnings the workers logged
  (their stderr is kept in benchmarks/out/scale-ENGINE-FOLDER.log), and the bytes of the
  client's store plus what the workers spilled to their local folders.
Memory per page is a peak above the process's base (after imports, before the scan), per
page the process held: every page for the client, its share (pages / workers) for a Dask
worker. A local worker holds one chunk at a time: its peak does not depend on the corpus.

Each row is kept in benchmarks/out/scale.json (keyed by engine and size, so sizes can be
measured in separate runs), and the table of every row kept is written to
benchmarks/out/scale.md with an SVG chart of memory per page against corpus size (`--svg`,
default benchmarks/out/scale.svg; matplotlib is not a dependency: the SVG is written here).

Usage: python benchmarks/bench_scale.py [--sizes 10000,100000] [--engines local,dask]
       [--jobs 2] [--memory-limit 3GB] [--svg FILE] [--chart-only]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

OUT = ROOT / "benchmarks" / "out"
RESULTS = OUT / "scale.json"


def rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def folder_mb(path: str) -> float:
    total = 0
    for folder, _, files in os.walk(path):
        for name in files:
            try:
                total += os.path.getsize(os.path.join(folder, name))
            except OSError:
                continue  # gone meanwhile
    return total / 1e6


def run_local(folder: str, jobs: int) -> dict[str, object]:
    import dedup
    from dedup.batch import report

    base = rss_mb()
    with tempfile.TemporaryDirectory(prefix="bench-scale-", dir=OUT) as store:
        started = time.perf_counter()
        with dedup.scan([folder], jobs=jobs, tmp_dir=store) as result:
            report.write_csv(report.clusters_table(result.clusters), OUT / "scale-local.csv")
            seconds = time.perf_counter() - started
    return {
        "pages": len(result.extracted) + len(result.skipped),
        "seconds": seconds,
        "base_mb": base,
        "client_mb": peak_mb(),
        "workers_mb": [resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024],
        "worker_base_mb": 0.0,
        "disk_mb": result.spilled_bytes / 1e6,
    }


def worker_spill_mb(dask_worker: Any) -> float:
    """What a Dask worker wrote to its local folder (spilled data, shuffle files)."""
    return folder_mb(str(dask_worker.local_directory))


def worker_spill_peak(client: Any, done: list[bool], peaks: dict[str, float]) -> None:
    """Sample each worker's local folder size until `done`: shuffle files go when a
    shuffle ends, so the size at the end says nothing."""
    while not done:
        try:
            sizes = client.run(worker_spill_mb)
        except Exception:  # noqa: BLE001 - a worker restarting; sample again
            sizes = {}
        for worker, size in sizes.items():
            peaks[worker] = max(peaks.get(worker, 0.0), size)
        time.sleep(1.0)


def run_dask(folder: str, jobs: int, memory_limit: str) -> dict[str, object]:
    import threading

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
        worker_base = max(client.run(rss_mb).values())
        done: list[bool] = []
        spills: dict[str, float] = {}
        sampler = threading.Thread(target=worker_spill_peak, args=(client, done, spills))
        sampler.start()
        started = time.perf_counter()
        try:
            with (
                tempfile.TemporaryDirectory(prefix="bench-scale-", dir=OUT) as store,
                scan_on_dask(
                    [folder], scheduler=cluster.scheduler_address, tmp_dir=store
                ) as result,
            ):
                report.write_csv(report.clusters_table(result.clusters), OUT / "scale-dask.csv")
                seconds = time.perf_counter() - started
        finally:
            done.append(True)
            sampler.join()
        workers = client.run(peak_mb)
        restarted = set(client.scheduler_info()["workers"]) != workers_before
    return {
        "pages": len(result.extracted) + len(result.skipped),
        "seconds": seconds,
        "base_mb": base,
        "client_mb": peak_mb(),
        "workers_mb": sorted(workers.values()),
        "worker_base_mb": worker_base,
        "disk_mb": result.spilled_bytes / 1e6 + sum(spills.values()),
        "restarted": restarted,
    }


# What a Dask worker logs when its memory passes the spill, pause or terminate thresholds.
MEMORY_WARNINGS = ("memory use is high", "memory usage", "memory budget", "pausing worker")


def measure(engine: str, folder: Path, jobs: int, memory_limit: str) -> dict[str, object]:
    """One run's figures; what it wrote to stderr (a Dask worker's warnings) is kept in
    benchmarks/out/scale-ENGINE-FOLDER.log and its memory warnings counted."""
    command = [sys.executable, __file__, "--run-one", engine, str(folder), "--jobs", str(jobs)]
    completed = subprocess.run(
        [*command, "--memory-limit", memory_limit],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    (OUT / f"scale-{engine}-{folder.name}.log").write_text(completed.stderr, "utf-8")
    completed.check_returncode()
    figures: dict[str, object] = json.loads(completed.stdout.strip().splitlines()[-1])
    figures["memory_warnings"] = sum(
        any(warning in line.lower() for warning in MEMORY_WARNINGS)
        for line in completed.stderr.splitlines()
    )
    return figures


def row(
    engine: str, size: int, jobs: int, f: dict[str, Any], load: tuple[float, float]
) -> dict[str, object]:
    pages = int(f["pages"])
    workers = [float(w) for w in f["workers_mb"]]
    worker_base = float(f["worker_base_mb"])
    return {
        "engine": engine,
        "size": size,
        "jobs": jobs,
        "pages_per_s": pages / float(f["seconds"]),
        "seconds": float(f["seconds"]),
        "client_mb": float(f["client_mb"]),
        "client_kb_per_page": (float(f["client_mb"]) - float(f["base_mb"])) * 1024 / pages,
        "worker_mb": max(workers),
        # A Dask worker holds its share of the pages; a local one a chunk at a time.
        "worker_kb_per_page": (max(workers) - worker_base) * 1024 / (pages / jobs)
        if engine == "dask"
        else None,
        "disk_mb": float(f["disk_mb"]),
        "restarted": bool(f.get("restarted", False)),
        "memory_warnings": int(f.get("memory_warnings", 0)),
        "load": load,
    }


def table(rows: list[dict[str, Any]]) -> str:
    """The rows as a Markdown table. Above base, a fixed part (tables, buffers, the blocks
    of pairing) weighs on small corpora; the client's growth per page from the engine's
    previous size on is the part that grows with the corpus."""
    lines = [
        "| engine | pages | pages/s | client peak | client KB/page above base "
        "| client KB/page since the size before | largest worker peak | worker KB/page "
        "| disk | load avg before / after |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    previous: dict[str, dict[str, Any]] = {}
    for r in rows:
        restart = " (a worker restarted)" if r["restarted"] else ""
        if r.get("memory_warnings"):
            restart += f" ({r['memory_warnings']} memory warnings)"
        per_worker = "" if r["worker_kb_per_page"] is None else f"{r['worker_kb_per_page']:.1f}"
        before = previous.get(r["engine"])
        growth = (
            f"{(r['client_mb'] - before['client_mb']) * 1024 / (r['size'] - before['size']):.2f}"
            if before is not None
            else ""
        )
        previous[r["engine"]] = r
        lines.append(
            f"| {r['engine']} | {r['size']:,} | {r['pages_per_s']:,.0f} | "
            f"{r['client_mb']:,.0f} MB | {r['client_kb_per_page']:.2f} | {growth} | "
            f"{r['worker_mb']:,.0f} MB{restart} | {per_worker} | {r['disk_mb']:,.0f} MB | "
            f"{r['load'][0]:.1f} / {r['load'][1]:.1f} |"
        )
    return "\n".join(lines)


# The chart's series: (label, engine, figure, colour).
SERIES = (
    ("local engine, client", "local", "client_kb_per_page", "#1f77b4"),
    ("Dask, client", "dask", "client_kb_per_page", "#ff7f0e"),
    ("Dask, a worker", "dask", "worker_kb_per_page", "#2ca02c"),
)


def svg_chart(rows: list[dict[str, Any]], width: int = 640, height: int = 360) -> str:
    """Memory per page against corpus size, one line per series; both axes on log scales
    (a worker's tens of KB and a client's one or two on one chart)."""
    left, right, top, bottom = 70, 190, 40, 50
    sizes = sorted({int(r["size"]) for r in rows})
    values = [
        float(r[figure])
        for r in rows
        for _, engine, figure, _ in SERIES
        if r["engine"] == engine and r[figure] is not None
    ]
    high = _nice_ceiling(max([*values, 1.0]))
    low = 10 ** math.floor(math.log10(max(min(values, default=1.0), 0.1)))
    low_x, high_x = math.log10(min(sizes)), math.log10(max(sizes))
    span_x = (high_x - low_x) or 1.0

    def x(size: int) -> float:
        return left + (width - left - right) * (math.log10(size) - low_x) / span_x

    def y(value: float) -> float:
        share = math.log10(max(value, low) / low) / math.log10(high / low)
        return height - bottom - (height - top - bottom) * share

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="{left}" y="20" font-size="14">Peak memory per page above the process\'s '
        "base, by corpus size</text>",
    ]
    marks = [m * 10**p for p in range(-1, 6) for m in (1, 2, 5)]
    for value in (m for m in marks if low <= m <= high):
        parts.append(
            f'<line x1="{left}" y1="{y(value):.1f}" x2="{width - right}" y2="{y(value):.1f}" '
            'stroke="#ddd"/>'
            f'<text x="{left - 8}" y="{y(value) + 4:.1f}" text-anchor="end">{value:g}</text>'
        )
    for size in sizes:
        parts.append(
            f'<text x="{x(size):.1f}" y="{height - bottom + 18}" text-anchor="middle">'
            f"{size:,}</text>"
        )
    parts.append(
        f'<text x="{(left + width - right) / 2:.0f}" y="{height - 10}" text-anchor="middle">'
        "pages scanned</text>"
        f'<text x="18" y="{(top + height - bottom) / 2:.0f}" text-anchor="middle" '
        f'transform="rotate(-90 18 {(top + height - bottom) / 2:.0f})">KB per page</text>'
    )
    for number, (label, engine, figure, colour) in enumerate(SERIES):
        points = sorted(
            (int(r["size"]), float(r[figure]))
            for r in rows
            if r["engine"] == engine and r[figure] is not None
        )
        if not points:
            continue
        path = " ".join(f"{x(s):.1f},{y(v):.1f}" for s, v in points)
        parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        parts.extend(
            f'<circle cx="{x(s):.1f}" cy="{y(v):.1f}" r="3.5" fill="{colour}"/>'
            f'<text x="{x(s) + 6:.1f}" y="{y(v) - 6:.1f}" fill="{colour}">{v:.1f}</text>'
            for s, v in points
        )
        key_y = top + 20 * number + 10
        parts.append(
            f'<line x1="{width - right + 15}" y1="{key_y}" x2="{width - right + 35}" '
            f'y2="{key_y}" stroke="{colour}" stroke-width="2"/>'
            f'<text x="{width - right + 40}" y="{key_y + 4}">{label}</text>'
        )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 times a power of ten at or above `value`."""
    power = 10 ** math.floor(math.log10(value))
    return next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= value)


def kept_rows() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = json.loads(RESULTS.read_text()) if RESULTS.exists() else []
    return rows


def keep(rows: list[dict[str, Any]], new: dict[str, Any]) -> list[dict[str, Any]]:
    """The rows with `new` in place of an earlier row of its engine and size."""
    others = [r for r in rows if (r["engine"], r["size"]) != (new["engine"], new["size"])]
    merged = sorted([*others, new], key=lambda r: (r["engine"] != "local", r["size"]))
    RESULTS.write_text(json.dumps(merged, indent=1) + "\n")
    return merged


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--engines", default="local,dask")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--memory-limit", default="3GB")
    parser.add_argument("--svg", type=Path, default=OUT / "scale.svg")
    parser.add_argument(
        "--chart-only", action="store_true", help="write the table and chart of the rows kept"
    )
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
    rows = kept_rows()
    if not args.chart_only:
        if not (ROOT.parent / "shared" / "corpora").is_dir():
            print("benchmark needs ../shared/corpora beside the repository", file=sys.stderr)
            return 2
        from benchmarks.bench_scan import corpus

        for size in map(int, args.sizes.split(",")):
            folder = corpus(size, "synthetic")
            for engine in args.engines.split(","):
                before = os.getloadavg()[0]
                figures = measure(engine, folder, args.jobs, args.memory_limit)
                new = row(engine, size, args.jobs, figures, (before, os.getloadavg()[0]))
                rows = keep(rows, new)
                print(table([new]).splitlines()[-1], flush=True)
    text = table(rows) + "\n"
    (OUT / "scale.md").write_text(text, "utf-8")
    args.svg.write_text(svg_chart(rows), "utf-8")
    print(text + f"\nchart: {args.svg}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
