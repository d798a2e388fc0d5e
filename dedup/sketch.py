"""Bounded shingle samples: what the crawler's index keeps of a page to verify its matches.

A page's sample is the `sample_size` smallest of its shingle ids after a fixed mixing
(MurmurHash3's 32-bit finalizer, a bijection, so distinct shingles stay distinct): a
bottom-k sketch. Two samples cut at the smaller of their two cut-offs are samples of the
same hash range in both pages, chosen by the hash and not by the text, so the share of
values they have in common estimates the pages' Jaccard similarity, and the share of the
smaller page's values found in the other its containment. A page of at most
`sample_size` shingles is kept whole, and then both figures are exact: equal to
`dedup.shingle.compare_shingles` on the full sets (tested).

Compared with verifying on every shingle (about 4 bytes each, ~2.8 KB for a 700-character
article), a sample of 96 costs 384 bytes at most; compared with estimating from the
MinHash signature, it also estimates containment directly, which truncated copies need.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from dedup.shingle import Fingerprint, ShingleIds
from dedup.signature import mix32

Values = npt.NDArray[np.uint32]
FULL = 0xFFFFFFFF  # the cut-off of a page kept whole: every value is at or below it
_MIN_NUMBERS = 3  # as dedup.shingle.number_agreement


@dataclass(frozen=True, slots=True)
class Sample:
    """What the index keeps of a page: ``values``, its sorted sampled (mixed) shingle ids;
    ``size``, how many shingles the whole page has; ``numbers``, the ids of its distinctive
    numbers (all of them: they are few)."""

    values: Values
    size: int
    numbers: ShingleIds

    @property
    def cutoff(self) -> int:
        """The largest hash value this sample covers (`FULL` when the page is kept whole)."""
        return FULL if self.size <= self.values.size else int(self.values[-1])


@dataclass(frozen=True, slots=True)
class Samples:
    """The samples of several pages, flat: ``values`` cut by ``lengths`` (one per page),
    each page's shingle count in ``sizes``, its numbers in ``numbers`` cut by
    ``number_lengths``. How an index hands its candidates over: no object per page."""

    values: Values
    lengths: npt.NDArray[np.int64]
    sizes: npt.NDArray[np.int64]
    numbers: ShingleIds
    number_lengths: npt.NDArray[np.int64]

    @classmethod
    def of(cls, samples: Sequence[Sample]) -> Samples:
        """A batch of separate samples."""

        def flat(arrays: list[npt.NDArray[np.uint32]]) -> npt.NDArray[np.uint32]:
            return np.concatenate(arrays) if arrays else np.zeros(0, dtype=np.uint32)

        return cls(
            flat([sample.values for sample in samples]),
            np.array([sample.values.size for sample in samples], dtype=np.int64),
            np.array([sample.size for sample in samples], dtype=np.int64),
            flat([sample.numbers for sample in samples]),
            np.array([sample.numbers.size for sample in samples], dtype=np.int64),
        )

    def __len__(self) -> int:
        return int(self.lengths.size)

    @property
    def cutoffs(self) -> npt.NDArray[np.uint64]:
        """Each page's `Sample.cutoff`."""
        ends = np.cumsum(self.lengths)
        last = self.values[np.maximum(ends - 1, 0)] if self.values.size else np.zeros_like(ends)
        kept_whole = self.sizes <= self.lengths
        return np.where(kept_whole, np.uint64(FULL), last.astype(np.uint64))


@dataclass(frozen=True, slots=True)
class Estimates:
    """A page measured against several others, one entry per other page."""

    similarity: npt.NDArray[np.float64]
    containment: npt.NDArray[np.float64]
    # Share of the fewer distinctive numbers found in the other body; NaN where either has
    # too few to tell (`dedup.shingle.number_agreement`'s None).
    agreement: npt.NDArray[np.float64]


def sample_of(fingerprint: Fingerprint, sample_size: int | None) -> Sample:
    """A page's sample: every shingle when ``sample_size`` is None or the page is short,
    else the ``sample_size`` smallest mixed ids."""
    mixed = np.sort(mix32(fingerprint.shingles))
    if sample_size is not None and mixed.size > sample_size:
        mixed = mixed[:sample_size].copy()
    return Sample(mixed, fingerprint.size, fingerprint.numbers)


