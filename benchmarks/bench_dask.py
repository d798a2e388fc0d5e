"""Local engine against the Dask engine (a LocalCluster of two worker processes) on the
same corpora: seconds, pages/s, the client's and each worker's peak memory, and whether the
reports are identical.

Usage: python benchmarks/bench_dask.py [--sizes 10000,100000]
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    if not (ROOT.parent / "shared" / "corpora").is_dir():
        print("benchmark needs ../shared/corpora beside the repository", file=sys.stderr)
        return 2
    import distributed
    from bench_scan import corpus

    import dedup
    from dedup.batch import report
    from dedup.batch.pipeline import scan_on_dask

    for size in map(int, args.sizes.split(",")):
        folder = corpus(size, "synthetic")
        started = time.perf_counter()
        local = dedup.scan([folder], jobs=args.workers)
        local_seconds = time.perf_counter() - started
        with (
            distributed.LocalCluster(
                n_workers=args.workers, threads_per_worker=1, processes=True, dashboard_address=None
            ) as cluster,
            distributed.Client(cluster) as client,
        ):
            started = time.perf_counter()
            dask = scan_on_dask([folder], scheduler=cluster.scheduler_address)
            dask_seconds = time.perf_counter() - started
            workers = client.run(peak_rss_mb)
        same = report.render_csv(
            report.clusters_frame(local.clusters, include_singletons=True)
        ) == (report.render_csv(report.clusters_frame(dask.clusters, include_singletons=True)))
        pages = len(local.extracted) + len(local.skipped)
        print(
            f"{size:>7} pages  local -j{args.workers}: {local_seconds:6.1f} s "
            f"({pages / local_seconds:5.0f} pages/s)  dask {args.workers} workers: "
            f"{dask_seconds:6.1f} s ({pages / dask_seconds:5.0f} pages/s)  identical={same}"
        )
        stages = ", ".join(f"{k} {v:.1f} s" for k, v in dask.stage_seconds.items())
        print(f"         dask stages: {stages}")
        print(
            "         worker peak RSS: "
            + ", ".join(f"{mb:.0f} MB" for mb in workers.values())
            + f"; client peak RSS so far {peak_rss_mb():.0f} MB"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
