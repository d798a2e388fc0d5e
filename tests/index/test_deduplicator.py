"""The crawler's index: matches with relation and original, seen, remove, expiry, threads."""

from __future__ import annotations

import time
from pathlib import Path

from dedup import DedupConfig, Deduplicator

from ..pages import CHARGING as ORIGINAL
from ..pages import CHARGING_COPY as COPY
from ..pages import CHARGING_CUT as TRUNCATED
from ..pages import sample_text as page

OTHER = "beichuan_news/a/2025-05-20-rice.txt"


def test_save_and_load_keep_originals_and_ages(tmp_path: Path) -> None:
    dd = Deduplicator()
    dd.add("first", page(ORIGINAL))
    dd.add("second", page(COPY))
    dd.save(tmp_path / "x.dedup")
    loaded = Deduplicator.load(tmp_path / "x.dedup")
    (match, *_) = loaded.query(page(TRUNCATED))
    assert match.original_id == "first"
    assert loaded.expire(before=time.time() + 60) == 2


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

    from dedup.fingerprint.anchors import ANCHOR_RATE
    from dedup.fingerprint.shingle import Fingerprint
    from dedup.fingerprint.signature import MinHasher

    config = DedupConfig(sample_size=64)
    hasher = MinHasher(config.num_perm, config.seed)
    rng = np.random.default_rng(9)
    dd = Deduplicator(config)
    empty = dd._index.nbytes
    count = 5000  # more than the band buffer holds: most keys are merged into the rows
    for number in range(count):
        shingles = np.unique(rng.integers(0, 2**32, size=500, dtype=np.uint32))
        fingerprint = Fingerprint(shingles, np.array([7, 8, 9], dtype=np.uint32))
        dd.add_fingerprint(f"p{number}", fingerprint, hasher.sign(shingles))
    per_page = (dd._index.nbytes - empty) / count
    # 64 sampled values, 3 numbers, count, time, offsets, flag; 8 bytes per band key, the
    # band directory (about 1 per key) and the merge's scratch rows (9 bytes per slot of
    # capacity, at most twice the pages); 8 bytes per anchor posted (about 1 shingle in 16)
    # and the anchor directory (about 1 per posting), and the page's count of anchors.
    anchors = 9 * 500 / ANCHOR_RATE + 4
    assert per_page <= 4 * 64 + 4 * 3 + 4 + 8 + 16 + 1 + 9 * config.lsh_bands + 2 * 9 + 16 + anchors
    assert len(dd) == count and "p0" in dd
