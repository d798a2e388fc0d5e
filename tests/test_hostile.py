"""Hostile and unlucky inputs: outputs that are links or devices, concurrent index writers,
bombs inside records, secrets in messages. Each bomb is built here at small scale, with the
limit lowered to match."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from dedup import Deduplicator, IndexFormatError, OutputError
from dedup.cli import main
from dedup.models import Skip
from dedup.readers import InputFile, RawPage, read_pages

from .conftest import REPO, SAMPLES
from .pages import CHARGING, CHARGING_COPY, TEA, sample_text


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.chdir(REPO)
    return CliRunner()


def pages_folder(root: Path, names: list[str], count: int) -> Path:
    """`count` distinct pages (each a sample page with a numbered line) under `root`."""
    root.mkdir(parents=True)
    for number in range(count):
        source = SAMPLES / names[number % len(names)]
        text = source.read_text("utf-8") + f"\n第{number}号补充说明：编号{number * 7919}。\n"
        (root / f"{root.name}-{number:03d}.txt").write_text(text, "utf-8")
    return root


# ---------------------------------------------------------------- 1. concurrent index writers


def test_a_second_index_writer_waits_and_no_page_is_lost(tmp_path: Path) -> None:
    from dedup.lock import locked

    index = tmp_path / "same.dedup"
    first = pages_folder(tmp_path / "first", [CHARGING], 3)
    second = pages_folder(tmp_path / "second", [TEA], 4)
    dd = Deduplicator()
    dd.add("seed", sample_text(CHARGING_COPY))
    dd.save(index)
    with locked(index):
        held = Deduplicator.load(index)  # this process reads, changes and writes the index
        other = subprocess.Popen(
            [sys.executable, "-m", "dedup", "index", "add", str(index), str(second)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            cwd=REPO,
        )
        time.sleep(3)  # long enough for the other writer to have finished, were it not waiting
        for path in sorted(first.iterdir()):
            held.add(path.name, path.read_text("utf-8"))
        held.save(index)
    _, stderr = other.communicate(timeout=120)
    assert other.returncode == 0, stderr
    assert b"another process is writing this index" in stderr
    assert len(Deduplicator.load(index)) == 1 + 3 + 4


# ---------------------------------------------------------------- 2. outputs that coincide


@pytest.mark.parametrize(
    "args",
    [
        ["index", "add", "{out}/i.dedup", "samples/cnews_tw", "-o", "{out}/i.dedup"],
        ["scan", "samples", "-o", "{out}/x.csv", "--docs-out", "{out}/x.csv"],
        ["scan", "samples", "--skipped-out", "{out}/x.csv", "--save-index", "{out}/./x.csv"],
    ],
)
def test_outputs_naming_one_file_are_refused_before_the_scan(
    runner: CliRunner, tmp_path: Path, args: list[str]
) -> None:
    index = tmp_path / "i.dedup"
    Deduplicator().save(index)
    before = index.read_bytes()
    result = runner.invoke(main, [arg.format(out=tmp_path) for arg in args])
    assert result.exit_code == 2
    assert "both name" in result.stderr
    assert index.read_bytes() == before
    assert not (tmp_path / "x.csv").exists()


# ---------------------------------------------------------------- 3. links and special files


def test_outputs_are_written_through_links(runner: CliRunner, tmp_path: Path) -> None:
    real, link = tmp_path / "real.csv", tmp_path / "link.csv"
    real.write_text("old\n")
    link.symlink_to(real)
    index_real, index_link = tmp_path / "real.dedup", tmp_path / "link.dedup"
    index_link.symlink_to(index_real)
    result = runner.invoke(
        main, ["scan", "samples", "-o", str(link), "--save-index", str(index_link)]
    )
    assert result.exit_code == 0, result.stderr
    assert link.is_symlink() and index_link.is_symlink()
    assert real.read_text().startswith("cluster_id,")
    assert len(Deduplicator.load(index_real)) == 15


@pytest.mark.parametrize("kind", ["fifo", "folder", "device"])
def test_special_files_and_folders_are_refused_as_outputs(
    runner: CliRunner, tmp_path: Path, kind: str
) -> None:
    target = tmp_path / "out"
    if kind == "fifo":
        os.mkfifo(target)
    elif kind == "folder":
        target.mkdir()
    else:
        try:  # a null device of our own: the machine's is not ours to risk
            os.mknod(target, stat.S_IFCHR | 0o666, os.makedev(1, 3))
        except PermissionError:
            pytest.skip("making a device node needs root")
    mode = target.stat().st_mode
    for args in (
        ["scan", "samples/cnews_tw", "-o", str(target)],
        ["index", "add", str(target), "samples/cnews_tw"],
    ):
        result = runner.invoke(main, args)
        assert result.exit_code == 2, result.stderr
        assert "Traceback" not in result.stderr
        assert str(target) in result.stderr
    assert target.stat().st_mode == mode
    with pytest.raises(OutputError):
        Deduplicator().save(target)
    if kind == "folder":
        assert list(tmp_path.iterdir()) == [target], "nothing is made beside the folder"


# ---------------------------------------------------------------- 5. duplicate record ids


def test_a_record_id_repeated_in_a_file_is_skipped(tmp_path: Path) -> None:
    copy, tea = sample_text(CHARGING_COPY), sample_text(TEA)
    lines = [{"id": "7", "text": copy}, {"id": "8", "text": tea}, {"id": "7", "text": tea}]
    path = tmp_path / "feed.jsonl"
    path.write_text("\n".join(json.dumps(line, ensure_ascii=False) for line in lines))
    pages = list(read_pages(InputFile(str(path), path.name)))
    assert [p.doc_id for p in pages if isinstance(p, RawPage)] == ["feed.jsonl#7", "feed.jsonl#8"]
    (skip,) = [p for p in pages if isinstance(p, Skip)]
    assert skip.reason == "record id seen earlier in the file" and skip.detail.startswith("7:")
    result = CliRunner().invoke(main, ["scan", str(tmp_path), "--all"])
    frame = pd.read_csv(pd.io.common.StringIO(result.stdout), keep_default_na=False)
    assert frame["doc_id"].is_unique


# ---------------------------------------------------------------- 8. nested JSON


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("deep.json", b'{"a":' * 100_000 + b"1" + b"}" * 100_000),
        ("deep.jsonl", b'{"text": "x"}\n' + b"[" * 100_000 + b"\n"),
        ("deep", b"[" * 100_000),
        ("ld.html", b'<html><script type="application/ld+json">' + b"[" * 100_000 + b"</script>"),
    ],
)
def test_deeply_nested_json_is_a_skip_not_a_recursion_error(
    tmp_path: Path, name: str, data: bytes
) -> None:
    (tmp_path / name).write_bytes(data)
    (tmp_path / "good.txt").write_text(sample_text(CHARGING), "utf-8")
    result = CliRunner().invoke(main, ["scan", str(tmp_path), "--all"])
    assert result.exit_code == 0, result.stderr
    assert "RecursionError" not in result.stderr and "internal error" not in result.stderr
    assert "good.txt" in result.stdout


# ---------------------------------------------------------------- 16, 17. crafted and killed saves


def test_crafted_index_headers_and_times_raise_index_format_error(tmp_path: Path) -> None:
    from dedup.index.file import MAGIC

    path = tmp_path / "deep.dedup"
    blob = b"[" * 200_000
    path.write_bytes(MAGIC + len(blob).to_bytes(4, "little") + blob)
    with pytest.raises(IndexFormatError, match="not JSON"):
        Deduplicator.load(path)
    dd = Deduplicator()
    dd.add("a", sample_text(CHARGING))
    data = dd._pages.snapshot(dd.config)
    from dedup.index import file as storage

    storage.save_index(
        storage.IndexData(
            **{**{f: getattr(data, f) for f in data.__slots__}, "added": np.array([np.nan])}
        ),
        tmp_path / "nan.dedup",
    )
    with pytest.raises(IndexFormatError, match="not a number"):
        Deduplicator.load(tmp_path / "nan.dedup")


def test_leftovers_of_a_killed_save_are_cleared_and_a_folder_is_refused(tmp_path: Path) -> None:
    index = tmp_path / "news.dedup"
    dd = Deduplicator()
    dd.add("a", sample_text(CHARGING))
    dd.save(index)
    leftover = tmp_path / ".news.dedup.k2j4h5.tmp"
    leftover.write_bytes(b"x" * 1000)
    Deduplicator.load(index)
    assert not leftover.exists()
    leftover.write_bytes(b"x")
    dd.save(index)
    assert not leftover.exists()
    folder = tmp_path / "folder"
    folder.mkdir()
    before = sorted(tmp_path.iterdir())
    with pytest.raises(OutputError, match="is a folder"):
        dd.save(folder)
    assert sorted(tmp_path.iterdir()) == before
