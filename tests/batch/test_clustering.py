from __future__ import annotations

import numpy as np

from dedup.batch.clustering import build_clusters, pick_representative
from dedup.config import DedupConfig
from dedup.fingerprint.shingle import Fingerprint
from dedup.models import Document

CONFIG = DedupConfig(threshold=0.7, containment=0.9, min_containment_shingles=10)


def ids(values: range | list[int], numbers: range | list[int] = ()) -> Fingerprint:
    return Fingerprint(
        np.array(sorted(set(values)), dtype=np.uint32),
        np.array(sorted(set(numbers)), dtype=np.uint32),
    )


def doc(doc_id: str, published: str | None = None) -> Document:
    return Document(doc_id=doc_id, body="x", published=published)


def test_verified_pairs_cluster_and_unverified_candidates_do_not() -> None:
    docs = [doc("a"), doc("b"), doc("c")]
    shingles = [ids(range(100)), ids(range(5, 100)), ids(range(200, 300))]
    clusters = build_clusters(docs, shingles, [(0, 1), (0, 2), (1, 2)], CONFIG)
    assert [[m.document.doc_id for m in c.members] for c in clusters] == [["a", "b"], ["c"]]
    assert [c.cluster_id for c in clusters] == [1, 2]


def test_no_chaining_through_a_middle_document() -> None:
    # a~b and b~c pass, but a and c share too little: c must not join a's cluster.
    docs = [doc("a", "2025-01-01"), doc("b", "2025-01-02"), doc("c", "2025-01-03")]
    shingles = [ids(range(0, 100)), ids(range(15, 115)), ids(range(30, 130))]
    clusters = build_clusters(docs, shingles, [(0, 1), (1, 2)], CONFIG)
    groups = [{m.document.doc_id for m in c.members} for c in clusters]
    assert {"a", "c"} not in groups and not any({"a", "c"} <= group for group in groups)
    assert sorted(map(len, groups)) == [1, 2]


def test_truncated_copy_joins_by_containment() -> None:
    docs = [doc("full"), doc("cut")]
    shingles = [ids(range(100)), ids(range(50))]
    (cluster,) = build_clusters(docs, shingles, [(0, 1)], CONFIG)
    assert cluster.representative.doc_id == "full"
    assert cluster.members[1].relation == "partial"
    assert round(cluster.members[1].similarity, 3) == 0.5
    assert cluster.members[1].containment == 1.0


def test_representative_is_earliest_published_else_most_complete() -> None:
    shingles = [ids(range(10)), ids(range(50)), ids(range(30))]
    dated = [doc("a", "2025-03-02"), doc("b"), doc("c", "2025-03-01T08:00")]
    assert pick_representative(dated, shingles) == 2
    undated = [doc("a"), doc("b"), doc("c")]
    assert pick_representative(undated, shingles) == 1
    tie = [doc("b"), doc("a")]
    assert pick_representative(tie, [ids(range(5)), ids(range(5))]) == 1


def test_cluster_ids_largest_first_then_earliest() -> None:
    docs = [doc("x", "2025-02-01"), doc("y", "2025-01-01"), doc("z"), doc("w", "2025-03-01")]
    shingles = [ids(range(100)), ids(range(500, 600)), ids(range(1000, 1100)), ids(range(100))]
    clusters = build_clusters(docs, shingles, [(0, 3)], CONFIG)
    assert [c.representative.doc_id for c in clusters] == ["x", "y", "z"]
    assert clusters[0].size == 2


def test_every_document_lands_in_exactly_one_cluster() -> None:
    rng = np.random.default_rng(3)
    docs = [doc(f"d{i}") for i in range(30)]
    shingles = [ids(rng.integers(0, 150, 60).tolist()) for _ in docs]
    pairs = [(i, j) for i in range(30) for j in range(i + 1, 30)]
    clusters = build_clusters(docs, shingles, pairs, CONFIG)
    seen = [m.document.doc_id for c in clusters for m in c.members]
    assert sorted(seen) == sorted(d.doc_id for d in docs)


def test_a_near_identical_twin_of_a_member_joins_but_nothing_further() -> None:
    full = doc("full", "2025-01-01")
    cut, twin, far = doc("cut", "2025-01-02"), doc("twin", "2025-01-03"), doc("far", "2025-01-04")
    fingerprints = [
        ids(range(100)),
        ids([*range(40), *range(200, 204)]),  # 0.91 contained in full: a truncated copy
        ids([*range(40), *range(200, 204), *range(300, 304)]),  # 0.92 Jaccard with cut only
        ids([*range(40), *range(200, 204), *range(300, 320)]),  # 0.69 with cut: no twin
    ]
    clusters = build_clusters(
        [full, cut, twin, far], fingerprints, [(0, 1), (1, 2), (1, 3), (2, 3)], CONFIG
    )
    groups = [sorted(m.document.doc_id for m in c.members) for c in clusters]
    assert groups[0] == ["cut", "full", "twin"]
    assert ["far"] in groups
