"""Clusters -> the report (the only pandas user).

Reports are built as `Table`s, plain rows written with the standard library's csv module:
the CLI never loads pandas (a quarter of a second of start-up, as long as a small scan).
``*_frame`` gives the same rows as a pandas DataFrame, and a DataFrame is written to the
same bytes as its table (tested).
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import operator
import os
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, TextIO, overload

from dedup.atomic import atomic_writer
from dedup.batch.columns import ClusterColumns, MemberValues
from dedup.models import Cluster, Document, Match, ScanResult, Skip

if TYPE_CHECKING:
    import pandas as pd

COLUMNS = (
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
    "relation",
    "containment",
    "site_key",
    "lang",
)


_SURROGATE = re.compile("[\ud800-\udfff]")


Row = tuple[object, ...]


@dataclass(frozen=True, slots=True)
class Table:
    """A report's rows, in `columns` order: strings, numbers and booleans."""

    columns: tuple[str, ...]
    rows: Sequence[Row]

    def frame(self) -> pd.DataFrame:
        """The same rows as a pandas DataFrame."""
        import pandas as pd

        return pd.DataFrame(list(self.rows), columns=list(self.columns))


class _Made(Sequence[Row]):
    """Rows made again each time they are read, from what they show: a scan's clusters and
    documents are made one at a time as they are read, so a report on a million pages is
    written without holding its rows (nor its clusters) all at once."""

    def __init__(self, make: Callable[[], Iterator[Row]]) -> None:
        self._make = make
        self._count: int | None = None

    def __iter__(self) -> Iterator[Row]:
        return self._make()

    def __len__(self) -> int:
        if self._count is None:
            self._count = sum(1 for _ in self._make())
        return self._count

    @overload
    def __getitem__(self, index: int) -> Row: ...
    @overload
    def __getitem__(self, index: slice) -> list[Row]: ...
    def __getitem__(self, index: int | slice) -> Row | list[Row]:
        return list(self._make())[index]


def _table(make: Callable[[], Iterable[dict[str, object]]], columns: Sequence[str]) -> Table:
    """A table of the report rows `make` gives, each time they are read. File names that
    are not valid UTF-8 (kept by Python as surrogate escapes) are shown with U+FFFD in their
    place: neither pandas' Arrow strings nor a UTF-8 file can hold them."""
    pick = _picker(columns)
    return _rows_table(lambda: map(pick, make()), columns)


def _rows_table(make: Callable[[], Iterator[Row]], columns: Sequence[str]) -> Table:
    """`_table` of rows made as tuples in `columns` order."""

    def rows() -> Iterator[Row]:
        made = make()
        while block := list(itertools.islice(made, _ROWS_AT_A_TIME)):
            yield from _valid_rows(block)

    return Table(tuple(columns), _Made(rows))


def _picker(columns: Sequence[str]) -> Callable[[dict[str, object]], Row]:
    """A row's values in `columns` order, as a tuple."""
    if len(columns) == 1:
        return lambda row: (row[columns[0]],)
    return operator.itemgetter(*columns)


def _valid_rows(rows: list[Row]) -> list[Row]:
    # The block's text searched once: a block without a surrogate (all but a few) is kept
    # as it is, with one search where each row's took one.
    if not _SURROGATE.search("".join(map(str, itertools.chain.from_iterable(rows)))):
        return rows
    return list(map(_valid_row, rows))


def _valid_row(values: Row) -> Row:
    # The row's text searched once: a row without a surrogate is kept as it is, where a
    # test of each value cost a third of writing a report.
    if not _SURROGATE.search("".join(map(str, values))):
        return values
    return tuple(map(_valid, values))


def _valid(value: object) -> object:
    if isinstance(value, str) and _SURROGATE.search(value):
        return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return value


def clusters_frame(
    clusters: Sequence[Cluster], *, include_singletons: bool = False
) -> pd.DataFrame:
    """`clusters_table` as a DataFrame."""
    return clusters_table(clusters, include_singletons=include_singletons).frame()


def clusters_table(clusters: Sequence[Cluster], *, include_singletons: bool = False) -> Table:
    """One row per document in a cluster of two or more (every document with
    ``include_singletons``), sorted by cluster id, representative first."""

    def rows() -> Iterator[Row]:
        return _member_rows(clusters, include_singletons=include_singletons)

    return _rows_table(rows, COLUMNS)


def _member_rows(clusters: Sequence[Cluster], *, include_singletons: bool) -> Iterator[Row]:
    """Each member's row, in `COLUMNS` order."""
    return (
        (
            cluster_id,
            size,
            document.doc_id,
            document.path or "",
            document.site or "",
            document.source or "",
            document.title or "",
            document.published or "",
            f"{similarity:.3f}",
            centre,
            original,
            relation,
            f"{containment:.3f}",
            document.site_key or "",
            document.lang or "",
        )
        for cluster_id, size, document, similarity, containment, centre, relation, original in (
            _member_values(clusters, include_singletons=include_singletons)
        )
    )


