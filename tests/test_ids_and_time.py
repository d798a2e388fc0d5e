"""Index ids that stay unique across runs, index options, publication times with offsets."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from dedup.cli import main
from dedup.extract.metadata import parse_date
from dedup.models import published_instant

from .conftest import REPO, SAMPLES

CHARGING = SAMPLES / "jiangnan_daily/2025/0312/charging-plan.txt"
CHARGING_COPY = SAMPLES / "cnews_tw/20250312/ev-charging.txt"
RICE = SAMPLES / "beichuan_news/a/2025-05-20-rice.txt"


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> CliRunner:
    monkeypatch.chdir(tmp_path)
    return CliRunner()


def two_sites(root: Path) -> None:
    for site, article in (("siteA", CHARGING), ("siteB", RICE)):
        (root / site / "news").mkdir(parents=True)
        shutil.copy(article, root / site / "news" / "1.txt")


def test_the_same_relative_path_in_two_folders_is_two_pages(runner: CliRunner) -> None:
    two_sites(Path("crawl"))
    assert runner.invoke(main, ["index", "add", "news.dedup", "crawl/siteA"]).exit_code == 0
    second = runner.invoke(main, ["index", "add", "news.dedup", "crawl/siteB"])
    assert second.exit_code == 0, second.stderr
    assert "1 page added" in second.stderr and "it holds 2 pages" in second.stderr
    frame = pd.read_csv(io.StringIO(second.stdout), keep_default_na=False)
    assert list(frame["doc_id"]) == ["crawl/siteB/news/1.txt"]
    again = runner.invoke(main, ["index", "add", "news.dedup", "crawl/siteB"])
    assert "0 pages added" in again.stderr and "already in the index" in again.stderr


def test_another_page_under_an_indexed_id_is_named_as_such(runner: CliRunner) -> None:
    two_sites(Path("crawl"))
    args = ["index", "add", "news.dedup", "--id-prefix", "site:"]
    assert runner.invoke(main, [*args, "crawl/siteA"]).exit_code == 0
    second = runner.invoke(main, [*args, "crawl/siteB"])
    assert "another page holds this id in the index" in second.stderr
    assert "site:news/1.txt" in second.stderr and "already in the index" not in second.stderr


def test_a_record_with_a_url_is_named_by_it(runner: CliRunner) -> None:
    record = {"url": "https://example.com/a/1", "text": RICE.read_text("utf-8")}
    Path("feed.jsonl").write_text(json.dumps(record, ensure_ascii=False) + "\n", "utf-8")
    result = runner.invoke(main, ["index", "add", "news.dedup", "feed.jsonl"])
    assert result.exit_code == 0, result.stderr
    frame = pd.read_csv(io.StringIO(result.stdout), keep_default_na=False)
    assert list(frame["doc_id"]) == ["https://example.com/a/1"]


def test_options_that_differ_from_the_index_are_refused(runner: CliRunner) -> None:
    two_sites(Path("crawl"))
    assert runner.invoke(main, ["index", "add", "news.dedup", "crawl/siteA"]).exit_code == 0
    refused = runner.invoke(
        main, ["index", "add", "news.dedup", "crawl/siteB", "--threshold", "0.8", "--ngram", "3"]
    )
    assert refused.exit_code == 2
    assert "--threshold 0.8 (the index has 0.7)" in refused.stderr
    assert "--ngram 3 (the index has 5)" in refused.stderr
    same = runner.invoke(main, ["index", "add", "news.dedup", "crawl/siteB", "--threshold", "0.7"])
    assert same.exit_code == 0, same.stderr


def copies_feed(*published: str) -> str:
    articles = (CHARGING, CHARGING_COPY)
    return "".join(
        json.dumps(
            {"id": f"p{n}", "text": article.read_bytes().decode("utf-8", "replace"), "date": when},
            ensure_ascii=False,
        )
        + "\n"
        for n, (article, when) in enumerate(zip(articles, published, strict=True))
    )


def originals(runner: CliRunner, feed: str, *options: str) -> pd.DataFrame:
    Path("feed.jsonl").write_text(feed, "utf-8")
    result = runner.invoke(main, ["scan", "feed.jsonl", *options])
    assert result.exit_code == 0, result.stderr
    return pd.read_csv(io.StringIO(result.stdout), keep_default_na=False)


def test_offsets_are_kept_and_instants_decide_the_original(runner: CliRunner) -> None:
    # 10:00 in Beijing is 02:00 UTC; 08:00 in New York is 12:00 UTC: the first is earlier.
    frame = originals(runner, copies_feed("2025-03-12T10:00+08:00", "2025-03-12T08:00-04:00"))
    assert list(frame["published"]) == ["2025-03-12T10:00+08:00", "2025-03-12T08:00-04:00"]
    assert frame.loc[frame["is_original"], "doc_id"].tolist() == ["feed.jsonl#p0"]


def test_times_without_an_offset_are_read_in_the_timezone_given(runner: CliRunner) -> None:
    feed = copies_feed("2025-03-12T02:30Z", "2025-03-12T09:00")
    # Read in Asia/Shanghai (the default) 09:00 is 01:00 UTC, before 02:30 UTC.
    default = originals(runner, feed)
    assert default.loc[default["is_original"], "doc_id"].tolist() == ["feed.jsonl#p1"]
    utc = originals(runner, feed, "--timezone", "UTC")
    assert utc.loc[utc["is_original"], "doc_id"].tolist() == ["feed.jsonl#p0"]
    bad = CliRunner().invoke(main, ["scan", str(REPO / "samples"), "--timezone", "Mars/Base"])
    assert bad.exit_code == 2 and "IANA time zone" in bad.stderr


@pytest.mark.parametrize(
    ("stated", "iso"),
    [
        ("2025-03-12T10:00:00+08:00", "2025-03-12T10:00:00+08:00"),
        ("2025-03-12 10:00 +0800", "2025-03-12T10:00+08:00"),
        ("2025-03-12T10:00:00.000Z", "2025-03-12T10:00:00Z"),
        ("2025-03-12T08:00-04:00", "2025-03-12T08:00-04:00"),
        ("2025年3月12日 10:00", "2025-03-12T10:00"),
        ("2025-03-12", "2025-03-12"),
    ],
)
def test_parse_date_keeps_the_stated_offset(stated: str, iso: str) -> None:
    assert parse_date(stated) == iso


def test_instants_compare_across_offsets() -> None:
    assert published_instant("2025-03-12T10:00+08:00") == published_instant("2025-03-12T02:00Z")
    assert published_instant("2025-03-12T10:00") == published_instant("2025-03-12T02:00Z")
    assert published_instant("2025-03-12T10:00", "UTC") == published_instant("2025-03-12T10:00Z")
    assert published_instant(None) is None and published_instant("soon") is None
