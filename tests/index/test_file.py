"""Saved indexes: same answers after a reload, and untrusted files refused safely."""

from __future__ import annotations

import json
import pickle
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from dedup import DedupConfig, Deduplicator, IndexFormatError
from dedup.index.file import FORMAT, MAGIC
from dedup.readers import decode_bytes

from ..conftest import PLANTED, REPO, SAMPLES


def page(relative: str) -> str:
    return decode_bytes((SAMPLES / relative).read_bytes())[0]


@pytest.fixture
def saved(tmp_path: Path) -> Path:
    dd = Deduplicator(DedupConfig(threshold=0.75))
    for group in PLANTED:
        first = sorted(group)[0]
        dd.add(first, page(first))
    path = tmp_path / "news.dedup"
    dd.save(path)
    return path


def test_load_in_a_new_process_gives_the_same_answers(saved: Path) -> None:
    query = "mirror_spam/news/show-1288.txt"
    expected = Deduplicator.load(saved).query(page(query))
    assert [m.doc_id for m in expected] == ["cnews_tw/20250312/ev-charging.txt"]
    code = (
        "import sys, dedup\n"
        "from dedup.readers import decode_bytes\n"
        "dd = dedup.Deduplicator.load(sys.argv[1])\n"
        "text = decode_bytes(open(sys.argv[2], 'rb').read())[0]\n"
        "found = [(m.doc_id, round(m.similarity, 6)) for m in dd.query(text)]\n"
        "print(len(dd), dd.config.threshold, found)\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code, str(saved), str(SAMPLES / query)],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
    )
    pairs = [(m.doc_id, round(m.similarity, 6)) for m in expected]
    assert completed.stdout.strip() == f"3 0.75 {pairs}"


def test_loaded_index_keeps_ids_and_refuses_duplicates(saved: Path) -> None:
    dd = Deduplicator.load(saved)
    held = sorted(sorted(group)[0] for group in PLANTED)[0]
    assert len(dd) == 3 and held in dd
    with pytest.raises(Exception, match="already indexed"):
        dd.add(held, page("mirror_spam/news/show-1733.txt"))
    before = dd.query(page("mirror_spam/news/show-1502.txt"))
    dd.add("new", page("mirror_spam/news/show-1502.txt"))
    assert [m.doc_id for m in before] == ["beichuan_news/a/2025-05-20-rice.txt"]


def test_save_is_atomic_and_replaces_the_previous_file(saved: Path) -> None:
    dd = Deduplicator.load(saved)
    dd.add("extra", page("jiangnan_daily/2025/0308/supercharger.txt"))
    dd.save(saved)
    assert len(Deduplicator.load(saved)) == 4
    # No temporary file is left; the writers' lock file stays (see dedup.lock).
    assert sorted(p.name for p in saved.parent.iterdir()) == [".news.dedup.lock", "news.dedup"]


def corrupt(path: Path, offset: int, data: bytes) -> None:
    raw = bytearray(path.read_bytes())
    raw[offset : offset + len(data)] = data
    path.write_bytes(bytes(raw))


def header_of(path: Path) -> tuple[dict[str, object], int]:
    raw = path.read_bytes()
    (length,) = struct.unpack("<I", raw[8:12])
    return json.loads(raw[12 : 12 + length]), 12 + length


def rewrite_header(path: Path, header: dict[str, object]) -> None:
    raw = path.read_bytes()
    _, end = header_of(path)
    blob = json.dumps(header).encode()
    path.write_bytes(MAGIC + struct.pack("<I", len(blob)) + blob + raw[end:])


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda p: p.write_bytes(p.read_bytes()[:-100]), "truncated index"),
        (lambda p: p.write_bytes(p.read_bytes()[:20]), "truncated index"),
        (lambda p: corrupt(p, p.stat().st_size - 50, b"\xff\x00\xff"), "checksum mismatch"),
        (lambda p: p.write_bytes(b"just some text, not an index"), "not a dedup index"),
        (lambda p: p.write_bytes(b""), "not a dedup index"),
        (lambda p: corrupt(p, 8, struct.pack("<I", 2**31)), "header of 2147483648 bytes"),
        (lambda p: corrupt(p, 12, b"\x00\x01"), "header is not JSON"),
    ],
    ids=[
        "truncated",
        "cut-in-header",
        "altered",
        "foreign",
        "empty",
        "huge-header",
        "garbled-header",
    ],
)
def test_damaged_files_raise_index_format_error(saved: Path, damage: object, message: str) -> None:
    damage(saved)  # type: ignore[operator]
    with pytest.raises(IndexFormatError, match=message):
        Deduplicator.load(saved)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        ({"format": 99}, "index format 99"),
        ({"scheme": "legacy"}, "MinHash scheme 'legacy'"),
        ({"datasketch_version": "1.6.5"}, "made with datasketch 1.6.5"),
        ({"count": 10**12}, "array lengths disagree"),
        ({"config": {"threshold": 7}}, "config"),
    ],
    ids=["version", "scheme", "datasketch", "count", "config"],
)
def test_foreign_or_incompatible_headers_are_refused(
    saved: Path, edit: dict[str, object], message: str
) -> None:
    header, _ = header_of(saved)
    header.update(edit)
    rewrite_header(saved, header)
    with pytest.raises(IndexFormatError, match=message):
        Deduplicator.load(saved)


