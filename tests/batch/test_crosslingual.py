"""Translated clusters joined to their original's: relations, scores, order (no encoder)."""

from __future__ import annotations

from dedup.batch.crosslingual import _joined
from dedup.models import Cluster, Document, Member
from dedup.xling.matching import Link


def single(number: int, doc_id: str, lang: str, published: str | None) -> Cluster:
    document = Document(doc_id, "body", published=published, lang=lang)
    return Cluster(number, (Member(document, 1.0, 1.0, True, "unique", is_original=True),))


def test_a_translation_joins_the_earlier_article_and_says_so() -> None:
    clusters = [
        single(1, "en", "en", "2021-09-16"),  # a date alone: no earlier than a timed page
        single(2, "zh", "zh", "2021-09-16T10:26"),
        single(3, "other", "zh", None),
    ]
    joined = _joined(clusters, [Link(0, 1, 0.69)], "Asia/Shanghai")
    assert [c.cluster_id for c in joined] == [1, 2]
    first = joined[0]
    assert [(m.document.doc_id, m.relation, m.is_original) for m in first.members] == [
        ("zh", "original", True),
        ("en", "translation", False),
    ]
    assert (first.members[1].similarity, first.members[1].containment) == (0.69, 0.69)
    assert [m.document.doc_id for m in joined[1].members] == ["other"]


def test_no_link_leaves_the_clusters_as_they_were() -> None:
    clusters = [single(1, "a", "en", None), single(2, "b", "zh", None)]
    assert [c.members for c in _joined(clusters, [], "UTC")] == [c.members for c in clusters]
