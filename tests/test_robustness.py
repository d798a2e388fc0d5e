"""Nothing breaks, nothing is lost: a folder of every kind of broken input scans cleanly."""

from __future__ import annotations

import gzip
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import dedup
import dedup.batch.pipeline
from dedup.batch.spill import PREFIX as STORE_PREFIX
from dedup.cli import main

from .conftest import REPO, SAMPLES
from .pages import CHARGING, article, div_layout, warc_bytes

GOOD = [
    "jiangnan_daily/2025/0312/charging-plan.txt",
    "cnews_tw/20250312/ev-charging.txt",
    "beichuan_news/a/2025-05-20-rice.txt",
]


def build_hostile_folder(root: Path) -> dict[str, str]:
    """Every bad case beside three good pages; returns {file name: expected skip reason}."""
    for relative in GOOD:
        target = root / "good" / Path(relative).name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes((SAMPLES / relative).read_bytes())
    bad = root / "bad"
    bad.mkdir()
    expected: dict[str, str] = {}

    def put(name: str, data: bytes, reason: str) -> None:
        (bad / name).write_bytes(data)
        expected[name] = reason

    put("empty.txt", b"", "empty file")
    put("image.txt", b"\x89PNG\r\n\x1a\n" + os.urandom(200), "binary file (PNG image), not a page")
    put(
        "report.html",
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + b"x" * 300,
        "binary file (PDF document), not a page",
    )
    put(
        "program.txt", b"\x7fELF\x02\x01\x01" + b"\x00" * 50, "binary file (executable), not a page"
    )
    put("data.txt", b"ab\x00cd" * 50, "binary file (NUL bytes), not a text page")
    put(
        "nav-only.txt",
        "首页 | 新闻 | 财经 | 体育 | 娱乐\n京ICP备12345678号".encode(),
        "no article body found",
    )
    put("huge.txt", "正文内容，".encode() * 8000, "larger than the size limit")
    put("broken.jsonl", b'{"text": "unterminated\n', "malformed JSON record")
    put("bomb.txt.gz", gzip.compress(b"a" * 10_000_000), "larger than the size limit")
    put("cut.txt.gz", gzip.compress(os.urandom(3000))[:100], "damaged gzip data")
    title, paragraphs = article(CHARGING)
    warc = warc_bytes([("https://a.example.com/1", "text/html", div_layout(title, paragraphs))])
    put("cut.warc", warc[: len(warc) // 2], "truncated or damaged WARC")
    put(
        "deep.html",
        b"<html><body>" + b"<div>" * 5000 + "深层嵌套".encode() + b"</div>" * 5000,
        "no article body found",
    )
    put(
        "attr.html",
        b"<html><body><div title='" + b"a" * 60_000 + b"'>x</div></body></html>",
        "no article body found",
    )
    # A page pasted together from a UTF-8 source and a GBK one is still read.
    mixed = (SAMPLES / GOOD[2]).read_text("utf-8").split("\n")
    half = len(mixed) // 2
    (root / "good" / "mixed.txt").write_bytes(
        "\n".join(mixed[:half]).encode() + b"\n" + "\n".join(mixed[half:]).encode("gbk")
    )
    # Deep folders, a loop of links, a link to nothing.
    deep = root / "good" / Path(*[f"d{i}" for i in range(40)])
    deep.mkdir(parents=True)
    (deep / "deep.txt").write_bytes((SAMPLES / GOOD[0]).read_bytes())
    (root / "good" / "loop").symlink_to(root / "good", target_is_directory=True)
    (bad / "dangling.txt").symlink_to(bad / "missing.txt")
    expected["dangling.txt"] = "link to nothing (or a loop of links)"
    # A file name that is not UTF-8 (GBK bytes), holding a good page.
    os.makedirs(os.fsencode(root / "good"), exist_ok=True)
    with open(
        os.path.join(os.fsencode(root / "good"), "新闻".encode("gbk") + b".txt"), "wb"
    ) as out:
        out.write((SAMPLES / GOOD[1]).read_bytes())
    return expected


@pytest.fixture
def hostile(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    root = tmp_path / "crawl"
    return root, build_hostile_folder(root)


def test_hostile_folder_scans_with_every_skip_counted(
    hostile: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    root, expected = hostile
    skipped_csv, report = tmp_path / "skipped.csv", tmp_path / "report.csv"
    before = {
        p: p.stat().st_mtime_ns for p in root.rglob("*") if p.is_file() and not p.is_symlink()
    }
    result = CliRunner().invoke(
        main,
        [
            "scan",
            str(root),
            "-o",
            str(report),
            "--skipped-out",
            str(skipped_csv),
            "--max-bytes",
            "65536",
            "--all",
        ],
    )
    assert result.exit_code == 0, result.stderr
    assert "Traceback" not in result.stderr
    skipped = pd.read_csv(skipped_csv, keep_default_na=False)
    reasons = {Path(p).name: r for p, r in zip(skipped["path"], skipped["reason"], strict=True)}
    for name, reason in expected.items():
        assert reasons.get(name) == reason, name
    frame = pd.read_csv(report, keep_default_na=False)
    ids = set(frame["doc_id"])
    assert {f"good/{Path(g).name}" for g in GOOD} | {"good/mixed.txt"} <= ids
    assert any(i.endswith("/deep.txt") for i in ids)
    assert any("\ufffd" in i for i in ids), "the non-UTF-8 file name is reported"
    clusters = frame[frame["cluster_size"] > 1].groupby("cluster_id")["doc_id"].apply(set)
    assert any({"good/charging-plan.txt", "good/ev-charging.txt"} <= group for group in clusters)
    counts = skipped["reason"].value_counts().to_dict()
    for reason, count in counts.items():
        assert f"{count} {reason}" in result.stderr
    after = {p: p.stat().st_mtime_ns for p in root.rglob("*") if p.is_file() and not p.is_symlink()}
    assert after == before, "inputs are never modified and nothing is written among them"


def test_strict_fails_naming_the_first_skip(
    hostile: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    root, _ = hostile
    report = tmp_path / "report.csv"
    result = CliRunner().invoke(main, ["scan", str(root), "--strict", "-o", str(report)])
    assert result.exit_code == 1
    assert "--strict:" in result.stderr and "bad/" in result.stderr
    assert not report.exists()


def test_files_that_vanish_or_cannot_be_read_are_skipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for number, relative in enumerate(GOOD):
        (tmp_path / f"{number}.txt").write_bytes((SAMPLES / relative).read_bytes())
    (tmp_path / "locked.txt").write_bytes(b"x" * 100)
    real_open = open

    def guarded_open(path: object, *args: object, **kwargs: object) -> object:
        if str(path).endswith("locked.txt"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr("builtins.open", guarded_open)
    real_os_open = os.open

    def guarded_os_open(path: object, *args: object, **kwargs: object) -> object:
        if str(path).endswith("locked.txt"):  # files are opened without blocking (a FIFO)
            raise PermissionError(13, "Permission denied", str(path))
        return real_os_open(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr("os.open", guarded_os_open)
    real_list_inputs = dedup.batch.pipeline.list_inputs

    def list_then_vanish(paths: object, **kwargs: object) -> object:
        listed = real_list_inputs(paths, **kwargs)  # type: ignore[arg-type]
        (tmp_path / "1.txt").unlink()  # gone between the listing and the reading
        return listed

    monkeypatch.setattr(dedup.batch.pipeline, "list_inputs", list_then_vanish)
    result = dedup.scan([tmp_path], jobs=1)
    reasons = {Path(s.path).name: s.reason for s in result.skipped}
    assert reasons["locked.txt"] == "cannot read file (Permission denied)"
    assert reasons["1.txt"].startswith("cannot read file")
    assert sorted(d.doc_id for d in result.documents) == ["0.txt", "2.txt"]


def test_outputs_inside_scanned_folders_are_refused(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_bytes((SAMPLES / GOOD[0]).read_bytes())
    result = CliRunner().invoke(main, ["scan", str(tmp_path), "-o", str(tmp_path / "r.csv")])
    assert result.exit_code == 2 and "inside the scanned folder" in result.stderr
    assert not (tmp_path / "r.csv").exists()


def test_a_line_of_megabytes_is_handled_quickly(tmp_path: Path) -> None:
    sentence = "江州市发布充电基础设施三年行动方案，到2027年底全市将累计建成公共充电桩5万个。"
    (tmp_path / "long.txt").write_text(sentence * 40_000, "utf-8")  # one 1.8 MB line
    (tmp_path / "nopunct.txt").write_text("无标点长行" * 300_000, "utf-8")
    started = time.perf_counter()
    result = dedup.scan([tmp_path])
    assert time.perf_counter() - started < 30
    assert [d.doc_id for d in result.documents] == ["long.txt", "nopunct.txt"]


def _scan_in_subprocess(
    source: Path, report: Path, scratch: Path, before: str = ""
) -> subprocess.Popen[bytes]:
    code = before + "from dedup.__main__ import main; main()"  # what the `dedup` command runs
    command = ["scan", str(source), "-o", str(report), "--tmp-dir", str(scratch)]
    return subprocess.Popen(
        [sys.executable, "-c", code, *command],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def _wait_for_workers(process: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    """Until ``process`` has started its worker processes (or has ended)."""
    children = Path(f"/proc/{process.pid}/task/{process.pid}/children")
    deadline = time.monotonic() + timeout
    while process.poll() is None and time.monotonic() < deadline:
        try:
            if children.read_text().strip():
                return
        except OSError:
            time.sleep(1.0)  # no /proc: a fixed wait instead
            return
        time.sleep(0.01)


@pytest.fixture
def big_source(tmp_path: Path) -> Path:
    source = tmp_path / "source"
    for copy in range(300):
        for relative in GOOD:
            target = source / f"c{copy}" / Path(relative).name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes((SAMPLES / relative).read_bytes())
    return source


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL], ids=["SIGINT", "SIGKILL"])
def test_interrupted_scans_never_leave_a_partial_report(
    big_source: Path, tmp_path: Path, sig: int
) -> None:
    report = tmp_path / "out" / "report.csv"
    report.parent.mkdir()
    report.write_text("previous report\n", "utf-8")
    # A killed scan cannot remove its temporary store: keep it where the test cleans up.
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    # Compile the modules once, so that the delays below fall in the scan, not in a cold
    # first import (a fresh clone has no bytecode yet).
    subprocess.run(
        [sys.executable, "-c", "import dedup.cli, dedup.batch.pipeline"], cwd=REPO, check=True
    )
    for delay in (0.0, 0.25, 0.5):
        process = _scan_in_subprocess(big_source, report, scratch)
        # Counted from when the scan's workers exist, not from the process's start: on a busy
        # machine the interpreter alone can take longer than a fixed delay, and a Ctrl-C
        # before Python has run a line of ours is Python's to report.
        _wait_for_workers(process)
        time.sleep(delay)
        process.send_signal(sig)
        _, stderr = process.communicate(timeout=60)
        text = report.read_text("utf-8")
        assert text == "previous report\n" or (
            text.startswith("cluster_id,") and text.endswith("\n")
        )
        assert [p.name for p in report.parent.iterdir()] == ["report.csv"], "no temporary file left"
        # Whatever a killed scan leaves is in its own store, under --tmp-dir.
        assert all(p.name.startswith(STORE_PREFIX) for p in scratch.iterdir())
        if sig == signal.SIGINT:
            assert list(scratch.iterdir()) == [], "the temporary store is removed on Ctrl-C"
            assert process.returncode in (0, 130), stderr
            assert b"Traceback" not in stderr
            if process.returncode == 130:
                assert b"interrupted" in stderr


# Run before the command: the report's second block of rows is never made, the process is
# killed instead, while the first is written (and its temporary file exists).
KILLED_WHILE_WRITING = """
import os, signal
import dedup.batch.report as report
made = report._parts
def killed_after_the_first_block(*args):
    parts = made(*args)
    yield next(parts)
    os.kill(os.getpid(), signal.SIGKILL)
report._parts = killed_after_the_first_block
"""


def test_a_scan_killed_while_writing_its_report_leaves_nothing_beside_it(tmp_path: Path) -> None:
    report = tmp_path / "out" / "report.csv"
    report.parent.mkdir()
    report.write_text("previous report\n", "utf-8")
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    process = _scan_in_subprocess(SAMPLES, report, scratch, KILLED_WHILE_WRITING)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == -signal.SIGKILL, stderr
    assert report.read_text("utf-8") == "previous report\n"
    assert [p.name for p in report.parent.iterdir()] == ["report.csv"]
    # The unfinished report is in the scan's store, which --tmp-dir holds.
    (store,) = scratch.iterdir()
    assert store.name.startswith(STORE_PREFIX)
    assert len(list(store.glob(".report.csv.*.tmp"))) == 1
