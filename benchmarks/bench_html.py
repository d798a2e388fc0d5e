"""Size, write time and first paint of the HTML report (`dedup scan --html`).

For each size, scans the text-page corpus that bench_scan.py builds (cached under
benchmarks/out/), then times `write_html` alone and measures the page: bytes in all and per
document, and, in headless Chromium (Debian's `chromium`, driven by Playwright), the time
to first contentful paint, to the page being fully read (DOMContentLoaded) and to the
largest cluster being drawn after its link is followed.

Usage: python benchmarks/bench_html.py [--sizes 10000,100000] [--jobs 2] [--no-browser]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))


def in_browser(report: Path) -> dict[str, float]:
    from playwright.sync_api import sync_playwright

    from tests.browser import CHROMIUM, FLAGS

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        started = time.perf_counter()
        page.goto(report.as_uri(), wait_until="domcontentloaded", timeout=300_000)
        loaded = time.perf_counter() - started
        paint = page.evaluate("performance.getEntriesByName('first-contentful-paint')[0].startTime")
        started = time.perf_counter()
        page.evaluate("location.hash = '#cluster-1'")
        page.wait_for_selector("#cluster .sides", timeout=60_000)
        opened = time.perf_counter() - started
        browser.close()
    return {"first_paint_s": paint / 1000, "loaded_s": loaded, "open_largest_s": opened}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args()
    from bench_scan import corpus

    from dedup.batch.html_report import write_html
    from dedup.batch.pipeline import scan

    for size in [int(s) for s in args.sizes.split(",")]:
        folder = corpus(size, "synthetic")  # the re-posted pages, as make bench uses
        started = time.perf_counter()
        result = scan([folder], jobs=args.jobs)
        scanned = time.perf_counter() - started
        with tempfile.TemporaryDirectory() as scratch:
            report = Path(scratch) / "report.html"
            started = time.perf_counter()
            write_html(result, report)
            written = time.perf_counter() - started
            size_bytes = report.stat().st_size
            clusters = result.duplicate_clusters
            largest = max((c.size for c in clusters), default=0)
            line = (
                f"{size:>7} pages: {len(result.documents)} documents, {len(clusters)} clusters "
                f"holding {sum(c.size for c in clusters)}, largest {largest}; scan "
                f"{scanned:.1f} s; report written in {written:.1f} s, "
                f"{size_bytes / 1e6:.1f} MB = {size_bytes / len(result.documents):.0f} bytes "
                "per document"
            )
            if not args.no_browser:
                figures = in_browser(report)
                line += (
                    f"; Chromium: first paint {figures['first_paint_s']:.2f} s, page read "
                    f"{figures['loaded_s']:.2f} s, largest cluster drawn in "
                    f"{figures['open_largest_s']:.2f} s"
                )
            print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
