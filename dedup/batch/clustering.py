"""Candidate pairs -> verified clusters, each around the copy that covers the others.

A candidate pair links two documents only once their shingle sets confirm it (the copy rule,
`dedup.verdict`). Linked documents form connected groups; each group is then cut into
clusters around a centre: the member whose cluster splits the fewest verified pairs, then the
one that verifies against most of the others, so that copies truncated in different places, or
a bulletin carried inside several reports, all meet in the copy they share. A member matches
the centre itself or is a near-identical twin of a member that does; the rest are grouped
again among themselves, so that A~B and B~C never drag an unrelated C into A's cluster. A short
text that many pages sharing nothing else all contain is boilerplate, not a text they carry:
it is unlinked from them first, so that it never becomes a centre. The likely original, the
earliest published member, is flagged apart from the centre.
"""

from __future__ import annotations

import itertools
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

import numpy as np
import numpy.typing as npt

from dedup._arrays import component_labels, shared_count, sorted_difference, unique_pairs
from dedup.batch.columns import MemberColumns
from dedup.batch.spill import StoredFingerprint
from dedup.config import DedupConfig
from dedup.fingerprint.normalize import figures
from dedup.fingerprint.shingle import Fingerprint
from dedup.models import Cluster, Document, Relation, published_instant
from dedup.verdict import (
    BELOW_BARS,
    BY_CONTAINMENT,
    BY_SIMILARITY,
    CAPTIONS_ONLY,
    NUMBERS_DIFFER,
    ORIGINAL,
    SLOTS_DIFFER,
    TOO_SHORT,
    UNIQUE,
    Verdict,
    bodies_checked,
    check_bodies,
    figures_changed,
    relation_of,
    updates_read,
    verify,
)

# Candidate pairs of documents (by position): (i, j) tuples, or an (n, 2) array of them.
Candidates = Iterable[tuple[int, int]] | npt.NDArray[np.int64]
# Jaccard at which two pages are all but the same page.
NEAR_IDENTICAL = 0.9
_UNDATED = float("inf")
# Groups up to this size have every pair verified before centres are chosen: a few thousand
# exact comparisons at most, a few milliseconds.
WHOLLY_VERIFIED = 64
# A short text contained in this many pages or more that share nothing else is boilerplate
# (`_drop_boilerplate_links`): a bulletin is carried by a few reports of one story.
BOILERPLATE_CARRIERS = 5
_CARRIERS_COMPARED = 8
# Pages whose rests (what each holds besides the text they carry) share less than this
# (median share of the shorter rest) are unrelated.
UNRELATED_REST = 0.02


@dataclass(frozen=True, slots=True)
class Clustering:
    """Clusters (every document in exactly one) and the verified pairs they leave apart:
    ``split_pairs``, pages that verify as copies in two clusters that one centre could hold
    together (`_joint_centre`; none once `_joined` has run), and ``kept_apart``, those whose
    clusters no member could centre: joining them would chain pages that are not copies of
    one another through a centre (a report that carries two bulletins, one of them also
    carried by other reports)."""

    clusters: Sequence[Cluster]
    split_pairs: int
    kept_apart: int = 0


def build_clusters(
    documents: Sequence[Document],
    fingerprints: Sequence[Fingerprint],
    candidates: Candidates,
    config: DedupConfig,
) -> Sequence[Cluster]:
    """The clusters of `cluster_documents`."""
    return cluster_documents(documents, fingerprints, candidates, config).clusters


def cluster_documents(
    documents: Sequence[Document],
    fingerprints: Sequence[Fingerprint],
    candidates: Candidates,
    config: DedupConfig,
) -> Clustering:
    """Cluster documents (by position) from candidate pairs; every document ends in exactly
    one cluster, singletons included. Cluster 1 is the largest; ties go to the earliest
    published original, then to the centre's doc_id."""
    groups = candidate_groups(len(documents), candidates)
    return assemble(documents, [cluster_groups(groups, documents, fingerprints, config)], config)


# A connected group of candidate pairs: its pages in order, and its pairs as an (n, 2) array.
Group = tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]
# A cluster's member as plain values (made where its group was clustered, perhaps in a worker
# process): position, similarity and containment to the centre, whether it is the centre,
# relation, whether it is the original.
MemberRow = tuple[int, float, float, bool, Relation, bool]


# A cluster's place in the numbering besides its size (`_cluster_order`): 1 when its
# original is undated, else 0; the original's instant (0.0 undated); the centre's doc_id.
Place = tuple[int, float, str]
# A cluster's place in the numbering: less first (`_cluster_order`).
_Order = tuple[int, int, float, str]


