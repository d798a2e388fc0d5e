"""What the command says: exit codes, messages that name the problem, counts, explanations."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from dedup.cli import main

from .conftest import REPO, SAMPLES

CHARGING = "samples/jiangnan_daily/2025/0312/charging-plan.txt"
TRUNCATED = "samples/hdzk_company/news/2025-charging.txt"


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.chdir(REPO)
    return CliRunner()


@pytest.mark.parametrize(
    "args",
    [["show", "samples"], ["compare", "samples", CHARGING], ["compare", CHARGING, "samples"]],
    ids=["show", "compare-left", "compare-right"],
)
def test_a_folder_where_one_file_is_wanted_is_named_as_such(
    runner: CliRunner, args: list[str]
) -> None:
    result = runner.invoke(main, args)
    assert result.exit_code == 2
    assert "samples is a folder" in result.stderr and "no such file" not in result.stderr


def test_an_unreachable_scheduler_is_named_with_what_to_do(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("distributed")
    monkeypatch.setattr("dedup.batch.dask_engine.SCHEDULER_TIMEOUT", 1)
    address = "tcp://127.0.0.1:9"
    result = runner.invoke(main, ["scan", "samples", "--engine", "dask", "--scheduler", address])
    assert result.exit_code == 1
    assert f"cannot reach the Dask scheduler at {address}" in result.stderr
    assert "dask scheduler" in result.stderr and "internal error" not in result.stderr


def test_a_url_whose_protocol_needs_a_package_says_which(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    fsspec = pytest.importorskip("fsspec")

    def no_http(url: str) -> object:
        raise ImportError('HTTPFileSystem requires "requests" and "aiohttp" to be installed')

    monkeypatch.setattr(fsspec.core, "url_to_fs", no_http)
    result = runner.invoke(main, ["scan", "http://example.com/feed.jsonl"])
    assert result.exit_code == 1
    assert "needs fsspec" not in result.stderr and "aiohttp" in result.stderr
    assert result.stderr.count("\n") == 1, "one problem, one message"


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["scan", "samples", "no-such-folder"], 2),
        (["scan", "samples", "-o", "samples/out.csv"], 2),
        (["scan", "samples", "--threshold", "2"], 2),
        (["index", "query", "no-such.dedup", "samples"], 1),
    ],
    ids=["missing-path", "output-inside-input", "bad-option", "missing-index"],
)
def test_exit_codes_follow_one_rule(runner: CliRunner, args: list[str], code: int) -> None:
    # 2: the command asked for something wrong, found before any work; 1: the work failed.
    assert runner.invoke(main, args).exit_code == code


def test_strict_failure_during_the_work_exits_1(runner: CliRunner, tmp_path: Path) -> None:
    shutil.copy(SAMPLES / "beichuan_news/a/2025-05-20-rice.txt", tmp_path / "a.txt")
    (tmp_path / "empty.txt").write_bytes(b"")
    assert runner.invoke(main, ["scan", str(tmp_path), "--strict"]).exit_code == 1


def test_counts_agree_with_their_nouns(runner: CliRunner, tmp_path: Path) -> None:
    shutil.copy(REPO / CHARGING, tmp_path / "a.txt")
    shutil.copy(REPO / CHARGING, tmp_path / "b.txt")
    result = runner.invoke(main, ["scan", str(tmp_path)])
    assert "2 files read" in result.stderr and "1 cluster holding 2 documents" in result.stderr
    single = runner.invoke(main, ["scan", str(tmp_path / "a.txt")])
    assert "1 file read" in single.stderr and "1 document;" in single.stderr
    index = tmp_path.parent / f"{tmp_path.name}.dedup"
    runner.invoke(main, ["index", "add", str(index), str(tmp_path / "a.txt")])
    added = runner.invoke(main, ["index", "add", str(index), str(tmp_path / "b.txt")])
    assert "1 page added" in added.stderr and "(1 copy of pages it held)" in added.stderr
    assert "it holds 2 pages" in added.stderr


def test_skip_reasons_are_listed_without_nested_parentheses(
    runner: CliRunner, tmp_path: Path
) -> None:
    shutil.copy(REPO / CHARGING, tmp_path / "a.txt")
    (tmp_path / "doc.pdf").write_bytes(b"%PDF-1.4 not a page")
    result = runner.invoke(main, ["scan", str(tmp_path)])
    summary = next(line for line in result.stderr.splitlines() if "skipped;" in line)
    assert "(" not in summary
    assert "dedup: skipped: 1 binary file (PDF document), not a page" in result.stderr


def test_eval_says_how_many_errors_it_lists(runner: CliRunner, tmp_path: Path) -> None:
    labels = tmp_path / "labels.csv"
    names = sorted(p.relative_to(SAMPLES).as_posix() for p in SAMPLES.rglob("*.txt"))
    labels.write_text("doc_id,cluster\n" + "".join(f"{n},one\n" for n in names))
    result = runner.invoke(main, ["eval", "samples", "--labels", str(labels), "--worst", "2"])
    assert result.exit_code == 0, result.stderr
    text = result.stdout
    heading = next(line for line in text.splitlines() if line.startswith("misses:"))
    total = int(heading.split()[1].rstrip(";"))
    assert total > 2 and "the 2 of highest similarity" in heading
    listed = text.split(heading, 1)[1].strip().splitlines()
    assert len(listed) == 2


def test_docs_out_carries_the_cluster_and_tells_singletons(
    runner: CliRunner, tmp_path: Path
) -> None:
    docs = tmp_path / "docs.csv"
    assert runner.invoke(main, ["scan", "samples", "--docs-out", str(docs)]).exit_code == 0
    frame = pd.read_csv(docs, keep_default_na=False)
    assert frame.columns[0] == "cluster_id"
    sizes = frame.groupby("cluster_id")["doc_id"].count()
    for _, row in frame.iterrows():
        expected = "clustered" if sizes[row["cluster_id"]] > 1 else "unique"
        assert row["status"] == expected, row["doc_id"]
    assert (frame["status"] == "unique").sum() == 5


def test_compare_shows_the_rule_that_decided(runner: CliRunner) -> None:
    result = runner.invoke(main, ["compare", TRUNCATED, CHARGING])
    assert result.exit_code == 0, result.stderr
    decided = next(line for line in result.stdout.splitlines() if line.startswith("decided by"))
    assert "containment 1.000 >= 0.45" in decided and "number agreement" in decided
    assert "relation of B to A: extended" in result.stdout
    assert "numbers only in A: none" in result.stdout
    assert "numbers only in B: 3000" in result.stdout


def test_compare_names_the_numbers_that_keep_two_notes_apart(
    runner: CliRunner, tmp_path: Path
) -> None:
    note = "今日收盘，上证指数报{0}点，成交额{1}亿元，涨停个股{2}只，北向资金净流入{3}亿元。"
    (tmp_path / "a.txt").write_text(note.format(3125, 8760, 143, 52.6) * 3, "utf-8")
    (tmp_path / "b.txt").write_text(note.format(3098, 9120, 118, 47.3) * 3, "utf-8")
    result = runner.invoke(main, ["compare", str(tmp_path / "a.txt"), str(tmp_path / "b.txt")])
    assert result.exit_code == 0, result.stderr
    assert "not copies" in result.stdout
    assert "numbers disagree" in result.stdout
    assert "numbers only in A: 143, 3125, 52.6, 8760" in result.stdout
    assert io.StringIO(result.stdout).read().count("decided by:") == 1
