"""A scan's result held compactly: clusters as columns, documents in the store; each made
when read, equal to the objects they stand for, and the same report bytes."""

from __future__ import annotations

import dataclasses
import pickle
from pathlib import Path

import numpy as np
import pytest

import dedup
from dedup.batch import spill
from dedup.batch.clustering import (
    GroupClusters,
    MemberRow,
    assemble,
    candidate_groups,
    cluster_groups,
)
from dedup.batch.columns import ClusterColumns
from dedup.batch.html_report import render_html
from dedup.batch.report import FORMATS, clusters_table, documents_table, render
from dedup.config import DedupConfig
from dedup.fingerprint.shingle import Fingerprint
from dedup.models import Cluster, Document, Member, ScanResult, published_instant

from ..conftest import SAMPLES

_NONE = np.zeros(0, dtype=np.uint32)

DOCUMENTS = [
    Document("d0", "x", published="2024-01-02"),
    Document("d1", "x"),
    Document("d2", "x", published="2024-01-01"),
    Document("d3", "x", title="标题"),
    Document("d4", "x", published="2023-12-31"),
    Document("d5", "x"),
]
# Two parts, as the workers give them: groups by their first page, member rows centre first.
PARTS = [
    GroupClusters(
        [
            (3, ((3, 1.0, 1.0, True, "unique", True),)),
            (0, ((2, 1.0, 1.0, True, "original", True), (0, 0.91, 0.95, False, "partial", False))),
        ],
        split_pairs=1,
        kept_apart=0,
    ),
    GroupClusters(
        [
            (1, ((1, 1.0, 1.0, True, "duplicate", False), (4, 0.8, 0.9, False, "original", True))),
            (1, ((5, 1.0, 1.0, True, "unique", True),)),
        ],
        split_pairs=0,
        kept_apart=2,
    ),
]


def clusters_as_objects(
    documents: list[Document], parts: list[GroupClusters], timezone: str
) -> list[Cluster]:
    """The clusters as Cluster and Member objects: groups by first page, then largest first,
    earliest original, dated before undated, then the centre's doc_id."""
    built: list[tuple[int, tuple[Member, ...]]] = []
    for part in parts:
        for first, rows in part.clusters:
            built.append((first, tuple(member(documents, row) for row in rows)))
    built.sort(key=lambda item: item[0])

    def key(members: tuple[Member, ...]) -> tuple[int, int, float, str]:
        original = next((m for m in members if m.is_original), members[0]).document
        instant = published_instant(original.published, timezone)
        centre = members[0].document.doc_id
        return (-len(members), 0 if instant is not None else 1, instant or 0.0, centre)

    ordered = sorted((members for _, members in built), key=key)
    return [Cluster(number, members) for number, members in enumerate(ordered, 1)]


def member(documents: list[Document], row: MemberRow) -> Member:
    position, similarity, containment, centre, relation, original = row
    return Member(documents[position], similarity, containment, centre, relation, original)


def test_assembled_columns_make_the_clusters_their_rows_say() -> None:
    clustering = assemble(DOCUMENTS, iter(PARTS), DedupConfig())
    expected = clusters_as_objects(DOCUMENTS, PARTS, DedupConfig().timezone)
    clusters = clustering.clusters
    assert isinstance(clusters, ClusterColumns)
    assert (clustering.split_pairs, clustering.kept_apart) == (1, 2)
    assert clusters == expected and expected == clusters
    assert list(clusters) == expected and len(clusters) == 4
    assert [clusters[n] for n in range(4)] == expected
    assert clusters[-1] == expected[-1] and clusters[1:3] == expected[1:3]
    with pytest.raises(IndexError):
        clusters[4]
    assert clusters.of_two_or_more() == [c for c in expected if c.size > 1]
    assert clusters.sizes().tolist() == [2, 2, 1, 1]
    assert clusters != expected[:3] and clusters != expected[::-1]
    copy = pickle.loads(pickle.dumps(clusters))
    assert type(copy) is list and copy == expected
    centres = [c.representative.doc_id for c in clusters]
    assert centres == ["d1", "d2", "d3", "d5"]  # the earliest original first, then doc_ids


def test_members_read_as_values_are_those_of_the_clusters() -> None:
    clusters = assemble(DOCUMENTS, iter(PARTS), DedupConfig()).clusters
    assert isinstance(clusters, ClusterColumns)

    def values(shown: list[Cluster]) -> list[tuple[object, ...]]:
        return [
            (c.cluster_id, c.size, m.document, *dataclasses.astuple(m)[1:])
            for c in shown
            for m in c.members
        ]

    assert list(clusters.member_values()) == values(list(clusters))
    two_or_more = clusters.of_two_or_more()
    assert list(two_or_more.member_values()) == values(list(two_or_more))
    assert [row[:2] for row in two_or_more.member_values()] == [(1, 2), (1, 2), (2, 2), (2, 2)]