def _member_values(
    clusters: Sequence[Cluster], *, include_singletons: bool
) -> Iterator[MemberValues]:
    if isinstance(clusters, ClusterColumns):
        # A scan's clusters, read as columns: no Cluster nor Member made, and the documents
        # of single pages not read unless they are shown.
        shown = clusters if include_singletons else clusters.of_two_or_more()
        return shown.member_values()
    return (
        (
            cluster.cluster_id,
            cluster.size,
            member.document,
            member.similarity,
            member.containment,
            member.is_representative,
            member.relation,
            member.is_original,
        )
        for cluster in clusters
        if include_singletons or cluster.size > 1
        for member in cluster.members
    )


DOCUMENT_COLUMNS = (
    "cluster_id",
    "doc_id",
    "path",
    "lang",
    "url",
    "title",
    "published",
    "site",
    "site_key",
    "source",
    "author",
    "editor",
    "reporter",
    "pinyin_annotated",
    "spam_injected",
    "mojibake",
    "body_length",
    "status",
)


def documents_frame(result: ScanResult) -> pd.DataFrame:
    """`documents_table` as a DataFrame."""
    return documents_table(result).frame()


def documents_table(result: ScanResult) -> Table:
    """One row per extracted document, with its cluster (empty when left out), every field,
    the body's length and its status: ``clustered`` (in a cluster of two or more),
    ``unique`` (a cluster of one), or the reason it was left out of clustering."""
    excluded = {(skip.path, skip.detail): skip.reason for skip in result.skipped}
    # Each clustered document's cluster number and size (not the clusters themselves).
    clusters = {
        member.document.doc_id: (cluster.cluster_id, cluster.size)
        for cluster in result.clusters
        for member in cluster.members
    }

    def rows() -> Iterator[dict[str, object]]:
        for document in result.extracted:
            yield _document_row(document, clusters.get(document.doc_id), excluded)

    return _table(rows, DOCUMENT_COLUMNS)


def _document_row(
    document: Document, cluster: tuple[int, int] | None, excluded: dict[tuple[str, str], str]
) -> dict[str, object]:
    if cluster is not None:
        status = "clustered" if cluster[1] > 1 else "unique"
    else:
        record = document.doc_id.partition("#")[2]
        key = (document.path or document.doc_id, f"record {record}" if record else "")
        status = excluded.get(key, "excluded")
    row: dict[str, object] = {name: getattr(document, name) for name in DOCUMENT_COLUMNS[1:-2]}
    return {
        "cluster_id": cluster[0] if cluster is not None else "",
        **{k: ("" if v is None else v) for k, v in row.items()},
        "body_length": len(document.body),
        "status": status,
    }


MATCH_COLUMNS = ("doc_id", "match_id", "similarity", "containment", "relation", "original_id")


def matches_frame(results: Sequence[tuple[str, Sequence[Match]]]) -> pd.DataFrame:
    """`matches_table` as a DataFrame."""
    return matches_table(results).frame()


def matches_table(results: Sequence[tuple[str, Sequence[Match]]]) -> Table:
    """One row per (page, indexed near-duplicate), best match first for each page; a page
    with no match gets one row with empty match columns."""
    rows: list[dict[str, object]] = []
    for doc_id, matches in results:
        if not matches:
            empty: dict[str, object] = dict.fromkeys(MATCH_COLUMNS, "")
            rows.append({**empty, "doc_id": doc_id})
        for match in matches:
            rows.append(
                {
                    "doc_id": doc_id,
                    "match_id": match.doc_id,
                    "similarity": f"{match.similarity:.3f}",
                    "containment": f"{match.containment:.3f}",
                    "relation": match.relation,
                    "original_id": match.original_id or "",
                }
            )
    return _table(lambda: rows, MATCH_COLUMNS)


SKIPPED_COLUMNS = ("path", "detail", "reason")


def skipped_frame(skipped: Sequence[Skip]) -> pd.DataFrame:
    """`skipped_table` as a DataFrame."""
    return skipped_table(skipped).frame()


def skipped_table(skipped: Sequence[Skip]) -> Table:
    """One row per skipped file or record: its path, which record or member, and why."""

    def rows() -> Iterator[dict[str, object]]:
        return ({"path": s.path, "detail": s.detail, "reason": s.reason} for s in skipped)

    return _table(rows, SKIPPED_COLUMNS)


FORMATS = ("csv", "csv-raw", "jsonl")
# Columns written as numbers in JSON Lines (the CSV keeps them as fixed-point text).
_NUMBER_COLUMNS = frozenset({"similarity", "containment"})