@pytest.mark.parametrize(
    ("name", "spec"),
    [
        ("samples", {"dtype": "<u4", "shape": [2**40], "nbytes": 2**42}),
        ("band_keys", {"dtype": "<u4", "shape": [32, 2**40], "nbytes": 2**47}),
    ],
    ids=["samples", "bands"],
)
def test_crafted_sizes_cannot_make_it_allocate(
    saved: Path, name: str, spec: dict[str, object]
) -> None:
    header, _ = header_of(saved)
    arrays = header["arrays"]
    assert isinstance(arrays, dict)
    arrays[name] = spec
    rewrite_header(saved, header)
    with pytest.raises(IndexFormatError, match=r"damaged index|truncated index"):
        Deduplicator.load(saved)


class _Exploit:
    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (Path.touch, (str(Path(__file__).parent / "PWNED"),))


def test_a_pickle_is_never_executed(tmp_path: Path) -> None:
    path = tmp_path / "evil.dedup"
    path.write_bytes(pickle.dumps(_Exploit()))
    with pytest.raises(IndexFormatError, match="not a dedup index"):
        Deduplicator.load(path)
    assert not (Path(__file__).parent / "PWNED").exists()
    assert b"pickle" not in MAGIC


def test_missing_file_is_an_index_format_error(tmp_path: Path) -> None:
    with pytest.raises(IndexFormatError, match="cannot read the index"):
        Deduplicator.load(tmp_path / "nope.dedup")


# An index saved by an earlier release from samples/ (format 3), with the matches it gave
# then for every sample page. Re-pinned only when the format changes on purpose.
SAVED_BEFORE = REPO / "tests" / "data" / "samples_index_v3.dedup"
MATCHES_BEFORE = REPO / "tests" / "data" / "samples_index_matches.csv"
PROBES = sorted(name for group in PLANTED for name in group)
# The same pages saved in format 2, which had no anchor postings.
SAVED_IN_FORMAT_2 = REPO / "tests" / "data" / "samples_index_v2.dedup"


def test_an_index_of_format_2_is_refused_with_what_to_do() -> None:
    with pytest.raises(IndexFormatError, match=r"format 2, which has no anchor postings.*rebuild"):
        Deduplicator.load(SAVED_IN_FORMAT_2)


def test_an_index_saved_by_an_earlier_release_loads_and_answers_the_same(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from dedup.cli import main

    loaded = Deduplicator.load(SAVED_BEFORE)
    assert len(loaded) == 15 and loaded.stats().originals == 8
    report = tmp_path / "matches.csv"
    outcome = CliRunner().invoke(
        main,
        # An empty --id-prefix names pages by their path inside samples/, as the pinned
        # matches do (by default they are named by the path as given).
        ["index", "query", str(SAVED_BEFORE), str(SAMPLES), "--id-prefix", "", "-o", str(report)],
    )
    assert outcome.exit_code == 0, outcome.output
    assert report.read_bytes() == MATCHES_BEFORE.read_bytes()
    # Saved again, it is in this version's format (with kept bodies: none, for its pages),
    # which answers the same and saves to the same bytes.
    resaved = tmp_path / "again.dedup"
    loaded.save(resaved)
    assert header_of(resaved)[0]["format"] == FORMAT
    again = Deduplicator.load(resaved)
    assert [again.query(page(name)) for name in PROBES] == [
        loaded.query(page(name)) for name in PROBES
    ]
    twice = tmp_path / "twice.dedup"
    again.save(twice)
    assert twice.read_bytes() == resaved.read_bytes()


def test_a_saved_index_keeps_the_bodies_that_tell_a_notice_of_another_district(
    tmp_path: Path,
) -> None:
    from ..notices import notice, reposted

    dd = Deduplicator()
    dd.add("qinglin", notice("青林"))
    dd.add("filler", page(PROBES[0]))
    dd.remove("filler")  # compaction on save keeps each body with its page
    path = tmp_path / "notices.dedup"
    dd.save(path)
    loaded = Deduplicator.load(path)
    assert loaded.query(notice("石河", day=4, hour=20)) == []
    assert [m.doc_id for m in loaded.query(reposted(notice("青林")))] == ["qinglin"]


def test_a_saved_index_keeps_the_bodies_that_tell_a_photo_story_carried_in_part(
    tmp_path: Path,
) -> None:
    from ..photos import REPORT, REPOSTED, STORY

    dd = Deduplicator()
    dd.add("report", REPORT)
    dd.add("filler", page(PROBES[0]))
    dd.remove("filler")  # compaction on save keeps each body with its page
    path = tmp_path / "photos.dedup"
    dd.save(path)
    loaded = Deduplicator.load(path)
    assert loaded.query(STORY) == []
    loaded.add("story", STORY)
    assert [m.doc_id for m in loaded.query(REPOSTED)] == ["story"]