@dataclass(frozen=True, slots=True)
class GroupClusters:
    """What some groups were cut into: each cluster as the first page of its verified group
    and its member rows, centre first; and the verified pairs they leave apart
    (`Clustering`'s counts). ``places``: each cluster's `Place`, found where its members'
    documents were read; when empty, `assemble` reads the documents again for them."""

    clusters: list[tuple[int, tuple[MemberRow, ...]]]
    split_pairs: int
    kept_apart: int
    places: list[Place] = field(default_factory=list)

    @staticmethod
    def joined(parts: Sequence[GroupClusters]) -> GroupClusters:
        """The clusters and counts of several parts, in order."""
        return GroupClusters(
            [cluster for part in parts for cluster in part.clusters],
            sum(part.split_pairs for part in parts),
            sum(part.kept_apart for part in parts),
            [place for part in parts for place in part.places]
            if all(len(part.places) == len(part.clusters) for part in parts)
            else [],
        )


def candidate_groups(count: int, candidates: Candidates) -> Iterator[Group]:
    """The connected groups of `count` pages linked by candidate pairs, in the order of
    their first page, pages without a candidate as groups of one: each is verified and
    clustered on its own (`cluster_groups`), anywhere, in any order."""
    pairs = _pair_array(candidates)
    for pages, rows in _connected(count, pairs[:, 0], pairs[:, 1]):
        yield pages, pairs[rows]


# A group's candidate pairs, made from its pages (in order) when it is verified.
PairsOf = Callable[[npt.NDArray[np.int64]], npt.NDArray[np.int64]]


@dataclass(frozen=True, slots=True)
class GroupIndex:
    """Connected groups of candidates by number, each made when asked for: the pages
    ordered by group and where each group starts in them (8 bytes a page), and what makes a
    group's candidate pairs from its pages (`pairs_of`). The pairs are not held: a crawl
    that re-posts an article fifty times has a thousand pairs of its copies, and a group's
    pairs can be made again from its pages alone (`dedup.batch.candidates`)."""

    pages: npt.NDArray[np.int64]
    page_starts: npt.NDArray[np.int64]  # group n: pages[page_starts[n]:page_starts[n + 1]]
    pairs_of: PairsOf

    @staticmethod
    def of(count: int, links: npt.NDArray[np.int64], pairs_of: PairsOf) -> GroupIndex:
        """The groups of `count` pages joined by `links` (an (n, 2) array: any pairs that
        join each group's pages, such as candidate pairs), in the order of their first
        page, as `candidate_groups` gives them when `pairs_of` gives each group's pairs."""
        labels = component_labels(count, links[:, 0], links[:, 1])
        pages = np.argsort(labels, kind="stable")  # each group's pages together, in order
        page_labels = labels[pages]
        page_starts = np.flatnonzero(np.r_[True, page_labels[1:] != page_labels[:-1]])[:count]
        return GroupIndex(pages, np.r_[page_starts, count].astype(np.int64), pairs_of)

    def __len__(self) -> int:
        return len(self.page_starts) - 1

    def __getitem__(self, number: int) -> Group:
        return next(self.groups([number]))

    def groups(self, numbers: Sequence[int]) -> Iterator[Group]:
        """The groups numbered `numbers`, in that order, their pairs made together (a few
        numpy calls for a few hundred pages rather than for each group): the pairs of
        several whole groups' pages are those of each group, none joins two groups."""
        spans = [(int(self.page_starts[n]), int(self.page_starts[n + 1])) for n in numbers]
        joined = [span for span in spans if span[1] - span[0] > 1]
        pairs, bounds = _pairs_by_group(self.pages, joined, self.pairs_of)
        made = 0
        for start, end in spans:
            pages = self.pages[start:end]
            if end - start == 1:
                yield pages, np.zeros((0, 2), dtype=np.int64)
                continue
            yield pages, pairs[bounds[made] : bounds[made + 1]]
            made += 1

    def sizes(self) -> npt.NDArray[np.int64]:
        """Each group's number of pages."""
        return np.diff(self.page_starts)


def _pairs_by_group(
    pages: npt.NDArray[np.int64], spans: list[tuple[int, int]], pairs_of: PairsOf
) -> tuple[npt.NDArray[np.int64], list[int]]:
    """The pairs of the groups whose pages are `pages[start:end]` for each span, ordered by
    group (each group's in order), and where each group's start."""
    if not spans:
        return np.zeros((0, 2), dtype=np.int64), [0]
    joined = np.concatenate([pages[start:end] for start, end in spans])
    owners = np.repeat(np.arange(len(spans)), [end - start for start, end in spans])
    order = np.argsort(joined, kind="stable")
    joined, owners = joined[order], owners[order]
    pairs = pairs_of(joined)
    group_of = owners[np.searchsorted(joined, pairs[:, 0])]
    by_group = np.argsort(group_of, kind="stable")
    bounds = np.searchsorted(group_of[by_group], np.arange(len(spans) + 1)).tolist()
    return pairs[by_group], bounds