def render_csv(report: Table | pd.DataFrame, *, raw: bool = False) -> str:
    """The report as CSV text: UTF-8, ``\\n`` line ends, the same bytes for the same input.

    Titles, sites and ids come from strangers: a cell that starts with ``=``, ``+``, ``-``,
    ``@``, a tab or a carriage return would be run as a formula by a spreadsheet, so it
    gets a leading ``'`` (as OWASP recommends for CSV injection), unless ``raw``."""
    return "".join(_csv_parts(report, raw=raw))


# Rows rendered at a time when a report is written: the text of a whole large report would
# cost more memory than its rows.
_ROWS_AT_A_TIME = 4096


def _csv_parts(report: Table | pd.DataFrame, *, raw: bool) -> Iterator[str]:
    buffer = io.StringIO()
    if not isinstance(report, Table):
        frame = report if raw else report.apply(lambda column: column.map(_neutralised))
        frame.to_csv(buffer, index=False, lineterminator="\n")
        yield buffer.getvalue()
        return
    # The writer pandas' to_csv drives, with its settings: the same bytes (tested).
    writer = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(report.columns)
    every = iter(report.rows)
    while rows := list(itertools.islice(every, _ROWS_AT_A_TIME)):
        writer.writerows(rows if raw else list(map(_neutralised_row, rows)))
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A cell that may start a formula, in a row's cells joined after a NUL each: one search a
# row, where a test of each cell cost a fifth of writing a report.
_MAY_START_FORMULA = re.compile("\x00[" + re.escape("".join(_FORMULA_STARTS)) + "]")


def _neutralised_row(row: Row) -> Row:
    if not _MAY_START_FORMULA.search("\x00" + "\x00".join(map(str, row))):
        return row  # no cell starts with a formula's character
    return tuple(map(_neutralised, row))


def _neutralised(value: object) -> object:
    # A lone sign ("-": standard input's path) is no formula.
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS) and value not in ("-", "+"):
        return "'" + value
    return value


def _jsonl_parts(report: Table | pd.DataFrame) -> Iterator[str]:
    """The report as JSON Lines, a block of rows at a time: one object per row with the
    CSV's fields, in its order."""
    rows: Iterable[dict[str, object]]
    if isinstance(report, Table):
        rows = (dict(zip(report.columns, row, strict=True)) for row in report.rows)
    else:
        rows = [{str(k): v for k, v in row.items()} for row in report.to_dict(orient="records")]
    lines = []
    for row in rows:
        for name in _NUMBER_COLUMNS.intersection(row):
            value = row[name]
            if isinstance(value, str) and value:
                row[name] = float(value)
        lines.append(json.dumps(row, ensure_ascii=False) + "\n")
        if len(lines) == _ROWS_AT_A_TIME:
            yield "".join(lines)
            lines.clear()
    yield "".join(lines)


def render(report: Table | pd.DataFrame, fmt: str = "csv") -> str:
    """The report in one of `FORMATS`."""
    return "".join(_parts(report, fmt))


def _parts(report: Table | pd.DataFrame, fmt: str) -> Iterator[str]:
    """The report's text in one of `FORMATS`, a block of rows at a time."""
    if fmt == "jsonl":
        return _jsonl_parts(report)
    if fmt in ("csv", "csv-raw"):
        return _csv_parts(report, raw=fmt == "csv-raw")
    raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {fmt!r}")


def write_csv(
    report: Table | pd.DataFrame,
    destination: str | os.PathLike[str] | TextIO,
    *,
    scratch: str | os.PathLike[str] | None = None,
) -> None:
    """`write_table` in CSV."""
    write_table(report, destination, "csv", scratch=scratch)


def write_table(
    report: Table | pd.DataFrame,
    destination: str | os.PathLike[str] | TextIO,
    fmt: str = "csv",
    *,
    scratch: str | os.PathLike[str] | None = None,
) -> None:
    """Write the report (CSV, or JSON Lines with ``fmt="jsonl"``) to a stream, or atomically
    to a path (a temporary file renamed into place), so an interrupted run never leaves half
    a report. The text is made and written a block of rows at a time.

    `scratch` is a folder for the temporary file instead of the destination's (see
    `dedup.atomic.atomic_writer`): a scan's ``ScanResult.store_folder``, so a process killed
    while writing leaves nothing beside the report."""
    parts = _parts(report, fmt)
    if not isinstance(destination, str | os.PathLike):
        for part in parts:
            destination.write(part)
        destination.flush()  # a reader that left is known now, not at exit
        return
    with atomic_writer(destination, scratch=scratch) as stream:
        for part in parts:
            stream.write(part.encode("utf-8"))
