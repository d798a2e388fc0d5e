"""A scan's clusters as columns of numbers, each `Cluster` made when it is read.

A million pages make a million `Member`s and the clusters holding them: hundreds of bytes a
page for as long as the result lives. Held as columns (each member's page, similarity,
containment, relation and flags; where each cluster's members start), they cost about thirty
bytes a page, and a report that walks the clusters makes one at a time.
"""

from __future__ import annotations

import itertools
from array import array
from collections.abc import Iterator, Sequence
from typing import Any, NamedTuple, get_args, overload

import numpy as np
import numpy.typing as npt

from dedup._arrays import ranges
from dedup.models import Cluster, Clusters, Document, Member, Relation

RELATIONS: tuple[Relation, ...] = get_args(Relation)
_CODES = {relation: code for code, relation in enumerate(RELATIONS)}
_REPRESENTATIVE, _ORIGINAL = 1, 2  # a member's flags
_BLOCK = 4096  # clusters whose columns are read at once while iterating


def same_items(items: Sequence[Any], other: object) -> bool | None:
    """Whether a sequence held some other way than as a list has the items of `other`, in
    order (None when `other` is no sequence: the comparison is then not implemented)."""
    if not isinstance(other, Sequence) or isinstance(other, str | bytes):
        return None
    return len(items) == len(other) and all(bool(a == b) for a, b in zip(items, other, strict=True))


# A member as a report reads it: its cluster's id and size, then what its `Member` holds
# (document, similarity, containment, whether the representative, relation, whether the
# original).
MemberValues = tuple[int, int, Document, float, float, bool, Relation, bool]


class Columns(NamedTuple):
    """Every member's values, cluster after cluster."""

    positions: npt.NDArray[np.int64]  # the member's document, by position
    similarity: npt.NDArray[np.float64]
    containment: npt.NDArray[np.float64]
    relations: npt.NDArray[np.uint8]  # RELATIONS[code]
    flags: npt.NDArray[np.uint8]  # _REPRESENTATIVE, _ORIGINAL


class MemberColumns:
    """Members appended as columns, cluster after cluster (see `ClusterColumns`)."""

    def __init__(self) -> None:
        self.sizes = array("q")
        self.positions = array("q")
        self.similarity = array("d")
        self.containment = array("d")
        self.relations = array("B")
        self.flags = array("B")

    def append(self, members: Sequence[tuple[int, float, float, bool, Relation, bool]]) -> None:
        """Add a cluster: its members as (position, similarity, containment, whether the
        representative, relation, whether the original), representative first."""
        self.sizes.append(len(members))
        for position, similarity, containment, representative, relation, original in members:
            self.positions.append(position)
            self.similarity.append(similarity)
            self.containment.append(containment)
            self.relations.append(_CODES[relation])
            self.flags.append(_REPRESENTATIVE * representative + _ORIGINAL * original)

    def first_original(self) -> npt.NDArray[np.int64]:
        """Each cluster's original member (its first member when none is flagged), as an
        index into the columns."""
        sizes = np.frombuffer(self.sizes, dtype=np.int64)
        starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
        flagged = np.flatnonzero(np.frombuffer(self.flags, dtype=np.uint8) & _ORIGINAL)
        owners = np.repeat(np.arange(sizes.size), sizes)[flagged]
        chosen = starts.copy()
        found, first = np.unique(owners, return_index=True)
        chosen[found] = flagged[first]
        return chosen

    def ordered(self, order: Sequence[int], documents: Sequence[Document]) -> ClusterColumns:
        """The clusters in `order` (cluster n of the result is cluster ``order[n]``)."""
        sizes = np.frombuffer(self.sizes, dtype=np.int64)
        starts = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        chosen = np.asarray(order, dtype=np.int64)
        new_sizes = sizes[chosen]
        new_starts = np.concatenate([[0], np.cumsum(new_sizes)]).astype(np.int64)
        # Member k of the result is member (k - its cluster's new start + its old start).
        members = np.arange(int(new_starts[-1]), dtype=np.int64) + np.repeat(
            starts[chosen] - new_starts[:-1], new_sizes
        )
        columns = Columns(
            np.frombuffer(self.positions, dtype=np.int64)[members],
            np.frombuffer(self.similarity, dtype=np.float64)[members],
            np.frombuffer(self.containment, dtype=np.float64)[members],
            np.frombuffer(self.relations, dtype=np.uint8)[members],
            np.frombuffer(self.flags, dtype=np.uint8)[members],
        )
        return ClusterColumns(documents, new_starts, columns)


