"""Output files and pipes: modes, standard input and output, checks before work, formats."""

from __future__ import annotations

import io
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from dedup.batch.report import COLUMNS
from dedup.cli import main

from .conftest import REPO, SAMPLES

RICE = SAMPLES / "beichuan_news/a/2025-05-20-rice.txt"
RICE_COPY = SAMPLES / "mirror_spam/news/show-1502.txt"


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.chdir(REPO)
    return CliRunner()


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize("mask", [0o022, 0o002, 0o077], ids=["022", "002", "077"])
def test_every_output_gets_the_umask_mode(
    runner: CliRunner, tmp_path: Path, umask: None, mask: int
) -> None:
    os.umask(mask)
    out = {name: tmp_path / name for name in ("r.csv", "d.csv", "s.csv", "i.dedup")}
    args = ["scan", "samples", "-o", str(out["r.csv"]), "--docs-out", str(out["d.csv"])]
    args += ["--skipped-out", str(out["s.csv"]), "--save-index", str(out["i.dedup"])]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.stderr
    for path in out.values():
        assert mode(path) == 0o666 & ~mask, path.name
    index = tmp_path / "added.dedup"
    assert runner.invoke(main, ["index", "add", str(index), str(RICE)]).exit_code == 0
    assert mode(index) == 0o666 & ~mask


def test_an_overwritten_output_keeps_its_mode(
    runner: CliRunner, tmp_path: Path, umask: None
) -> None:
    report, index = tmp_path / "r.csv", tmp_path / "i.dedup"
    report.write_text("old")
    report.chmod(0o640)
    assert runner.invoke(main, ["index", "add", str(index), str(RICE)]).exit_code == 0
    index.chmod(0o604)
    assert runner.invoke(main, ["scan", "samples", "-o", str(report)]).exit_code == 0
    assert runner.invoke(main, ["index", "add", str(index), str(RICE_COPY)]).exit_code == 0
    assert report.read_text().startswith("cluster_id")
    assert mode(report) == 0o640 and mode(index) == 0o604


def test_dash_output_is_standard_output(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(main, ["scan", str(SAMPLES), "-o", "-"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("cluster_id,cluster_size,doc_id")
    assert not (tmp_path / "-").exists()


def jsonl_of(*paths: Path) -> bytes:
    records = [
        {
            "id": path.stem,
            "url": f"https://example.com/{path.stem}",
            "text": path.read_text("utf-8"),
        }
        for path in paths
    ]
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode()


def test_a_pipe_into_scan_dash(tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    completed = subprocess.run(
        [sys.executable, "-m", "dedup", "scan", "-", "-o", str(out)],
        input=jsonl_of(RICE, RICE_COPY, SAMPLES / "cnews_tw/20250315/folk-festival.txt"),
        capture_output=True,
        check=False,
        cwd=tmp_path,
    )
    assert completed.returncode == 0, completed.stderr
    frame = pd.read_csv(out, keep_default_na=False)
    assert set(frame["doc_id"]) == {"stdin#2025-05-20-rice", "stdin#show-1502"}
    assert set(frame["path"]) == {"-"}


@pytest.mark.parametrize(
    ("data", "documents"),
    [
        (jsonl_of(RICE, RICE_COPY), 2),
        (json.dumps([{"text": RICE.read_text("utf-8")}], ensure_ascii=False).encode(), 1),
        (RICE.read_bytes(), 1),
        (
            b"<html><head><title>t</title></head><body><p>"
            + RICE.read_bytes().replace(b"\n", b"</p><p>")
            + b"</p></body></html>",
            1,
        ),
    ],
    ids=["jsonl", "json", "text", "html"],
)
def test_standard_input_format_is_detected(runner: CliRunner, data: bytes, documents: int) -> None:
    result = runner.invoke(main, ["scan", "-", "--all", "-j", "1"], input=data)
    assert result.exit_code == 0, result.stderr
    assert f"; {documents} document" in result.stderr
    frame = pd.read_csv(io.StringIO(result.stdout), keep_default_na=False)
    assert all(doc_id.startswith("stdin") for doc_id in frame["doc_id"])


@pytest.mark.parametrize(
    ("option", "target"),
    [
        ("-o", "missing-folder/r.csv"),
        ("--docs-out", "missing-folder/d.csv"),
        ("--skipped-out", "."),
        ("--save-index", "missing-folder/i.dedup"),
    ],
    ids=["output", "docs-out", "skipped-out-folder", "save-index"],
)
def test_outputs_are_checked_before_any_page_is_read(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch, option: str, target: str
) -> None:
    def no_scan(*args: object, **kwargs: object) -> None:
        raise AssertionError("the scan started")

    monkeypatch.setattr("dedup.batch.pipeline.scan", no_scan)
    result = runner.invoke(main, ["scan", "samples", option, target])
    assert result.exit_code == 2
    assert option in result.stderr and target in result.stderr
    assert "Traceback" not in result.output


def test_unwritable_folder_is_refused_before_work(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if os.geteuid() == 0:
        pytest.skip("root writes into read-only folders")
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    monkeypatch.setattr(
        "dedup.batch.pipeline.index_files", lambda *a, **k: pytest.fail("work started")
    )
    result = runner.invoke(main, ["index", "add", str(locked / "i.dedup"), "samples"])
    assert result.exit_code == 2 and "is not writable" in result.stderr


def test_jsonl_format_has_the_csv_rows_and_fields(runner: CliRunner) -> None:
    csv = runner.invoke(main, ["scan", "samples"])
    jsonl = runner.invoke(main, ["scan", "samples", "--format", "jsonl"])
    assert jsonl.exit_code == 0, jsonl.stderr
    rows = [json.loads(line) for line in jsonl.stdout.splitlines()]
    frame = pd.read_csv(io.StringIO(csv.stdout), keep_default_na=False)
    assert len(rows) == len(frame) and all(list(row) == list(COLUMNS) for row in rows)
    assert [row["doc_id"] for row in rows] == list(frame["doc_id"])
    assert isinstance(rows[0]["similarity"], float) and isinstance(rows[0]["cluster_id"], int)
    assert rows[0]["is_representative"] is True
