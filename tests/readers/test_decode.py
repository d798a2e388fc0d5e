"""Decoding: Chinese encodings told apart, declared charsets, mojibake repaired."""

from __future__ import annotations

import pytest

from dedup.readers.decode import (
    decode_bytes,
    has_latin1_letters,
    repair_mojibake,
    sniff_html_charset,
)

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


def test_a_text_known_to_hold_no_latin1_letter_is_repaired_alike() -> None:
    garbled = SIMPLIFIED.encode("utf-8").decode("latin-1")
    for text in (SIMPLIFIED, garbled, "\ufffd" * 5 + SIMPLIFIED, "Café " + SIMPLIFIED, ""):
        data = text.encode("utf-8")
        hint = has_latin1_letters(data, "utf-8")
        assert hint == any("\u00c0" <= char <= "\u00ff" for char in text)
        assert repair_mojibake(text, latin1=hint) == repair_mojibake(text)
    letters = (chr(code).encode("utf-8") for code in range(0xC0, 0x100))
    assert all(has_latin1_letters(letter, "utf-8") for letter in letters)
    assert has_latin1_letters(SIMPLIFIED.encode("gb18030"), "gb18030")  # not told from bytes
