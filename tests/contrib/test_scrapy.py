"""The Scrapy pipeline in a real crawl: samples/ served on loopback, crawled by Scrapy in
its own process with `DedupPipeline` on; what it drops or marks is what `dedup scan
samples/` clusters."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any, get_args
from urllib.parse import urlsplit

import pytest

pytest.importorskip("scrapy", reason="the pipeline needs Scrapy: pip install 'dedup[scrapy]'")

from dedup import ConfigError, Deduplicator
from dedup.contrib.scrapy import DedupPipeline, PipelineSettings
from dedup.models import CopyRelation

from ..conftest import REPO
from .conftest import sample_ids

PIPELINE = {"ITEM_PIPELINES": {"dedup.contrib.scrapy.DedupPipeline": 300}}
CRAWL = Path(__file__).with_name("crawl_site.py")


def crawl(
    site: str, out: Path, **settings: Any
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, Any]]:
    """Crawl the site with the pipeline and these settings: the items passed on, those
    dropped, and the dedup stats."""
    out.mkdir(exist_ok=True)
    completed = subprocess.run(
        [sys.executable, str(CRAWL), site, str(out), json.dumps({**PIPELINE, **settings})],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert "Traceback" not in completed.stderr, completed.stderr[-3000:]

    def rows(name: str) -> list[dict[str, Any]]:
        return [json.loads(line) for line in (out / name).read_text().splitlines()]

    return rows("items.jsonl"), rows("dropped.jsonl"), json.loads((out / "stats.json").read_text())


def page_id(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def check_against_scan(
    passed_ids: list[str], copies: dict[str, str], clusters: dict[str, int]
) -> None:
    """One page of each scan cluster passes (the first crawled), and each page the scan
    leaves alone; every other page is a copy whose original is that first page."""
    assert sorted([*passed_ids, *copies]) == sample_ids()
    group = {doc_id: clusters.get(doc_id, doc_id) for doc_id in sample_ids()}
    first_of = {group[doc_id]: doc_id for doc_id in passed_ids}
    assert len(first_of) == len(passed_ids) == len(set(group.values()))
    assert copies == {doc_id: first_of[group[doc_id]] for doc_id in copies}


@pytest.mark.parametrize("threaded", [False, True], ids=["on-the-reactor", "threaded"])
def test_three_settings_drop_the_copies_the_scan_finds(
    sample_site: str, scan_clusters: dict[str, int], tmp_path: Path, threaded: bool
) -> None:
    index = tmp_path / "news.dedup"
    threads = {"DEDUP_THREADED": True} if threaded else {}
    passed, dropped, stats = crawl(
        sample_site, tmp_path / "crawl", DEDUP_INDEX=str(index), DEDUP_TEXT_FIELD="body", **threads
    )
    copies = {}
    for row in dropped:
        reason = row["reason"]
        assert reason.startswith("copy of ") and reason.endswith(page_id(row["url"])), reason
        original_url = reason.removeprefix("copy of ").split(" ")[0]
        copies[page_id(row["url"])] = page_id(original_url)
    check_against_scan([page_id(item["url"]) for item in passed], copies, scan_clusters)
    assert len(dropped) == 7  # the three planted clusters of 4, 3 and 3 pages
    assert stats["dedup/seen"] == 15
    assert stats["dedup/duplicates"] == 7
    assert stats["dedup/originals"] == 8
    # close_spider saved the index: every page is in it, under its URL.
    saved = Deduplicator.load(index)
    assert sorted(page_id(doc_id) for doc_id in saved) == sample_ids()


def annotated(passed: list[dict[str, Any]]) -> tuple[list[str], dict[str, str]]:
    originals = [page_id(item["url"]) for item in passed if "original_id" not in item]
    copies = {
        page_id(item["url"]): page_id(item["original_id"])
        for item in passed
        if "original_id" in item
    }
    for item in passed:
        if "original_id" in item:
            assert item["relation"] in get_args(CopyRelation)
            assert 0 < item["similarity"] <= 1
    return originals, copies


def test_annotate_marks_the_copies_and_a_second_crawl_answers_the_same(
    sample_site: str, scan_clusters: dict[str, int], tmp_path: Path
) -> None:
    settings = {
        "DEDUP_INDEX": str(tmp_path / "news.dedup"),
        "DEDUP_TEXT_FIELD": "body",
        "DEDUP_ON_DUPLICATE": "annotate",
    }
    passed, dropped, stats = crawl(sample_site, tmp_path / "first", **settings)
    assert dropped == [] and len(passed) == 15
    originals, copies = annotated(passed)
    check_against_scan(originals, copies, scan_clusters)
    # The same crawl again over the saved index: every page is already indexed, and each
    # still comes out as what it was (resumed crawls re-visit pages).
    again, _, stats = crawl(sample_site, tmp_path / "second", **settings)
    originals_again, copies_again = annotated(again)
    assert sorted(originals_again) == sorted(originals) and copies_again == copies
    assert stats["dedup/already_indexed"] == 15


@pytest.mark.parametrize("threaded", [False, True], ids=["on-the-reactor", "threaded"])
def test_a_shared_index_in_redis(
    sample_site: str,
    scan_clusters: dict[str, int],
    redis_url: str,
    tmp_path: Path,
    threaded: bool,
) -> None:
    pytest.importorskip("redis", reason="the shared index needs the Redis client")
    passed, _, _ = crawl(
        sample_site,
        tmp_path / "crawl",
        DEDUP_INDEX=f"{redis_url}#news",
        DEDUP_TEXT_FIELD="body",
        DEDUP_ON_DUPLICATE="annotate",
        DEDUP_THREADED=threaded,
    )
    originals, copies = annotated(passed)
    check_against_scan(originals, copies, scan_clusters)
    assert len(Deduplicator(storage=redis_url, namespace="news")) == 15


def test_config_settings_reach_the_index(sample_site: str, tmp_path: Path) -> None:
    index = tmp_path / "news.dedup"
    crawl(
        sample_site,
        tmp_path / "crawl",
        DEDUP_INDEX=str(index),
        DEDUP_TEXT_FIELD="body",
        DEDUP_THRESHOLD="0.9",
        DEDUP_NUM_PERM=64,
    )
    config = Deduplicator.load(index).config
    assert (config.threshold, config.num_perm) == (0.9, 64)


def pipeline(**settings: Any) -> DedupPipeline:
    from scrapy.settings import Settings
    from scrapy.statscollectors import MemoryStatsCollector

    crawler = type("Crawler", (), {"settings": Settings(settings)})()
    made = DedupPipeline(PipelineSettings.from_settings(crawler.settings), None)
    made.stats = MemoryStatsCollector(crawler)  # type: ignore[arg-type]
    made.open_spider()
    return made


@pytest.mark.parametrize(
    ("setting", "value", "named"),
    [
        ("DEDUP_ON_DUPLICATE", "skip", "DEDUP_ON_DUPLICATE must be one of drop, annotate"),
        ("DEDUP_THRESHOLD", "high", "DEDUP_THRESHOLD must be a number like 0.7, got 'high'"),
        ("DEDUP_NUM_PERM", "1.5", "DEDUP_NUM_PERM must be a number like 128"),
    ],
    ids=["on-duplicate", "threshold", "num-perm"],
)
def test_a_bad_setting_is_refused_by_name(setting: str, value: str, named: str) -> None:
    from scrapy.settings import Settings

    with pytest.raises(ConfigError, match=named):
        PipelineSettings.from_settings(Settings({setting: value}))


def test_items_without_a_page_or_body_pass_untouched_and_are_counted() -> None:
    checker = pipeline(DEDUP_ON_DUPLICATE="annotate")
    text = (REPO / "samples/mirror_spam/news/show-1502.txt").read_bytes()
    items = [
        {"url": "https://a.example/1"},  # no text field
        {"url": "https://a.example/2", "text": "首页 | 新闻 | 财经"},  # navigation only
        {"text": text},  # no id
        {"url": "https://a.example/3", "text": text},
        {"url": "https://b.example/4", "text": text},
    ]
    out = [checker.process_item(dict(item)) for item in items]
    assert out[:4] == items[:4]
    assert out[4]["original_id"] == "https://a.example/3" and out[4]["similarity"] == 1.0
    stats = checker.stats.get_stats()  # type: ignore[union-attr]
    assert (stats["dedup/no_text"], stats["dedup/no_body"], stats["dedup/seen"]) == (2, 1, 2)


def test_an_item_class_without_the_annotation_fields_is_told_what_to_declare() -> None:
    import scrapy

    class Article(scrapy.Item):
        url = scrapy.Field()
        text = scrapy.Field()

    checker = pipeline(DEDUP_ON_DUPLICATE="annotate")
    text = (REPO / "samples/mirror_spam/news/show-1502.txt").read_bytes()
    checker.process_item(Article(url="https://a.example/1", text=text))
    with pytest.raises(ConfigError, match="declare the fields original_id, relation, similarity"):
        checker.process_item(Article(url="https://b.example/1", text=text))