def cluster_groups(
    groups: Iterable[Group],
    documents: Sequence[Document],
    fingerprints: Sequence[Fingerprint],
    config: DedupConfig,
    figures: Sequence[frozenset[str]] | None = None,
) -> GroupClusters:
    """Groups of candidates (`candidate_groups`) verified and cut into clusters around their
    centres. A page's body and fingerprint are read back once while its candidates are
    verified and its group clustered, not once for each of its pairs; its figures are
    `figures[position]` when given, else found from its body."""
    pages, prints = _Pages(documents, figures), _Recent(fingerprints, _plain, _KEPT)
    built: list[tuple[int, tuple[MemberRow, ...]]] = []
    places: list[Place] = []
    split = kept_apart = 0
    for group, group_links in _verified_groups(pages, prints, groups, config):
        centred = _centred(group, pages, prints, group_links, config)
        for members in centred.clusters:
            rows = _members(members, pages, prints, group_links, config)
            built.append((group[0], rows))
            # Here, where the members' documents were read (a worker's), not in `assemble`.
            original = next((row[0] for row in rows if row[5]), rows[0][0])
            places.append(_place(pages[original], pages[rows[0][0]], config.timezone))
        split += centred.split_pairs
        kept_apart += centred.kept_apart
    return GroupClusters(built, split, kept_apart, places)


def assemble(
    documents: Sequence[Document], parts: Iterable[GroupClusters], config: DedupConfig
) -> Clustering:
    """The clustering of every document from the clusters its groups were cut into (each
    document in one group of one part), numbered as `cluster_documents` says. The parts are
    taken one at a time (they may come as they are made) into columns of numbers: the
    clusters are made from them when read (`ClusterColumns`)."""
    columns = MemberColumns()
    firsts = array("q")
    placed: list[_Order | None] = []  # each cluster's order when its part placed it
    split = kept_apart = 0
    for part in parts:
        split += part.split_pairs
        kept_apart += part.kept_apart
        for first, rows in part.clusters:
            firsts.append(first)
            columns.append(rows)
        if len(part.places) == len(part.clusters):
            sizes = (len(rows) for _, rows in part.clusters)
            placed.extend(map(_cluster_order, sizes, part.places))
        else:
            placed.extend(itertools.repeat(None, len(part.clusters)))
    positions = np.frombuffer(columns.positions, dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(np.frombuffer(columns.sizes, dtype=np.int64))])
    originals = positions[columns.first_original()[: len(columns.sizes)]].tolist()
    centres = positions[starts[:-1]].tolist()
    keys = [
        key
        or _cluster_order(
            columns.sizes[n],
            _place(
                documents[originals[n]],
                # Most clusters are centred on their original (every page alone is): a
                # stored document is read back each time it is asked for.
                documents[centres[n]] if centres[n] != originals[n] else None,
                config.timezone,
            ),
        )
        for n, key in enumerate(placed)
    ]
    del placed
    # Groups in the order of their first member, then clusters in `_cluster_order`'s.
    by_first = np.argsort(np.frombuffer(firsts, dtype=np.int64), kind="stable").tolist()
    order = sorted(by_first, key=keys.__getitem__)
    del keys
    return Clustering(columns.ordered(order, documents), split, kept_apart)


def _verified_groups(
    documents: _Pages,
    fingerprints: _ByPosition[Fingerprint],
    groups: Iterable[Group],
    config: DedupConfig,
) -> Iterator[tuple[list[int], dict[int, dict[int, Verdict]]]]:
    """The connected groups of the verified pairs (`_groups`) of each group of candidates."""
    for pages, pairs in groups:
        if len(pages) == 1:
            yield pages.tolist(), {}
            continue
        links = _verified_links(documents, fingerprints, pairs, config)
        yield from _groups(pages, links)


def _pair_array(candidates: Candidates) -> npt.NDArray[np.int64]:
    """Each candidate pair once, in order, as an (n, 2) array."""
    if isinstance(candidates, np.ndarray):
        return unique_pairs(candidates.reshape(-1, 2))
    return np.array(sorted(set(candidates)), dtype=np.int64).reshape(-1, 2)


def _connected(
    count: int, left: npt.NDArray[np.int64], right: npt.NDArray[np.int64]
) -> Iterator[tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]]:
    """The connected groups of `count` pages linked by the pairs ``left``-``right``, in the
    order of their first page: each group's pages in order, and the rows of its pairs in
    order."""
    if not count:
        return
    labels = component_labels(count, left, right)
    pages = np.argsort(labels, kind="stable")  # each group's pages together, in order
    page_labels = labels[pages]
    starts = np.flatnonzero(np.r_[True, page_labels[1:] != page_labels[:-1]]).tolist()
    rows = np.argsort(labels[left], kind="stable")  # each group's pairs together
    row_labels = labels[left][rows]
    for start, end in zip(starts, [*starts[1:], count], strict=True):
        label = page_labels[start]
        first, last = np.searchsorted(row_labels, [label, label + 1])
        yield pages[start:end], rows[first:last]


