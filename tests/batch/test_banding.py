from __future__ import annotations

import itertools

import numpy as np

from dedup.batch.banding import LARGE_BUCKET, candidate_pairs
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
