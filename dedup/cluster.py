"""Candidate pairs -> verified clusters with a representative (the likely original).

A candidate pair links two documents only once their shingle sets confirm it. Linked
documents form connected groups; then every member is checked against the group's
representative, and members that do not match it directly are split off and grouped again
among themselves, so that A~B and B~C never drag an unrelated C into A's cluster.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from dedup.config import DedupConfig
from dedup.models import Cluster, Document, Member
from dedup.shingle import ShingleIds, compare_shingles

ORIGINAL, DUPLICATE, PARTIAL, EXTENDED, UNIQUE = (
    "original",
    "duplicate",
    "partial",
    "extended",
    "unique",
)


@dataclass(frozen=True, slots=True)
class Verdict:
    """How two bodies relate, measured on their shingles."""

    similarity: float
    containment: float
    is_copy: bool


def verify(left: ShingleIds, right: ShingleIds, config: DedupConfig) -> Verdict:
    """Whether two bodies are copies: Jaccard at the threshold, or the shorter one contained
    in the longer (a truncated copy or an excerpt) when it is long enough to tell."""
    similarity, containment = compare_shingles(left, right)
    contained = (
        containment >= config.containment
        and min(left.size, right.size) >= config.min_containment_shingles
    )
    return Verdict(similarity, containment, similarity >= config.threshold or contained)


def build_clusters(
    documents: Sequence[Document],
    shingles: Sequence[ShingleIds],
    candidates: Iterable[tuple[int, int]],
    config: DedupConfig,
) -> list[Cluster]:
    """Cluster documents (by position) from candidate pairs; every document ends in exactly
    one cluster, singletons included. Cluster 1 is the largest; ties go to the earliest
    published representative, then to the representative's doc_id."""
    parent = list(range(len(documents)))
    for left, right in sorted(candidates):
        if verify(shingles[left], shingles[right], config).is_copy:
            _union(parent, left, right)
    groups: dict[int, list[int]] = {}
    for index in range(len(documents)):
        groups.setdefault(_find(parent, index), []).append(index)
    built: list[tuple[Member, ...]] = []
    for group in groups.values():
        built.extend(_guarded(group, documents, shingles, config))
    built.sort(key=_cluster_order)
    return [Cluster(cluster_id=number, members=members) for number, members in enumerate(built, 1)]


def _guarded(
    group: list[int],
    documents: Sequence[Document],
    shingles: Sequence[ShingleIds],
    config: DedupConfig,
) -> list[tuple[Member, ...]]:
    """Split a connected group into clusters whose members all match their representative."""
    clusters: list[tuple[Member, ...]] = []
    remaining = group
    while remaining:
        head = pick_representative(
            [documents[i] for i in remaining], [shingles[i] for i in remaining]
        )
        rep = remaining[head]
        members = [
            Member(documents[rep], 1.0, 1.0, True, ORIGINAL if len(remaining) > 1 else UNIQUE)
        ]
        rest: list[int] = []
        for index in remaining:
            if index == rep:
                continue
            verdict = verify(shingles[rep], shingles[index], config)
            if verdict.is_copy:
                relation = _relation(verdict, shingles[index].size, shingles[rep].size, config)
                members.append(
                    Member(
                        documents[index], verdict.similarity, verdict.containment, False, relation
                    )
                )
            else:
                rest.append(index)
        if len(members) == 1:
            members[0] = Member(documents[rep], 1.0, 1.0, True, UNIQUE)
        members[1:] = sorted(members[1:], key=lambda m: (-m.similarity, m.document.doc_id))
        clusters.append(tuple(members))
        remaining = rest
    return clusters


def pick_representative(documents: Sequence[Document], shingles: Sequence[ShingleIds]) -> int:
    """Position of the likely original: the earliest published copy; without dates, the most
    complete one (most shingles); ties by doc_id."""
    dated = [i for i, doc in enumerate(documents) if doc.published]
    if dated:
        return min(dated, key=lambda i: (documents[i].published or "", documents[i].doc_id))
    return min(range(len(documents)), key=lambda i: (-shingles[i].size, documents[i].doc_id))


def _relation(verdict: Verdict, size: int, rep_size: int, config: DedupConfig) -> str:
    if verdict.similarity >= config.threshold:
        return DUPLICATE
    return PARTIAL if size <= rep_size else EXTENDED


def _cluster_order(members: tuple[Member, ...]) -> tuple[int, int, str, str]:
    rep = members[0].document
    return (-len(members), 0 if rep.published else 1, rep.published or "", rep.doc_id)


def _find(parent: list[int], index: int) -> int:
    while parent[index] != index:
        parent[index] = parent[parent[index]]
        index = parent[index]
    return index


def _union(parent: list[int], left: int, right: int) -> None:
    root_left, root_right = _find(parent, left), _find(parent, right)
    if root_left != root_right:
        parent[max(root_left, root_right)] = min(root_left, root_right)
