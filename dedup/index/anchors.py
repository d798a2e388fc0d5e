"""Anchor postings of the crawler's index: pages found by the passages they share.

Band keys find pages similar as wholes. A short release carried whole inside a report three
times its length, or a cut-down copy, shares a passage and seldom a band key; the scan finds
such pairs through anchors (`dedup.fingerprint.anchors`), and so does the index, by the same
rule: a page is a candidate of another when they share at least `MIN_SHARED` anchors, at
least `MIN_ESTIMATE` of the fewer's (`enough_shared`); an anchor already posted by more than
`COMMON_ANCHOR` pages is a stock phrase, which gives no candidates and takes no more pages.
As with band keys, of each anchor's pages only the `max_candidates` posted first are
candidates: a lookup reads a bounded number of postings per anchor.

A page's anchors are read off its sample (`dedup.index.sketches` keeps every anchor in it):
the sampled values, which are mixed shingle ids, below `ANCHOR_BAR`. `AnchorTable` holds the
postings of the in-memory index; the shared index keeps them in Redis
(`dedup.index.redis.store`).
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from dedup._arrays import ranges
from dedup.fingerprint.anchors import ANCHOR_BAR, COMMON_ANCHOR, MIN_SHARED, enough_shared
from dedup.fingerprint.sketch import Sample, Values

_Number = TypeVar("_Number", bound=np.integer[Any])


def anchors_in(sample: Sample) -> Values:
    """A page's anchors, as mixed ids, sorted: its sampled values below the bar."""
    values = sample.values
    return values[: int(np.searchsorted(values, ANCHOR_BAR))]


def page_anchors(sample: Sample, band_keys: npt.NDArray[np.uint32] | None) -> Values:
    """The anchors a page is posted under and looks up: none for a page without a body
    (no band keys), which matches nothing."""
    if band_keys is None:
        return np.zeros(0, dtype=np.uint32)
    return anchors_in(sample)