def test_clusters_are_numbered_by_the_places_their_parts_found() -> None:
    # Places found where the groups were clustered stand for those the documents give (which
    # number d1 d2 d3 d5): here d1's original undated, and the single pages' centres swapped.
    placed = [
        GroupClusters(PARTS[0].clusters, 1, 0, [(1, 0.0, "z"), (0, 1.0, "d2")]),
        GroupClusters(PARTS[1].clusters, 0, 2, [(1, 0.0, "d1"), (1, 0.0, "a")]),
    ]
    clusters = assemble(DOCUMENTS, iter(placed), DedupConfig()).clusters
    assert [c.representative.doc_id for c in clusters] == ["d2", "d1", "d5", "d3"]
    # Parts without places (or some without) are placed from their documents.
    unplaced = [GroupClusters.joined([placed[0], PARTS[1]])]
    assert not unplaced[0].places
    expected = clusters_as_objects(DOCUMENTS, PARTS, DedupConfig().timezone)
    assert assemble(DOCUMENTS, iter(unplaced), DedupConfig()).clusters == expected


def test_the_places_groups_are_clustered_with_are_those_their_documents_give() -> None:
    documents = [Document(f"p{n}", "x", published=f"2024-01-0{9 - n % 3}") for n in range(6)]
    prints = [
        Fingerprint(np.arange(n // 2 * 100, n // 2 * 100 + 60 + n, dtype=np.uint32), _NONE)
        for n in range(6)
    ]
    groups = candidate_groups(6, [(0, 1), (2, 3), (3, 4)])
    part = cluster_groups(groups, documents, prints, DedupConfig())
    assert len(part.places) == len(part.clusters) == 4
    unplaced = GroupClusters(part.clusters, part.split_pairs, part.kept_apart)
    placed_here = assemble(documents, [unplaced], DedupConfig()).clusters
    assert assemble(documents, [part], DedupConfig()).clusters == placed_here
    assert [c.size for c in placed_here] == [2, 2, 1, 1]


def test_a_long_run_of_clusters_reads_back_block_by_block() -> None:
    documents = [Document(f"p{n:05d}", "x") for n in range(9000)]
    alone: MemberRow = (0, 1.0, 1.0, True, "unique", True)
    rows = [(n, ((n, *alone[1:]),)) for n in range(9000)]
    pair: tuple[MemberRow, ...] = (
        (8999, 1.0, 1.0, True, "original", True),
        (0, 0.9, 0.9, False, "duplicate", False),
    )
    part = GroupClusters([*rows[1:8999], (0, pair)], 0, 0)
    clusters = assemble(documents, [part], DedupConfig()).clusters
    assert clusters == clusters_as_objects(documents, [part], "Asia/Shanghai")
    assert [c.cluster_id for c in clusters] == list(range(1, 9000))
    (pair_cluster,) = clusters.of_two_or_more()  # type: ignore[attr-defined]
    assert pair_cluster.cluster_id == 1 and pair_cluster.members[1].document.doc_id == "p00000"


def test_stored_documents_read_back_as_the_documents_stored(tmp_path: Path) -> None:
    store = spill.PageStore(tmp_path)
    try:
        rows = store.add_documents(DOCUMENTS[:4])
        store.cluster([rows[1], rows[3]])
        rows = store.add_documents(DOCUMENTS[4:])
        store.cluster([rows[1]])
        extracted = spill.StoredDocuments(store)
        clustered = spill.StoredDocuments(store, clustered=True)
        documents = list(DOCUMENTS)
        assert extracted == documents and documents == extracted
        assert len(extracted) == 6 and extracted[-1] == DOCUMENTS[5]
        assert extracted[3].title == "标题" and extracted[3].body == "x"
        assert clustered == [DOCUMENTS[1], DOCUMENTS[3], DOCUMENTS[5]]
        assert [clustered.row(n) for n in range(3)] == [1, 3, 5]
        with pytest.raises(IndexError):
            clustered[3]
        copy = pickle.loads(pickle.dumps(clustered))
        assert type(copy) is list and all(type(d) is Document for d in copy)
        assert copy == [DOCUMENTS[1], DOCUMENTS[3], DOCUMENTS[5]]
    finally:
        store.close()
    with pytest.raises(dedup.DedupError, match="closed"):
        extracted[0]


def as_lists(result: ScanResult) -> ScanResult:
    """The same result with its clusters and documents as lists of plain objects."""
    return dataclasses.replace(
        result,
        clusters=list(result.clusters),
        documents=list(result.documents),
        extracted=list(result.extracted),
    )


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_scans_compact_result_writes_the_reports_of_its_objects(
    tmp_path: Path, jobs: int
) -> None:
    with dedup.scan([SAMPLES], jobs=jobs, tmp_dir=tmp_path) as result:
        plain = as_lists(result)
        assert result.clusters == plain.clusters and result.documents == plain.documents
        assert result.duplicate_clusters == plain.duplicate_clusters
        assert len(result.duplicate_clusters) >= 3
        for singletons in (False, True):
            table = clusters_table(result.clusters, include_singletons=singletons)
            expected = clusters_table(plain.clusters, include_singletons=singletons)
            for fmt in FORMATS:
                assert render(table, fmt) == render(expected, fmt)
        assert render(documents_table(result)) == render(documents_table(plain))
        assert "".join(render_html(result)) == "".join(render_html(plain))
        assert pickle.loads(pickle.dumps(result.clusters)) == plain.clusters
