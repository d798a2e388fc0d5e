"""Containment candidates for a batch scan: pairs of bodies sharing enough anchors.

LSH bands (`dedup.batch.banding`) make candidates of bodies similar as wholes; a truncated
copy, a re-edited one or a release carried inside a longer report shares a passage, not the
whole, and is seldom a band candidate. Anchors (`dedup.fingerprint.anchors`) sample every
passage the same way in every body, so the share of the shorter body's anchors found in the
other estimates how much of it the other carries. Pairs whose estimate reaches
`MIN_ESTIMATE` become candidates; verification on all shingles then decides.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence

import numpy as np
import numpy.typing as npt

from dedup._arrays import ranges, sorted_unique, spanning_pairs, upper_pairs
from dedup.fingerprint.anchors import COMMON_ANCHOR, MIN_ESTIMATE, MIN_SHARED, enough_shared
from dedup.fingerprint.shingle import ShingleIds

__all__ = [
    "COMMON_ANCHOR",
    "MIN_ESTIMATE",
    "MIN_SHARED",
    "AnchorTable",
    "anchor_pairs",
    "enough_shared",
]

# Rows (a pair of bodies, once per anchor they share) listed at a time: most rows are pairs
# sharing one stock anchor, which never become candidates, and there are many more of them
# than pages (18 million for 100,000 pages); listed a block of bodies at a time, each
# block's counts are final and only the pairs kept outlive it (about 20 MB at a time).
BLOCK_ROWS = 1 << 19
# Occurrences looked at a time while counting each body's rows.
_STEP = 1 << 18
_LOW, _HIGH = (0, 1) if sys.byteorder == "little" else (1, 0)
# Kept pairs gathered before they are cut down to pairs spanning their groups (`links`).
_SPANNED = 1 << 20
_NONE = np.zeros(0, dtype=np.uint32)
# The rows an occurrence starts: fewer than `COMMON_ANCHOR`.
_ROWS = np.min_scalar_type(COMMON_ANCHOR)


class AnchorTable:
    """Every page's anchors, a chunk of pages at a time, paired at the end (`pairs`).

    Held per page: its anchors (4 bytes each, about one shingle in 16) and their count."""

    def __init__(self) -> None:
        self._parts: list[npt.NDArray[np.uint32]] = []
        self._counts: list[npt.NDArray[np.int64]] = []

    def extend(self, anchors: Sequence[ShingleIds]) -> None:
        """Add pages' anchors, each page's after the pages added before."""
        if anchors:
            self._parts.append(np.concatenate(anchors).astype(np.uint32, copy=False))
            self._counts.append(np.fromiter((a.size for a in anchors), np.int64, len(anchors)))

    def pairs(self, *, block_rows: int = BLOCK_ROWS) -> npt.NDArray[np.int64]:
        """Sorted unique (i, j) pairs, i < j, of pages (by position) that share at least
        `MIN_SHARED` anchors, at least `MIN_ESTIMATE` of the fewer's. Empties the table."""
        lengths = self._lengths()
        codes = self._codes(lengths)
        found = list(_paired(codes, lengths, block_rows))
        return np.concatenate(found) if found else np.zeros((0, 2), dtype=np.int64)

    def links(
        self, *, block_rows: int = BLOCK_ROWS
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.uint32]]:
        """The connected groups of `pairs` as pairs joining each page to its group's first
        (at most one a page, where the pairs of fifty copies of an article are a thousand),
        and the anchors too common to pair on (held by more than `COMMON_ANCHOR` pages):
        with them, a group's pairs are `group_pairs` of its own pages' anchors. Empties
        the table."""
        lengths = self._lengths()
        codes = self._codes(lengths)
        spanning = np.zeros((0, 2), dtype=np.int64)
        held: list[npt.NDArray[np.int64]] = []
        for found in _paired(codes, lengths, block_rows):
            held.append(found)
            if sum(part.shape[0] for part in held) > _SPANNED:
                spanning = spanning_pairs(lengths.size, np.concatenate([spanning, *held]))
                held = []
        spanning = spanning_pairs(lengths.size, np.concatenate([spanning, *held]))
        return spanning, _common(codes)

    def _lengths(self) -> npt.NDArray[np.int64]:
        lengths = np.concatenate(self._counts) if self._counts else np.zeros(0, np.int64)
        self._counts.clear()
        return lengths

    def _codes(self, lengths: npt.NDArray[np.int64]) -> npt.NDArray[np.uint64]:
        """Every anchor as (anchor << 32 | page), sorted; the parts are let go as they are
        copied, so the table is held about once."""
        codes = np.empty(int(lengths.sum()), dtype=np.uint64)
        halves = codes.view(np.uint32).reshape(-1, 2)
        at = page = 0
        while self._parts:
            part = self._parts.pop(0)
            halves[at : at + part.size, _HIGH] = part
            counts = lengths[page : page + _count_in(lengths, page, part.size)]
            owners = np.repeat(np.arange(page, page + counts.size, dtype=np.uint32), counts)
            halves[at : at + part.size, _LOW] = owners
            at += part.size
            page += counts.size
        codes.sort()
        return codes


