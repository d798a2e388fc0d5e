"""Bounded shingle samples: what the crawler's index keeps of a page to verify its matches.

A page's sample is the `sample_size` smallest of its shingle ids after a fixed mixing
(MurmurHash3's 32-bit finalizer, a bijection, so distinct shingles stay distinct): a
bottom-k sketch. Two samples cut at the smaller of their two cut-offs are samples of the
same hash range in both pages, chosen by the hash and not by the text, so the share of
values they have in common estimates the pages' Jaccard similarity, and the share of the
smaller page's values found in the other its containment. A page of at most
`sample_size` shingles is kept whole, and then both figures are exact: equal to
`dedup.fingerprint.shingle.compare_shingles` on the full sets (tested).

Compared with verifying on every shingle (about 4 bytes each, ~2.8 KB for a 700-character
article), a sample of 96 costs 384 bytes at most; compared with estimating from the
MinHash signature, it also estimates containment directly, which truncated copies need.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from dedup._arrays import ranges
from dedup.fingerprint.shingle import MIN_NUMBERS, Fingerprint, ShingleIds
from dedup.fingerprint.signature import mix32

Values = npt.NDArray[np.uint32]
FULL = 0xFFFFFFFF  # the cut-off of a page kept whole: every value is at or below it


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
class SampleColumns:
    """The samples of many pages as an index holds them, by row: flat ``values`` and
    ``numbers`` cut by the end offset of each row's run, and each row's shingle count."""

    values: Values
    value_ends: npt.NDArray[np.int64]
    numbers: ShingleIds
    number_ends: npt.NDArray[np.int64]
    sizes: npt.NDArray[np.uint32]

    def subset(self, rows: npt.NDArray[np.int64]) -> SampleColumns:
        """These rows, in this order, as columns of their own."""
        taken = self.take(rows)
        return SampleColumns(
            taken.values,
            np.cumsum(taken.lengths),
            taken.numbers,
            np.cumsum(taken.number_lengths),
            taken.sizes.astype(np.uint32),
        )

    def joined(self, other: SampleColumns) -> SampleColumns:
        """These rows, then those of ``other``."""
        value_end = self.value_ends[-1] if self.value_ends.size else 0
        number_end = self.number_ends[-1] if self.number_ends.size else 0
        return SampleColumns(
            np.concatenate([self.values, other.values]),
            np.concatenate([self.value_ends, other.value_ends + value_end]),
            np.concatenate([self.numbers, other.numbers]),
            np.concatenate([self.number_ends, other.number_ends + number_end]),
            np.concatenate([self.sizes, other.sizes]),
        )

    def take(self, rows: npt.NDArray[np.int64]) -> Samples:
        """The samples of these rows, in this order: a few gathers, no loop over rows."""
        values, lengths = _runs(self.values, self.value_ends, rows)
        numbers, number_lengths = _runs(self.numbers, self.number_ends, rows)
        return Samples(values, lengths, self.sizes[rows].astype(np.int64), numbers, number_lengths)


def _runs(
    flat: npt.NDArray[np.uint32], ends: npt.NDArray[np.int64], rows: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.int64]]:
    """The runs of ``rows`` in a flat column cut by end offsets, concatenated, and their
    lengths."""
    starts = np.where(rows > 0, ends[rows - 1], 0) if rows.size else rows
    lengths = ends[rows] - starts
    return flat[ranges(starts, lengths)], lengths


@dataclass(frozen=True, slots=True)
class Estimates:
    """A page measured against several others, one entry per other page."""

    similarity: npt.NDArray[np.float64]
    containment: npt.NDArray[np.float64]
    # Share of the fewer distinctive numbers found in the other body; NaN where either has
    # too few to tell (`dedup.fingerprint.shingle.number_agreement`'s None).
    agreement: npt.NDArray[np.float64]


def sample_of(fingerprint: Fingerprint, sample_size: int | None) -> Sample:
    """A page's sample: every shingle when ``sample_size`` is None or the page is short,
    else the ``sample_size`` smallest mixed ids."""
    values = _smallest(mix32(fingerprint.shingles), sample_size)
    return Sample(values, fingerprint.size, fingerprint.numbers)


def samples_of(fingerprints: Sequence[Fingerprint], sample_size: int | None) -> list[Sample]:
    """`sample_of` of several pages, their shingles mixed in one pass."""
    if not fingerprints:
        return []
    sizes = [fingerprint.size for fingerprint in fingerprints]
    mixed = mix32(np.concatenate([fingerprint.shingles for fingerprint in fingerprints]))
    ends = np.cumsum(sizes).tolist()
    return [
        Sample(_smallest(mixed[end - size : end], sample_size), size, fingerprint.numbers)
        for fingerprint, size, end in zip(fingerprints, sizes, ends, strict=True)
    ]


def _smallest(mixed: Values, count: int | None) -> Values:
    """The ``count`` smallest of distinct mixed ids (all of them with None), sorted, in
    an array of their own.

    Mixed ids are uniform, so the smallest ``count`` of ``n`` lie below about ``count /
    n`` of the hash range: only the ids under twice that are sorted, and the rare page
    with too few there is sorted whole. Equal to sorting all (tested).
    """
    if count is None or mixed.size <= count:
        return np.sort(mixed)
    below = mixed[mixed < min(FULL, (2 * count * (FULL + 1)) // mixed.size)]
    return np.sort(below if below.size >= count else mixed)[:count].copy()


def compare_samples(query: Sample, others: Samples) -> Estimates:
    """Estimated Jaccard similarity, containment and number agreement of one page with each
    of several, in a few vectorized passes whatever their number."""
    count = len(others)
    if count == 0:
        return _no_estimates()
    values, lengths = others.values, others.lengths
    # Each pair is compared at the smaller cut-off of its two samples.
    cutoffs = np.minimum(others.cutoffs, np.uint64(query.cutoff)).astype(np.uint32)
    covered = values <= np.repeat(cutoffs, lengths)
    shared = _per_page(covered & _found_in(values, query.values), lengths)
    query_counts = np.searchsorted(query.values, cutoffs, side="right").astype(np.float64)
    similarity, containment = _estimates(
        shared, query_counts, _per_page(covered, lengths), np.int64(query.size), others.sizes
    )
    agreement = np.full(count, np.nan)
    if query.numbers.size >= MIN_NUMBERS:
        found = _found_in(others.numbers, query.numbers)
        _agreements(agreement, found, np.int64(query.numbers.size), others.number_lengths)
    return Estimates(similarity, containment, agreement)


def compare_pairs(queries: Samples, owners: npt.NDArray[np.int64], others: Samples) -> Estimates:
    """`compare_samples` for a whole batch of pages at once: entry i measures page
    ``owners[i]`` of ``queries`` against page i of ``others``. Equal to comparing each
    query with its own candidates (tested); a batch pays a few vectorized passes in all,
    not a few per page."""
    count = len(others)
    if count == 0:
        return _no_estimates()
    values, lengths = others.values, others.lengths
    cutoffs = np.minimum(others.cutoffs, queries.cutoffs[owners]).astype(np.uint32)
    # Runs are sorted, so the values at or below a pair's cut-off are a prefix of its run:
    # found by a binary search per pair, and the values shared within it by a running
    # count of those found, read at both ends of the prefix.
    starts = _starts(lengths)
    covered = _at_most(values, starts, lengths, cutoffs)
    found = _found_in_own(np.repeat(owners, lengths), values, queries.lengths, queries.values)
    running = np.zeros(values.size + 1, dtype=np.int64)
    np.cumsum(found, out=running[1:])
    shared = (running[starts + covered] - running[starts]).astype(np.float64)
    query_counts = _at_most(
        queries.values, _starts(queries.lengths)[owners], queries.lengths[owners], cutoffs
    )
    similarity, containment = _estimates(
        shared,
        query_counts.astype(np.float64),
        covered.astype(np.float64),
        queries.sizes[owners],
        others.sizes,
    )
    agreement = np.full(count, np.nan)
    found = _found_in_own(
        np.repeat(owners, others.number_lengths),
        others.numbers,
        queries.number_lengths,
        queries.numbers,
    )
    _agreements(agreement, found, queries.number_lengths[owners], others.number_lengths)
    return Estimates(similarity, containment, agreement)


def _estimates(
    shared: npt.NDArray[np.float64],
    query_counts: npt.NDArray[np.float64],
    other_counts: npt.NDArray[np.float64],
    query_sizes: npt.NDArray[np.int64] | np.int64,
    other_sizes: npt.NDArray[np.int64],
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Similarity and containment of pairs from the values each pair shares and the values
    of each side below the pair's cut-off."""
    union = query_counts + other_counts - shared
    # Containment is measured on the smaller page's sample (its share found in the other).
    smaller = np.where(
        other_sizes < query_sizes,
        other_counts,
        np.where(other_sizes > query_sizes, query_counts, np.minimum(query_counts, other_counts)),
    )
    nonempty = (other_sizes > 0) & (query_sizes > 0)
    count = shared.size
    similarity = np.divide(shared, union, out=np.zeros(count), where=nonempty & (union > 0))
    containment = np.divide(shared, smaller, out=np.zeros(count), where=nonempty & (smaller > 0))
    return similarity, containment