# Which part of the rule decided a copy, as the small code a verified pair keeps.
_DECIDERS = (
    BY_SIMILARITY,
    BY_CONTAINMENT,
    NUMBERS_DIFFER,
    TOO_SHORT,
    SLOTS_DIFFER,
    CAPTIONS_ONLY,
    BELOW_BARS,
)


@dataclass(frozen=True, slots=True)
class _Links:
    """Verified pairs as columns (a pair's verdict is rebuilt when its group is clustered):
    about 40 bytes a pair, where a dictionary of verdicts both ways costs ten times that."""

    left: npt.NDArray[np.int64]
    right: npt.NDArray[np.int64]
    similarity: npt.NDArray[np.float64]
    containment: npt.NDArray[np.float64]
    decided_by: npt.NDArray[np.uint8]

    def of_rows(self, rows: npt.NDArray[np.int64]) -> Iterator[tuple[int, int, Verdict]]:
        """Some pairs, in the order given, with their verdicts."""
        columns = (self.left, self.right, self.similarity, self.containment, self.decided_by)
        for left, right, similarity, containment, decided_by in zip(
            *(column[rows].tolist() for column in columns), strict=True
        ):
            yield left, right, Verdict(similarity, containment, True, _DECIDERS[decided_by])


def _verified_links(
    documents: _Pages,
    fingerprints: _ByPosition[Fingerprint],
    pairs: npt.NDArray[np.int64],
    config: DedupConfig,
) -> _Links:
    """Every pair of the (n, 2) array that verifies, in order, with its verdict."""
    left, right = array("q"), array("q")
    similarity, containment = array("d"), array("d")
    decided_by = array("B")
    for first, second in _rows(pairs):
        verdict = _verify(first, second, documents, fingerprints, config)
        if verdict.is_copy:
            left.append(first)
            right.append(second)
            similarity.append(verdict.similarity)
            containment.append(verdict.containment)
            decided_by.append(_DECIDERS.index(verdict.decided_by))
    return _Links(
        np.frombuffer(left, dtype=np.int64),
        np.frombuffer(right, dtype=np.int64),
        np.frombuffer(similarity, dtype=np.float64),
        np.frombuffer(containment, dtype=np.float64),
        np.frombuffer(decided_by, dtype=np.uint8),
    )


def _groups(
    pages: npt.NDArray[np.int64], links: _Links
) -> Iterator[tuple[list[int], dict[int, dict[int, Verdict]]]]:
    """The connected groups of the verified pairs among `pages` (in order; every pair's
    pages among them), each with its links both ways (singletons too, without links), in
    the order of their first member. A connected group of candidates is mostly a few pages:
    joined in Python, where each of numpy's calls costs more than the whole."""
    first = {page: page for page in pages.tolist()}  # each page's group: its first page

    def root(page: int) -> int:
        while first[page] != page:
            first[page] = first[first[page]]
            page = first[page]
        return page

    verified = list(links.of_rows(np.arange(len(links.left))))
    for left, right, _ in verified:
        a, b = root(left), root(right)
        if a != b:
            first[max(a, b)] = min(a, b)
    groups: dict[int, list[int]] = {}
    for page in first:
        groups.setdefault(root(page), []).append(page)
    group_links: dict[int, dict[int, dict[int, Verdict]]] = {}
    for left, right, verdict in verified:
        joined = group_links.setdefault(root(left), {})
        joined.setdefault(left, {})[right] = verdict
        joined.setdefault(right, {})[left] = verdict
    for label, group in groups.items():
        yield group, group_links.pop(label, {})


# Candidate rows turned into Python ints at a time: a tuple costs about a hundred bytes.
_BLOCK = 1 << 16


def _rows(pairs: npt.NDArray[np.int64]) -> Iterator[tuple[int, int]]:
    """The pairs of an (n, 2) array as Python ints, a block of rows at a time (a list of a
    large group's pairs as tuples would cost a hundred bytes each)."""
    for start in range(0, len(pairs), _BLOCK):
        yield from ((left, right) for left, right in pairs[start : start + _BLOCK].tolist())


@dataclass(frozen=True, slots=True)
class _Centred:
    """A connected group cut into clusters (positions, centre first), with the verified
    pairs they leave apart (`Clustering`'s counts)."""

    clusters: list[list[int]]
    split_pairs: int
    kept_apart: int


