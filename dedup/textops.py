"""Character-level text operations shared by extraction and normalization.

Residue cleanup, NFKC, the pinyin artefact and the Traditional -> Simplified fold live here,
below both stages, so that extraction can classify lines on the same folded text that
normalization fingerprints.
"""

from __future__ import annotations

import html
import importlib.util
import re
import sys
import unicodedata
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path
from typing import cast

import numpy as np
import numpy.typing as npt

from dedup._arrays import sorted_unique

# Zero-width characters, soft hyphens and BOMs survive NFKC, so they go first.
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e]")
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9]*(?:\s[^<>]{0,500})?/?>")
_ENTITY = re.compile(r"&(?:#\d{1,7}|#x[0-9A-Fa-f]{1,6}|[A-Za-z]{2,8});")
_SURROGATE = re.compile("[\ud800-\udfff]")
_INVISIBLE_OR_SURROGATE = re.compile(f"[{_INVISIBLE.pattern[1:-1]}\ud800-\udfff]")
_SPACE = r" \t\u00a0\u3000\u2000-\u200a\u202f\u205f"
_OTHER_SPACE = r"\t\u00a0\u3000\u2000-\u200a\u202f\u205f"
# The runs of spaces that are not a single " " already (replacing those changes nothing).
# Written to start with one character class, which the regex engine skips ahead to in C: a
# pattern that starts with a repeat is tried at every character (four times slower).
_SPACES = re.compile(rf"[{_SPACE}](?:(?<= )[{_SPACE}]+|(?<=[{_OTHER_SPACE}])[{_SPACE}]*)")

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_PINYIN_LETTERS = "a-zA-Zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüêńňǹḿ"
# Matched at each parenthesis (see _parenthesis_positions); the character before is checked
# in Python.
_PINYIN_ANNOTATION = re.compile(rf"[(（]([{_PINYIN_LETTERS}]{{1,7}})[)）]")
_CJK_CHAR = re.compile(f"[{_CJK}]")
_TONE_MARKS = str.maketrans("āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ", "aaaaeeeeiiiioooouuuuüüüünnnm")


def clean_residue(text: str) -> str:
    """Remove zero-width characters, HTML tags and entities; unify spaces within lines;
    replace lone surrogates (undecodable bytes kept by Python) with U+FFFD."""
    if _INVISIBLE_OR_SURROGATE.search(text):  # one pass over most pages, which hold neither
        text = _SURROGATE.sub("\ufffd", _INVISIBLE.sub("", text))
    if "<" in text:
        text = _TAG.sub("", text)
    if "&" in text:
        text = _ENTITY.sub(lambda m: html.unescape(m.group(0)), text)
        text = _INVISIBLE.sub("", text)
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
    pieces: list[str] = []
    kept_from = 0
    for start in _parenthesis_positions(text):
        match = _PINYIN_ANNOTATION.match(text, start)
        char = text[start - 1] if start else ""
        if match and _CJK_CHAR.match(char) and _is_reading(char, match.group(1)):
            pieces.append(text[kept_from:start])
            kept_from = match.end()
            removed += 1
    if not removed:
        return text, 0
    pieces.append(text[kept_from:])
    return "".join(pieces), removed


def _parenthesis_positions(text: str) -> list[int]:
    # str.find scans at memchr speed; a regex search tries a match at every character.
    positions = []
    for opener in "(（":
        position = text.find(opener)
        while position != -1:
            positions.append(position)
            position = text.find(opener, position + 1)
    return sorted(positions)


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
    readings = _pinyin_table().get(ord(char))
    return frozenset(readings.split(",")) if readings else frozenset()


@cache
def _pinyin_table() -> dict[int, str]:
    """pypinyin's readings of each character (``"yè,xiè"``), the table its one-character
    lookups answer from; only pages with a candidate annotation load it.

    Importing pypinyin also loads its phrase dictionary and copies both (0.5 s), which
    readings of single characters never use: the table's own module is loaded alone.
    """
    if "pypinyin" not in sys.modules:
        spec = importlib.util.find_spec("pypinyin")
        path = Path(spec.origin).with_name("pinyin_dict.py") if spec and spec.origin else None
        if path is not None and path.is_file():
            module_spec = importlib.util.spec_from_file_location("_dedup_pinyin_dict", path)
            if module_spec is not None and module_spec.loader is not None:
                module = importlib.util.module_from_spec(module_spec)
                module_spec.loader.exec_module(module)
                return cast(dict[int, str], module.pinyin_dict)
    from pypinyin.pinyin_dict import pinyin_dict

    return pinyin_dict


