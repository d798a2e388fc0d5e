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


def test_band_index_finds_what_shares_a_band_across_merges_and_compaction() -> None:
    from dedup.fingerprint.bands import fold32
    from dedup.index.bands import BandIndex

    rng = np.random.default_rng(2)
    size = 3 * BandIndex.BUFFER + 500
    signatures = rng.integers(0, 3, size=(size, 16), dtype=np.uint32)
    keys = band_keys(signatures, bands=4, rows=4)
    first = 1000
    folded = fold32(keys[:first]).T
    order = np.argsort(folded, axis=1, kind="stable")
    index = BandIndex.from_arrays(np.take_along_axis(folded, order, axis=1), order.astype(np.int32))
    for slot in range(first, size):  # crosses several buffer merges and directory sizes
        index.insert(slot, fold32(keys[slot]))

    def sharing(probe: int, slots: range) -> list[int]:
        return [j for j in slots if (keys[j] == keys[probe]).any()]

    for probe in (0, 1500, size - 1):  # in the loaded rows, merged, still buffered
        assert index.query(fold32(keys[probe])).tolist() == sharing(probe, range(size))
    alive = np.ones(size, dtype=bool)
    alive[::2] = False
    index.keep(alive)  # odd slots survive, renumbered 0, 1, 2, ...
    assert index.query(fold32(keys[1])).tolist() == [j // 2 for j in sharing(1, range(1, size, 2))]
    sorted_keys, slots = index.arrays()
    assert sorted_keys.shape == slots.shape == (4, size // 2)
    assert (np.diff(sorted_keys.astype(np.int64), axis=1) >= 0).all()


def test_band_index_on_random_keys_equals_brute_force() -> None:
    from dedup.fingerprint.bands import fold32
    from dedup.index.bands import BandIndex

    rng = np.random.default_rng(4)
    size = 2 * BandIndex.BUFFER + 300
    keys = rng.integers(0, 2**64, size=(size, 8), dtype=np.uint64)
    keys[size // 2 :: 7] = keys[::7][: keys[size // 2 :: 7].shape[0]]  # planted copies
    keys[5, 3] = keys[size - 1, 3]  # one shared band only
    index = BandIndex(8)
    for slot in range(size):
        index.insert(slot, fold32(keys[slot]))
    for probe in (0, 5, 7, size // 2, size - 1):
        expected = [j for j in range(size) if (keys[j] == keys[probe]).any()]
        assert index.query(fold32(keys[probe])).tolist() == expected
