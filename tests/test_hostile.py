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
    data = dd._index._snapshot()  # type: ignore[attr-defined]
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


# ------------------------------------------------ 6, 7. limits on decompressed bytes


def test_a_gzip_bomb_inside_a_warc_record_stops_at_the_limit(tmp_path: Path) -> None:
    import gzip

    bomb = gzip.compress(b"<html><body><p>" + b"a" * 3_000_000 + b"</p></body></html>")
    http = (
        b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Encoding: gzip\r\n"
        b"Content-Length: %d\r\n\r\n" % len(bomb)
    ) + bomb
    warc = (
        (
            b"WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: https://a.example/bomb\r\n"
            b"WARC-Record-ID: <urn:uuid:12345678-1234-1234-1234-123456789012>\r\n"
            b"WARC-Date: 2025-01-01T00:00:00Z\r\n"
            b"Content-Type: application/http; msgtype=response\r\n"
            b"Content-Length: %d\r\n\r\n" % len(http)
        )
        + http
        + b"\r\n\r\n"
    )
    path = tmp_path / "bomb.warc"
    path.write_bytes(warc)
    (page,) = read_pages(InputFile(str(path), path.name), max_bytes=65536)
    assert isinstance(page, Skip) and page.reason == "larger than the size limit"
    assert "decompressed" in page.detail


def test_a_json_lines_line_is_never_read_whole_past_the_limit(tmp_path: Path) -> None:
    import gzip
    import tracemalloc

    good = json.dumps({"id": "ok", "text": sample_text(TEA)}, ensure_ascii=False).encode()
    path = tmp_path / "feed.jsonl.gz"
    path.write_bytes(gzip.compress(b'{"text": "' + b"x" * 20_000_000 + b'"}\n' + good + b"\n"))
    tracemalloc.start()
    try:
        pages = list(read_pages(InputFile(str(path), path.name), max_bytes=65536))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert isinstance(pages[0], Skip) and pages[0].reason == "larger than the size limit"
    assert pages[0].detail.startswith("line 1: 20000013 bytes")
    assert [p.doc_id for p in pages[1:]] == ["feed.jsonl.gz#ok"]
    assert peak < 4_000_000, f"{peak} bytes held for a line of 20 MB"


# ---------------------------------------------------------------- 11. a file that became a pipe


def test_a_file_that_became_a_pipe_is_skipped_not_waited_on(tmp_path: Path) -> None:
    import signal

    path = tmp_path / "page.txt"
    os.mkfifo(path)
    signal.alarm(20)  # a hang fails the test instead of the suite
    try:
        pages = list(read_pages(InputFile(str(path), path.name)))
    finally:
        signal.alarm(0)
    (skip,) = pages
    assert isinstance(skip, Skip) and "not a regular file" in skip.reason


# ---------------------------------------------------------------- 12, 15. secrets and URLs


def test_redis_passwords_are_never_shown(runner: CliRunner) -> None:
    pytest.importorskip("redis")
    from dedup import ConfigError, DedupError

    url = "redis://:S3cretPW%21@127.0.0.1:1/0"
    with pytest.raises(DedupError) as caught:
        Deduplicator(storage=url)
    assert "S3cretPW" not in str(caught.value) and ":***@127.0.0.1:1" in str(caught.value)
    for args in (["index", "stats", url + "#n"], ["index", "add", url + "#n", "samples/cnews_tw"]):
        result = runner.invoke(main, args)
        assert result.exit_code == 1 and "S3cretPW" not in result.output + result.stderr
    with pytest.raises(ConfigError, match="decode_responses"):
        Deduplicator(storage="redis://127.0.0.1:1/0?decode_responses=True")
    with pytest.raises(ConfigError, match="database must be a number"):
        Deduplicator(storage="redis://127.0.0.1:1/abc")


# ---------------------------------------------------------------- 13. formulas and terminals


def test_formula_cells_are_neutralised_unless_raw_and_messages_are_escaped(
    tmp_path: Path,
) -> None:
    records = [
        {"id": "=cmd|' /C calc'!A0", "title": "+SUM(1,2)", "site": "@x", "text": sample_text(TEA)},
        {"id": "-2", "title": '=HYPERLINK("http://x")', "text": sample_text(TEA)},
    ]
    feed = tmp_path / "in" / "feed.jsonl"
    feed.parent.mkdir()
    feed.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records), "utf-8")
    (tmp_path / "in" / "\x1b[2Jred\u202e.txt").write_bytes(b"")
    safe = CliRunner().invoke(main, ["scan", str(feed.parent)])
    assert safe.exit_code == 0, safe.stderr
    frame = pd.read_csv(pd.io.common.StringIO(safe.stdout), keep_default_na=False)
    cells = set(frame["doc_id"]) | set(frame["title"]) | set(frame["site"])
    assert "feed.jsonl#=cmd|' /C calc'!A0" in cells  # starts with f: left alone
    assert {"'+SUM(1,2)", "'@x", '\'=HYPERLINK("http://x")'} <= cells
    raw = CliRunner().invoke(main, ["scan", str(feed.parent), "--format", "csv-raw"])
    assert "+SUM(1,2)" in set(pd.read_csv(pd.io.common.StringIO(raw.stdout))["title"])
    assert "\x1b" not in safe.stderr and "\u202e" not in safe.stderr
    assert "\\x1b[2Jred\\u202e.txt" in safe.stderr


# ---------------------------------------------------------------- 17. a reader that leaves


def test_a_closed_pipe_ends_the_scan_quietly() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "dedup", "scan", "samples", "--all"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=REPO,
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # `| true`: the reader is gone before the report is written
    with process.stderr:
        stderr = process.stderr.read().decode()
    process.wait(timeout=120)
    assert "Broken pipe" not in stderr and "Traceback" not in stderr
    assert "cannot write" not in stderr and "Exception ignored" not in stderr


