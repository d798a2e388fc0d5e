from __future__ import annotations

import itertools

import numpy as np

from dedup.banding import LARGE_BUCKET, band_keys, candidate_pairs


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


def test_band_index_finds_what_shares_a_band_across_merges_and_drops() -> None:
    from dedup.banding import BandIndex

    rng = np.random.default_rng(2)
    signatures = rng.integers(0, 3, size=(3000, 16), dtype=np.uint32)
    keys = band_keys(signatures, bands=4, rows=4)
    index = BandIndex(4)
    index.insert_many(np.arange(1000, dtype=np.int64), keys[:1000])
    for slot in range(1000, 3000):  # crosses several merges
        index.insert(slot, keys[slot])
    for probe in (0, 1500, 2999):
        expected = {j for j in range(3000) if (keys[j] == keys[probe]).any()}
        assert index.query(keys[probe]) == expected
    dead = np.zeros(3000, dtype=bool)
    dead[::2] = True
    index.drop(dead)
    expected = {j for j in range(1, 3000, 2) if (keys[j] == keys[1]).any()}
    assert index.query(keys[1]) == expected
