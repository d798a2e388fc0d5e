"""Decoding: Chinese encodings told apart, declared charsets, mojibake repaired."""

from __future__ import annotations

import pytest

from dedup.readers.decode import decode_bytes, repair_mojibake, sniff_html_charset

SIMPLIFIED = "江州市发布充电基础设施三年行动方案"
TRADITIONAL = "雲嶺省春茶出口量同比增長兩成"


@pytest.mark.parametrize(
    ("text", "encoding", "expected"),
    [
        (SIMPLIFIED, "utf-8", "utf-8"),
        (SIMPLIFIED, "gb18030", "gb18030"),
        (TRADITIONAL, "big5", "cp950"),
    ],
    ids=["utf-8", "gb18030", "big5"],
)
def test_chinese_encodings_are_told_apart(text: str, encoding: str, expected: str) -> None:
    decoded, found = decode_bytes(text.encode(encoding), "page.txt")
    assert decoded == text and found == expected


def test_a_declared_html_charset_is_found() -> None:
    assert sniff_html_charset(b'<html><head><meta charset="gbk"></head>') == "gb18030"
    assert sniff_html_charset(b"<html><head></head>") is None


def test_utf8_read_as_latin1_is_repaired() -> None:
    garbled = SIMPLIFIED.encode("utf-8").decode("latin-1")
    assert repair_mojibake(garbled)[0] == SIMPLIFIED
    assert repair_mojibake(SIMPLIFIED)[0] == SIMPLIFIED
