"""One page that makes dedup itself fail is skipped and reported; the scan goes on."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from dedup.batch import workers
from dedup.cli import main
from dedup.extract import extract_page
from dedup.models import Document
from dedup.readers.formats import RawPage

from .conftest import REPO

FAULTY = "spring-tea.txt"


def _extract_failing_on_one_page(page: RawPage) -> Document:
    if page.path.endswith(FAULTY):
        raise ValueError("no tea\ntoday")
    return extract_page(page)


@pytest.fixture
def faulty_extraction(monkeypatch: pytest.MonkeyPatch) -> None:
    # Worker processes are forked, so they see the patch; small chunks make --jobs 2 use them.
    monkeypatch.setattr(workers, "extract_page", _extract_failing_on_one_page)
    monkeypatch.setattr(workers, "CHUNK", 4)
    monkeypatch.chdir(REPO)


@pytest.mark.parametrize("jobs", ["1", "2"])
@pytest.mark.usefixtures("faulty_extraction")
def test_a_page_whose_extraction_raises_is_one_counted_skip(jobs: str, tmp_path: Path) -> None:
    skipped = tmp_path / "skipped.csv"
    result = CliRunner().invoke(
        main, ["scan", "samples", "--jobs", jobs, "--skipped-out", str(skipped)]
    )
    assert result.exit_code == 0, result.stderr
    warning, summary, reasons = result.stderr.splitlines()
    assert summary.startswith("dedup: 15 files read, 1 skipped; 14 documents;")
    assert reasons == "dedup: skipped: 1 internal error"
    assert FAULTY in warning
    assert "internal error: ValueError: no tea today" in warning
    assert warning.endswith("(skipped; please report it with this file)")
    report = pd.read_csv(pd.io.common.StringIO(result.stdout))
    assert not report["path"].str.endswith(FAULTY).any()
    rows = pd.read_csv(skipped)
    assert len(rows) == 1
    assert rows["path"].iloc[0].endswith(FAULTY)
    assert rows["reason"].iloc[0] == "internal error: ValueError: no tea today"


@pytest.mark.usefixtures("faulty_extraction")
def test_strict_fails_on_an_internal_error() -> None:
    result = CliRunner().invoke(main, ["scan", "samples", "--jobs", "1", "--strict"])
    assert result.exit_code == 1
    assert "internal error: ValueError" in result.stderr


def test_a_reader_that_raises_costs_its_file_only(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "a.txt").write_text("第一篇文章的正文内容。" * 20, "utf-8")
    (tmp_path / "b.txt").write_text("第二篇文章的正文内容。" * 20, "utf-8")
    real = workers.read_pages

    def read_failing_on_b(item, fields, *, max_bytes):  # type: ignore[no-untyped-def]
        if item.path.endswith("b.txt"):
            raise KeyError("bad member")
        yield from real(item, fields, max_bytes=max_bytes)

    monkeypatch.setattr(workers, "read_pages", read_failing_on_b)
    result = CliRunner().invoke(main, ["scan", str(tmp_path), "--jobs", "1"])
    assert result.exit_code == 0, result.stderr
    assert "1 file read, 1 skipped; 1 document;" in result.stderr
    assert "dedup: skipped: 1 internal error" in result.stderr


@pytest.mark.usefixtures("faulty_extraction")
def test_show_says_why_a_page_gave_nothing() -> None:
    result = CliRunner().invoke(main, ["show", "samples/jiangnan_daily/2025/0405/" + FAULTY])
    assert result.exit_code == 1
    assert "skipped: internal error: ValueError: no tea today" in result.stderr
    assert "no page extracted (1 skipped)" in result.stderr
