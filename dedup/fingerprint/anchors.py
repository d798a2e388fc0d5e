"""Anchors: a body's shingles chosen by their value, so that shared passages share anchors.

LSH bands find pairs by whole-body similarity, and a page carried inside a report three times
its length, or a copy re-edited around its core, is far below any band's reach. Choosing
shingles by value (about one in `ANCHOR_RATE`, the same ones in every body) keeps, for any
passage two bodies share, the same sample of it on both sides: two bodies share about
containment x (the shorter's anchors), whatever else either carries. `dedup.batch.anchors`
turns shared anchors into candidate pairs.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from dedup.fingerprint.shingle import ShingleIds

# One shingle in this many is an anchor: a short release of 150 shingles keeps about 9, so
# a copy carrying 55% of it shares about 5 with it (missing it takes under 1% of the time).
ANCHOR_RATE = 16
_BAR = np.uint32((1 << 32) // ANCHOR_RATE)


def anchors_of(shingles: ShingleIds) -> ShingleIds:
    """The anchors of a body (sorted, as its shingles are): the shingles whose mixed value
    falls in the lowest 1/`ANCHOR_RATE` of the 32-bit range."""
    chosen: npt.NDArray[np.uint32] = shingles[_mixed(shingles) < _BAR]
    return chosen


def _mixed(values: ShingleIds) -> ShingleIds:
    """MurmurHash3's 32-bit finalizer: a bijection whose every output bit depends on every
    input bit, so that the choice does not follow any pattern in the ids themselves."""
    h = values ^ (values >> np.uint32(16))
    h = h * np.uint32(0x85EBCA6B)  # uint32 arithmetic wraps modulo 2**32, as wanted
    h ^= h >> np.uint32(13)
    h = h * np.uint32(0xC2B2AE35)
    mixed: ShingleIds = h ^ (h >> np.uint32(16))
    return mixed