def _centred(
    group: list[int],
    documents: _Pages,
    fingerprints: _ByPosition[Fingerprint],
    links: dict[int, dict[int, Verdict]],
    config: DedupConfig,
) -> _Centred:
    """A connected group cut into clusters, each a list of positions, centre first.

    In a group of up to `WHOLLY_VERIFIED` pages every pair is verified first, so that the
    copies counted are all of them, not only the pairs LSH and anchors proposed. The centre
    is then, in such a group, the member whose cluster would split the fewest verified pairs
    from the pages left; then the member with most verified copies among those left; among
    equals the earliest published (so that a cluster of whole copies is centred on its
    original), then the one with most shingles, then doc_id. Its cluster takes every member
    left that verifies against it (checked against the centre itself, not only along
    candidate pairs), and each near-identical twin (Jaccard `NEAR_IDENTICAL`) of one of
    those: one hop at most, through a page that is all but the same. Members then move to
    where their copies are (`_rejoined`), and two clusters that one centre can hold become
    one (`_joined`).
    """
    if len(group) == 1:
        return _Centred([group], 0, 0)
    if len(group) <= WHOLLY_VERIFIED:
        _verify_all(group, documents, fingerprints, links, config)
    unlinked = _drop_boilerplate_links(group, fingerprints, links)
    clusters: list[list[int]] = []
    remaining = set(group)
    instants = {i: published_instant(documents[i].published, config.timezone) for i in group}
    whole = len(group) <= WHOLLY_VERIFIED
    while remaining:
        centre = min(
            remaining,
            key=lambda i: (
                _cut(i, remaining, links) if whole else 0,
                -len(links.get(i, {}).keys() & remaining),
                _UNDATED if instants[i] is None else instants[i],
                -fingerprints[i].size,
                documents[i].doc_id,
            ),
        )
        candidates = remaining - unlinked.get(centre, set())
        members = _around(centre, candidates, fingerprints, links, config, documents=documents)
        clusters.append(members)
        remaining -= set(members)
    clusters = _rejoined(clusters, fingerprints, links, unlinked, config, documents=documents)
    pairing = _Pairing(documents, fingerprints, links, unlinked, config, whole)
    clusters = _joined(clusters, pairing)
    split, kept_apart = _apart(clusters, pairing)
    return _Centred(clusters, split, kept_apart)


@dataclass(frozen=True, slots=True)
class _Pairing:
    """What tells whether two members of a group are copies: the group's verified links,
    and, where the group was not wholly verified (`WHOLLY_VERIFIED`), the rule itself; never
    for a pair unlinked as boilerplate."""

    documents: _Pages
    fingerprints: _ByPosition[Fingerprint]
    links: dict[int, dict[int, Verdict]]
    unlinked: dict[int, set[int]]
    config: DedupConfig
    whole: bool

    def copies(self, left: int, right: int) -> bool:
        if right in self.links.get(left, {}):
            return True
        if self.whole or right in self.unlinked.get(left, set()):
            return False
        return _verify(left, right, self.documents, self.fingerprints, self.config).is_copy

    def twins(self, left: int, right: int) -> bool:
        verdict = self.links.get(left, {}).get(right)
        return verdict is not None and verdict.similarity >= NEAR_IDENTICAL


def _joined(clusters: list[list[int]], pairing: _Pairing) -> list[list[int]]:
    """Clusters after joining each two linked by a verified pair that one member could
    centre (`_joint_centre`): centres chosen one after the other can leave apart copies
    that a later choice would have held together (a cluster of copies of a bulletin, and a
    page that copies it and one of them). Clusters are joined in the order of their
    positions, the joint cluster taking the first's place; each join removes a cluster, so
    this ends."""
    clusters = [list(members) for members in clusters]
    joined = True
    while joined:
        joined = False
        for first, second in _linked_clusters(clusters, pairing.links):
            centre = _joint_centre(clusters[first] + clusters[second], pairing)
            if centre is None:
                continue
            union = clusters[first] + clusters[second]
            clusters[first] = [centre, *(page for page in union if page != centre)]
            del clusters[second]
            joined = True
            break
    return clusters


def _linked_clusters(
    clusters: list[list[int]], links: dict[int, dict[int, Verdict]]
) -> list[tuple[int, int]]:
    """The pairs of clusters (by position, in order) that a verified pair links."""
    where = {page: n for n, members in enumerate(clusters) for page in members}
    found = {
        (min(where[left], where[right]), max(where[left], where[right]))
        for left, others in links.items()
        for right in others
        if where[left] != where[right]
    }
    return sorted(found)


def _joint_centre(union: list[int], pairing: _Pairing) -> int | None:
    """The member that could centre all of `union` (each other member is its copy or a
    near-identical twin of one that is), as `_centred` would choose it among several: most
    copies first, then the earliest published, the most shingles, the doc_id; or None."""
    members = set(union)

    def order(page: int) -> tuple[int, float, int, str]:
        instant = published_instant(pairing.documents[page].published, pairing.config.timezone)
        return (
            -len(pairing.links.get(page, {}).keys() & members),
            _UNDATED if instant is None else instant,
            -pairing.fingerprints[page].size,
            pairing.documents[page].doc_id,
        )

    return next(
        (page for page in sorted(union, key=order) if _centres(page, members, pairing)), None
    )