# ---------------------------------------------------------------- 16. impossible dates


@pytest.mark.parametrize("stated", ["2025-02-30", "1970-01-01T00:00:00Z", "1900-01-01"])
def test_impossible_and_placeholder_dates_are_not_published_times(stated: str) -> None:
    from dedup.extract.metadata import parse_date

    assert parse_date(stated) is None
    assert parse_date("2024-02-29 10:00") == "2024-02-29T10:00"


# ---------------------------------------------------------------- 18. library misuse


def test_library_misuse_raises_dedup_errors() -> None:
    from datetime import datetime

    from dedup import DedupConfig, InputError

    dd = Deduplicator(DedupConfig(max_bytes=65536))
    text = sample_text(CHARGING)
    for pages in (["abc"], [("a", text, None, "extra")], [("a",)], [(5, text)]):
        with pytest.raises(InputError):
            dd.add_many(pages)  # type: ignore[arg-type]
    assert len(dd) == 0
    with pytest.raises(InputError, match="url must be a str"):
        dd.add("a", text, url=5)  # type: ignore[arg-type]
    assert [1] not in dd and None not in dd
    with pytest.raises(InputError, match="expire takes a datetime"):
        dd.expire("yesterday")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="larger than max_bytes"):
        dd.add("big", text * 40)
    assert dd.expire(datetime(2000, 1, 1)) == 0


# ---------------------------------------------------------------- 14. links leaving the folders


def test_links_leaving_the_scanned_folders_are_skipped_unless_followed(tmp_path: Path) -> None:
    outside = tmp_path / "private.txt"
    outside.write_text(sample_text(CHARGING), "utf-8")
    folder = tmp_path / "crawl"
    folder.mkdir()
    (folder / "copy.txt").write_text(sample_text(CHARGING_COPY), "utf-8")
    (folder / "leak.txt").symlink_to(outside)
    (folder / "inside.txt").symlink_to(folder / "copy.txt")
    runner = CliRunner()
    plain = runner.invoke(main, ["scan", str(folder), "--all"])
    assert plain.exit_code == 0, plain.stderr
    assert "leak.txt" not in plain.stdout and "inside.txt" in plain.stdout
    assert "link to a file outside the folders scanned" in plain.stderr
    followed = runner.invoke(main, ["scan", str(folder), "--all", "--follow-links"])
    assert "leak.txt" in followed.stdout
    index = tmp_path / "i.dedup"
    added = runner.invoke(main, ["index", "add", str(index), str(folder)])
    assert added.exit_code == 0 and "outside the folders" in added.stderr
    assert not any(i.endswith("leak.txt") for i in Deduplicator.load(index))


# ---------------------------------------------------------------- 17. a WARC record that runs on


def test_a_warc_record_longer_than_its_content_length_is_skipped_quietly(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    # One line of HTML: warcio finds the next record after the run-on bytes.
    paragraphs = sample_text(TEA).replace("\n", "</p><p>")
    body = ("<html><body><p>" + paragraphs + "</p></body></html>").encode()
    http = (
        b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
        b"Content-Length: %d\r\n\r\n" % len(body)
    ) + body

    def record(number: int, declared: int) -> bytes:
        return (
            (
                b"WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: https://a.example/%d\r\n"
                b"WARC-Record-ID: <urn:uuid:12345678-1234-1234-1234-1234567890%02d>\r\n"
                b"WARC-Date: 2025-01-01T00:00:00Z\r\n"
                b"Content-Type: application/http; msgtype=response\r\n"
                b"Content-Length: %d\r\n\r\n" % (number, number, declared)
            )
            + http
            + b"\r\n\r\n"
        )

    path = tmp_path / "short.warc"
    path.write_bytes(record(1, len(http) - 200) + record(2, len(http)))
    pages = list(read_pages(InputFile(str(path), path.name)))
    captured = capfd.readouterr()
    assert captured.err == "" and captured.out == ""
    assert isinstance(pages[0], Skip) and "shorter than its Content-Length" in pages[0].detail
    assert [p.doc_id for p in pages if isinstance(p, RawPage)] == ["https://a.example/2"]


# ---------------------------------------------------------------- 15. Redis and file names


def test_a_shared_index_takes_ids_from_file_names_that_are_not_utf8(tmp_path: Path) -> None:
    pytest.importorskip("redis")
    from .index.conftest import start_redis

    process, url = start_redis(tmp_path)
    try:
        dd = Deduplicator(storage=url, namespace="names")
        odd = os.fsdecode("新闻".encode("gbk") + b".txt")  # surrogates, as os.listdir gives
        dd.add(odd, sample_text(CHARGING))
        (match,) = dd.add("copy", sample_text(CHARGING_COPY))
        assert match.doc_id == odd and match.original_id == odd
        assert odd in dd
        dd.remove(odd)
        assert odd not in dd
    finally:
        process.terminate()
        process.wait(timeout=10)


# ------------------------------------------------ 9. a tag of thousands of attributes


def test_a_tag_of_thousands_of_attributes_is_parsed_without_them() -> None:
    from dedup.extract.html import _parse, extract_html

    attributes = " ".join(f"a{n}='x'" for n in range(3000))
    text = sample_text(TEA).replace("\n", "</p><p>")
    html = f"<html><body><div {attributes}><p>{text}</p></div></body></html>"
    (div,) = _parse(html).xpath("//div")
    assert not div.attrib, "libxml2 never sees the attributes it would compare pairwise"
    assert extract_html(html, "x").body
