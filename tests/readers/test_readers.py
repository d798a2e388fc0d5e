from __future__ import annotations

import codecs
import itertools
import os
import pickle
from pathlib import Path

import pytest

from dedup.errors import DecodeError
from dedup.models import Skip
from dedup.readers import InputFile, RawPage, decode_bytes, list_inputs, read_pages
from dedup.readers.files import Listing, prefetch

TEXT = "江州市发布充电基础设施三年行动方案，到2027年底全市将累计建成公共充电桩5万个。"
TRADITIONAL = "江州市發布充電基礎設施三年行動方案，到2027年底全市將累計建成公共充電樁5萬個。"


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (TEXT.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + TEXT.encode("utf-8"), "utf-8-sig"),
        (TEXT.encode("utf-16"), "utf-16"),
        (TEXT.encode("gbk"), "gb18030"),
        (TEXT.encode("gb18030"), "gb18030"),
    ],
    ids=["utf8", "utf8-bom", "utf16", "gbk", "gb18030"],
)
def test_simplified_pages_decode(data: bytes, encoding: str) -> None:
    assert decode_bytes(data) == (TEXT, encoding)


def test_big5_is_not_mistaken_for_gbk() -> None:
    # Big5 bytes are also valid GB18030; only the Big5 reading is Chinese text.
    data = TRADITIONAL.encode("big5")
    assert data.decode("gb18030") != TRADITIONAL
    assert decode_bytes(data) == (TRADITIONAL, "cp950")


def test_binary_is_refused_with_a_reason() -> None:
    with pytest.raises(DecodeError, match="binary file"):
        decode_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")


def test_listing_is_recursive_sorted_and_skips_hidden(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "2.txt").write_text("x")
    (tmp_path / "a.txt").write_text("x")
    (tmp_path / ".hidden.txt").write_text("x")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "c.txt").write_text("x")
    files, missing = list_inputs([tmp_path, tmp_path / "nope"])
    assert [item.doc_id for item in files] == ["a.txt", "b/2.txt"]
    assert missing == [Skip(str(tmp_path / "nope"), "no such file or folder")]


def test_a_file_given_directly_is_named_by_its_name(tmp_path: Path) -> None:
    (tmp_path / "page.txt").write_text("x")
    files, _ = list_inputs([tmp_path / "page.txt"])
    assert files == [InputFile(str(tmp_path / "page.txt"), "page.txt")]


def test_same_relative_name_under_two_roots_stays_unique(tmp_path: Path) -> None:
    for root in ("one", "two"):
        (tmp_path / root).mkdir()
        (tmp_path / root / "a.txt").write_text("x")
    files, _ = list_inputs([tmp_path / "one", tmp_path / "two"])
    assert len({item.doc_id for item in files}) == 2


def test_a_listing_holds_its_files_compactly_and_gives_them_back(tmp_path: Path) -> None:
    items = [
        InputFile("crawl/a/1.txt", "a/1.txt"),
        InputFile("crawl/名字\udcff.txt", "名字\udcff.txt"),  # a name that is not UTF-8
        InputFile("s3://bucket/x.html", "x.html"),
        InputFile("crawl/b.txt", "crawl/b.txt"),
        InputFile("-", "stdin", source=str(tmp_path / "stdin")),
        InputFile("elsewhere/c.txt", "other-id"),
    ]
    listing = Listing()
    listing.extend(items)
    assert listing == items and items == listing and list(listing) == items
    assert len(listing) == 6 and listing[-1] == items[-1] and listing[4].source is not None
    part = listing[1:5]
    assert isinstance(part, Listing) and part == items[1:5]
    copy = pickle.loads(pickle.dumps(part))
    assert copy == items[1:5]
    with pytest.raises(IndexError):
        listing[6]
    for start, stop, step in itertools.product(range(-7, 8), range(-7, 8), (None, 2, -1)):
        assert listing[start:stop:step] == items[start:stop:step], (start, stop, step)
    assert part[1:3] == items[2:4] and part[2:][1:] == items[4:5]
    part.append(items[0])
    assert part == [*items[1:5], items[0]] and listing == items


def test_files_sharing_an_id_among_many_are_named_by_their_paths(tmp_path: Path) -> None:
    for root in ("one", "two"):
        for number in range(50):
            (tmp_path / root / str(number)).mkdir(parents=True)
            (tmp_path / root / str(number) / "a.txt").write_text("x")
    (tmp_path / "two" / "b.txt").write_text("x")
    files, _ = list_inputs([tmp_path / "one", tmp_path / "two"])
    ids = [item.doc_id for item in files]
    assert len(set(ids)) == 101
    assert "b.txt" in ids  # its own id: no other file has it
    shared = [doc_id for doc_id in ids if doc_id != "b.txt"]
    assert all(doc_id.endswith("/a.txt") and Path(doc_id).is_absolute() for doc_id in shared)


def test_empty_file_is_skipped_with_its_path(tmp_path: Path) -> None:
    path = tmp_path / "empty.txt"
    path.write_bytes(b"  \n")
    assert list(read_pages(InputFile(str(path), "empty.txt"))) == [Skip(str(path), "empty file")]


def test_read_pages_decodes_a_text_page(tmp_path: Path) -> None:
    path = tmp_path / "gbk.txt"
    path.write_bytes(TEXT.encode("gbk"))
    (page,) = read_pages(InputFile(str(path), "gbk.txt"))
    assert isinstance(page, RawPage)
    assert (page.text, page.encoding, page.doc_id, page.kind) == (
        TEXT,
        "gb18030",
        "gbk.txt",
        "text",
    )


@pytest.mark.parametrize("size", [0, 5, 512, 513, 70_000], ids=str)
def test_read_start_gives_the_head_and_the_whole_file_when_asked(tmp_path: Path, size: int) -> None:
    from dedup.readers.files import read_start

    data = bytes(range(256)) * (size // 256) + bytes(range(size % 256))
    path = tmp_path / "page.bin"
    path.write_bytes(data)
    asked: list[tuple[bytes, int]] = []

    def whole(head: bytes, stated: int) -> bool:
        asked.append((head, stated))
        return True

    assert read_start(str(path), 512, whole) == (data[:512], size, data)
    assert asked == [(data[:512], size)]
    assert read_start(str(path), 512, lambda head, stated: False) == (data[:512], size, None)


def test_prefetching_files_that_cannot_be_read_is_no_error(tmp_path: Path) -> None:
    page = tmp_path / "page.txt"
    page.write_text("一篇文章。", encoding="utf-8")
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    prefetch(
        [
            InputFile(str(page), "page.txt"),
            InputFile(str(tmp_path / "gone.txt"), "gone.txt"),
            InputFile(str(tmp_path), "folder"),
            InputFile(str(fifo), "pipe"),
            InputFile("https://example.com/a.html", "a.html"),
        ]
    )
    assert page.read_text(encoding="utf-8") == "一篇文章。"
