"""A connected group's candidate pairs, made again from its own pages when it is verified.

The scan finds its groups of candidates from links that join them (`banding.bucket_links`,
`AnchorTable.links`: at most a few pairs a page) instead of holding every candidate pair,
which grows with the copies of each article, not with the pages. A group's pairs are then
those of its own pages: every member of a band's bucket is in the bucket's group, and so is
every page sharing enough anchors with one of its pages; only the anchors that too many
pages of the whole scan hold, which pair no one, must be known beforehand.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from dedup._arrays import unique_pairs
from dedup.batch.anchors import group_pairs
from dedup.batch.banding import candidate_pairs
from dedup.fingerprint.bands import band_keys
from dedup.fingerprint.shingle import ShingleIds


@dataclass(frozen=True, slots=True)
class StoredCandidates:
    """Makes a group's candidate pairs from its pages' signatures and anchors (read back
    from the scan's store): the pairs of `candidate_pairs` and `anchor_pairs` over every
    page that join two of the group's."""

    signatures: Sequence[npt.NDArray[np.uint32]]
    anchors: Sequence[ShingleIds]
    common: npt.NDArray[np.uint32]  # anchors held by too many pages to pair on, sorted
    bands: int
    rows: int

    def __call__(self, pages: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        """Sorted unique (i, j) candidate pairs, i < j, of the group of `pages` (in order)."""
        positions = pages.tolist()
        signatures = np.stack([self.signatures[page] for page in positions])
        banded = candidate_pairs(band_keys(signatures, bands=self.bands, rows=self.rows))
        anchored = group_pairs([self.anchors[page] for page in positions], self.common)
        # Positions within the group, in page order: the same order once mapped back.
        local = unique_pairs(np.concatenate([banded, anchored]))
        return pages[local].reshape(-1, 2)
