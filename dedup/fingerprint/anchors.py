"""Anchors: a body's shingles chosen by their value, so that shared passages share anchors.

LSH bands find pairs by whole-body similarity, and a page carried inside a report three times
its length, or a copy re-edited around its core, is far below any band's reach. Choosing
shingles by value (about one in `ANCHOR_RATE`, the same ones in every body) keeps, for any
passage two bodies share, the same sample of it on both sides: two bodies share about
containment x (the shorter's anchors), whatever else either carries. `dedup.batch.anchors`
turns shared anchors into candidate pairs for a scan, `dedup.index.anchors` for the
crawler's index, both by the rule here (`enough_shared`, `COMMON_ANCHOR`).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from dedup.fingerprint.shingle import ShingleIds
from dedup.fingerprint.signature import mix32

# One shingle in this many is an anchor: a short release of 150 shingles keeps about 9, so
# a copy carrying 55% of it shares about 5 with it (missing it takes under 1% of the time).
ANCHOR_RATE = 16
# A shingle is an anchor when its mixed value (`mix32`: MurmurHash3's finalizer, a bijection
# whose every output bit depends on every input bit, so the choice follows no pattern in
# the ids themselves) is below this bar.
ANCHOR_BAR = np.uint32((1 << 32) // ANCHOR_RATE)
# An anchor found in more bodies than this is a stock phrase (a site's credit line, an agency
# formula), not a passage of one article: it makes no candidates. Copies of a release posted
# more widely are similar as wholes and LSH bands pair them.
COMMON_ANCHOR = 100
# Two bodies sharing fewer anchors than this share a phrase, not a passage.
MIN_SHARED = 2
# Estimated containment of the shorter body at which a pair is verified: under the verdict's
# bar (0.55), so that sampling error does not lose a copy.
MIN_ESTIMATE = 0.3


def anchors_of(shingles: ShingleIds) -> ShingleIds:
    """The anchors of a body (sorted, as its shingles are): the shingles whose mixed value
    falls in the lowest 1/`ANCHOR_RATE` of the 32-bit range."""
    chosen: npt.NDArray[np.uint32] = shingles[is_anchor(mix32(shingles))]
    return chosen


def is_anchor(mixed: npt.NDArray[np.uint32]) -> npt.NDArray[np.bool_]:
    """Which shingles are anchors, from their mixed values (``mix32(shingles)``)."""
    chosen: npt.NDArray[np.bool_] = mixed < ANCHOR_BAR
    return chosen


def enough_shared(
    shared: npt.NDArray[np.int64], fewer: npt.NDArray[np.int64]
) -> npt.NDArray[np.bool_]:
    """Which pairs share enough anchors (``shared``) of the fewer's (``fewer``) to verify."""
    mask: npt.NDArray[np.bool_] = (shared >= MIN_SHARED) & (shared >= MIN_ESTIMATE * fewer)
    return mask
