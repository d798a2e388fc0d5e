"""One suite, every backend of the crawler's index: memory and Redis answer alike.

Each test runs once per backend (`make_index`, tests/index/conftest.py); the Redis run is
skipped where no redis-server is installed.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest

from dedup import DedupConfig, Deduplicator, DuplicateIdError, InputError, UnknownIdError

from ..pages import CHARGING as ORIGINAL
from ..pages import CHARGING_COPY as COPY
from ..pages import CHARGING_CUT as TRUNCATED
from ..pages import sample_text as page

MakeIndex = Callable[..., Deduplicator]
OTHER = "beichuan_news/a/2025-05-20-rice.txt"


def test_matches_name_the_relation_and_the_original(make_index: MakeIndex) -> None:
    dd = make_index()
    assert dd.seen("first", page(ORIGINAL)) is None
    copy = dd.seen("second", page(COPY))
    assert copy is not None
    assert (copy.doc_id, copy.relation, copy.original_id) == ("first", "duplicate", "first")
    cut = dd.seen("third", page(TRUNCATED))
    assert cut is not None and cut.relation == "partial" and cut.original_id == "first"
    # The truncated copy's own original is the first page too: the group keeps one original.
    extended = dd.query(page(ORIGINAL))
    assert {m.doc_id: m.original_id for m in extended} == {
        "first": "first",
        "second": "first",
        "third": "first",
    }
    assert {m.doc_id: m.relation for m in extended}["third"] == "extended"
    assert dd.seen("rice", page(OTHER)) is None


def test_add_many_is_add_page_by_page(make_index: MakeIndex) -> None:
    batch = [("first", page(ORIGINAL)), ("second", page(COPY)), ("rice", page(OTHER), None)]
    one_by_one = make_index()
    expected = [one_by_one.add(doc_id, text) for doc_id, text, *_ in batch]
    dd = make_index()
    assert dd.add_many(batch) == expected
    assert [m.doc_id for m in expected[1]] == ["first"] and expected[2] == []
    assert dd.query_many([page(TRUNCATED), page(OTHER)]) == [
        one_by_one.query(page(TRUNCATED)),
        one_by_one.query(page(OTHER)),
    ]
    with pytest.raises(DuplicateIdError):
        dd.add_many([("second", page(COPY)), ("third", page(TRUNCATED))])
    assert "third" in dd and len(dd) == 4


def test_remove_forgets_a_page(make_index: MakeIndex) -> None:
    dd = make_index()
    dd.add("a", page(ORIGINAL))
    dd.remove("a")
    assert "a" not in dd and len(dd) == 0
    assert dd.query(page(COPY)) == []
    with pytest.raises(UnknownIdError, match="'a' is not in the index"):
        dd.remove("a")
    dd.add("a", page(ORIGINAL))  # the id can be used again
    assert [m.doc_id for m in dd.query(page(COPY))] == ["a"]


def test_expire_and_max_age(make_index: MakeIndex, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [1_000_000.0]
    monkeypatch.setattr(time, "time", lambda: clock[0])
    dd = make_index(DedupConfig(max_age_days=7))
    dd.add("old", page(ORIGINAL))
    clock[0] += 3 * 86400
    dd.add("recent", page(OTHER))
    assert dd.expire(before=clock[0] - 86400) == 1
    assert list(dd) == ["recent"]
    dd.add("old", page(ORIGINAL))
    clock[0] += 8 * 86400  # both now older than a week: the next add forgets them
    dd.add("new", page("jiangnan_daily/2025/0308/supercharger.txt"))
    assert list(dd) == ["new"]
    assert dd.expire(datetime.fromtimestamp(clock[0]) + timedelta(seconds=1)) == 1


def test_two_threads_adding_copies_at_once_end_linked(make_index: MakeIndex) -> None:
    dd = make_index()
    texts = {"x": page(ORIGINAL), "y": page(COPY)}
    results: dict[str, list[object]] = {}
    barrier = threading.Barrier(2)

    def worker(doc_id: str) -> None:
        barrier.wait()
        results[doc_id] = dd.add(doc_id, texts[doc_id])

    threads = [threading.Thread(target=worker, args=(doc_id,)) for doc_id in texts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Whichever came second matched the first: no lost insert.
    assert sorted(len(found) for found in results.values()) == [0, 1]


def test_many_removals_compact_the_index(make_index: MakeIndex) -> None:
    dd = make_index()
    text = page(ORIGINAL)
    dd.add_many([(f"p{number}", text) for number in range(1200)])
    for number in range(1100):
        dd.remove(f"p{number}")
    matches = dd.query(page(COPY))
    assert sorted(m.doc_id for m in matches) == sorted(f"p{n}" for n in range(1100, 1200))


def test_membership_order_and_stats(make_index: MakeIndex) -> None:
    dd = make_index()
    dd.add_many([("b", page(ORIGINAL)), ("a", page(COPY)), ("c", page(OTHER))])
    assert list(dd) == ["b", "a", "c"] and len(dd) == 3
    assert "a" in dd and "z" not in dd and 3 not in dd
    stats = dd.stats()
    assert (stats.pages, stats.with_body, stats.originals) == (3, 3, 2)
    assert stats.oldest is not None and stats.newest is not None


def test_ids_already_indexed_are_listed_when_asked_not_raised(make_index: MakeIndex) -> None:
    dd = make_index()
    dd.add("first", page(ORIGINAL))
    fingerprint = dd._page_fingerprint(page(COPY), None)
    signature = dd._sign(fingerprint)
    refused: list[str] = []
    found = dd.add_fingerprints(
        [("x", fingerprint, signature), ("first", fingerprint, signature)], refused=refused
    )
    assert refused == ["first"]
    assert [m.doc_id for m in found[0]] == ["first"] and found[1] == []
    assert len(dd) == 2


def test_a_page_without_a_body_is_refused_and_matches_nothing(make_index: MakeIndex) -> None:
    dd = make_index()
    with pytest.raises(InputError, match="no article body"):
        dd.add("menu", "首页 | 新闻 | 财经")
    assert "menu" not in dd and len(dd) == 0
    assert dd.query("首页 | 新闻 | 财经") == []
    dd.add("article", page(ORIGINAL))
    assert [m.doc_id for m in dd.query(page(COPY))] == ["article"]


def test_removing_an_original_hands_its_group_to_the_next_page(make_index: MakeIndex) -> None:
    dd = make_index()
    dd.add_many([("first", page(ORIGINAL)), ("second", page(COPY)), ("cut", page(TRUNCATED))])
    dd.remove("first")
    assert {m.original_id for m in dd.query(page(ORIGINAL))} == {"second"}


def test_a_notice_filled_for_another_district_is_no_copy(make_index: MakeIndex) -> None:
    """The slot check of the scan (`dedup.verdict.check_slots`): the index keeps the
    bodies that repeat a place name and reads both when the samples accept a pair."""
    from ..notices import notice, reposted

    dd = make_index()
    assert dd.add("qinglin", notice("青林")) == []
    assert dd.add("shihe", notice("石河", day=4, hour=20)) == []
    copy = dd.add("qinglin-repost", reposted(notice("青林")))
    assert [(m.doc_id, m.original_id) for m in copy] == [("qinglin", "qinglin")]
    assert [m.doc_id for m in dd.query(notice("石河", day=4, hour=20))] == ["shihe"]
    # In one batch too: a page checked against the batch's earlier pages.
    batched = make_index()
    answers = batched.add_many(
        [("qinglin", notice("青林")), ("shihe", notice("石河", day=4, hour=20))]
    )
    assert answers == [[], []]
    assert batched.query_many([notice("山前")]) == [[]]


def test_a_report_showing_one_photo_of_a_photo_story_is_no_copy_of_it(
    make_index: MakeIndex,
) -> None:
    """The caption check of the scan (`dedup.verdict.check_captions`): the index keeps the
    bodies that show a photo credit and reads both when the samples accept a pair by
    containment alone."""
    from ..photos import REPORT, REPOSTED, STORY

    dd = make_index()
    assert dd.add("story", STORY) == []
    assert dd.add("report", REPORT) == []
    assert [m.doc_id for m in dd.add("reposted", REPOSTED)] == ["story"]
    assert [m.doc_id for m in dd.query(REPORT)] == ["report"]
    # The story looked up against an index holding the report (it is the contained page).
    other = make_index()
    other.add("report", REPORT)
    assert other.query(STORY) == []
    # In one batch too: a page checked against the batch's earlier pages.
    batched = make_index()
    assert batched.add_many([("story", STORY), ("report", REPORT)]) == [[], []]
