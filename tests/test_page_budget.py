"""A page's time and memory budget, and a worker process killed under the scan: each costs
its own page or file, never the scan. The bombs are built here at small scale, with the
budget lowered to match."""

from __future__ import annotations

import os
import random
import signal
from collections.abc import Callable
from pathlib import Path

import pytest

import dedup
from dedup import DedupConfig
from dedup.batch import workers
from dedup.batch.budget import OVER_MEMORY, OVER_TIME
from dedup.batch.pool import WORKER_DIED
from dedup.readers import RawPage

from .conftest import SAMPLES
from .pages import CHARGING, CHARGING_COPY, TEA

FAST = {"page_seconds": 30.0, "page_memory": None}


def short_lines(count: int) -> str:
    """A page of `count` short lines of made-up words (the 30 MB bomb at small scale)."""
    rng = random.Random(count)
    return "\n".join(
        "".join(chr(0x4E00 + rng.randrange(3000)) for _ in range(rng.randrange(3, 9)))
        for _ in range(count)
    )


def folder(root: Path, extra: dict[str, str | bytes]) -> Path:
    """Three sample pages (two copies and another article) and the extra files."""
    root.mkdir()
    for name in (CHARGING, CHARGING_COPY, TEA):
        (root / Path(name).name).write_bytes((SAMPLES / name).read_bytes())
    for name, data in extra.items():
        (root / name).write_bytes(data.encode() if isinstance(data, str) else data)
    return root


def page_doing(monkeypatch: pytest.MonkeyPatch, marker: str, action: Callable[[], object]) -> None:
    """Make extracting a page holding ``marker`` do ``action`` instead, in this process and
    in the worker processes forked after it."""
    extract = workers.extract_page

    def patched(page: RawPage) -> object:
        return action() if marker in page.text else extract(page)

    monkeypatch.setattr(workers, "extract_page", patched)


def read_names(result: dedup.ScanResult) -> set[str]:
    return {Path(doc.path).name for doc in result.extracted}


# The first alarm may land inside a garbage collector callback (the test run installs some),
# where Python can only print it; the budget fires again 50 ms later and the page is skipped
# all the same, which is what is asserted. The printed one is not a failure of the scan.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.parametrize("jobs", [1, 2])
def test_a_page_over_its_time_budget_is_skipped_and_the_scan_goes_on(
    tmp_path: Path, jobs: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(workers, "CHUNK", 1)  # several chunks: worker processes with jobs=2
    root = folder(tmp_path / "in", {"lines.txt": short_lines(300_000)})
    config = DedupConfig(page_seconds=0.3, page_memory=None)
    result = dedup.scan([root], config, jobs=jobs)
    [skip] = result.skipped
    assert skip.path.endswith("lines.txt") and skip.reason == OVER_TIME
    assert "took over 0.3 s (--page-seconds)" in skip.detail
    assert read_names(result) == {Path(name).name for name in (CHARGING, CHARGING_COPY, TEA)}
    assert [c.size for c in result.duplicate_clusters] == [2]


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_extracting_and_fingerprinting_a_page_share_its_time_budget(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each step takes 0.25 s, under the budget of 0.4 s; both together are over it.
    import time

    from dedup.fingerprint.fingerprinter import Fingerprinter

    marker = "SLOWSTEPS"
    extract, fingerprint = workers.extract_page, Fingerprinter.fingerprint_with_figures

    def slow_extract(page: RawPage) -> object:
        if marker in page.text:
            time.sleep(0.25)
        return extract(page)

    def slow_fingerprint(self: Fingerprinter, body: str) -> object:
        if marker.lower() in body.lower():
            time.sleep(0.25)
        return fingerprint(self, body)

    monkeypatch.setattr(workers, "extract_page", slow_extract)
    monkeypatch.setattr(Fingerprinter, "fingerprint_with_figures", slow_fingerprint)
    page = (SAMPLES / TEA).read_text("utf-8").replace("。", f"。{marker}", 1)
    root = folder(tmp_path / "in", {"slow.txt": page})
    result = dedup.scan([root], DedupConfig(page_seconds=0.4, page_memory=None), jobs=1)
    [skip] = result.skipped
    assert skip.path.endswith("slow.txt") and skip.reason == OVER_TIME
    assert read_names(result) == {Path(name).name for name in (CHARGING, CHARGING_COPY, TEA)}


def test_a_page_over_its_memory_budget_is_skipped_and_the_scan_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(workers, "CHUNK", 1)
    page_doing(monkeypatch, "GREEDY", lambda: bytearray(400 * 2**20))  # over the budget below
    root = folder(tmp_path / "in", {"greedy.txt": "GREEDY " + "字" * 300})
    config = DedupConfig(page_seconds=None, page_memory=200 * 2**20)
    result = dedup.scan([root], config, jobs=2)
    [skip] = result.skipped
    assert skip.path.endswith("greedy.txt") and skip.reason == OVER_MEMORY
    assert "needed over 200 MiB (--page-memory)" in skip.detail
    assert [c.size for c in result.duplicate_clusters] == [2]


def test_a_worker_killed_costs_its_file_not_the_scan(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(workers, "CHUNK", 2)
    # As the kernel's out-of-memory killer would:
    page_doing(monkeypatch, "KILLED", lambda: os.kill(os.getpid(), signal.SIGKILL))
    extra = {f"other{number}.txt": f"另一篇{number}号文章。" + "字" * 200 for number in range(5)}
    root = folder(tmp_path / "in", {**extra, "killer.txt": "KILLED " + "字" * 300})
    result = dedup.scan([root], DedupConfig(**FAST), jobs=2)
    [skip] = result.skipped
    assert skip.path.endswith("killer.txt") and skip.reason == WORKER_DIED
    assert len(result.extracted) == 8  # every other file, from every chunk
    assert [c.size for c in result.duplicate_clusters] == [2]