def anchor_counts(values: Values, lengths: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """How many anchors each of several pages has: of their samples' values (flat, cut by
    ``lengths``), those below the bar."""
    below = np.zeros(values.size + 1, dtype=np.int64)
    np.cumsum(values < ANCHOR_BAR, out=below[1:])
    ends = np.cumsum(lengths)
    counts: npt.NDArray[np.int64] = below[ends] - below[ends - lengths]
    return counts


def shared_counts(
    postings: npt.NDArray[_Number],
) -> tuple[npt.NDArray[_Number], npt.NDArray[np.int64]]:
    """The pages named in a page's anchor postings (one entry per shared anchor), each once,
    sorted, with how many anchors it shares; only those sharing at least `MIN_SHARED`."""
    ordered = np.sort(postings)
    # Only a page named twice or more may share MIN_SHARED (at least 2) anchors: where an
    # entry equals the next, and the first of each such run starts the page's.
    again = np.flatnonzero(ordered[1:] == ordered[:-1])
    if again.size == 0:
        return ordered[:0], again.astype(np.int64)
    starts = again[np.diff(again, prepend=-2) > 1]
    pages = ordered[starts]
    shared = (np.searchsorted(ordered, pages, side="right") - starts).astype(np.int64)
    kept = shared >= MIN_SHARED
    return pages[kept], shared[kept]


def pairs_sharing(anchors: list[Values]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """(earlier, later) positions of every two of several pages that share enough anchors
    (`sharing_enough`; an anchor of more than `COMMON_ANCHOR` of them counts for none),
    each pair once: the candidates among the pages of one batch."""
    lengths = np.fromiter(map(len, anchors), dtype=np.int64, count=len(anchors))
    none = np.zeros(0, dtype=np.int64)
    if lengths.size < 2 or not lengths.any():
        return none, none
    keys = np.concatenate(anchors)
    owners = np.repeat(np.arange(lengths.size, dtype=np.int64), lengths)
    order = np.argsort(keys, kind="stable")  # within an anchor, pages stay in order
    keys, owners = keys[order], owners[order]
    first = np.ones(keys.size, dtype=bool)
    np.not_equal(keys[1:], keys[:-1], out=first[1:])
    starts = np.flatnonzero(first)
    sizes = np.diff(starts, append=keys.size)
    twos = starts[sizes == 2]  # most shared anchors: two pages, vectorized
    earlier, later = [owners[twos]], [owners[twos + 1]]
    larger = (sizes > 2) & (sizes <= COMMON_ANCHOR)
    for start, size in zip(starts[larger].tolist(), sizes[larger].tolist(), strict=True):
        members = owners[start : start + size]
        low, high = np.triu_indices(size, 1)
        earlier.append(members[low])
        later.append(members[high])
    codes = np.concatenate(later) * lengths.size + np.concatenate(earlier)
    pairs, shared = shared_counts(codes)
    low, high = pairs % lengths.size, pairs // lengths.size
    enough = enough_shared(shared, np.minimum(lengths[low], lengths[high]))
    return low[enough], high[enough]


def sharing_enough(
    shared: npt.NDArray[np.int64], own: int, theirs: npt.NDArray[np.int64]
) -> npt.NDArray[np.bool_]:
    """Which candidates sharing ``shared`` anchors with a page of ``own`` anchors (theirs:
    ``theirs``) are verified: the scan's rule (`enough_shared`)."""
    return enough_shared(shared, np.minimum(theirs, own))


class AnchorTable:
    """The anchor postings of the in-memory index: anchor -> slots of the pages carrying it.

    Postings are two flat arrays sorted by anchor (an anchor's slots in the order they were
    posted): a lookup is two binary searches of the page's sorted anchors and one gather, a
    dozen numpy calls whatever the page's length (a directory of key prefixes, as the band
    rows have, costs more calls than the searches it saves). New postings wait in a
    dictionary of about a 16th of the table (from `BUFFER` to `MAX_BUFFER` postings) and
    are merged in one pass when it is full, which keeps the cost per posting about the same
    however large the table. A flag per block of anchor values says which blocks have
    postings waiting, so a lookup asks the dictionary only for the few anchors that may be
    there, not for every anchor of the page. Removed pages stay until the caller compacts
    (`keep`); the caller filters them from lookups meanwhile.
    """

    BUFFER = 16384
    MAX_BUFFER = 262144
    _KEY_BITS = int(ANCHOR_BAR).bit_length() - 1  # anchors are below 2**_KEY_BITS
    _BLOCK_BITS = 20  # blocks of anchor values flagged while postings of them wait

    def __init__(self) -> None:
        self._keys = np.zeros(0, dtype=np.uint32)
        self._slots = np.zeros(0, dtype=np.int32)
        self._waiting: defaultdict[int, list[int]] = defaultdict(list)
        self._buffered = 0
        self._flagged = np.zeros(1 << self._BLOCK_BITS, dtype=bool)

    @classmethod
    def from_arrays(cls, keys: npt.NDArray[np.uint32], slots: npt.NDArray[np.int32]) -> AnchorTable:
        """A table from `arrays()`: postings sorted by anchor."""
        table = cls()
        table._keys = np.ascontiguousarray(keys, dtype=np.uint32).copy()
        table._slots = np.ascontiguousarray(slots, dtype=np.int32).copy()
        return table

    def find(
        self, anchors: Values, most: int
    ) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.bool_]]:
        """The slots posted under a page's anchors, once per anchor they share with it: of
        each anchor, the ``most`` posted first, and none of a common one; and which of the
        anchors are not common (they take the page when it is inserted)."""
        first = self._keys.searchsorted(anchors)  # sorted anchors: numpy narrows as it goes
        merged = self._keys.searchsorted(anchors, side="right") - first
        held, waiting = merged, self._waiting_under(anchors)
        if waiting:
            held = merged.copy()
            for row, posted in waiting.items():
                held[row] += len(posted)
        usable = held <= COMMON_ANCHOR
        taken = np.where(usable, merged if most >= COMMON_ANCHOR else np.minimum(merged, most), 0)
        found = self._slots[ranges(first, taken)]
        if waiting:
            room = (most - taken).tolist()
            buffered = [
                slot
                for row, posted in waiting.items()
                if usable[row]
                for slot in posted[: room[row]]
            ]
            found = np.concatenate([found, np.array(buffered, dtype=np.int32)])
        return found, usable

    def insert(self, slot: int, anchors: Values) -> None:
        """Post a page under these anchors (those `find` said are not common)."""
        waiting = self._waiting
        for anchor in anchors.tolist():
            waiting[anchor].append(slot)
        self._flagged[anchors >> np.uint32(self._KEY_BITS - self._BLOCK_BITS)] = True
        self._buffered += anchors.size
        if self._buffered >= min(self.MAX_BUFFER, max(self.BUFFER, self._keys.size >> 4)):
            self._merge()

    def _waiting_under(self, anchors: Values) -> dict[int, list[int]]:
        """The postings waiting in the buffer under each of these anchors that has some,
        by the anchor's position."""
        if not self._buffered:
            return {}
        blocks = anchors >> np.uint32(self._KEY_BITS - self._BLOCK_BITS)
        maybe = np.flatnonzero(self._flagged[blocks])
        if maybe.size == 0:
            return {}
        waiting = self._waiting
        return {
            row: waiting[anchor]
            for row, anchor in zip(maybe.tolist(), anchors[maybe].tolist(), strict=True)
            if anchor in waiting
        }

    def keep(self, alive: npt.NDArray[np.bool_]) -> None:
        """Drop the postings of pages whose slot is False in ``alive`` and renumber the
        others (slot s becomes the number of live slots before it)."""
        self._merge()
        kept = alive[self._slots]
        renumbered = (np.cumsum(alive) - 1).astype(np.int32)
        self._keys = self._keys[kept]
        self._slots = renumbered[self._slots[kept]]

    def arrays(self) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.int32]]:
        """The postings, sorted by anchor (buffer merged first)."""
        self._merge()
        return self._keys, self._slots

    @property
    def nbytes(self) -> int:
        """Bytes of the posting arrays and the buffer's flags (the buffer itself not
        counted)."""
        return self._keys.nbytes + self._slots.nbytes + self._flagged.nbytes

    def _merge(self) -> None:
        if not self._buffered:
            return
        lengths = np.fromiter(map(len, self._waiting.values()), np.int64, len(self._waiting))
        keys = np.repeat(np.fromiter(self._waiting, np.uint32, len(self._waiting)), lengths)
        slots = np.array(
            list(itertools.chain.from_iterable(self._waiting.values())), dtype=np.int32
        )
        order = np.argsort(keys, kind="stable")
        keys, slots = keys[order], slots[order]
        # Where the new postings land among the old: after the anchor's earlier postings.
        landing = np.searchsorted(self._keys, keys, side="right") + np.arange(keys.size)
        total = self._keys.size + keys.size
        old = np.ones(total, dtype=bool)
        old[landing] = False
        merged_keys = np.empty(total, dtype=np.uint32)
        merged_slots = np.empty(total, dtype=np.int32)
        merged_keys[old], merged_keys[landing] = self._keys, keys
        merged_slots[old], merged_slots[landing] = self._slots, slots
        self._keys, self._slots = merged_keys, merged_slots
        self._waiting.clear()
        self._flagged[:] = False
        self._buffered = 0
