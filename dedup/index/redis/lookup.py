"""What a page's entries in the shared index name: its candidates by band key and by anchor.

A lookup reads, in one HMGET per page, the entries of its band fields then of its anchor
fields (`dedup.index.redis.codec.lookup_fields`). Of each entry it keeps the
`max_candidates` pages added first; an anchor entry of more than `COMMON_ANCHOR` pages is a
stock phrase and names none (the add script no longer posts under it). Pages sharing a band
key are candidates; pages sharing anchors are once their records say how many anchors they
have (`dedup.index.anchors.sharing_enough`, the scan's rule).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import numpy.typing as npt

from dedup._arrays import sorted_unique
from dedup.fingerprint.anchors import COMMON_ANCHOR
from dedup.index.anchors import shared_counts, sharing_enough
from dedup.index.redis.codec import NUMBER, DamagedError

Numbers = npt.NDArray[np.uint32]


@dataclasses.dataclass(frozen=True, slots=True)
class Found:
    """A page's entries read: the pages sharing a band key with it (sorted, unique), those
    sharing at least `MIN_SHARED` of its ``anchors`` (sorted, unique) with how many, and
    the last page number any of its entries holds."""

    banded: Numbers
    sharing: Numbers
    shared: npt.NDArray[np.int64]
    anchors: int
    last: int

    @property
    def numbers(self) -> Numbers:
        """Every page to fetch to verify this one: both kinds of candidates."""
        if not self.sharing.size:
            return self.banded
        return sorted_unique(np.concatenate([self.banded, self.sharing]))

    def candidates(self, held: Numbers, anchor_counts: npt.NDArray[np.int64]) -> Numbers:
        """The candidate numbers to verify, given the pages fetched (``held``, sorted) and
        their numbers of anchors: those sharing a band key, and those sharing enough
        anchors (a page removed meanwhile is not fetched: it is left out)."""
        if not self.sharing.size:
            return self.banded
        at = np.minimum(np.searchsorted(held, self.sharing), max(held.size - 1, 0))
        fetched = held[at] == self.sharing if held.size else np.zeros(0, dtype=bool)
        theirs = anchor_counts[at] if held.size else np.zeros(0, dtype=np.int64)
        enough = fetched & sharing_enough(self.shared, self.anchors, theirs)
        if not enough.any():
            return self.banded
        return sorted_unique(np.concatenate([self.banded, self.sharing[enough]]))


NOTHING = Found(
    np.zeros(0, dtype=np.uint32), np.zeros(0, dtype=np.uint32), np.zeros(0, np.int64), 0, 0
)


def read_entries(entries: list[bytes | None], bands: int, anchors: int, most: int) -> Found:
    """What one page's HMGET reply names: its ``bands`` band entries, then its ``anchors``
    anchor entries; of each entry the ``most`` pages added first.

    Raises:
        DamagedError: an entry is not whole page numbers.
    """
    kept = NUMBER.itemsize * most  # bytes
    held = [entry for entry in entries if entry]
    if any(len(entry) % NUMBER.itemsize for entry in held):
        raise DamagedError("band entry")
    last = max((int.from_bytes(entry[-4:], "little") for entry in held), default=0)
    # Copies share most of their band entries whole: each distinct entry once.
    banded = {entry[:kept] for entry in entries[:bands] if entry}
    posted = [
        entry[:kept]
        for entry in entries[bands : bands + anchors]
        if entry and len(entry) <= NUMBER.itemsize * COMMON_ANCHOR
    ]
    sharing, shared = shared_counts(_numbers(posted).astype(np.int64))
    return Found(
        sorted_unique(_numbers(list(banded))),
        sharing.astype(np.uint32),
        shared,
        anchors,
        last,
    )


def _numbers(entries: list[bytes]) -> Numbers:
    return np.frombuffer(b"".join(entries), dtype=NUMBER).astype(np.uint32)
