"""LSH banding for a batch scan: candidate pairs from all signatures at once.

The same bands as datasketch's MinHashLSH (band i is signature values i*rows to
(i+1)*rows - 1), but each band's values become one 64-bit key per document and equal keys
are found by sorting: no per-document Python call, no per-bucket set. Two documents share a
key exactly when they share the band (up to 64-bit key collisions, which only add candidates
that verification then rejects).
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
import numpy.typing as npt

from dedup._arrays import sorted_unique, upper_pairs

# A bucket larger than this (many exact copies, or a template) pairs each member with the
# next WINDOW members in input order instead of with all: linear, not quadratic, and copies
# in one bucket stay connected.
LARGE_BUCKET = 64
WINDOW = 16


class BandColumns(Protocol):
    """Band keys kept elsewhere (on disk, say), read back one band at a time."""

    @property
    def bands(self) -> int: ...

    def column(self, band: int) -> npt.NDArray[np.uint64]:
        """Every document's key of one band, in document order."""
        ...


class _Matrix:
    """A (documents, bands) array of keys as `BandColumns`."""

    def __init__(self, keys: npt.NDArray[np.uint64]) -> None:
        self._keys = keys
        self.bands = keys.shape[1]

    def column(self, band: int) -> npt.NDArray[np.uint64]:
        return self._keys[:, band]


def candidate_pairs(keys: npt.NDArray[np.uint64] | BandColumns) -> npt.NDArray[np.int64]:
    """Sorted unique (i, j) pairs, i < j, of documents sharing at least one band key.

    `keys` is a (documents, bands) array, or `BandColumns` read a band at a time: only one
    band's keys are then held at once."""
    if isinstance(keys, np.ndarray):
        return _matrix_pairs(keys)
    columns = keys
    codes = np.zeros(0, dtype=np.int64)  # unique pairs so far, as i * count + j
    found: list[npt.NDArray[np.int64]] = []
    pending = 0
    count = 0
    for band in range(columns.bands):
        values = columns.column(band)
        count = values.size
        order = np.argsort(values, kind="stable")
        sorted_keys = values[order]
        del values
        starts = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
        sizes = np.diff(np.r_[starts, count])
        # Buckets of one size at a time, all at once: a Python loop per bucket would cost
        # seconds on a crawl full of re-posts.
        for size in sorted_unique(sizes[(sizes > 1) & (sizes <= LARGE_BUCKET)]):
            firsts = starts[sizes == size]
            members = np.sort(order[firsts[:, np.newaxis] + np.arange(size)], axis=1)
            left, right = upper_pairs(int(size))
            found.append((members[:, left] * count + members[:, right]).ravel())
        for start, size in zip(
            starts[sizes > LARGE_BUCKET], sizes[sizes > LARGE_BUCKET], strict=True
        ):
            pairs = _window_pairs(np.sort(order[start : start + size]))
            found.append(pairs[:, 0] * count + pairs[:, 1])
        pending = sum(part.size for part in found)
        # Copies share most bands: merged as they come, each pair is held about once, not
        # once per band it shares.
        if pending > max(codes.size, 1 << 16):
            codes = sorted_unique(np.concatenate([codes, *found]).astype(np.int64))
            found = []
    codes = sorted_unique(np.concatenate([codes, *found]).astype(np.int64))
    return np.stack([codes // count, codes % count], axis=1)


def _matrix_pairs(keys: npt.NDArray[np.uint64]) -> npt.NDArray[np.int64]:
    """`candidate_pairs` of keys in memory, every band sorted at once: a connected group's
    few pages (`dedup.batch.candidates`) cost a few numpy calls, not a few per band."""
    count, bands = keys.shape
    flat = keys.T.ravel()  # band after band
    band_of = np.repeat(np.arange(bands), count)
    order = np.lexsort((flat, band_of))  # stable: a bucket's members in page order
    sorted_keys, sorted_bands, pages = flat[order], band_of[order], order % count
    starts = np.flatnonzero(
        np.r_[True, (sorted_keys[1:] != sorted_keys[:-1]) | (sorted_bands[1:] != sorted_bands[:-1])]
    )[: flat.size]
    sizes = np.diff(np.r_[starts, flat.size])
    found: list[npt.NDArray[np.int64]] = [np.zeros(0, dtype=np.int64)]
    for size in sorted_unique(sizes[(sizes > 1) & (sizes <= LARGE_BUCKET)]):
        firsts = starts[sizes == size]
        members = pages[firsts[:, np.newaxis] + np.arange(size)]
        left, right = upper_pairs(int(size))
        found.append((members[:, left] * count + members[:, right]).ravel())
    for start, size in zip(starts[sizes > LARGE_BUCKET], sizes[sizes > LARGE_BUCKET], strict=True):
        pairs = _window_pairs(pages[start : start + size])
        found.append(pairs[:, 0] * count + pairs[:, 1])
    codes = sorted_unique(np.concatenate(found).astype(np.int64))
    return np.stack([codes // count, codes % count], axis=1)


def bucket_links(keys: npt.NDArray[np.uint64] | BandColumns) -> npt.NDArray[np.int64]:
    """Sorted unique (i, j) pairs, i < j, joining each member of a band's bucket to its
    first member: the connected groups of `candidate_pairs`, with at most one pair a page
    and band where `candidate_pairs` holds every pair of a bucket (a crawl that re-posts an
    article fifty times has a thousand pairs of its copies). A group's candidate pairs are
    made again from its own pages' keys when it is verified: a bucket's members are all in
    its group."""
    columns = _Matrix(keys) if isinstance(keys, np.ndarray) else keys
    codes = np.zeros(0, dtype=np.int64)
    found: list[npt.NDArray[np.int64]] = []
    count = 0
    for band in range(columns.bands):
        values = columns.column(band)
        count = values.size
        if not count:
            continue
        # Any order within a bucket (numpy's unstable sort is several times faster here):
        # its first page is its least.
        order = np.argsort(values)
        sorted_keys = values[order]
        del values
        starts = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
        sizes = np.diff(np.r_[starts, count])
        firsts = np.repeat(np.minimum.reduceat(order, starts), sizes)
        joined = firsts != order
        found.append(firsts[joined].astype(np.int64) * count + order[joined])
        if sum(part.size for part in found) > max(codes.size, 1 << 16):
            codes = sorted_unique(np.concatenate([codes, *found]))
            found = []
    codes = sorted_unique(np.concatenate([codes, *found]).astype(np.int64))
    return np.stack([codes // count, codes % count], axis=1)


def _window_pairs(members: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    size = members.size
    left = np.repeat(np.arange(size), WINDOW)
    right = left + np.tile(np.arange(1, WINDOW + 1), size)
    keep = right < size
    return np.stack([members[left[keep]], members[right[keep]]], axis=1).astype(np.int64)
