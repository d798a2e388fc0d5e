"""Containment copies in the crawler's index: a short notice carried whole inside a longer
report, a cut-down copy. Their Jaccard similarity is far below the bands' reach; the index
finds them through anchors (`dedup.index.anchors`), as the scan does, on every backend."""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from dedup import Deduplicator
from dedup.fingerprint.anchors import COMMON_ANCHOR
from dedup.index.anchors import AnchorTable, pairs_sharing

MakeIndex = Callable[..., Deduplicator]


def paragraph(seed: int, length: int = 150) -> str:
    """Made-up text: characters drawn at random, in sentences, so that no two paragraphs
    share a passage by chance."""
    rng = random.Random(seed)
    chars = [chr(0x4E00 + rng.randrange(6000)) for _ in range(length)]
    for at in range(29, length, 30):
        chars[at] = "。"
    return "".join(chars) + "。"


NOTICE = paragraph(1)  # a short official notice, 150 characters
# A report carrying the notice whole, between paragraphs of its own: eight times as long.
REPORT = "\n".join([paragraph(2), paragraph(3), NOTICE, *(paragraph(n) for n in range(4, 9))])
ARTICLE = "\n".join(paragraph(n) for n in range(20, 28))  # 1,200 characters
CUT_DOWN = "\n".join(paragraph(n) for n in range(20, 22))  # its first quarter, alone


def test_a_report_carrying_a_notice_added_earlier_quotes_it(make_index: MakeIndex) -> None:
    dd = make_index()
    dd.add("notice", NOTICE)
    (found,) = dd.add("report", REPORT)
    assert (found.doc_id, found.relation, found.original_id) == ("notice", "quoted", "notice")
    assert found.similarity < 0.3 and found.containment > 0.9


def test_a_notice_found_inside_a_report_added_earlier_is_partial(make_index: MakeIndex) -> None:
    dd = make_index()
    dd.add("report", REPORT)
    (found,) = dd.add("notice", NOTICE)
    assert (found.doc_id, found.relation, found.original_id) == ("report", "partial", "report")
    assert [m.doc_id for m in dd.query(NOTICE)] == ["notice", "report"]


def test_a_cut_down_copy_is_partial(make_index: MakeIndex) -> None:
    dd = make_index()
    dd.add("article", ARTICLE)
    (found,) = dd.add("cut", CUT_DOWN)
    assert (found.doc_id, found.relation) == ("article", "partial")
    assert found.similarity < 0.3
    # The other way round, the article carries the cut-down copy (four times its length).
    assert [(m.doc_id, m.relation) for m in dd.query(ARTICLE)] == [
        ("article", "duplicate"),
        ("cut", "quoted"),
    ]


def test_a_batch_finds_a_notice_inside_a_report_of_the_same_batch(make_index: MakeIndex) -> None:
    dd = make_index()
    _, (found,) = dd.add_many([("notice", NOTICE), ("report", REPORT)])
    assert (found.doc_id, found.relation) == ("notice", "quoted")


def stock_note(day: int, figures: list[str]) -> str:
    """One formula filled with a day's figures: a templated note."""
    a, b, c, d, e, f = figures
    return (
        f"{paragraph(50, 60)}\n本市{day}日发布的行情显示，该股开盘价{a}元，收盘价{b}元，"
        f"全天成交量{c}万手，成交额{d}亿元，换手率{e}%，市盈率{f}倍。{paragraph(51, 90)}"
    )


def test_a_templated_note_on_another_day_is_not_a_copy(make_index: MakeIndex) -> None:
    dd = make_index()
    dd.add("monday", stock_note(3, ["12.31", "12.87", "4521", "5.82", "1.37", "23.4"]))
    assert (
        dd.add("tuesday", stock_note(4, ["12.90", "13.42", "6318", "8.47", "1.91", "24.6"])) == []
    )


def test_a_saved_index_still_finds_the_notice_inside_a_report(tmp_path: Path) -> None:
    dd = Deduplicator()
    dd.add("notice", NOTICE)
    dd.add("article", ARTICLE)
    dd.save(tmp_path / "crawl.dedup")
    loaded = Deduplicator.load(tmp_path / "crawl.dedup")
    assert [(m.doc_id, m.relation) for m in loaded.add("report", REPORT)] == [("notice", "quoted")]
    assert [(m.doc_id, m.relation) for m in loaded.add("cut", CUT_DOWN)] == [("article", "partial")]


def test_a_shared_index_opened_again_finds_the_notice_inside_a_report(redis_url: str) -> None:
    pytest.importorskip("redis", reason="the shared index needs the Redis client")
    Deduplicator(storage=redis_url, namespace="crawl").add("notice", NOTICE)
    again = Deduplicator(storage=redis_url, namespace="crawl")
    assert [(m.doc_id, m.relation) for m in again.add("report", REPORT)] == [("notice", "quoted")]


def test_a_notice_carried_by_more_pages_than_the_limit_stops_finding_them(
    make_index: MakeIndex,
) -> None:
    # Reports ten times the notice's length: bands do not pair them with it, anchors do.
    dd = make_index()
    dd.add("notice", NOTICE)
    found = []
    for number in range(COMMON_ANCHOR + 5):
        own = [paragraph(1000 + 10 * number + part) for part in range(9)]
        report = "\n".join([*own[:4], NOTICE, *own[4:]])
        found.append([m.doc_id for m in dd.add(f"report-{number}", report)])
    # The notice and the first COMMON_ANCHOR - 1 reports are posted under its anchors: the
    # next report still finds it (the limit is on pages already posted), later ones not.
    assert found[:COMMON_ANCHOR] == [["notice"]] * COMMON_ANCHOR
    assert found[COMMON_ANCHOR:] == [[]] * 5


def test_an_anchor_takes_no_more_pages_once_common() -> None:
    table = AnchorTable()
    anchors = np.array([5, 9], dtype=np.uint32)
    for slot in range(COMMON_ANCHOR + 20):
        _, usable = table.find(anchors, most=1000)
        table.insert(slot, anchors[usable])
    keys, slots = table.arrays()
    assert keys.size == 2 * (COMMON_ANCHOR + 1) and slots.max() == COMMON_ANCHOR
    found, usable = table.find(anchors, most=1000)
    assert found.size == 0 and not usable.any()


def test_of_each_anchor_only_the_pages_posted_first_are_candidates() -> None:
    table = AnchorTable()
    anchors = np.array([5, 9], dtype=np.uint32)
    for slot in range(40):
        table.insert(slot, anchors)
        if slot == 19:
            table.arrays()  # the first twenty merged, the others waiting
    found, _ = table.find(anchors, most=30)
    assert sorted(found.tolist()) == sorted(2 * list(range(30)))


def test_pages_of_a_batch_pair_by_the_scan_rule() -> None:
    notice = np.arange(0, 10, dtype=np.uint32)
    report = np.arange(0, 40, dtype=np.uint32)  # carries the notice: 10 of the notice's 10
    phrase = np.array([0, 1, *range(100, 140)], dtype=np.uint32)  # 2 of the fewer's 10
    earlier, later = pairs_sharing([notice, report, phrase])
    assert list(zip(earlier.tolist(), later.tolist(), strict=True)) == [(0, 1)]
