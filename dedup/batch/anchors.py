"""Containment candidates for a batch scan: pairs of bodies sharing enough anchors.

LSH bands (`dedup.batch.banding`) make candidates of bodies similar as wholes; a truncated
copy, a re-edited one or a release carried inside a longer report shares a passage, not the
whole, and is seldom a band candidate. Anchors (`dedup.fingerprint.anchors`) sample every
passage the same way in every body, so the share of the shorter body's anchors found in the
other estimates how much of it the other carries. Pairs whose estimate reaches
`MIN_ESTIMATE` become candidates; verification on all shingles then decides.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from dedup._arrays import sorted_unique, upper_pairs
from dedup.fingerprint.anchors import COMMON_ANCHOR, MIN_ESTIMATE, MIN_SHARED, enough_shared
from dedup.fingerprint.shingle import ShingleIds

__all__ = ["COMMON_ANCHOR", "MIN_ESTIMATE", "MIN_SHARED", "anchor_pairs", "enough_shared"]


# Anchors are paired a shard of key values at a time: copies share many anchors, so one
# shard's (pair, once per anchor) rows at a time, counted, are far fewer than all of them.
SHARDS = 16


def anchor_pairs(anchors: Sequence[ShingleIds], *, shards: int = SHARDS) -> npt.NDArray[np.int64]:
    """Sorted unique (i, j) pairs, i < j, of bodies (by position) that share at least
    `MIN_SHARED` anchors, at least `MIN_ESTIMATE` of the fewer's."""
    count = len(anchors)
    if count < 2:
        return np.zeros((0, 2), dtype=np.int64)
    lengths = np.fromiter((a.size for a in anchors), dtype=np.int64, count=count)
    keys = np.concatenate(anchors) if lengths.sum() else np.zeros(0, dtype=np.uint32)
    owners = np.repeat(np.arange(count, dtype=np.int64), lengths)
    codes: list[npt.NDArray[np.int64]] = []
    counts: list[npt.NDArray[np.int64]] = []
    shard_of = keys % np.uint32(shards)
    for shard in range(shards):
        # A key's owners all fall in one shard: its bucket is paired whole, as without shards.
        chosen = np.flatnonzero(shard_of == shard)
        left, right = sharing_pairs(keys[chosen].astype(np.uint64), owners[chosen])
        if left.size:
            pair_codes = left * count + right
            pair_codes.sort()
            unique, shared = _summed(pair_codes, np.ones(pair_codes.size, dtype=np.int64))
            codes.append(unique)
            counts.append(shared)
    if not codes:
        return np.zeros((0, 2), dtype=np.int64)
    unique, shared = _summed(np.concatenate(codes), np.concatenate(counts))
    left, right = unique // count, unique % count
    keep = enough_shared(shared, np.minimum(lengths[left], lengths[right]))
    return np.stack([left[keep], right[keep]], axis=1)


def _summed(
    codes: npt.NDArray[np.int64], counts: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Each distinct code once, sorted, with the sum of its counts (``np.unique`` with its
    counts, by sorting: numpy's own is hash-based and slower on these sizes)."""
    if codes.size and not (codes[1:] >= codes[:-1]).all():
        order = np.argsort(codes, kind="stable")
        codes, counts = codes[order], counts[order]
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
    return codes[starts], np.add.reduceat(counts, starts)


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