class CharMap:
    """A one-to-one character mapping applied with a numpy lookup table.

    ``str.translate`` looks every non-ASCII character up in a dict; on Chinese text this is
    about five times slower than encoding to UTF-32, indexing a table and decoding back.
    """

    _LIMIT = 0x30000  # the table covers the BMP and the CJK extension planes

    def __init__(self, mapping: dict[int, int]) -> None:
        self._mapping = mapping
        self._table = np.arange(self._LIMIT, dtype=np.uint32)
        inside = [(source, target) for source, target in mapping.items() if source < self._LIMIT]
        if inside:  # one assignment: one per entry took 9 ms of every process's start
            sources, targets = zip(*inside, strict=True)
            self._table[list(sources)] = targets

    def mapped(self, low: int, high: int) -> npt.NDArray[np.uint32]:
        """What code points low..high map to (each maps to one code point)."""
        return self._table[low : high + 1]

    def __call__(self, text: str) -> str:
        if len(text) < 64:
            return text.translate(self._mapping)  # numpy's set-up would cost more
        codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        if np.maximum.reduce(codes) >= self._LIMIT:
            return text.translate(self._mapping)
        # take: the fancy index's general machinery cost a microsecond more a page.
        return self._table.take(codes).tobytes().decode("utf-32-le", "surrogatepass")


@cache
def _fold_table() -> dict[int, int]:
    lines = resources.files("dedup").joinpath("data/fold.txt").read_text("utf-8").split("\n")
    return str.maketrans(lines[1], lines[2])


@cache
def _fold() -> CharMap:
    return CharMap(_fold_table())


def fold_script(text: str) -> str:
    """Fold Traditional and variant characters to Simplified, one character at a time.

    Context-free and length-preserving, so a Simplified copy and a Traditional copy of one
    article fold to the same string, whatever the converter's phrase tables would do.
    """
    return _fold()(text)