def _centres(centre: int, members: set[int], pairing: _Pairing) -> bool:
    """Whether each other member is a copy of `centre` or a near-identical twin of one that
    is; a member that is neither its copy nor anyone's twin rules it out at once."""
    direct: set[int] = set()
    rest: list[int] = []
    for page in sorted(members - {centre}):
        if pairing.copies(centre, page):
            direct.add(page)
        elif any(pairing.twins(page, other) for other in members):
            rest.append(page)
        else:
            return False
    return all(any(pairing.twins(page, copy) for copy in direct) for page in rest)


def _apart(clusters: list[list[int]], pairing: _Pairing) -> tuple[int, int]:
    """The verified pairs in different clusters: those whose two clusters one member could
    centre (split pairs), and those kept apart because none could."""
    where = {page: n for n, members in enumerate(clusters) for page in members}
    joinable: dict[tuple[int, int], bool] = {}
    split = kept_apart = 0
    for left, others in pairing.links.items():
        for right in others:
            if left > right or where[left] == where[right]:
                continue
            key = (min(where[left], where[right]), max(where[left], where[right]))
            if key not in joinable:
                union = clusters[key[0]] + clusters[key[1]]
                joinable[key] = _joint_centre(union, pairing) is not None
            split += joinable[key]
            kept_apart += not joinable[key]
    return split, kept_apart


def _rejoined(
    clusters: list[list[int]],
    fingerprints: _ByPosition[Fingerprint],
    links: dict[int, dict[int, Verdict]],
    unlinked: dict[int, set[int]],
    config: DedupConfig,
    *,
    documents: _Pages,
) -> list[list[int]]:
    """Clusters after moving members to the cluster where they split fewer verified pairs.

    Centres are chosen one after the other, so a page may end with the first centre it
    copies while most of its copies sit around a later one. A member (not a centre, and
    none of whose near-identical twins hangs on it) moves to another cluster when it is a
    copy of that cluster's centre and has more verified copies among its members than
    among those of its own cluster; each move lowers the split pairs, so this ends.
    """
    where = {page: n for n, members in enumerate(clusters) for page in members}
    moved = True
    while moved:
        moved = False
        for page in sorted(where):
            home = where[page]
            if clusters[home][0] == page or _holds_twins(page, clusters[home], links):
                continue
            counts: dict[int, int] = {}
            for other in links.get(page, {}):
                counts[where[other]] = counts.get(where[other], 0) + 1
            staying = counts.get(home, 0)
            for target, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
                if count <= staying:
                    break
                centre = clusters[target][0]
                if page in unlinked.get(centre, set()):
                    continue
                if _verdict(centre, page, fingerprints, links, config, documents=documents).is_copy:
                    clusters[home].remove(page)
                    clusters[target].append(page)
                    where[page] = target
                    moved = True
                    break
    return [members for members in clusters if members]


def _holds_twins(page: int, members: list[int], links: dict[int, dict[int, Verdict]]) -> bool:
    """Whether a member of the cluster is there as a near-identical twin of this page."""
    centre = members[0]
    return any(
        verdict.similarity >= NEAR_IDENTICAL
        and other in members
        and other not in links.get(centre, {})
        for other, verdict in links.get(page, {}).items()
    )


def _drop_boilerplate_links(
    group: list[int], fingerprints: _ByPosition[Fingerprint], links: dict[int, dict[int, Verdict]]
) -> dict[int, set[int]]:
    """Unlink each short text of the group that is boilerplate rather than a text its copies
    carry: one contained in `BOILERPLATE_CARRIERS` pages or more that share nothing else
    (`_unrelated`), such as a site's promotion line extracted as a whole body, a
    subscription notice, a background paragraph that different stories reuse. Such a text
    verifies against each of those pages, but as a centre it would pull them all into one
    cluster; once unlinked, it is no copy of them (and no split pair). Returns the pages
    unlinked from each page, both ways."""
    unlinked: dict[int, set[int]] = {}
    for page in group:
        carriers = _carriers(page, fingerprints, links)
        if len(carriers) >= BOILERPLATE_CARRIERS and _unrelated(carriers, page, fingerprints):
            for carrier in carriers:
                del links[page][carrier], links[carrier][page]
                unlinked.setdefault(page, set()).add(carrier)
                unlinked.setdefault(carrier, set()).add(page)
    return unlinked


def _carriers(
    page: int, fingerprints: _ByPosition[Fingerprint], links: dict[int, dict[int, Verdict]]
) -> list[int]:
    """The copies of a page that hold it inside a longer text (longer, and verified by
    containment rather than alike as wholes), most similar first."""
    size = fingerprints[page].size
    found = [
        (verdict.similarity, other)
        for other, verdict in links.get(page, {}).items()
        if fingerprints[other].size > size and verdict.decided_by != BY_SIMILARITY
    ]
    return [other for _, other in sorted(found, key=lambda item: (-item[0], item[1]))]


