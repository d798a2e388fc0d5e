"""A growing table of page samples by row: what the in-memory index and the record cache keep."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from dedup._arrays import Column
from dedup.fingerprint.sketch import Sample, SampleColumns


class SampleTable:
    """Samples in five growable columns (values and number ids, each cut by end offsets,
    and shingle counts), rows added one at a time or a batch at a time; `columns` is a
    view of them as `SampleColumns`, for lookups."""

    __slots__ = ("_number_ends", "_numbers", "_sizes", "_value_ends", "_values")

    def __init__(self, initial: SampleColumns | None = None) -> None:
        self._values = Column(np.uint32, None if initial is None else initial.values)
        self._value_ends = Column(np.int64, None if initial is None else initial.value_ends)
        self._numbers = Column(np.uint32, None if initial is None else initial.numbers)
        self._number_ends = Column(np.int64, None if initial is None else initial.number_ends)
        self._sizes = Column(np.uint32, None if initial is None else initial.sizes)

    def append(self, sample: Sample) -> None:
        """Add one page's sample as the next row."""
        self._sizes.append(sample.size)
        self._values.extend(sample.values)
        self._value_ends.append(self._values.size)
        self._numbers.extend(sample.numbers)
        self._number_ends.append(self._numbers.size)

    def extend(self, columns: SampleColumns) -> None:
        """Add the rows of other columns, in order."""
        self._values.extend(columns.values)
        self._value_ends.extend(columns.value_ends + self._values.size - columns.values.size)
        self._numbers.extend(columns.numbers)
        self._number_ends.extend(columns.number_ends + self._numbers.size - columns.numbers.size)
        self._sizes.extend(columns.sizes)

    @property
    def columns(self) -> SampleColumns:
        return SampleColumns(
            self._values.view,
            self._value_ends.view,
            self._numbers.view,
            self._number_ends.view,
            self._sizes.view,
        )

    def kept(self, alive: npt.NDArray[np.bool_]) -> SampleTable:
        """A table of the rows where ``alive`` is True, in order (runs of the others are
        left out in one pass, no loop over rows)."""
        values, value_ends = _kept(self._values.view, self._value_ends.view, alive)
        numbers, number_ends = _kept(self._numbers.view, self._number_ends.view, alive)
        return SampleTable(
            SampleColumns(values, value_ends, numbers, number_ends, self._sizes.view[alive])
        )

    @property
    def nbytes(self) -> int:
        columns = (self._values, self._value_ends, self._numbers, self._number_ends, self._sizes)
        return sum(column.view.nbytes for column in columns)


def _kept(
    values: npt.NDArray[np.uint32], ends: npt.NDArray[np.int64], alive: npt.NDArray[np.bool_]
) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.int64]]:
    """A flat column cut by end offsets, with the runs of dead rows left out."""
    lengths = ends - np.concatenate([np.zeros(1, dtype=np.int64), ends[:-1]])
    return values[np.repeat(alive, lengths)], np.cumsum(lengths[alive])
