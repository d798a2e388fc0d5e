from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup.batch.report import (
    COLUMNS,
    FORMATS,
    Table,
    clusters_frame,
    clusters_table,
    matches_table,
    render,
    render_csv,
    skipped_table,
    write_csv,
    write_table,
)
from dedup.models import Cluster, Document, Match, Member, Skip


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


_CELL = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=12),
    st.sampled_from(["", "-", "+", "=1+1", "@x", "\tx", "\rx", 'a "b", c', "x\ny", "x\r\ny"]),
    st.booleans(),
    st.integers(-(10**6), 10**6),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(_CELL, _CELL, _CELL), max_size=6), st.sampled_from(FORMATS))
def test_a_table_is_written_as_its_dataframe_is(
    rows: list[tuple[object, object, object]], fmt: str
) -> None:
    # The CLI writes tables without pandas; library users may write DataFrames.
    table = Table(("path", "detail", "title"), rows)
    assert render(table, fmt) == render(table.frame(), fmt)


def test_report_tables_are_written_as_their_dataframes(tmp_path: Path) -> None:
    odd = [
        cluster(1, "=a", "b\nc", 'd "e"'),
        cluster(2, "-", "\udcff.txt"),
        cluster(3, "solo"),
    ]
    tables = [
        clusters_table(odd, include_singletons=True),
        skipped_table([Skip("x.txt", "empty file"), Skip("=y", "bad, very", "record 2")]),
        matches_table([("a", []), ("b", [Match("c", 0.8123, 0.9, "duplicate")])]),
    ]
    for table in tables:
        for fmt in FORMATS:
            assert render(table, fmt) == render(table.frame(), fmt)
    assert "\ufffd.txt" in render(tables[0])


def test_the_cli_writes_reports_without_pandas(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from dedup.__main__ import main\n"
        f"sys.argv = ['dedup', 'scan', 'samples/', '-o', {str(tmp_path / 'r.csv')!r},"
        f" '--docs-out', {str(tmp_path / 'd.csv')!r}, '--jobs', '1']\n"
        "try:\n"
        "    main()\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('pandas' in sys.modules)\n"
    )
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root
    )
    assert done.stdout.strip().splitlines()[-1] == "False"
    assert (tmp_path / "r.csv").read_text(encoding="utf-8").startswith("cluster_id,")


def test_a_report_written_a_block_of_rows_at_a_time_is_its_rendered_text(tmp_path: Path) -> None:
    # More rows than are rendered at a time, with cells to quote and to neutralise.
    clusters = [cluster(n, f"=a{n}", f"b{n}", f"c,{n}") for n in range(1, 4000)]
    table = clusters_table(clusters)
    assert len(table.rows) > 10_000
    for fmt in FORMATS:
        stream = io.StringIO()
        write_table(table, stream, fmt)
        write_table(table, tmp_path / "report", fmt)
        assert stream.getvalue() == render(table, fmt)
        assert (tmp_path / "report").read_bytes() == render(table, fmt).encode("utf-8")
    # pandas writes the frame whole: the same text.
    for fmt in FORMATS:
        assert render(table, fmt) == render(clusters_frame(clusters), fmt)


CELL_TEXT = st.lists(
    st.one_of(
        # Surrogates as file names hold them (undecodable bytes, escaped).
        st.sampled_from(["=", "+", "-", "@", "\t", "\r", "\x00", "\udcff", "\udc80", "a", "新"]),
        st.characters(exclude_categories=["Cs"]),
    ),
    max_size=6,
).map("".join)
CELLS = st.lists(st.one_of(CELL_TEXT, st.integers(), st.booleans(), st.floats()), max_size=6)


@given(CELLS)
def test_rows_are_checked_whole_as_cell_by_cell(cells: list[object]) -> None:
    from dedup.batch import report

    row = tuple(cells)
    assert report._valid_row(row) == tuple(map(report._valid, row))
    assert report._neutralised_row(row) == tuple(map(report._neutralised, row))