def _unrelated(carriers: list[int], page: int, fingerprints: _ByPosition[Fingerprint]) -> bool:
    """Whether pages that carry a text share nothing else: the median share of the shorter
    rest (what a page holds besides the text) found in the other rest is under
    `UNRELATED_REST`, over the first `_CARRIERS_COMPARED`. Reports around one bulletin
    share names, places and figures besides it; pages around one boilerplate, none."""
    held = fingerprints[page].shingles
    rests = [
        sorted_difference(fingerprints[i].shingles, held) for i in carriers[:_CARRIERS_COMPARED]
    ]
    shares = [
        shared_count(left, right) / max(1, min(left.size, right.size))
        for left, right in itertools.combinations(rests, 2)
    ]
    return float(np.median(shares)) < UNRELATED_REST


def _around(
    centre: int,
    remaining: set[int],
    fingerprints: _ByPosition[Fingerprint],
    links: dict[int, dict[int, Verdict]],
    config: DedupConfig,
    *,
    documents: _Pages,
) -> list[int]:
    """The cluster a centre would take from the pages left: itself, its copies, and the
    near-identical twins of those."""
    direct = [
        i
        for i in sorted(remaining - {centre})
        if _verdict(centre, i, fingerprints, links, config, documents=documents).is_copy
    ]
    taken = {centre, *direct}
    twins = [
        i
        for i in sorted(remaining - taken)
        if any(
            links[i][m].similarity >= NEAR_IDENTICAL for m in links.get(i, {}).keys() & set(direct)
        )
    ]
    return [centre, *direct, *twins]


def _cut(centre: int, remaining: set[int], links: dict[int, dict[int, Verdict]]) -> int:
    """How many verified pairs the centre's cluster would split from the pages left (every
    pair of the group is in `links`: its copies are its links)."""
    cluster = {centre} | (links.get(centre, {}).keys() & remaining)
    twins = {
        i
        for m in cluster - {centre}
        for i, verdict in links.get(m, {}).items()
        if i in remaining and verdict.similarity >= NEAR_IDENTICAL
    }
    cluster |= twins
    return sum(1 for m in cluster for i in links.get(m, {}) if i in remaining and i not in cluster)


def _verify_all(
    group: list[int],
    documents: _Pages,
    fingerprints: _ByPosition[Fingerprint],
    links: dict[int, dict[int, Verdict]],
    config: DedupConfig,
) -> None:
    """Add to `links` every pair of the group that verifies and was not a candidate."""
    for n, left in enumerate(group):
        known = links.get(left, {})
        for right in group[n + 1 :]:
            if right in known:
                continue
            verdict = _verify(left, right, documents, fingerprints, config)
            if verdict.is_copy:
                links.setdefault(left, {})[right] = verdict
                links.setdefault(right, {})[left] = verdict


def _verdict(
    left: int,
    right: int,
    fingerprints: _ByPosition[Fingerprint],
    links: dict[int, dict[int, Verdict]],
    config: DedupConfig,
    *,
    documents: _Pages,
) -> Verdict:
    known = links.get(left, {}).get(right)
    return known if known is not None else _verify(left, right, documents, fingerprints, config)


def _verify(
    left: int,
    right: int,
    documents: _Pages,
    fingerprints: _ByPosition[Fingerprint],
    config: DedupConfig,
) -> Verdict:
    """The verdict on two pages, their slots and captions checked on their bodies (read
    only for pairs their shingles call copies): `verify` given the pages, on the bodies
    kept."""
    first, second = fingerprints[left], fingerprints[right]
    verdict = verify(first, second, config)
    if not bodies_checked(verdict):
        return verdict
    return check_bodies(
        verdict, documents.body(left), documents.body(right), first.size <= second.size
    )


def _members(
    positions: list[int],
    documents: _Pages,
    fingerprints: _ByPosition[Fingerprint],
    links: dict[int, dict[int, Verdict]],
    config: DedupConfig,
) -> tuple[MemberRow, ...]:
    """A cluster's members: the centre first (the representative), then its copies by
    similarity to it; the earliest published flagged as the original."""
    centre, others = positions[0], positions[1:]
    if not others:
        return ((centre, 1.0, 1.0, True, UNIQUE, True),)
    head = pick_representative(
        [documents[i] for i in positions], [fingerprints[i] for i in positions], config.timezone
    )
    original = positions[head]
    members: list[MemberRow] = []
    for index in others:
        verdict = _verdict(centre, index, fingerprints, links, config, documents=documents)
        relation: Relation = ORIGINAL
        if index != original:
            relation = relation_of(
                verdict,
                fingerprints[index].size,
                fingerprints[centre].size,
                config,
                figures_changed=_figures_changed(index, centre, verdict, documents, config),
            )
        members.append(
            (index, verdict.similarity, verdict.containment, False, relation, index == original)
        )
    members.sort(key=lambda row: (-row[1], documents[row[0]].doc_id))
    centre_relation: Relation = ORIGINAL
    if original != centre:
        to_original = _verdict(original, centre, fingerprints, links, config, documents=documents)
        centre_relation = relation_of(
            to_original,
            fingerprints[centre].size,
            fingerprints[original].size,
            config,
            figures_changed=_figures_changed(centre, original, to_original, documents, config),
        )
    return ((centre, 1.0, 1.0, True, centre_relation, original == centre), *members)


