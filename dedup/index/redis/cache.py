"""The records of shared-index pages this process fetched, kept by number."""

from __future__ import annotations

import threading

import numpy as np
import numpy.typing as npt

from dedup._arrays import gathered
from dedup.fingerprint.sketch import SampleColumns
from dedup.index.sample_table import SampleTable


class RecordCache:
    """The records of pages this process fetched, by number, so that each is fetched and
    decoded once: a record never changes (a page's original, which does, is fetched every
    time, which also tells which pages were removed meanwhile). Holds up to ``limit``
    pages, about 600 bytes each, then starts over. Safe to share between threads."""

    def __init__(self, limit: int = 100_000) -> None:
        self.limit = limit
        self.epoch: bytes | None = None  # the namespace's epoch the records belong to
        self._lock = threading.Lock()
        self._clear()

    def restart(self, epoch: bytes | None) -> None:
        """Forget every record: they belong to another epoch of the namespace."""
        with self._lock:
            self._clear()
            self.epoch = epoch

    def held(
        self, numbers: npt.NDArray[np.uint32]
    ) -> tuple[npt.NDArray[np.bool_], SampleColumns, list[str]]:
        """Which of these pages are held, and their samples and doc_ids, in order."""
        with self._lock:
            row_of = self._row_of
            rows = np.fromiter(
                (row_of.get(number, -1) for number in numbers.tolist()), np.int64, numbers.size
            )
            hit = rows >= 0
            rows = rows[hit]
            return hit, self._samples.columns.subset(rows), gathered(self._names, rows.tolist())

    def add(
        self, numbers: npt.NDArray[np.uint32], columns: SampleColumns, names: list[str]
    ) -> None:
        """Hold these pages too."""
        with self._lock:
            if len(self._names) + numbers.size > self.limit:
                self._clear()
            first = len(self._names)
            self._row_of.update(
                zip(numbers.tolist(), range(first, first + numbers.size), strict=True)
            )
            self._names += names
            self._samples.extend(columns)

    def _clear(self) -> None:
        self._row_of: dict[int, int] = {}
        self._names: list[str] = []
        self._samples = SampleTable()
