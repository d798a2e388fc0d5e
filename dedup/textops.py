"""Character-level text operations shared by extraction and normalization.

Residue cleanup, NFKC, the pinyin artefact and the Traditional -> Simplified fold live here,
below both stages, so that extraction can classify lines on the same folded text that
normalization fingerprints.
"""

from __future__ import annotations

import html
import re
import unicodedata
from functools import cache
from importlib import resources

# Zero-width characters, soft hyphens and BOMs survive NFKC, so they go first.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e"), None)
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9]*(?:\s[^<>]{0,500})?/?>")
_ENTITY = re.compile(r"&(?:#\d{1,7}|#x[0-9A-Fa-f]{1,6}|[A-Za-z]{2,8});")
_SURROGATE = re.compile("[\ud800-\udfff]")
_SPACES = re.compile(r"[ \t\u00a0\u3000\u2000-\u200a\u202f\u205f]+")

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_PINYIN_LETTERS = "a-zA-Zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüêńňǹḿ"
_PINYIN_ANNOTATION = re.compile(rf"([{_CJK}])[(（]([{_PINYIN_LETTERS}]{{1,7}})[)）]")
_TONE_MARKS = str.maketrans("āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ", "aaaaeeeeiiiioooouuuuüüüünnnm")


def clean_residue(text: str) -> str:
    """Remove zero-width characters, HTML tags and entities; unify spaces within lines;
    replace lone surrogates (undecodable bytes kept by Python) with U+FFFD."""
    text = _SURROGATE.sub("\ufffd", text.translate(_INVISIBLE))
    if "<" in text:
        text = _TAG.sub("", text)
    if "&" in text:
        text = _ENTITY.sub(lambda m: html.unescape(m.group(0)), text)
        text = text.translate(_INVISIBLE)
    return _SPACES.sub(" ", text)


def nfkc(text: str) -> str:
    """Unicode NFKC: full-width forms to half-width, compatibility ideographs to unified ones."""
    return text if text.isascii() else unicodedata.normalize("NFKC", text)


def strip_pinyin(text: str) -> tuple[str, int]:
    """Remove ``字(pinyin)`` annotations whose pinyin is a real reading of the character.

    Returns the text and the number of annotations removed. ``(記者郭冀川)``, ``服裝(服飾)``,
    ``苹果(apple)`` and ``業(xiàn)`` stay as they are: only a reading of that very character
    is an artefact of flattened ruby markup.
    """
    if "(" not in text and "（" not in text:
        return text, 0
    removed = 0

    def replace(match: re.Match[str]) -> str:
        nonlocal removed
        char, annotation = match.group(1), match.group(2)
        if _is_reading(char, annotation):
            removed += 1
            return char
        return match.group(0)

    return _PINYIN_ANNOTATION.sub(replace, text), removed


def _is_reading(char: str, annotation: str) -> bool:
    annotation = unicodedata.normalize("NFC", annotation.lower()).replace("v", "ü")
    readings = _readings(char)
    if annotation in readings:
        return True
    toneless = annotation.translate(_TONE_MARKS)
    # A toneless annotation counts only when it carries no tone mark of its own.
    return toneless == annotation and toneless in {r.translate(_TONE_MARKS) for r in readings}


@cache
def _readings(char: str) -> frozenset[str]:
    # pypinyin loads its dictionaries on import (about 0.1 s): only pages with annotations pay.
    from pypinyin import Style, pinyin

    return frozenset(pinyin(char, style=Style.TONE, heteronym=True)[0])


@cache
def _fold_table() -> dict[int, int]:
    lines = resources.files("dedup").joinpath("data/fold.txt").read_text("utf-8").split("\n")
    return str.maketrans(lines[1], lines[2])


def fold_script(text: str) -> str:
    """Fold Traditional and variant characters to Simplified, one character at a time.

    Context-free and length-preserving, so a Simplified copy and a Traditional copy of one
    article fold to the same string, whatever the converter's phrase tables would do.
    """
    return text.translate(_fold_table())


@cache
def _t2s():  # type: ignore[no-untyped-def]
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Convert Traditional to Simplified for text shown to people (OpenCC t2s)."""
    if not text or text.isascii():
        return text
    return str(_t2s().convert(_SURROGATE.sub("\ufffd", text)))


# Full-width ASCII and the ideographic space to ASCII, A-Z to a-z: one code point each, so a
# shadow line keeps the length of its original and a span found in one is a span of the other.
_SHADOW_WIDTH = {code: ord(chr(code - 0xFEE0).lower()) for code in range(0xFF01, 0xFF5F)}
_SHADOW_WIDTH[0x3000] = 0x20
_SHADOW_WIDTH.update({code: code + 32 for code in range(0x41, 0x5B)})


@cache
def _shadow_table() -> dict[int, int]:
    # The width map and the script fold touch disjoint characters: one table, one pass.
    return {**_fold_table(), **_SHADOW_WIDTH}


def shadow(text: str) -> str:
    """The copy of a line that boilerplate and metadata patterns are written for.

    Folded to Simplified, full-width ASCII made half-width, ASCII lowercased; unlike NFKC it
    keeps every character in place, so each pattern is written once, in Simplified, and its
    match positions apply to the original line.
    """
    return text.translate(_shadow_table())