def _figures_changed(
    page: int, other: int, verdict: Verdict, documents: _Pages, config: DedupConfig
) -> bool:
    """`figures_changed` of two pages' bodies, read only when `relation_of` uses it."""
    if not updates_read(verdict.similarity, config):
        return False
    return figures_changed(documents.figures(page), documents.figures(other))


# Pages whose fingerprint, body and figures are kept once read (the last ones read): a
# group's members are compared with one another in turn, a centre with each of its copies.
_KEPT = 512
_Item = TypeVar("_Item")
_Read = TypeVar("_Read")
_Read_co = TypeVar("_Read_co", covariant=True)


class _ByPosition(Protocol[_Read_co]):
    """Items asked for by position (a sequence, or the last items made of one: `_Recent`)."""

    def __getitem__(self, index: int, /) -> _Read_co: ...


class _Recent(dict[int, _Item]):
    """Items of a sequence by position, each made from the one it holds (`make`) when first
    asked for; the last `kept` made are kept (a page's body or fingerprint read back from a
    store is read once while its group is clustered, not once for each pair). It is the
    dictionary of those kept: asking for one (most asks) is a lookup, not a call."""

    __slots__ = ("_items", "_make", "_size")

    def __init__(
        self, items: _ByPosition[_Read], make: Callable[[_Read], _Item], kept: int
    ) -> None:
        super().__init__()
        self._items = items
        self._make = make
        self._size = kept

    def __missing__(self, index: int) -> _Item:
        item = self[index] = self._make(self._items[index])
        if len(self) > self._size:
            del self[next(iter(self))]
        return item


def _plain(fingerprint: Fingerprint) -> Fingerprint:
    """A fingerprint whose fields are read at once (a store's reads its record back for
    each field asked for): the stored record itself, read once."""
    if isinstance(fingerprint, StoredFingerprint):
        return fingerprint.plain()
    return fingerprint


class _Pages(_Recent[Document]):
    """Documents by position, with the documents, bodies and figures of the last pages read
    kept (figures from `known` when given, else from the bodies)."""

    __slots__ = ("_bodies", "_figures")

    def __init__(
        self, documents: Sequence[Document], known: Sequence[frozenset[str]] | None = None
    ) -> None:
        # A stored document is read back (its metadata unpickled) each time it is asked
        # for, and clustering asks a group's members for their dates and ids again and
        # again (each centre chosen, each cluster's order): five reads a page without this.
        super().__init__(documents, _same_document, _KEPT)
        self._bodies = _Recent(self, _body_of, _KEPT)
        self._figures: _Recent[frozenset[str]] = (
            _Recent(self._bodies, figures, _KEPT)
            if known is None
            else _Recent(known, _same_figures, _KEPT)
        )

    def body(self, index: int) -> str:
        return self._bodies[index]

    def figures(self, index: int) -> frozenset[str]:
        return self._figures[index]


def _same_document(document: Document) -> Document:
    return document


def _body_of(document: Document) -> str:
    return document.body


def _same_figures(figures: frozenset[str]) -> frozenset[str]:
    return figures


def pick_representative(
    documents: Sequence[Document],
    fingerprints: Sequence[Fingerprint],
    timezone: str = "Asia/Shanghai",
) -> int:
    """Position of the likely original: the earliest published copy (by instant: offsets
    count, times without one are in `timezone`); without dates, or among copies published at
    the same time, the most complete one (most shingles); then doc_id."""
    instants = [published_instant(doc.published, timezone) for doc in documents]
    dated = [i for i, instant in enumerate(instants) if instant is not None]
    candidates = dated or list(range(len(documents)))
    return min(
        candidates,
        key=lambda i: (instants[i] or 0.0, -fingerprints[i].size, documents[i].doc_id),
    )


def _cluster_order(size: int, place: Place) -> _Order:
    """Larger clusters first; then those with the earliest published original (undated
    last); then by the centre's doc_id (`Place`)."""
    return (-size, *place)


def _place(original: Document, centre: Document | None, timezone: str) -> Place:
    """A cluster's `Place` from its original and its centre (None: the centre is the
    original)."""
    instant = published_instant(original.published, timezone)
    return (0 if instant is not None else 1, instant or 0.0, (centre or original).doc_id)
