from __future__ import annotations

import numpy as np

from dedup.cluster import build_clusters, pick_representative, verify
from dedup.config import DedupConfig
from dedup.models import Document
from dedup.shingle import Fingerprint

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


def test_agreeing_numbers_lower_the_bar_and_disagreeing_ones_raise_it() -> None:
    # Jaccard 0.6: below the 0.7 threshold on words alone.
    left, right = range(0, 80), range(20, 100)
    assert not verify(ids(left), ids(right), CONFIG).is_copy
    assert verify(ids(left, range(10)), ids(right, range(10)), CONFIG).is_copy
    # A templated note: 0.82 Jaccard, different figures.
    note_a, note_b = range(0, 100), range(18, 100)
    assert verify(ids(note_a), ids(note_b), CONFIG).is_copy
    assert not verify(ids(note_a, range(10)), ids(note_b, range(10, 20)), CONFIG).is_copy
    assert verify(ids(note_a, range(10)), ids(range(0, 98), range(10, 20)), CONFIG).is_copy


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


def test_judging_many_pairs_at_once_is_judging_each() -> None:
    import itertools

    import numpy as np

    from dedup.cluster import judge, judge_many

    config = DedupConfig(number_agreement=0.9)  # above AGREEING_NUMBERS: both rules overlap
    grid = list(
        itertools.product(
            [0.0, 0.55, 0.6, 0.65, 0.7, 0.85, 0.9, 0.95],  # similarity
            [0.0, 0.74, 0.75, 0.8, 0.85, 1.0],  # containment
            [10, 29, 30, 500],  # shingles in the smaller body
            [None, 0.0, 0.5, 0.79, 0.8, 0.85, 0.9, 1.0],  # number agreement
        )
    )
    for tried in (config, CONFIG):
        columns = list(zip(*grid, strict=True))
        agreement = np.array([np.nan if a is None else a for a in columns[3]])
        together = judge_many(
            np.array(columns[0]), np.array(columns[1]), np.array(columns[2]), agreement, tried
        )
        alone = [judge(s, c, n, a, tried).is_copy for s, c, n, a in grid]
        assert together.tolist() == alone


def test_relations_of_many_copies_are_relation_of_each() -> None:
    import numpy as np

    from dedup.cluster import Verdict, relation_of, relations_of

    similarity = np.array([0.95, 0.7, 0.69, 0.4, 0.4, 0.4])
    sizes = np.array([300, 300, 500, 200, 300, 301])
    expected = [
        relation_of(Verdict(float(s), 1.0, True), 300, int(n), CONFIG)
        for s, n in zip(similarity, sizes, strict=True)
    ]
    assert relations_of(similarity, 300, sizes, CONFIG) == expected
    assert set(expected) == {"duplicate", "partial", "extended"}
