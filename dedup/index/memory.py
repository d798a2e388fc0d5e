"""The crawler's index in this process (a `Backend`): pages in flat arrays, found by band and
by anchor.

Each page gets a slot number. Its sample (`dedup.index.sketches`), the ids of its distinctive
numbers, its shingle count, its number of anchors and when it was added are numpy columns
indexed by slot; its band keys live in a `BandTable`, its anchors in an `AnchorTable`. A
page's candidates are the pages sharing a band key with it, and those sharing enough
anchors (`dedup.index.anchors`); the copy rule decides which are copies. The only Python
objects per page are its id string, a dictionary entry and two list pointers, which is what
keeps a page near a kilobyte. Removed pages are marked dead and dropped in one pass once
they outnumber the live ones.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from dedup._arrays import Column, gathered, sorted_unique
from dedup.config import DedupConfig
from dedup.fingerprint.anchors import MIN_SHARED
from dedup.fingerprint.shingle import Fingerprint
from dedup.fingerprint.signature import Signature
from dedup.fingerprint.sketch import Sample, SampleColumns
from dedup.index.anchors import (
    AnchorTable,
    anchor_counts,
    page_anchors,
    shared_counts,
    sharing_enough,
)
from dedup.index.backend import Candidates, Signed
from dedup.index.bands import BandTable
from dedup.index.bodies import NONE, BodyTable
from dedup.index.file import IndexData, save_index
from dedup.index.matching import Matcher, original_of
from dedup.index.sample_table import SampleTable
from dedup.index.sketches import Sketcher
from dedup.models import Match


class MemoryIndex:
    """The pages of an in-memory index, by id and by band key. One lock guards every call
    that reads or changes more than one entry, so threads may share it."""

    def __init__(self, config: DedupConfig) -> None:
        self.config = config
        self._sketcher = Sketcher(config)
        self._matcher = Matcher(config)
        self._lock = threading.Lock()
        self._bands = BandTable(config.lsh_bands)
        self._anchors = AnchorTable()
        self._anchor_counts = Column(np.int32)
        self._slot_of: dict[str, int] = {}  # live pages only, in the order they were added
        self._names: list[str] = []  # by slot, kept after removal until compaction
        self._originals: list[str] = []  # by slot: the id of the page's group's original
        self._alive = Column(np.bool_)
        self._added = Column(np.float64)
        self._samples = SampleTable()
        self._bodies = BodyTable()  # by slot: the kept body (`dedup.index.bodies`)
        self._dead = 0
        self._expired = 0  # every slot before this one is dead: expiry resumes here

    # ------------------------------------------------------------------ the Backend calls

    def add(
        self,
        pages: list[tuple[str, Fingerprint, Signature | None]],
        bodies: Sequence[bytes] | None = None,
    ) -> list[list[Match] | None]:
        """Index pages one after the other (see `Backend.add`); a page is sketched outside
        the lock, and looked up and inserted under it."""
        results: list[list[Match] | None] = []
        for (doc_id, fingerprint, signature), body in zip(
            pages, bodies or [NONE] * len(pages), strict=True
        ):
            sample, keys = self._sketcher.sketch(fingerprint, signature)
            anchors = page_anchors(sample, keys)
            with self._lock:
                if doc_id in self._slot_of:
                    results.append(None)
                    continue
                posted, usable = self._anchors.find(anchors, self._most)
                matches = self._matches(sample, keys, (anchors.size, posted), body)
                original = original_of(matches, doc_id)
                self._insert(
                    doc_id,
                    sample,
                    keys,
                    (anchors, usable),
                    added=time.time(),
                    original=original,
                    body=body,
                )
            results.append(matches)
        return results

    def query(
        self, pages: list[Signed], bodies: Sequence[bytes] | None = None
    ) -> list[list[Match]]:
        results = []
        for (fingerprint, signature), body in zip(
            pages, bodies or [NONE] * len(pages), strict=True
        ):
            sample, keys = self._sketcher.sketch(fingerprint, signature)
            anchors = page_anchors(sample, keys)
            with self._lock:
                posted, _ = self._anchors.find(anchors, self._most)
                results.append(self._matches(sample, keys, (anchors.size, posted), body))
        return results

    def remove(self, doc_ids: list[str]) -> int:
        """Forget pages; how many were indexed. When one was its group's original, the
        oldest page left in the group becomes the original of the rest."""
        removed = 0
        with self._lock:
            for doc_id in doc_ids:
                if self._forget(doc_id):
                    self._hand_over_original(doc_id)
                    removed += 1
            self._compact_when_mostly_dead()
        return removed

    def expire(self, cutoff: float) -> int:
        """Forget the pages added before ``cutoff``, oldest first; how many were removed.

        Pages are visited in the order they were added and the walk stops at the first
        page still young enough, so a call costs what it removes.
        """
        with self._lock:
            return self._expire(cutoff)

    def save(self, path: str | os.PathLike[str]) -> None:
        with self._lock:
            data = self._snapshot()
        save_index(data, path)

    # ------------------------------------------------------------------ pages

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._slot_of

    def __len__(self) -> int:
        return len(self._slot_of)

    def ids(self) -> list[str]:
        """The live ids, oldest first."""
        with self._lock:
            return list(self._slot_of)

    def _insert(
        self,
        doc_id: str,
        sample: Sample,
        band_keys: npt.NDArray[np.uint32] | None,
        anchors: tuple[npt.NDArray[np.uint32], npt.NDArray[np.bool_]],
        *,
        added: float,
        original: str,
        body: bytes,
    ) -> None:
        """Index a page (its id must not be indexed); ``band_keys`` folded (`fold32`),
        None when the page has no body; its ``anchors``, and which of them are not common
        (`AnchorTable.find`): it is posted under those; its kept ``body``."""
        slot = len(self._names)
        self._slot_of[doc_id] = slot
        self._names.append(doc_id)
        self._originals.append(original)
        self._alive.append(True)
        self._added.append(added)
        self._samples.append(sample)
        self._bodies.append(body)
        carried, usable = anchors
        self._anchor_counts.append(carried.size)
        self._anchors.insert(slot, carried[usable])
        if band_keys is not None:
            self._bands.insert(slot, band_keys)

    def _hand_over_original(self, removed: str) -> None:
        alive = self._alive.view
        heirs = [
            slot
            for slot, original in enumerate(self._originals)
            if original == removed and alive[slot]
        ]
        if heirs:
            heir = self._names[heirs[0]]  # slots are in the order pages were added
            for slot in heirs:
                self._originals[slot] = heir

    def _expire(self, cutoff: float) -> int:
        removed = 0
        alive, added, names = self._alive.view, self._added.view, self._names
        slot = self._expired
        while slot < alive.size and (not alive[slot] or added[slot] < cutoff):
            if alive[slot]:
                self._forget(names[slot])
                removed += 1
            slot += 1
        self._expired = slot
        self._compact_when_mostly_dead()
        return removed

    def _matches(
        self,
        sample: Sample,
        keys: npt.NDArray[np.uint32] | None,
        anchors: tuple[int, npt.NDArray[np.int32]],
        body: bytes,
    ) -> list[Match]:
        """A page's verified matches, from its band keys, its number of anchors and the
        slots posted under them, and its kept body."""
        if keys is None:
            return []
        return self._matcher.matches(sample, self._lookup(keys, *anchors), body)

    @property
    def _most(self) -> int:
        """Candidates per band key and per anchor: the `max_candidates` added first that are
        still indexed (pages removed since the last compaction may come before them)."""
        return self.config.max_candidates + self._dead

    def _lookup(
        self, band_keys: npt.NDArray[np.uint32], anchors: int, posted: npt.NDArray[np.int32]
    ) -> Candidates:
        """The live pages sharing at least one band key, by slot, and those sharing enough
        of the page's ``anchors`` (``posted``: the slots under them, once per anchor
        shared), of each key and anchor the `_most` added first."""
        slots = self._bands.query(band_keys, most=self._most).astype(np.int64)
        if posted.size >= MIN_SHARED:
            sharing, shared = shared_counts(posted)
            enough = sharing_enough(shared, anchors, self._anchor_counts.view[sharing])
            if enough.any():
                slots = sorted_unique(np.concatenate([slots, sharing[enough]]))
        rows = slots[self._alive.view[slots]]
        listed = rows.tolist()
        return Candidates(
            gathered(self._names, listed),
            gathered(self._originals, listed),
            self._columns().take(rows),
            lambda positions: self._bodies.texts(gathered(listed, positions)),
        )

    def summary(self) -> tuple[list[float], int, int]:
        """When each live page was added, how many have a body, how many distinct originals."""
        with self._lock:
            return self._summary()

    def _summary(self) -> tuple[list[float], int, int]:
        alive = self._alive.view
        originals = {self._originals[slot] for slot in np.flatnonzero(alive).tolist()}
        return (
            self._added.view[alive].tolist(),
            int(np.count_nonzero(self._samples.columns.sizes[alive])),
            len(originals),
        )

    @property
    def nbytes(self) -> int:
        """Bytes of the numpy columns and the band arrays (id strings not counted)."""
        columns = self._alive.view.nbytes + self._added.view.nbytes + self._samples.nbytes
        columns += self._bodies.nbytes
        return self._bands.nbytes + self._anchors.nbytes + self._anchor_counts.view.nbytes + columns

    # ------------------------------------------------------------------ persistence

    def _snapshot(self) -> IndexData:
        """The live pages as `dedup.index.file` saves them (compacts first: slots become rows)."""
        self._compact()
        position = self._slot_of
        extra: dict[str, int] = {}
        originals = np.array(
            [
                position[name]
                if name in position
                else len(position) + extra.setdefault(name, len(extra))
                for name in self._originals
            ],
            dtype=np.int64,
        )
        band_keys, band_slots = self._bands.arrays()
        anchor_keys, anchor_slots = self._anchors.arrays()
        samples = self._samples.columns
        bodies, body_ends = self._bodies.arrays()
        return IndexData(
            config=self.config,
            doc_ids=list(self._names),
            extra_names=list(extra),
            sizes=samples.sizes.copy(),
            samples=samples.values.copy(),
            sample_offsets=_offsets(samples.value_ends),
            numbers=samples.numbers.copy(),
            number_offsets=_offsets(samples.number_ends),
            added=self._added.view.copy(),
            originals=originals,
            band_keys=band_keys,
            band_slots=band_slots,
            anchor_keys=anchor_keys.copy(),
            anchor_slots=anchor_slots.copy(),
            bodies=bodies,
            body_offsets=_offsets(body_ends),
        )

    @classmethod
    def from_data(cls, data: IndexData) -> MemoryIndex:
        """An index holding the pages of a loaded file, with no per-page work beyond ids."""
        index = cls(data.config)
        index._bands = BandTable.from_arrays(data.band_keys, data.band_slots)
        index._anchors = AnchorTable.from_arrays(data.anchor_keys, data.anchor_slots)
        index._names = list(data.doc_ids)
        index._slot_of = {doc_id: slot for slot, doc_id in enumerate(index._names)}
        names = index._names + data.extra_names
        index._originals = [names[row] for row in data.originals.tolist()]
        index._alive = Column(np.bool_, np.ones(len(names) - len(data.extra_names), bool))
        index._added = Column(np.float64, data.added)
        index._samples = SampleTable(
            SampleColumns(
                data.samples,
                data.sample_offsets[1:].astype(np.int64),
                data.numbers,
                data.number_offsets[1:].astype(np.int64),
                data.sizes,
            )
        )
        index._bodies = BodyTable(data.bodies, data.body_offsets[1:].astype(np.int64))
        lengths = np.diff(data.sample_offsets).astype(np.int64)
        index._anchor_counts = Column(np.int32, anchor_counts(data.samples, lengths))
        return index

    def _compact(self) -> None:
        """Drop dead pages from every column and renumber the slots."""
        if not self._dead:
            return
        alive = self._alive.view.copy()
        self._bands.keep(alive)
        self._anchors.keep(alive)
        self._anchor_counts = Column(np.int32, self._anchor_counts.view[alive])
        self._expired = int(np.count_nonzero(alive[: self._expired]))
        keep = alive.tolist()
        self._names = [name for name, kept in zip(self._names, keep, strict=True) if kept]
        self._originals = [name for name, kept in zip(self._originals, keep, strict=True) if kept]
        self._slot_of = {name: slot for slot, name in enumerate(self._names)}
        self._samples = self._samples.kept(alive)
        self._bodies = self._bodies.kept(alive)
        self._added = Column(np.float64, self._added.view[alive])
        self._alive = Column(np.bool_, np.ones(len(self._names), bool))
        self._dead = 0

    # ------------------------------------------------------------------ internals

    def _columns(self) -> SampleColumns:
        return self._samples.columns

    def _forget(self, doc_id: str) -> bool:
        slot = self._slot_of.pop(doc_id, None)
        if slot is None:
            return False
        self._alive.view[slot] = False
        self._dead += 1
        return True

    def _compact_when_mostly_dead(self) -> None:
        if self._dead > max(1024, len(self._slot_of)):
            self._compact()


def _offsets(ends: npt.NDArray[np.int64]) -> npt.NDArray[np.uint64]:
    offsets = np.zeros(ends.size + 1, dtype=np.uint64)
    offsets[1:] = ends
    return offsets
