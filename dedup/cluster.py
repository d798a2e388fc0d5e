"""Candidate pairs -> verified clusters with a representative (the likely original).

A candidate pair links two documents only once their shingle sets confirm it. Linked
documents form connected groups; then each group is split into clusters built around a
representative: a member matches the representative itself or is a near-identical twin of
a member that does, and the rest are grouped again among themselves, so that A~B and B~C
never drag an unrelated C into A's cluster.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from dedup.config import DedupConfig
from dedup.models import Cluster, Document, Member
from dedup.shingle import Fingerprint, compare_shingles, number_agreement

# Numbers agree when at least this share of the fewer are found in the other body.
AGREEING_NUMBERS = 0.8
# With disagreeing numbers, only bodies this similar are copies (a corrected figure or two).
DISAGREEING_NUMBERS_SIMILARITY = 0.9
# Jaccard at which two pages are all but the same page.
NEAR_IDENTICAL = 0.9

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


def verify(left: Fingerprint, right: Fingerprint, config: DedupConfig) -> Verdict:
    """Whether two bodies are copies of one article, measured on all their shingles."""
    similarity, containment = compare_shingles(left.shingles, right.shingles)
    return judge(
        similarity,
        containment,
        min(left.size, right.size),
        number_agreement(left.numbers, right.numbers),
        config,
    )


def judge(
    similarity: float,
    containment: float,
    smaller_size: int,
    agreement: float | None,
    config: DedupConfig,
) -> Verdict:
    """The verdict on two bodies from their measures, exact or estimated (`dedup.sketch`).

    A copy has Jaccard similarity at the threshold, or the shorter body is contained in the
    longer (a truncated copy or an excerpt) when it is long enough to tell (``smaller_size``
    shingles). The bodies' distinctive numbers then move the bar: copies carry the same
    figures, so when nearly all of the fewer numbers agree the bar drops by `number_slack`
    (a copy with typos, a note and a cut paragraph still matches), and when most disagree
    only a near-identical body (`DISAGREEING_NUMBERS_SIMILARITY`) counts, which keeps
    templated notes (stock flashes, market reports) apart however many words they share.
    """
    threshold, containment_bar = config.threshold, config.containment
    if agreement is not None and agreement >= AGREEING_NUMBERS:
        threshold -= config.number_slack
        containment_bar -= config.number_slack
    elif agreement is not None and agreement < config.number_agreement:
        return Verdict(similarity, containment, similarity >= DISAGREEING_NUMBERS_SIMILARITY)
    contained = containment >= containment_bar and smaller_size >= config.min_containment_shingles
    return Verdict(similarity, containment, similarity >= threshold or contained)


def judge_many(
    similarity: npt.NDArray[np.float64],
    containment: npt.NDArray[np.float64],
    smaller_sizes: npt.NDArray[np.int64],
    agreement: npt.NDArray[np.float64],
    config: DedupConfig,
) -> npt.NDArray[np.bool_]:
    """`judge` over arrays, one entry per pair (``agreement`` NaN where `judge` takes
    None): which pairs are copies. Equal to `judge` pair by pair (tested); the crawler's
    index judges all of a page's candidates at once with it."""
    agrees = agreement >= AGREEING_NUMBERS
    disagrees = ~agrees & (agreement < config.number_agreement)
    threshold = np.where(agrees, config.threshold - config.number_slack, config.threshold)
    bar = np.where(agrees, config.containment - config.number_slack, config.containment)
    contained = (containment >= bar) & (smaller_sizes >= config.min_containment_shingles)
    usual = (similarity >= threshold) | contained
    copies: npt.NDArray[np.bool_] = np.where(
        disagrees, similarity >= DISAGREEING_NUMBERS_SIMILARITY, usual
    )
    return copies


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
    built.sort(key=_cluster_order)
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
            [documents[i] for i in remaining], [fingerprints[i] for i in remaining]
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
        relation = ORIGINAL if direct else UNIQUE
        members = sorted(direct.values(), key=lambda m: (-m.similarity, m.document.doc_id))
        clusters.append((Member(documents[rep], 1.0, 1.0, True, relation), *members))
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


def _member(document: Document, verdict: Verdict, relation: str) -> Member:
    return Member(document, verdict.similarity, verdict.containment, False, relation)


def pick_representative(documents: Sequence[Document], fingerprints: Sequence[Fingerprint]) -> int:
    """Position of the likely original: the earliest published copy; without dates, or among
    copies published at the same time, the most complete one (most shingles); then doc_id."""
    dated = [i for i, doc in enumerate(documents) if doc.published]
    candidates = dated or list(range(len(documents)))
    return min(
        candidates,
        key=lambda i: (documents[i].published or "", -fingerprints[i].size, documents[i].doc_id),
    )


def relation_of(verdict: Verdict, size: int, other_size: int, config: DedupConfig) -> str:
    """How a body relates to another it was verified against: ``duplicate`` (Jaccard at
    the threshold), ``partial`` (it is contained in the other: truncated or an excerpt), or
    ``extended`` (it contains the other plus more)."""
    if verdict.similarity >= config.threshold:
        return DUPLICATE
    return PARTIAL if size <= other_size else EXTENDED


def relations_of(
    similarity: npt.NDArray[np.float64],
    size: int | npt.NDArray[np.int64],
    other_sizes: npt.NDArray[np.int64],
    config: DedupConfig,
) -> list[str]:
    """`relation_of` of a body to each of several copies of it (or of each of several
    bodies, ``size`` an array, to its copy), at once (tested equal)."""
    codes = np.where(similarity >= config.threshold, 0, np.where(size <= other_sizes, 1, 2))
    names = (DUPLICATE, PARTIAL, EXTENDED)
    return [names[code] for code in codes.tolist()]


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
