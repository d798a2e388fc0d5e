"""The HTML report's content, without a browser: what it embeds, escapes and caps."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from dedup.batch import html_report
from dedup.batch.html_report import render_html, write_html
from dedup.batch.pipeline import scan
from dedup.batch.textdiff import diff_texts
from dedup.models import Cluster, Document, Member, ScanResult

from ..conftest import SAMPLES

HOSTILE = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">'


def hostile_result(copies: int = 1) -> ScanResult:
    body = "江州市发布充电基础设施三年行动方案，建成公共充电桩5万个。" * 3
    original = Document(
        "a.txt",
        body + HOSTILE,
        path="a.txt",
        title=HOSTILE,
        site=HOSTILE,
        published="2025-03-12T09:30",
    )
    members = [Member(original, 1.0, 1.0, True, "original")]
    for number in range(copies):
        copy = Document(
            f"b{number}.txt",
            body.replace("5万", "6万") + HOSTILE,
            path=f"b{number}.txt",
            title=HOSTILE,
            site=f"site {number} {HOSTILE}",
            url="javascript:window.__pwned=3",
            published="2025-03-13T10:00",
        )
        members.append(Member(copy, 0.9, 0.95, False, "duplicate"))
    documents = [m.document for m in members]
    return ScanResult(
        clusters=[Cluster(1, tuple(members))], documents=documents, files_read=len(documents)
    )


def page_of(result: ScanResult) -> str:
    return "".join(render_html(result))


def data_blocks(page: str) -> dict[str, object]:
    blocks = re.findall(r'<script type="application/json" id="([^"]+)">(.*?)</script>', page, re.S)
    return {name: json.loads(text) for name, text in blocks}


def test_a_traditional_copy_shows_no_change_where_only_the_script_differs() -> None:
    diff = diff_texts("江州市发布充电基础设施三年行动方案", "江州市發佈充電基礎設施三年行動方案")
    assert [edit.tag for edit in diff.edits] == ["equal"]


def test_a_changed_number_is_replaced_whole_and_reported() -> None:
    original = "全市建成公共充电桩50000个，同比增长3.5%，"
    copy = "全市建成公共充电桩60000个，同比增长3.8%，"
    diff = diff_texts(original, copy)
    replaced = [original[slice(*e.original)] for e in diff.edits if e.tag == "replace"]
    assert replaced[0] == "50000"
    assert diff.changed_numbers == (("50000", "60000"), ("3.5%", "3.8%"))


def test_numbers_in_a_dropped_passage_are_not_changed_numbers() -> None:
    diff = diff_texts("方案发布。预计带动投资35亿元。", "方案发布。")
    assert [edit.tag for edit in diff.edits] == ["equal", "delete"]
    assert diff.changed_numbers == ()


def test_the_samples_report_holds_every_cluster_and_its_comparisons() -> None:
    result = scan([SAMPLES], jobs=1)
    blocks = data_blocks(page_of(result))
    overview = blocks.pop("overview-data")
    assert [row[0] for row in overview["clusters"]] == [1, 2, 3]  # type: ignore[index]
    assert sorted(blocks) == ["c1", "c2", "c3"]
    first = blocks["c1"]
    assert len(first["members"]) == 4 and len(first["copies"]) == 3  # type: ignore[index]
    traditional = first["copies"][0]  # type: ignore[index]
    # The Traditional copy shares everything and keeps its own script for display.
    assert [edit[0] for edit in traditional["edits"]] == ["="]
    spelling = traditional["edits"][0][3]
    assert "發佈" in "".join(part for part in spelling if isinstance(part, str))


def test_a_respelled_passage_keeps_only_the_characters_that_differ() -> None:
    from dedup.batch.html_report import _respelled

    assert _respelled("江州市发布充电", "江州市發佈充電") == [3, "發佈", 1, "電"]
    assert _respelled("发布", "發佈") == [0, "發佈"]
    assert _respelled("𠀀发", "𠀀發") == "𠀀發"  # beyond the BMP: the whole text


def test_the_report_is_the_same_bytes_for_the_same_scan() -> None:
    assert page_of(scan([SAMPLES], jobs=1)) == page_of(scan([SAMPLES], jobs=2))


def test_page_text_is_escaped_everywhere() -> None:
    page = page_of(hostile_result())
    assert "window.__pwned" in page  # the text is there...
    assert "<script>window" not in page and "<img src=x" not in page  # ...never as markup
    assert page.count("</script>") == page.count("<script")
    data = data_blocks(page)
    assert data["overview-data"]["clusters"][0][2] == HOSTILE  # type: ignore[index]


def test_an_enormous_cluster_is_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(html_report, "MAX_MEMBERS", 5)
    monkeypatch.setattr(html_report, "MAX_COMPARED", 2)
    detail = data_blocks(page_of(hostile_result(copies=9)))["c1"]
    assert detail["size"] == 10  # type: ignore[index]
    assert len(detail["members"]) == 5 and len(detail["copies"]) == 2  # type: ignore[index]


def test_write_html_replaces_the_file(tmp_path: Path) -> None:
    target = tmp_path / "report.html"
    target.write_text("old")
    write_html(hostile_result(), target)
    assert target.read_text(encoding="utf-8").startswith("<!doctype html>")
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]


def test_scan_writes_the_html_report_beside_the_csv(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from dedup.cli import main

    html, csv = tmp_path / "report.html", tmp_path / "clusters.csv"
    outcome = CliRunner().invoke(
        main, ["scan", str(SAMPLES), "--html", str(html), "-o", str(csv), "-j", "1"]
    )
    assert outcome.exit_code == 0, outcome.output
    assert csv.read_text(encoding="utf-8").startswith("cluster_id,")
    assert sorted(data_blocks(html.read_text(encoding="utf-8"))) == [
        "c1",
        "c2",
        "c3",
        "overview-data",
    ]


def test_scan_refuses_an_html_report_inside_the_scanned_folder(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from dedup.cli import main

    (tmp_path / "page.txt").write_text("江州市发布充电基础设施三年行动方案", encoding="utf-8")
    outcome = CliRunner().invoke(main, ["scan", str(tmp_path), "--html", str(tmp_path / "r.html")])
    assert outcome.exit_code == 2
    assert "inside the scanned folder" in outcome.output
    assert not (tmp_path / "r.html").exists()


def test_offsets_count_as_the_page_script_does_beyond_the_basic_plane() -> None:
    result = hostile_result()
    original = result.clusters[0].members[0].document
    emoji = Document("a.txt", "𠀀𠀁" + original.body, path="a.txt", title="t", site="s")
    members = (Member(emoji, 1.0, 1.0, True, "original"), *result.clusters[0].members[1:])
    result.clusters[0] = Cluster(1, members)
    detail = data_blocks(page_of(result))["c1"]
    edits = detail["copies"][0]["edits"]  # type: ignore[index]
    first_shared = next(edit for edit in edits if edit[0] == "=")
    assert first_shared[1] == 4  # two characters, four UTF-16 units