def compare_samples(query: Sample, others: Samples) -> Estimates:
    """Estimated Jaccard similarity, containment and number agreement of one page with each
    of several, in a few vectorized passes whatever their number."""
    count = len(others)
    if count == 0:
        empty = np.zeros(0, dtype=np.float64)
        return Estimates(empty, empty, empty)
    sizes, values, lengths = others.sizes, others.values, others.lengths
    # Each pair is compared at the smaller cut-off of its two samples.
    cutoffs = np.minimum(others.cutoffs, np.uint64(query.cutoff)).astype(np.uint32)
    covered = values <= np.repeat(cutoffs, lengths)
    shared = _per_page(covered & _found_in(values, query.values), lengths)
    other_counts = _per_page(covered, lengths)
    query_counts = np.searchsorted(query.values, cutoffs, side="right").astype(np.float64)
    union = query_counts + other_counts - shared
    # Containment is measured on the smaller page's sample (its share found in the other).
    smaller = np.where(
        sizes < query.size,
        other_counts,
        np.where(sizes > query.size, query_counts, np.minimum(query_counts, other_counts)),
    )
    nonempty = (sizes > 0) & (query.size > 0)
    similarity = np.divide(shared, union, out=np.zeros(count), where=nonempty & (union > 0))
    containment = np.divide(shared, smaller, out=np.zeros(count), where=nonempty & (smaller > 0))
    return Estimates(similarity, containment, _agreements(query.numbers, others))


def _per_page(
    flags: npt.NDArray[np.bool_], lengths: npt.NDArray[np.int64]
) -> npt.NDArray[np.float64]:
    """How many of each page's run of ``flags`` are set (runs cut by ``lengths``)."""
    running = np.zeros(flags.size + 1, dtype=np.int64)
    np.cumsum(flags, out=running[1:])
    ends = np.cumsum(lengths)
    counts: npt.NDArray[np.float64] = (running[ends] - running[ends - lengths]).astype(np.float64)
    return counts


# Membership through a direct-address table pays off from this many values looked up.
_TABLE_FROM = 2048
_TABLE_BITS = 16
_TABLE_MULTIPLIER = np.uint32(0x9E3779B1)  # odd: multiplying permutes the 32-bit values


def _found_in(values: Values, sorted_values: Values) -> npt.NDArray[np.bool_]:
    """Which of ``values`` occur in the sorted array ``sorted_values``.

    Many values (a page with a hundred indexed copies) against a sample of a few hundred:
    the sample goes into a table by a multiplicative hash and each value is checked with
    two indexed reads instead of a binary search, several times faster. With few values,
    or when two of the sample's values share a table slot, a binary search it is.
    """
    if sorted_values.size == 0:
        return np.zeros(values.size, dtype=bool)
    if values.size >= _TABLE_FROM and sorted_values.size <= 1 << (_TABLE_BITS - 5):
        shift = np.uint32(32 - _TABLE_BITS)
        slots = (sorted_values * _TABLE_MULTIPLIER) >> shift
        used = np.zeros(1 << _TABLE_BITS, dtype=bool)
        used[slots] = True
        if np.count_nonzero(used) == sorted_values.size:  # no two values share a slot
            table = np.zeros(1 << _TABLE_BITS, dtype=np.uint32)
            table[slots] = sorted_values
            probes = (values * _TABLE_MULTIPLIER) >> shift
            in_table: npt.NDArray[np.bool_] = used[probes] & (table[probes] == values)
            return in_table
    positions = np.minimum(np.searchsorted(sorted_values, values), sorted_values.size - 1)
    found: npt.NDArray[np.bool_] = sorted_values[positions] == values
    return found


def _agreements(numbers: ShingleIds, others: Samples) -> npt.NDArray[np.float64]:
    """`dedup.shingle.number_agreement` of one page with each of several, at once."""
    lengths = others.number_lengths
    agreement = np.full(len(others), np.nan)
    countable = lengths >= _MIN_NUMBERS
    if numbers.size < _MIN_NUMBERS or not countable.any():
        return agreement
    shared = _per_page(_found_in(others.numbers, numbers), lengths)
    fewer = np.minimum(lengths, numbers.size)
    agreement[countable] = shared[countable] / fewer[countable]
    return agreement
