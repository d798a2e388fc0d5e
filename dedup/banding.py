"""LSH banding for a batch scan: candidate pairs from all signatures at once.

The same bands as datasketch's MinHashLSH (band i is signature values i*rows to
(i+1)*rows - 1), but each band's values become one 64-bit key per document and equal keys
are found by sorting: no per-document Python call, no per-bucket set. Two documents share a
key exactly when they share the band (up to 64-bit key collisions, which only add candidates
that verification then rejects).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

_MIX = np.uint64(0x9E3779B97F4A7C15)
# A bucket larger than this (many exact copies, or a template) pairs each member with the
# next WINDOW members in input order instead of with all: linear, not quadratic, and copies
# in one bucket stay connected.
LARGE_BUCKET = 64
WINDOW = 16


def band_keys(
    signatures: npt.NDArray[np.uint32], *, bands: int, rows: int
) -> npt.NDArray[np.uint64]:
    """One uint64 key per (document, band): shape (documents, bands)."""
    count = signatures.shape[0]
    values = signatures[:, : bands * rows].astype(np.uint64).reshape(count, bands, rows)
    keys = np.zeros((count, bands), dtype=np.uint64)
    for row in range(rows):
        keys *= _MIX
        keys ^= values[:, :, row] + np.uint64(row + 1)
    return keys


def candidate_pairs(keys: npt.NDArray[np.uint64]) -> npt.NDArray[np.int64]:
    """Sorted unique (i, j) pairs, i < j, of documents sharing at least one band key."""
    count = keys.shape[0]
    found: list[npt.NDArray[np.int64]] = []
    for band in range(keys.shape[1]):
        order = np.argsort(keys[:, band], kind="stable")
        sorted_keys = keys[order, band]
        starts = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
        sizes = np.diff(np.r_[starts, count])
        # Buckets of one size at a time, all at once: a Python loop per bucket would cost
        # seconds on a crawl full of re-posts.
        for size in np.unique(sizes[(sizes > 1) & (sizes <= LARGE_BUCKET)]):
            firsts = starts[sizes == size]
            members = np.sort(order[firsts[:, np.newaxis] + np.arange(size)], axis=1)
            left, right = np.triu_indices(int(size), k=1)
            found.append(np.stack([members[:, left].ravel(), members[:, right].ravel()], axis=1))
        for start, size in zip(
            starts[sizes > LARGE_BUCKET], sizes[sizes > LARGE_BUCKET], strict=True
        ):
            found.append(_window_pairs(np.sort(order[start : start + size])))
    if not found:
        return np.zeros((0, 2), dtype=np.int64)
    pairs = np.concatenate(found).astype(np.int64)
    codes = np.unique(pairs[:, 0] * count + pairs[:, 1])
    return np.stack([codes // count, codes % count], axis=1)


def bucket_pairs(members: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """The candidate pairs of one bucket (its members sorted): all of them, or each member
    with the next WINDOW ones in a large bucket."""
    if members.size > LARGE_BUCKET:
        return _window_pairs(members)
    left, right = np.triu_indices(members.size, k=1)
    return np.stack([members[left], members[right]], axis=1).astype(np.int64)


def _window_pairs(members: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    size = members.size
    left = np.repeat(np.arange(size), WINDOW)
    right = left + np.tile(np.arange(1, WINDOW + 1), size)
    keep = right < size
    return np.stack([members[left[keep]], members[right[keep]]], axis=1).astype(np.int64)


class BandIndex:
    """A growing LSH index of band keys, for the crawler's Deduplicator.

    Each band keeps its keys in a sorted numpy array with the pages' slots beside them
    (twelve bytes per page and band, no Python object per bucket), plus a small dictionary
    of keys added since the last merge; merging when that buffer reaches a quarter of the
    index keeps the cost of an insert logarithmic on average. Removed pages are left in
    place and filtered by the caller.
    """

    def __init__(self, bands: int) -> None:
        self._bands = bands
        self._keys = [np.zeros(0, dtype=np.uint64) for _ in range(bands)]
        self._slots = [np.zeros(0, dtype=np.int64) for _ in range(bands)]
        self._recent: list[dict[int, list[int]]] = [{} for _ in range(bands)]
        self._recent_rows: list[tuple[int, npt.NDArray[np.uint64]]] = []

    def insert(self, slot: int, keys: npt.NDArray[np.uint64]) -> None:
        """Add one page's band keys (one per band)."""
        for band, key in enumerate(keys.tolist()):
            self._recent[band].setdefault(key, []).append(slot)
        self._recent_rows.append((slot, keys))
        if len(self._recent_rows) >= max(1024, self._keys[0].size // 4):
            self._merge()

    def insert_many(self, slots: npt.NDArray[np.int64], keys: npt.NDArray[np.uint64]) -> None:
        """Add many pages at once (rows of `keys`), as loading an index does."""
        self._merge(slots, keys)

    def query(self, keys: npt.NDArray[np.uint64]) -> set[int]:
        """Slots of the pages sharing at least one band key."""
        found: set[int] = set()
        for band in range(self._bands):
            key = keys[band : band + 1]  # a uint64 array: a Python int would be compared as float
            sorted_keys = self._keys[band]
            if sorted_keys.size:
                low = int(np.searchsorted(sorted_keys, key, side="left")[0])
                high = int(np.searchsorted(sorted_keys, key, side="right")[0])
                if high > low:
                    found.update(self._slots[band][low:high].tolist())
            found.update(self._recent[band].get(int(key[0]), ()))
        return found

    def _merge(
        self,
        slots: npt.NDArray[np.int64] | None = None,
        keys: npt.NDArray[np.uint64] | None = None,
    ) -> None:
        if self._recent_rows:
            recent_slots = np.array([slot for slot, _ in self._recent_rows], dtype=np.int64)
            recent_keys = np.stack([row for _, row in self._recent_rows])
            if slots is None or keys is None:
                slots, keys = recent_slots, recent_keys
            else:
                slots = np.concatenate([slots, recent_slots])
                keys = np.concatenate([keys, recent_keys])
        if slots is None or keys is None or slots.size == 0:
            return
        for band in range(self._bands):
            merged_keys = np.concatenate([self._keys[band], keys[:, band]])
            merged_slots = np.concatenate([self._slots[band], slots])
            order = np.argsort(merged_keys, kind="stable")
            self._keys[band] = merged_keys[order]
            self._slots[band] = merged_slots[order]
            self._recent[band].clear()
        self._recent_rows.clear()

    def drop(self, dead: npt.NDArray[np.bool_]) -> None:
        """Forget the pages whose slot is marked in `dead` (indexed by slot)."""
        self._merge()
        for band in range(self._bands):
            keep = ~dead[self._slots[band]]
            self._keys[band] = self._keys[band][keep]
            self._slots[band] = self._slots[band][keep]

    @property
    def nbytes(self) -> int:
        """Bytes held by the sorted arrays (the buffer is small and transient)."""
        return sum(k.nbytes + s.nbytes for k, s in zip(self._keys, self._slots, strict=True))
