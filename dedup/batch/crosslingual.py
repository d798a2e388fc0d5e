"""Clusters in one language joined to their translations in another (``--cross-lingual``).

Runs after `cluster_documents`: each cluster of copies is one article, seen through its
representative. Only articles in a language the encoder reads and that has a counterpart
language in the scan are encoded: their leads, then the whole bodies of the candidate
pairs only (batched); the decision is `dedup.xling.matching`'s. Joined clusters become
one: the earliest published article (`_anchor_order`; else the largest cluster, else the
first) keeps its members as they were, and every member of a translated cluster gets the
relation ``translation`` with its cluster's cross-lingual score (the share of the shorter
body's sentences aligned, `dedup.xling.matching`) as ``similarity`` and ``containment``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import replace

from dedup.models import Cluster, Member, Relation, published_instant
from dedup.xling.encoder import Bodies
from dedup.xling.languages import ENCODED_LANGUAGES
from dedup.xling.matching import Link, match_translations, with_counterparts

logger = logging.getLogger(__name__)
TRANSLATION: Relation = "translation"


def join_translations(clusters: Sequence[Cluster], timezone: str) -> list[Cluster]:
    """The clusters with translated articles joined to their original's cluster, renumbered
    in `cluster_documents`' order (largest first)."""
    languages = [
        lang if (lang := cluster.representative.lang or "") in ENCODED_LANGUAGES else ""
        for cluster in clusters
    ]
    all_instants = [published_instant(c.original.published, timezone) for c in clusters]
    # Only articles with a counterpart: another language in the scan, published within the
    # window (or undated on either side). A scan in one language encodes nothing.
    chosen = [i for i, has in enumerate(with_counterparts(languages, all_instants)) if has]
    if not chosen:
        return list(clusters)
    started = time.perf_counter()
    bodies = Bodies(clusters[i].representative.body for i in chosen)
    links = match_translations(
        bodies, [languages[i] for i in chosen], [all_instants[i] for i in chosen]
    )
    logger.info(
        "cross-lingual: %d of %d articles read, %d sentences encoded in %.1f s",
        len(chosen),
        len(clusters),
        bodies.encoded,
        time.perf_counter() - started,
    )
    links = [Link(chosen[link.left], chosen[link.right], link.score) for link in links]
    return _joined(clusters, links, timezone)


def _joined(clusters: Sequence[Cluster], links: list[Link], timezone: str) -> list[Cluster]:
    neighbours: dict[int, list[tuple[int, float]]] = {}
    for link in links:
        neighbours.setdefault(link.left, []).append((link.right, link.score))
        neighbours.setdefault(link.right, []).append((link.left, link.score))
    seen: set[int] = set()
    built: list[tuple[Member, ...]] = []
    for start in range(len(clusters)):
        if start in seen:
            continue
        group = _reachable(start, neighbours)
        seen.update(group)
        anchor = min(group, key=lambda i: _anchor_order(clusters[i], timezone, i))
        members = list(clusters[anchor].members)
        for index, score in _scores_from(anchor, neighbours):
            members.extend(
                replace(
                    member,
                    similarity=score,
                    containment=score,
                    is_representative=False,
                    relation=TRANSLATION,
                    is_original=False,
                )
                for member in clusters[index].members
            )
        if len(members) > 1 and members[0].relation == "unique":
            members[0] = replace(members[0], relation="original")
        built.append(tuple(members))
    built.sort(key=lambda members: _cluster_order(members, timezone))
    return [Cluster(cluster_id=number, members=members) for number, members in enumerate(built, 1)]


def _reachable(start: int, neighbours: dict[int, list[tuple[int, float]]]) -> set[int]:
    group, stack = {start}, [start]
    while stack:
        for other, _ in neighbours.get(stack.pop(), []):
            if other not in group:
                group.add(other)
                stack.append(other)
    return group


def _scores_from(
    anchor: int, neighbours: dict[int, list[tuple[int, float]]]
) -> list[tuple[int, float]]:
    """Each cluster joined to `anchor`, in the order reached, with the score of the link that
    reached it (breadth first, strongest link first)."""
    order: list[tuple[int, float]] = []
    reached, frontier = {anchor}, [anchor]
    while frontier:
        following: list[int] = []
        for index in frontier:
            for other, score in sorted(neighbours.get(index, []), key=lambda p: (-p[1], p[0])):
                if other not in reached:
                    reached.add(other)
                    order.append((other, score))
                    following.append(other)
        frontier = following
    return order


def _anchor_order(
    cluster: Cluster, timezone: str, index: int
) -> tuple[int, float, int, float, int, int]:
    """The original of joined articles: the earliest published by day; on one day, one
    stated with a time before one stated by its date alone (midnight is no time of day),
    then the earliest; then the largest cluster."""
    published = cluster.original.published
    instant = published_instant(published, timezone)
    day = published_instant(published[:10], timezone) if published and instant else None
    timed = published is not None and len(published) > len("2021-09-16")
    return (
        0 if instant is not None else 1,
        day or 0.0,
        0 if timed else 1,
        instant or 0.0,
        -cluster.size,
        index,
    )


def _cluster_order(members: tuple[Member, ...], timezone: str) -> tuple[int, int, float, str]:
    # As `dedup.batch.clustering` orders clusters: largest first, then the earliest original.
    original = next((m for m in members if m.is_original), members[0]).document
    instant = published_instant(original.published, timezone)
    return (
        -len(members),
        0 if instant is not None else 1,
        instant or 0.0,
        members[0].document.doc_id,
    )
