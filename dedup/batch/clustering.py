"""Candidate pairs -> verified clusters with a representative (the likely original).

A candidate pair links two documents only once their shingle sets confirm it. Linked
documents form connected groups; then each group is split into clusters built around a
representative: a member matches the representative itself or is a near-identical twin of
a member that does, and the rest are grouped again among themselves, so that A~B and B~C
never drag an unrelated C into A's cluster.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from dedup.config import DedupConfig
from dedup.fingerprint.shingle import Fingerprint, compare_shingles
from dedup.models import Cluster, Document, Member, Relation, published_instant
from dedup.verdict import ORIGINAL, UNIQUE, Verdict, relation_of, verify

# Jaccard at which two pages are all but the same page.
NEAR_IDENTICAL = 0.9


def build_clusters(
    documents: Sequence[Document],
    fingerprints: Sequence[Fingerprint],
    candidates: Iterable[tuple[int, int]],
    config: DedupConfig,
) -> list[Cluster]:
    """Cluster documents (by position) from candidate pairs; every document ends in exactly
    one cluster, singletons included. Cluster 1 is the largest; ties go to the earliest
    published representative, then to the representative's doc_id."""
    parent = list(range(len(documents)))
    neighbours: dict[int, set[int]] = {}
    for left, right in sorted(candidates):
        neighbours.setdefault(left, set()).add(right)
        neighbours.setdefault(right, set()).add(left)
        # A pair already connected cannot change the groups: only spanning links are
        # verified here (every member is verified against its representative below).
        if (
            _find(parent, left) != _find(parent, right)
            and verify(fingerprints[left], fingerprints[right], config).is_copy
        ):
            _union(parent, left, right)
    groups: dict[int, list[int]] = {}
    for index in range(len(documents)):
        groups.setdefault(_find(parent, index), []).append(index)
    built: list[tuple[Member, ...]] = []
    for group in groups.values():
        built.extend(_guarded(group, documents, fingerprints, neighbours, config))
    built.sort(key=lambda members: _cluster_order(members, config.timezone))
    return [Cluster(cluster_id=number, members=members) for number, members in enumerate(built, 1)]


def _guarded(
    group: list[int],
    documents: Sequence[Document],
    fingerprints: Sequence[Fingerprint],
    neighbours: dict[int, set[int]],
    config: DedupConfig,
) -> list[tuple[Member, ...]]:
    """Split a connected group into clusters built around a representative.

    A member either matches the representative itself, or is a near-identical twin
    (Jaccard `NEAR_IDENTICAL`) of a member that does: one hop at most, through a page that is
    all but the same, so A~B and B~C never drag an unrelated C in, while the twin of a
    truncated copy still joins its article.
    """
    clusters: list[tuple[Member, ...]] = []
    remaining = group
    while remaining:
        head = pick_representative(
            [documents[i] for i in remaining],
            [fingerprints[i] for i in remaining],
            config.timezone,
        )
        rep = remaining[head]
        direct: dict[int, Member] = {}
        rest: list[int] = []
        for index in remaining:
            if index == rep:
                continue
            verdict = verify(fingerprints[rep], fingerprints[index], config)
            if verdict.is_copy:
                relation = relation_of(
                    verdict, fingerprints[index].size, fingerprints[rep].size, config
                )
                direct[index] = _member(documents[index], verdict, relation)
            else:
                rest.append(index)
        twins = _twins_of(rest, direct, fingerprints, neighbours)
        for index, twin in twins.items():
            verdict = verify(fingerprints[rep], fingerprints[index], config)
            direct[index] = _member(documents[index], verdict, direct[twin].relation)
        rest = [index for index in rest if index not in twins]
        head_relation = ORIGINAL if direct else UNIQUE
        members = sorted(direct.values(), key=lambda m: (-m.similarity, m.document.doc_id))
        clusters.append((Member(documents[rep], 1.0, 1.0, True, head_relation), *members))
        remaining = rest
    return clusters


def _twins_of(
    candidates: list[int],
    direct: dict[int, Member],
    fingerprints: Sequence[Fingerprint],
    neighbours: dict[int, set[int]],
) -> dict[int, int]:
    """For each candidate that is a near-identical twin of a direct member, that member.
    Twins are always LSH neighbours (a pair at 0.9 Jaccard is a candidate with near
    certainty), so only neighbours are compared."""
    twins: dict[int, int] = {}
    for index in candidates:
        for member in sorted(neighbours.get(index, set()) & direct.keys()):
            similarity, _ = compare_shingles(
                fingerprints[member].shingles, fingerprints[index].shingles
            )
            if similarity >= NEAR_IDENTICAL:
                twins[index] = member
                break
    return twins


def _member(document: Document, verdict: Verdict, relation: Relation) -> Member:
    return Member(document, verdict.similarity, verdict.containment, False, relation)


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


def _cluster_order(members: tuple[Member, ...], timezone: str) -> tuple[int, int, float, str]:
    rep = members[0].document
    instant = published_instant(rep.published, timezone)
    return (-len(members), 0 if instant is not None else 1, instant or 0.0, rep.doc_id)


def _find(parent: list[int], index: int) -> int:
    while parent[index] != index:
        parent[index] = parent[parent[index]]
        index = parent[index]
    return index


def _union(parent: list[int], left: int, right: int) -> None:
    root_left, root_right = _find(parent, left), _find(parent, right)
    if root_left != root_right:
        parent[max(root_left, root_right)] = min(root_left, root_right)