class ClusterColumns(Clusters):
    """Clusters numbered 1, 2... held as columns of their members (see the module), each
    made when it is read, its members' documents read from `documents` by position.

    It equals any sequence of the same clusters, and pickles as a list of them."""

    def __init__(
        self,
        documents: Sequence[Document],
        starts: npt.NDArray[np.int64],
        columns: Columns,
        *,
        chosen: npt.NDArray[np.int64] | None = None,
    ) -> None:
        self._documents = documents
        self._starts = starts  # cluster n's members: starts[n]:starts[n + 1]
        self._columns = columns
        # The clusters shown, by number less one (all of them when None).
        self._chosen = chosen

    def __len__(self) -> int:
        return len(self._starts) - 1 if self._chosen is None else len(self._chosen)

    def sizes(self) -> npt.NDArray[np.int64]:
        """Each cluster's number of members."""
        sizes = np.diff(self._starts)
        return sizes if self._chosen is None else sizes[self._chosen]

    def of_two_or_more(self) -> ClusterColumns:
        numbers = self._numbers(0, len(self))
        return self._view(numbers[self.sizes() > 1])

    def _view(self, chosen: npt.NDArray[np.int64]) -> ClusterColumns:
        return ClusterColumns(self._documents, self._starts, self._columns, chosen=chosen)

    def _numbers(self, start: int, end: int) -> npt.NDArray[np.int64]:
        if self._chosen is None:
            return np.arange(start, min(end, len(self)), dtype=np.int64)
        return self._chosen[start:end]

    @overload
    def __getitem__(self, index: int) -> Cluster: ...
    @overload
    def __getitem__(self, index: slice) -> list[Cluster]: ...
    def __getitem__(self, index: int | slice) -> Cluster | list[Cluster]:
        count = len(self)
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(count))]
        if not -count <= index < count:
            raise IndexError(index)
        index %= count
        return next(self._made(self._numbers(index, index + 1)))

    def __iter__(self) -> Iterator[Cluster]:
        for start in range(0, len(self), _BLOCK):
            yield from self._made(self._numbers(start, start + _BLOCK))

    def member_values(self) -> Iterator[MemberValues]:
        """Every member of the clusters, in order, as `MemberValues`: what the clusters
        hold, without making them (a report reads each member once)."""
        for start in range(0, len(self), _BLOCK):
            yield from self._values(self._numbers(start, start + _BLOCK))

    def _values(self, numbers: npt.NDArray[np.int64]) -> Iterator[MemberValues]:
        """The members of the clusters numbered `numbers` (less one), their columns read at
        once (each document when its member is reached)."""
        starts = self._starts[numbers]
        sizes = self._starts[numbers + 1] - starts
        members = ranges(starts, sizes)
        flags = self._columns.flags[members]
        return zip(
            np.repeat(numbers + 1, sizes).tolist(),
            np.repeat(sizes, sizes).tolist(),
            map(self._documents.__getitem__, self._columns.positions[members].tolist()),
            self._columns.similarity[members].tolist(),
            self._columns.containment[members].tolist(),
            (flags & _REPRESENTATIVE).astype(bool).tolist(),
            map(RELATIONS.__getitem__, self._columns.relations[members].tolist()),
            (flags & _ORIGINAL).astype(bool).tolist(),
            strict=True,
        )

    def _made(self, numbers: npt.NDArray[np.int64]) -> Iterator[Cluster]:
        """The clusters numbered `numbers` (less one), their columns read at once."""
        values = self._values(numbers)
        sizes = self._starts[numbers + 1] - self._starts[numbers]
        for number, size in zip(numbers.tolist(), sizes.tolist(), strict=True):
            made = tuple(
                Member(document, similarity, containment, centre, relation, is_original=original)
                for _, _, document, similarity, containment, centre, relation, original in (
                    itertools.islice(values, size)
                )
            )
            yield Cluster(cluster_id=number + 1, members=made)

    def __eq__(self, other: object) -> bool:
        same = same_items(self, other)
        return NotImplemented if same is None else same

    __hash__ = None  # type: ignore[assignment]

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        return list, (list(self),)

    def __repr__(self) -> str:
        return f"<{len(self)} clusters>"
