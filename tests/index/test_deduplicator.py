"""The crawler's index: matches with relation and original, seen, remove, expiry, threads."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from dedup import DedupConfig, Deduplicator, DuplicateIdError, UnknownIdError

from ..pages import CHARGING as ORIGINAL
from ..pages import CHARGING_COPY as COPY
from ..pages import CHARGING_CUT as TRUNCATED
from ..pages import sample_text as page

OTHER = "beichuan_news/a/2025-05-20-rice.txt"


def test_matches_name_the_relation_and_the_original() -> None:
    dd = Deduplicator()
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


def test_add_many_is_add_page_by_page() -> None:
    batch = [("first", page(ORIGINAL)), ("second", page(COPY)), ("rice", page(OTHER), None)]
    one_by_one = Deduplicator()
    expected = [one_by_one.add(doc_id, text) for doc_id, text, *_ in batch]
    dd = Deduplicator()
    assert dd.add_many(batch) == expected
    assert [m.doc_id for m in expected[1]] == ["first"] and expected[2] == []
    assert dd.query_many([page(TRUNCATED), page(OTHER)]) == [
        one_by_one.query(page(TRUNCATED)),
        one_by_one.query(page(OTHER)),
    ]
    with pytest.raises(DuplicateIdError):
        dd.add_many([("second", page(COPY)), ("third", page(TRUNCATED))])
    assert "third" in dd and len(dd) == 4


def test_remove_forgets_a_page() -> None:
    dd = Deduplicator()
    dd.add("a", page(ORIGINAL))
    dd.remove("a")
    assert "a" not in dd and len(dd) == 0
    assert dd.query(page(COPY)) == []
    with pytest.raises(UnknownIdError, match="'a' is not in the index"):
        dd.remove("a")
    dd.add("a", page(ORIGINAL))  # the id can be used again
    assert [m.doc_id for m in dd.query(page(COPY))] == ["a"]


def test_expire_and_max_age(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [1_000_000.0]
    monkeypatch.setattr(time, "time", lambda: clock[0])
    dd = Deduplicator(DedupConfig(max_age_days=7))
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


def test_save_and_load_keep_originals_and_ages(tmp_path: Path) -> None:
    dd = Deduplicator()
    dd.add("first", page(ORIGINAL))
    dd.add("second", page(COPY))
    dd.save(tmp_path / "x.dedup")
    loaded = Deduplicator.load(tmp_path / "x.dedup")
    (match, *_) = loaded.query(page(TRUNCATED))
    assert match.original_id == "first"
    assert loaded.expire(before=time.time() + 60) == 2


def test_two_threads_adding_copies_at_once_end_linked() -> None:
    dd = Deduplicator()
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


def test_many_removals_compact_the_index() -> None:
    dd = Deduplicator()
    text = page(ORIGINAL)
    for number in range(1200):
        dd.add(f"p{number}", text)
    for number in range(1100):
        dd.remove(f"p{number}")
    matches = dd.query(page(COPY))
    assert sorted(m.doc_id for m in matches) == sorted(f"p{n}" for n in range(1100, 1200))


def every_sample_page() -> list[str]:
    from ..conftest import SAMPLES

    return sorted(str(p.relative_to(SAMPLES)) for p in SAMPLES.rglob("*.txt"))


def test_sampled_verification_finds_what_exact_verification_finds() -> None:
    sampled = Deduplicator(DedupConfig(sample_size=32))  # small: most sample pages are longer
    exact = Deduplicator(DedupConfig(sample_size=None))
    for relative in every_sample_page():
        text = page(relative)
        found = [m.doc_id for m in sampled.add(relative, text)]
        assert found == [m.doc_id for m in exact.add(relative, text)], relative


def test_short_pages_and_no_sampling_give_exact_similarities() -> None:
    from dedup.fingerprint.fingerprinter import Fingerprinter
    from dedup.verdict import verify

    config = DedupConfig(sample_size=None)
    dd = Deduplicator(config)
    dd.add("original", page(ORIGINAL))
    (match,) = dd.query(page(COPY))
    fingerprint = Fingerprinter(config).fingerprint
    from dedup.batch.pipeline import extract_file

    from ..conftest import SAMPLES

    bodies = [extract_file(SAMPLES / p)[0][0].body for p in (COPY, ORIGINAL)]
    verdict = verify(fingerprint(bodies[0]), fingerprint(bodies[1]), config)
    assert (match.similarity, match.containment) == (verdict.similarity, verdict.containment)
    roomy = Deduplicator(DedupConfig(sample_size=4096))  # every sample page is shorter
    roomy.add("original", page(ORIGINAL))
    (same,) = roomy.query(page(COPY))
    assert (same.similarity, same.containment) == (match.similarity, match.containment)


def test_a_page_costs_its_sample_not_its_shingles() -> None:
    import numpy as np

    from dedup.fingerprint.shingle import Fingerprint
    from dedup.fingerprint.signature import MinHasher

    config = DedupConfig(sample_size=64)
    hasher = MinHasher(config.num_perm, config.seed)
    rng = np.random.default_rng(9)
    dd = Deduplicator(config)
    empty = dd._pages.nbytes
    count = 5000  # more than the band buffer holds: most keys are merged into the rows
    for number in range(count):
        shingles = np.unique(rng.integers(0, 2**32, size=500, dtype=np.uint32))
        fingerprint = Fingerprint(shingles, np.array([7, 8, 9], dtype=np.uint32))
        dd.add_fingerprint(f"p{number}", fingerprint, hasher.sign(shingles))
    per_page = (dd._pages.nbytes - empty) / count
    # 64 sampled values, 3 numbers, count, time, offsets, flag; 8 bytes per band key, the
    # band directory (about 1 per key) and the merge's scratch rows (9 bytes per slot of
    # capacity, at most twice the pages).
    assert per_page <= 4 * 64 + 4 * 3 + 4 + 8 + 16 + 1 + 9 * config.lsh_bands + 2 * 9 + 16
    assert len(dd) == count and "p0" in dd