def _count_in(lengths: npt.NDArray[np.int64], first: int, total: int) -> int:
    """How many pages from `first` on hold `total` anchors between them."""
    ends = np.cumsum(lengths[first:])
    return int(np.searchsorted(ends, total, side="right")) if total else 0


def anchor_pairs(
    anchors: Sequence[ShingleIds], *, block_rows: int = BLOCK_ROWS
) -> npt.NDArray[np.int64]:
    """`AnchorTable.pairs` of bodies' anchors (by position)."""
    table = AnchorTable()
    table.extend(anchors)
    return table.pairs(block_rows=block_rows)


def group_pairs(
    anchors: Sequence[ShingleIds], common: npt.NDArray[np.uint32]
) -> npt.NDArray[np.int64]:
    """`anchor_pairs` of a connected group's few bodies (by position), the anchors in
    `common` (sorted: those more than `COMMON_ANCHOR` bodies of the whole scan hold) pairing
    none: the pairs of the group's bodies that the whole scan's table gives. Every shared
    anchor listed at once, where the table counts rows before listing them a block at a
    time: a few numpy calls for a group."""
    lengths = np.fromiter((a.size for a in anchors), np.int64, len(anchors))
    keys = np.concatenate(anchors) if anchors else _NONE
    owners = np.repeat(np.arange(len(anchors), dtype=np.int64), lengths)
    if common.size and keys.size:
        at = np.minimum(np.searchsorted(common, keys), common.size - 1)
        usable = common[at] != keys
        keys, owners = keys[usable], owners[usable]
    left, right = sharing_pairs(keys.astype(np.uint64), owners)
    codes = np.sort(left * len(anchors) + right)
    firsts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])[: codes.size]
    shared = np.diff(np.r_[firsts, codes.size])
    left, right = codes[firsts] // max(len(anchors), 1), codes[firsts] % max(len(anchors), 1)
    keep = enough_shared(shared, np.minimum(lengths[left], lengths[right]))
    return np.stack([left[keep], right[keep]], axis=1)


def _buckets(
    codes: npt.NDArray[np.uint64],
) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.uint32], npt.NDArray[np.int64]]:
    """The anchors and their owners of sorted codes, and where each anchor's run starts."""
    halves = codes.view(np.uint32).reshape(-1, 2)
    keys, owners = halves[:, _HIGH], halves[:, _LOW]
    starts: npt.NDArray[np.int64] = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    if not keys.size:
        starts = starts[:0]
    return keys, owners, starts


def _common(codes: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint32]:
    """The anchors held by more than `COMMON_ANCHOR` bodies, sorted."""
    keys, _, starts = _buckets(codes)
    sizes = np.diff(np.r_[starts, keys.size])
    common: npt.NDArray[np.uint32] = keys[starts[sizes > COMMON_ANCHOR]].copy()
    return common


