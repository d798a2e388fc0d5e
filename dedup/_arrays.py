"""Numpy helpers with no domain knowledge: growable columns, gathers, runs, sorted unique."""

from __future__ import annotations

from functools import cache
from operator import itemgetter
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

_T = TypeVar("_T")
_Item = TypeVar("_Item", bound=np.generic)


def sorted_unique(values: npt.NDArray[_Item]) -> npt.NDArray[_Item]:
    """``np.unique`` by sorting: ten times faster on a few hundred ids than numpy 2's
    hash-based unique."""
    return unique_of_sorted(np.sort(values))


def unique_of_sorted(ordered: npt.NDArray[_Item]) -> npt.NDArray[_Item]:
    """The distinct values of a sorted array, in order."""
    if ordered.size < 2:
        return ordered
    keep = np.empty(ordered.size, dtype=bool)
    keep[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]


def unique_pairs(pairs: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """``np.unique(pairs, axis=0)`` of (n, 2) non-negative pairs, sorted by their first
    then second value: each pair made one number and those sorted, where numpy sorts rows
    as records (several times slower, and it imports ``numpy.ma``)."""
    if pairs.size == 0:
        return pairs.reshape(0, 2)
    width = int(pairs[:, 1].max()) + 1
    codes = sorted_unique(pairs[:, 0] * width + pairs[:, 1])
    unique: npt.NDArray[np.int64] = np.stack([codes // width, codes % width], axis=1)
    return unique


def component_labels(
    count: int, left: npt.NDArray[np.int64], right: npt.NDArray[np.int64]
) -> npt.NDArray[np.int64]:
    """Each page's group label: the first (smallest) position in its connected group.

    Each round lowers every pair's two labels to the smaller one, then lets every label
    follow the labels it points to until they settle: a label is always a page of the same
    group, no larger than the page itself, so they settle on the group's first page."""
    labels = np.arange(count, dtype=np.int64)
    while left.size:
        lower = np.minimum(labels[left], labels[right])
        updated = labels.copy()
        np.minimum.at(updated, left, lower)
        np.minimum.at(updated, right, lower)
        while not np.array_equal(jumped := updated[updated], updated):
            updated = jumped
        if np.array_equal(updated, labels):
            break
        labels = updated
    return labels


def spanning_pairs(count: int, pairs: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Pairs joining each page to the first page of its connected group (pages linked by
    `pairs`, an (n, 2) array): the same groups with at most one pair a page."""
    labels = component_labels(count, pairs[:, 0], pairs[:, 1])
    members = np.flatnonzero(labels != np.arange(count))
    spanning: npt.NDArray[np.int64] = np.stack([labels[members], members], axis=1)
    return spanning


def shared_count(left: npt.NDArray[_Item], right: npt.NDArray[_Item]) -> int:
    """How many values two arrays of unique values share: ``np.intersect1d(left, right,
    assume_unique=True).size`` in a quarter less time. A stable sort (timsort) of two sorted
    arrays put end to end is one merge; a shared value is then two equal neighbours."""
    both = np.concatenate((left, right))
    both.sort(kind="stable")
    return int(np.count_nonzero(both[1:] == both[:-1]))


def sorted_difference(left: npt.NDArray[_Item], right: npt.NDArray[_Item]) -> npt.NDArray[_Item]:
    """``np.setdiff1d(left, right, assume_unique=True)`` of two sorted arrays of unique
    values: each of `left`'s looked up in `right` by binary search, where numpy sorts both
    arrays again (three times slower on a page's shingles)."""
    if not left.size or not right.size:
        return left.copy()
    at = np.searchsorted(right, left)
    np.minimum(at, right.size - 1, out=at)
    difference: npt.NDArray[_Item] = left[right[at] != left]
    return difference


@cache
def upper_pairs(size: int) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """``np.triu_indices(size, k=1)``: every pair (i, j), i < j, of `size` items, made
    once per size (a scan asks for the same few sizes hundreds of times); read-only."""
    left, right = np.triu_indices(size, k=1)
    left.flags.writeable = False
    right.flags.writeable = False
    return left, right


def ranges(starts: npt.NDArray[np.int64], lengths: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """The positions ``starts[i]`` to ``starts[i] + lengths[i] - 1`` of every run, one after
    the other."""
    skips = starts - (np.cumsum(lengths) - lengths)  # from a run's place in the output to its own
    positions: npt.NDArray[np.int64] = np.arange(int(lengths.sum())) + np.repeat(skips, lengths)
    return positions


def gathered(items: list[_T], positions: list[int]) -> list[_T]:
    """``[items[n] for n in positions]`` in one C call: a lookup gathers a page's
    candidates' ids by the hundred."""
    if len(positions) == 1:
        return [items[positions[0]]]
    return list(itemgetter(*positions)(items)) if positions else []


class Column:
    """A growable one-dimensional numpy array; capacity doubles, so appends are cheap."""

    __slots__ = ("_data", "size")

    def __init__(self, dtype: Any, initial: npt.NDArray[Any] | None = None) -> None:
        values = np.zeros(0, dtype) if initial is None else np.asarray(initial, dtype=dtype)
        # np.zeros maps zeroed pages lazily: unused capacity costs no resident memory.
        self._data = np.zeros(max(1024, values.size), dtype=dtype)
        self._data[: values.size] = values
        self.size = int(values.size)

    @property
    def view(self) -> npt.NDArray[Any]:
        return self._data[: self.size]

    def append(self, value: Any) -> None:
        if self.size == self._data.size:
            self._grow(self.size + 1)
        self._data[self.size] = value
        self.size += 1

    def extend(self, values: npt.NDArray[Any]) -> None:
        end = self.size + values.size
        if end > self._data.size:
            self._grow(end)
        self._data[self.size : end] = values
        self.size = end

    def _grow(self, needed: int) -> None:
        grown = np.zeros(max(needed, 2 * self._data.size), dtype=self._data.dtype)
        grown[: self.size] = self._data[: self.size]
        self._data = grown
