from __future__ import annotations

import itertools

import numpy as np
import pytest

from dedup.batch.banding import LARGE_BUCKET, bucket_links, candidate_pairs
from dedup.fingerprint.bands import band_keys


def brute_force(signatures: np.ndarray, bands: int, rows: int) -> set[tuple[int, int]]:
    pairs = set()
    for i, j in itertools.combinations(range(len(signatures)), 2):
        for band in range(bands):
            cut = slice(band * rows, (band + 1) * rows)
            if np.array_equal(signatures[i, cut], signatures[j, cut]):
                pairs.add((i, j))
                break
    return pairs


def test_pairs_are_exactly_the_documents_sharing_a_band() -> None:
    rng = np.random.default_rng(1)
    base = rng.integers(0, 4, size=(40, 32), dtype=np.uint32)  # small alphabet: many collisions
    keys = band_keys(base, bands=8, rows=4)
    assert {tuple(p) for p in candidate_pairs(keys).tolist()} == brute_force(base, 8, 4)


def test_large_buckets_stay_connected_with_linear_pairs() -> None:
    size = LARGE_BUCKET * 3
    signatures = np.zeros((size, 8), dtype=np.uint32)  # one huge bucket per band
    pairs = candidate_pairs(band_keys(signatures, bands=2, rows=4))
    assert len(pairs) < size * 20
    parent = list(range(size))

    def find(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i

    for i, j in pairs.tolist():
        parent[find(i)] = find(j)
    assert len({find(i) for i in range(size)}) == 1


def test_no_signatures_no_pairs() -> None:
    assert candidate_pairs(np.zeros((0, 4), dtype=np.uint64)).shape == (0, 2)


def test_pairs_merged_band_by_band_are_all_the_pairs() -> None:
    # Enough pairs that they are merged several times on the way, not only at the end.
    rng = np.random.default_rng(2)
    keys = rng.integers(0, 250, size=(3000, 8)).astype(np.uint64)
    expected: set[tuple[int, int]] = set()
    for band in range(keys.shape[1]):
        buckets: dict[int, list[int]] = {}
        for doc, key in enumerate(keys[:, band].tolist()):
            buckets.setdefault(key, []).append(doc)
        for members in buckets.values():
            expected.update(itertools.combinations(members, 2))
    pairs = candidate_pairs(keys)
    assert len(expected) > 1 << 16
    assert {tuple(p) for p in pairs.tolist()} == expected
    assert pairs.tolist() == sorted(pairs.tolist())


def test_upper_pairs_are_triu_indices_and_cannot_be_changed() -> None:
    from dedup._arrays import upper_pairs

    for size in (0, 1, 2, 5, 17):
        left, right = upper_pairs(size)
        expected = np.triu_indices(size, k=1)
        assert np.array_equal(left, expected[0]) and np.array_equal(right, expected[1])
    with pytest.raises(ValueError, match="read-only"):
        upper_pairs(5)[0][0] = 3


def test_bucket_links_join_each_member_of_a_bucket_to_its_least_page() -> None:
    rng = np.random.default_rng(5)
    keys = rng.integers(0, 6, size=(300, 4)).astype(np.uint64)  # buckets of fifty pages
    expected = set()
    for band in range(keys.shape[1]):
        for key in set(keys[:, band].tolist()):
            members = np.flatnonzero(keys[:, band] == key).tolist()
            expected |= {(members[0], page) for page in members[1:]}
    links = bucket_links(keys)
    assert {tuple(pair) for pair in links.tolist()} == expected
    assert [tuple(pair) for pair in links.tolist()] == sorted(expected)
    assert bucket_links(np.zeros((0, 4), dtype=np.uint64)).shape == (0, 2)