@cache
def _t2s():  # type: ignore[no-untyped-def]
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Convert Traditional to Simplified for text shown to people (OpenCC t2s)."""
    if not text or text.isascii():
        return text
    if len(text) <= _REMEMBERED_NAME:
        return _names_simplified(text)
    return _simplified(text)


def _simplified(text: str) -> str:
    return str(_t2s().convert(_SURROGATE.sub("\ufffd", text)))


# What is converted is mostly metadata (a site's name, a source, an author: two or three a
# page), and the same few names recur on every page of a site: the last ones converted are
# remembered (a call into OpenCC costs five times a lookup).
_REMEMBERED_NAME = 64
_names_simplified = lru_cache(maxsize=1024)(_simplified)


# Full-width ASCII and the ideographic space to ASCII, A-Z to a-z: one code point each, so a
# shadow line keeps the length of its original and a span found in one is a span of the other.
_SHADOW_WIDTH = {code: ord(chr(code - 0xFEE0).lower()) for code in range(0xFF01, 0xFF5F)}
_SHADOW_WIDTH[0x3000] = 0x20
_SHADOW_WIDTH.update({code: code + 32 for code in range(0x41, 0x5B)})


@cache
def _shadow() -> CharMap:
    # The width map and the script fold touch disjoint characters: one table, one pass.
    return CharMap({**_fold_table(), **_SHADOW_WIDTH})


def shadow(text: str) -> str:
    """The copy of a line that boilerplate and metadata patterns are written for.

    Folded to Simplified, full-width ASCII made half-width, ASCII lowercased; unlike NFKC it
    keeps every character in place, so each pattern is written once, in Simplified, and its
    match positions apply to the original line.
    """
    return _shadow()(text)


# CJK Extension A and the CJK Unified Ideographs; with the ideographs of planes 2 and 3,
# what the script fold maps them to: characters without case.
_IDEOGRAPHS = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF))
_CASELESS = (*_IDEOGRAPHS, (0x20000, 0x3FFFF))


def _are_caseless(codes: npt.NDArray[np.uint32]) -> npt.NDArray[np.bool_]:
    inside = np.zeros(codes.size, dtype=bool)
    for low, high in _CASELESS:
        inside |= (codes >= low) & (codes <= high)
    return inside


class _FingerprintFold:
    """``fold_script(nfkc(text)).lower()`` as one table lookup per character.

    Exact: characters for which a per-character mapping would differ from the whole-string
    functions (combining marks, Hangul jamo and syllables, which compose with their
    neighbours, and Σ, whose lowercase depends on its position) send the text down the slow
    path instead. A character that NFKC makes several of ("…" -> "...", in about one
    Chinese news article in eleven) is replaced after the lookup, when none of them composes.

    The table is filled lazily, for the characters the texts hold: building it for every
    code point took over a second, paid again by each process that fingerprints. The CJK
    ideographs are filled at once: NFKC leaves them as they are (they have no decomposition
    and compose with nothing), they have no case, and the script fold maps them one to one;
    learning them one by one cost each process about 40 ms on its first pages.
    """

    _LIMIT = CharMap._LIMIT
    # The fast state is 0: one maximum tells that every character of a text is known fast.
    _FAST, _UNKNOWN, _SLOW, _EXPANDS = 0, 1, 2, 3
    _NOT_FAST = 0xFFFFFFFF  # beyond every code point

    def __init__(self) -> None:
        self._table = np.arange(self._LIMIT, dtype=np.uint32)
        self._state = np.full(self._LIMIT, self._UNKNOWN, dtype=np.uint8)
        # What the characters that NFKC expands become ("…" -> "...", "℃" -> "°c").
        self._expansions: dict[int, str] = {}
        for low, high in _IDEOGRAPHS:
            folded = _fold().mapped(low, high)
            # Where the fold gives anything else (if it ever did), learn as usual.
            known = _are_caseless(folded)
            self._table[low : high + 1][known] = folded[known]
            self._state[low : high + 1][known] = self._FAST
        # What the fast characters become, every other (and any beyond the table, the last
        # entry) `_NOT_FAST`: most texts are folded with one lookup and one maximum, where
        # the states and the table took two lookups and two.
        self._fast = np.full(self._LIMIT + 1, self._NOT_FAST, dtype=np.uint32)
        fast = self._state == self._FAST
        self._fast[: self._LIMIT][fast] = self._table[fast]

    def __call__(self, text: str) -> str:
        return self.with_codes(text)[0]

    def with_codes(self, text: str) -> tuple[str, npt.NDArray[np.uint32] | None]:
        """The folded text, and its code points when the lookup made them (most texts):
        a caller that wants them does not convert the text again."""
        codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        if codes.size == 0:
            return text, None
        mapped = self._fast.take(codes, mode="clip")
        if np.maximum.reduce(mapped) != self._NOT_FAST:
            return mapped.tobytes().decode("utf-32-le", "surrogatepass"), mapped
        return self._slow(text, codes), None

    def _slow(self, text: str, codes: npt.NDArray[np.uint32]) -> str:
        if np.maximum.reduce(codes) >= self._LIMIT:
            return fold_script(nfkc(text)).lower()
        states = self._state[codes]
        if (states == self._UNKNOWN).any():
            self._learn(sorted_unique(codes[states == self._UNKNOWN]))
            states = self._state[codes]
        if (states == self._SLOW).any():
            return fold_script(nfkc(text)).lower()
        folded = self._table[codes].tobytes().decode("utf-32-le", "surrogatepass")
        # The table leaves an expanding character as it is, and makes one of no other.
        for code in sorted_unique(codes[states == self._EXPANDS]).tolist():
            folded = folded.replace(chr(code), self._expansions[code])
        return folded

    def _learn(self, codes: npt.NDArray[np.uint32]) -> None:
        for code in codes.tolist():
            self._state[code], self._table[code] = self._entry(code)
            if self._state[code] == self._FAST:
                self._fast[code] = self._table[code]

    def _entry(self, code: int) -> tuple[int, int]:
        if 0xD800 <= code <= 0xDFFF:  # a lone surrogate (undecodable byte) stays as it is
            return self._FAST, code
        char = chr(code)
        if _composes(code, char):
            return self._SLOW, code
        normal = unicodedata.normalize("NFKC", char)
        folded = fold_script(normal).lower()
        if len(normal) == 1:
            # What a character becomes expands no further: no other character of a text
            # turns into an expanding one (`__call__` replaces those wherever they are).
            one = len(folded) == 1 and unicodedata.normalize("NFKC", folded) == folded
            return (self._FAST, ord(folded)) if one else (self._SLOW, code)
        if any(_composes(ord(c), c) for c in normal) or not all(map(_settled, folded)):
            return self._SLOW, code
        # NFKC makes several characters of it ("…" -> "...", "℃" -> "°C"), none of which
        # composes with a neighbour: in a text, they stand in its place as they are.
        self._expansions[code] = folded
        return self._EXPANDS, code


def _settled(char: str) -> bool:
    """A character that composes with none of its neighbours and that NFKC, the script fold
    and lowercase leave as it is (so it never expands)."""
    return not _composes(ord(char), char) and (
        unicodedata.normalize("NFKC", char) == char and fold_script(char).lower() == char
    )


def _composes(code: int, char: str) -> bool:
    return (
        unicodedata.category(char).startswith("M")
        or 0x1100 <= code <= 0x11FF
        or 0x3130 <= code <= 0x318F
        or 0xA960 <= code <= 0xA97F
        or 0xAC00 <= code <= 0xD7FF
        or 0xFFA0 <= code <= 0xFFDC
        or char == "\u03a3"
    )


@cache
def _fingerprint_fold() -> _FingerprintFold:
    return _FingerprintFold()


def fold_for_fingerprint(text: str) -> str:
    """NFKC, the script fold and lowercase in one pass (exactly as applied one by one)."""
    return _fingerprint_fold()(text)


def fold_for_fingerprint_with_codes(text: str) -> tuple[str, npt.NDArray[np.uint32] | None]:
    """`fold_for_fingerprint`, and the folded text's code points when they were made."""
    return _fingerprint_fold().with_codes(text)