def _paired(
    codes: npt.NDArray[np.uint64], lengths: npt.NDArray[np.int64], block_rows: int
) -> Iterator[npt.NDArray[np.int64]]:
    """The pairs sharing enough anchors, sorted, a block of left owners at a time."""
    count = lengths.size
    keys, owners, starts = _buckets(codes)
    sizes = np.diff(np.r_[starts, keys.size])
    # A key's owners follow one another in owner order: an occurrence pairs with each one
    # after it in its bucket, so each pair is listed once per shared anchor, left < right.
    ends = np.where((sizes > 1) & (sizes <= COMMON_ANCHOR), starts + sizes, 0)
    per_owner = np.zeros(count, dtype=np.int64)
    # Each occurrence's rows, counted once and kept for the blocks (a byte each, fewer than
    # `COMMON_ANCHOR`) rather than looked up in the buckets again for each block.
    rows_of = np.empty(keys.size, dtype=_ROWS)
    for first in range(0, keys.size, _STEP):
        last = min(first + _STEP, keys.size)
        rows = _rows(first, last, starts, ends)
        rows_of[first:last] = rows
        per_owner += np.bincount(owners[first:last], weights=rows, minlength=count).astype(np.int64)
    for low, high in _blocks(per_owner, block_rows):
        chosen = np.flatnonzero((owners >= low) & (owners < high) & (rows_of > 0))
        if not chosen.size:
            continue
        rows = rows_of[chosen].astype(np.int64)
        left = np.repeat(owners[chosen].astype(np.int64), rows)
        right = owners[ranges(chosen + 1, rows)].astype(np.int64)
        pairs = left * count + right
        pairs.sort()  # np.unique, by sorting: numpy's own is hash-based, slower here
        firsts = np.flatnonzero(np.r_[True, pairs[1:] != pairs[:-1]])
        shared = np.diff(np.r_[firsts, pairs.size])
        left, right = pairs[firsts] // count, pairs[firsts] % count
        keep = enough_shared(shared, np.minimum(lengths[left], lengths[right]))
        yield np.stack([left[keep], right[keep]], axis=1)


def _rows(
    first: int, last: int, starts: npt.NDArray[np.int64], ends: npt.NDArray[np.int64]
) -> npt.NDArray[np.int64]:
    """How many rows each occurrence from `first` to `last` (excluded) starts: the owners
    after it in its bucket (none in a bucket of one or of a stock anchor). Each one's
    bucket is counted along the run (the buckets opening in it, summed), not looked up."""
    bucket = int(np.searchsorted(starts, first, side="right")) - 1
    opening = starts[bucket + 1 : int(np.searchsorted(starts, last))]
    opens = np.zeros(last - first, dtype=np.int64)
    opens[opening - first] = 1
    buckets = bucket + np.cumsum(opens)
    rows: npt.NDArray[np.int64] = np.maximum(ends[buckets] - np.arange(first, last) - 1, 0)
    return rows


def _blocks(per_owner: npt.NDArray[np.int64], block_rows: int) -> list[tuple[int, int]]:
    """Consecutive ranges of owners listing about `block_rows` rows each (more when one
    owner lists more alone)."""
    total = np.cumsum(per_owner)
    if not total.size or total[-1] == 0:
        return []
    cuts = np.searchsorted(total, np.arange(block_rows, int(total[-1]), block_rows), "right")
    bounds = sorted_unique(np.r_[0, cuts, per_owner.size])  # np.unique would import numpy.ma
    return list(zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True))


def sharing_pairs(
    keys: npt.NDArray[np.uint64], owners: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """(left, right) owners, left < right, of every two bodies sharing an anchor that is not
    `COMMON_ANCHOR`, once per shared anchor (an owner's anchors are unique)."""
    order = np.lexsort((owners, keys))
    keys, owners = keys[order], owners[order]
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    sizes = np.diff(np.r_[starts, keys.size])
    lefts: list[npt.NDArray[np.int64]] = []
    rights: list[npt.NDArray[np.int64]] = []
    # Buckets of one size at a time, all at once, as the LSH bands do.
    for size in sorted_unique(sizes[(sizes > 1) & (sizes <= COMMON_ANCHOR)]).tolist():
        firsts = starts[sizes == size]
        members = owners[firsts[:, np.newaxis] + np.arange(size)]
        left, right = upper_pairs(size)
        lefts.append(members[:, left].ravel())
        rights.append(members[:, right].ravel())
    if not lefts:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    return np.concatenate(lefts), np.concatenate(rights)
