from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

from dedup.batch.report import COLUMNS, clusters_frame, render_csv, write_csv
from dedup.models import Cluster, Document, Member


def cluster(number: int, *doc_ids: str) -> Cluster:
    members = [
        Member(
            Document(doc_ids[0], "x", path=f"in/{doc_ids[0]}", title="标题, 含逗号"),
            1.0,
            1.0,
            True,
            "original" if len(doc_ids) > 1 else "unique",
        )
    ]
    members += [
        Member(Document(d, "x", published="2025-01-02"), 0.91234, 0.97, False, "duplicate")
        for d in doc_ids[1:]
    ]
    return Cluster(number, tuple(members))


CLUSTERS = [cluster(1, "a", "b", "c"), cluster(2, "d")]


def test_columns_in_order_and_only_clusters_of_two_or_more() -> None:
    frame = clusters_frame(CLUSTERS)
    assert list(frame.columns) == list(COLUMNS)
    assert list(frame.columns[:11]) == [
        "cluster_id",
        "cluster_size",
        "doc_id",
        "path",
        "site",
        "source",
        "title",
        "published",
        "similarity",
        "is_representative",
        "is_original",
    ]
    assert list(frame["doc_id"]) == ["a", "b", "c"]
    assert list(frame["similarity"]) == ["1.000", "0.912", "0.912"]


def test_all_lists_singletons() -> None:
    frame = clusters_frame(CLUSTERS, include_singletons=True)
    assert list(frame["doc_id"]) == ["a", "b", "c", "d"]
    assert list(frame["relation"]) == ["original", "duplicate", "duplicate", "unique"]


def test_csv_reads_back_with_pandas_and_is_stable() -> None:
    text = render_csv(clusters_frame(CLUSTERS))
    assert text == render_csv(clusters_frame(CLUSTERS))
    assert "\r" not in text
    frame = pd.read_csv(io.StringIO(text), keep_default_na=False)
    assert frame.loc[0, "title"] == "标题, 含逗号"
    assert list(frame["is_representative"]) == [True, False, False]


def test_write_csv_to_a_path_leaves_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "report.csv"
    target.write_text("old report")
    write_csv(clusters_frame(CLUSTERS), target)
    assert target.read_text(encoding="utf-8").startswith("cluster_id,cluster_size,doc_id")
    assert [p.name for p in tmp_path.iterdir()] == ["report.csv"]