def _no_estimates() -> Estimates:
    empty = np.zeros(0, dtype=np.float64)
    return Estimates(empty, empty, empty)


def _at_most(
    values: Values,
    starts: npt.NDArray[np.int64],
    lengths: npt.NDArray[np.int64],
    cutoffs: npt.NDArray[np.uint32],
) -> npt.NDArray[np.int64]:
    """How many values of each sorted run (``values[starts[i]:][:lengths[i]]``) are at
    most ``cutoffs[i]``: a binary search in every run at once, a few steps over the runs
    rather than a pass over their values."""
    low, high = starts.copy(), starts + lengths
    if values.size == 0:
        return high - low
    while True:
        open_ = low < high
        if not open_.any():
            return low - starts
        middle = (low + high) >> 1
        below = open_ & (values[np.minimum(middle, values.size - 1)] <= cutoffs)
        low = np.where(below, middle + 1, low)
        high = np.where(open_ & ~below, middle, high)


def _keyed(rows: npt.NDArray[np.int64], values: Values) -> npt.NDArray[np.uint64]:
    return (rows.astype(np.uint64) << np.uint64(32)) | values.astype(np.uint64)


def _starts(lengths: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    starts: npt.NDArray[np.int64] = np.cumsum(lengths) - lengths
    return starts


_OWN_TABLE_MAX = 1 << 24  # slots of the table `_found_in_own` builds, at most (int32 slots)


def _found_in_own(
    rows: npt.NDArray[np.int64],
    values: Values,
    row_lengths: npt.NDArray[np.int64],
    row_values: Values,
) -> npt.NDArray[np.bool_]:
    """Which ``values[i]`` occur among the values of row ``rows[i]`` (``row_values``, cut
    by ``row_lengths``, sorted within each row).

    Each row gets a block of slots in a direct-address table, about four slots a value,
    and a value goes in the slot of its low bits, which are uniform (the values are mixed
    ids; a sample holds the smallest, so their top bits are not): a value is found with
    two indexed reads, a table of first and one of second values, where a binary search
    over the whole batch costs several cache misses. An empty place holds its slot's bits
    with the lowest flipped, which no value looked up there can equal. The rare values
    whose slot three or more of the row's share are found by a binary search.
    """
    if values.size == 0 or row_values.size == 0:
        return np.zeros(values.size, dtype=bool)
    bits = max(4, int(np.max(row_lengths)).bit_length() + 2)
    if row_lengths.size << bits > _OWN_TABLE_MAX:
        return _found_by_search(rows, values, row_lengths, row_values)
    own_slots = _slots(
        np.repeat(np.arange(row_lengths.size, dtype=np.int32), row_lengths), row_values, bits
    )
    # Sorting a row's slots brings the values sharing one together: the first of each run
    # goes in the first table, the second in the second, later ones are crowded.
    order = np.argsort(own_slots, kind="stable")
    own_slots, held_values = own_slots[order], row_values[order]
    first = np.ones(own_slots.size, dtype=bool)
    first[1:] = own_slots[1:] != own_slots[:-1]
    second = np.zeros(own_slots.size, dtype=bool)
    second[1:] = ~first[1:] & first[:-1]
    empty = (
        np.arange(row_lengths.size << bits, dtype=np.uint32) & np.uint32((1 << bits) - 1)
    ) ^ np.uint32(1)
    firsts, seconds = empty, empty.copy()
    firsts[own_slots[first]] = held_values[first]
    seconds[own_slots[second]] = held_values[second]
    slots = _slots(rows, values, bits)
    found: npt.NDArray[np.bool_] = firsts[slots] == values
    found |= seconds[slots] == values
    crowded_values = ~first & ~second
    if crowded_values.any():
        crowded = np.zeros(firsts.size, dtype=bool)
        crowded[own_slots[crowded_values]] = True
        unsure = crowded[slots] & ~found
        found[unsure] = _found_by_search(rows[unsure], values[unsure], row_lengths, row_values)
    return found


def _slots(rows: npt.NDArray[Any], values: Values, bits: int) -> npt.NDArray[np.int32]:
    """Each value's slot in its row's block: the row, then the value's low ``bits``."""
    slots = rows.astype(np.int32) << np.int32(bits)
    slots |= (values & np.uint32((1 << bits) - 1)).view(np.int32)
    return slots


def _found_by_search(
    rows: npt.NDArray[np.int64],
    values: Values,
    row_lengths: npt.NDArray[np.int64],
    row_values: Values,
) -> npt.NDArray[np.bool_]:
    """`_found_in_own` by a binary search over every row's values keyed by row."""
    sorted_keys = _keyed(np.repeat(np.arange(row_lengths.size), row_lengths), row_values)
    keys = _keyed(rows, values)
    positions = np.minimum(np.searchsorted(sorted_keys, keys), sorted_keys.size - 1)
    found: npt.NDArray[np.bool_] = sorted_keys[positions] == keys
    return found


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


def _agreements(
    agreement: npt.NDArray[np.float64],
    found: npt.NDArray[np.bool_],
    query_lengths: npt.NDArray[np.int64] | np.int64,
    lengths: npt.NDArray[np.int64],
) -> None:
    """`dedup.fingerprint.shingle.number_agreement` of each pair, into ``agreement`` (left NaN where
    either side has too few numbers), from which of the other sides' numbers were
    ``found`` among their query's."""
    countable = (lengths >= MIN_NUMBERS) & (query_lengths >= MIN_NUMBERS)
    if not countable.any():
        return
    shared = _per_page(found, lengths)
    fewer = np.minimum(lengths, query_lengths)
    agreement[countable] = shared[countable] / fewer[countable]
