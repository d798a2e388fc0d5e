"""The crawler's band table: lookups equal to a brute-force search, across merges."""

from __future__ import annotations

import numpy as np

from dedup.fingerprint.bands import band_keys


def test_band_table_finds_what_shares_a_band_across_merges_and_compaction() -> None:
    from dedup.fingerprint.bands import fold32
    from dedup.index.bands import BandTable

    rng = np.random.default_rng(2)
    size = 3 * BandTable.BUFFER + 500
    signatures = rng.integers(0, 3, size=(size, 16), dtype=np.uint32)
    keys = band_keys(signatures, bands=4, rows=4)
    first = 1000
    folded = fold32(keys[:first]).T
    order = np.argsort(folded, axis=1, kind="stable")
    index = BandTable.from_arrays(np.take_along_axis(folded, order, axis=1), order.astype(np.int32))
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


def test_band_table_on_random_keys_equals_brute_force() -> None:
    from dedup.fingerprint.bands import fold32
    from dedup.index.bands import BandTable

    rng = np.random.default_rng(4)
    size = 2 * BandTable.BUFFER + 300
    keys = rng.integers(0, 2**64, size=(size, 8), dtype=np.uint64)
    keys[size // 2 :: 7] = keys[::7][: keys[size // 2 :: 7].shape[0]]  # planted copies
    keys[5, 3] = keys[size - 1, 3]  # one shared band only
    index = BandTable(8)
    for slot in range(size):
        index.insert(slot, fold32(keys[slot]))
    for probe in (0, 5, 7, size // 2, size - 1):
        expected = [j for j in range(size) if (keys[j] == keys[probe]).any()]
        assert index.query(fold32(keys[probe])).tolist() == expected
