from __future__ import annotations

import numpy as np

from dedup._arrays import component_labels, unique_pairs
from dedup.batch.anchors import COMMON_ANCHOR, AnchorTable, anchor_pairs, group_pairs
from dedup.batch.banding import LARGE_BUCKET, bucket_links, candidate_pairs
from dedup.batch.candidates import StoredCandidates
from dedup.batch.clustering import GroupIndex, candidate_groups
from dedup.fingerprint.anchors import anchors_of
from dedup.fingerprint.bands import band_keys

BANDS, ROWS = 8, 4


def copied_pages(seed: int) -> tuple[np.ndarray, list[np.ndarray]]:
    """Signatures and anchors of pages that are copies of a few articles (many of them,
    some in band buckets larger than `LARGE_BUCKET`), with stock anchors that more than
    `COMMON_ANCHOR` pages hold."""
    rng = np.random.default_rng(seed)
    articles = rng.integers(0, 2**32, size=(30, BANDS * ROWS), dtype=np.uint64).astype(np.uint32)
    texts = [rng.integers(0, 2**32, size=600, dtype=np.uint64).astype(np.uint32) for _ in range(30)]
    stock = rng.integers(0, 2**32, size=400, dtype=np.uint64).astype(np.uint32)
    signatures, anchors = [], []
    for _ in range(400):
        article = int(rng.integers(0, 3)) if rng.random() < 0.6 else int(rng.integers(0, 30))
        signature = articles[article].copy()
        changed = rng.random(signature.size) < rng.random() * 0.5
        signature[changed] = rng.integers(0, 2**32, size=int(changed.sum()), dtype=np.uint64)
        kept = texts[article][: int(rng.integers(100, 600))]
        body = np.unique(np.concatenate([kept, stock[: int(rng.integers(0, 400))]]))
        signatures.append(signature)
        anchors.append(anchors_of(body))
    return np.stack(signatures), anchors


def test_groups_found_from_links_hold_the_candidate_pairs_made_from_their_pages() -> None:
    signatures, anchors = copied_pages(5)
    keys = band_keys(signatures, bands=BANDS, rows=ROWS)
    pairs = unique_pairs(np.concatenate([candidate_pairs(keys), anchor_pairs(anchors)]))
    table = AnchorTable()
    table.extend(anchors)
    anchor_links, common = table.links()
    assert common.size > 0 and len(anchor_links) < len(signatures)
    links = np.concatenate([bucket_links(keys), anchor_links])
    assert len(links) < len(pairs) / 5
    sizes = np.bincount(component_labels(len(signatures), pairs[:, 0], pairs[:, 1]))
    assert sizes.max() > LARGE_BUCKET
    made = StoredCandidates(list(signatures), anchors, common, BANDS, ROWS)
    index = GroupIndex.of(len(signatures), links, made)
    expected = list(candidate_groups(len(signatures), pairs))
    assert len(index) == len(expected)
    for number, (pages, pairs_expected) in enumerate(expected):
        got_pages, got_pairs = index[number]
        assert got_pages.tolist() == pages.tolist()
        assert got_pairs.tolist() == pairs_expected.tolist()
    # A task's groups have their pairs made together: the same pairs, group by group.
    numbers = list(range(len(index)))
    together = [
        g for start in range(0, len(numbers), 7) for g in index.groups(numbers[start : start + 7])
    ]
    for (pages, pairs_expected), (got_pages, got_pairs) in zip(expected, together, strict=True):
        assert got_pages.tolist() == pages.tolist()
        assert got_pairs.tolist() == pairs_expected.tolist()


def test_stock_anchors_pair_no_one_in_a_group_either() -> None:
    # Common across the whole scan, though few pages of one group hold them.
    stock = anchors_of(np.arange(0, 40_000, dtype=np.uint32))
    assert anchor_pairs([stock, stock]).tolist() == [[0, 1]]
    assert group_pairs([stock, stock], np.zeros(0, dtype=np.uint32)).tolist() == [[0, 1]]
    assert group_pairs([stock, stock], np.sort(stock)).size == 0
    table = AnchorTable()
    table.extend([stock] * (COMMON_ANCHOR + 1))
    links, common = table.links()
    assert links.size == 0 and common.tolist() == np.sort(stock).tolist()
