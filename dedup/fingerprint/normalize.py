"""Article body -> fingerprint tokens, in the one order that makes copies agree.

The order matters:
1. residue out (zero-width characters and tags survive NFKC);
2. NFKC (full-width digits and punctuation become ASCII, which step 3 relies on);
3. the pinyin artefact ``業(yè)`` (needs the ASCII parentheses NFKC produced);
4. the Traditional -> Simplified fold (after 3, so readings are checked on the original
   character);
5. lowercase;
6. tokens: each CJK character, each Latin word, each number (thousands separators joined,
   Chinese numerals left alone); punctuation, quotes, censor masks and spaces drop out.
"""

from __future__ import annotations

import re

import numpy as np
import numpy.typing as npt

from dedup.textops import (
    clean_residue,
    fold_for_fingerprint,
    fold_for_fingerprint_with_codes,
    nfkc,
    strip_pinyin,
)

# ``\d+(?:\.\d+)?``, written to start with one character class (the regex engine skips to
# the next digit in C; a pattern that starts with a repeat is tried at every character).
_NUMBER = re.compile(r"\d\d*(?:\.\d+)?")
_YEAR = re.compile(r"(?:19|20)\d\d")
# 1,200 -> 1200. Written to start with the comma, which the regex engine finds in C; a
# lookbehind first would be tried at every character (twenty times slower).
_THOUSANDS = re.compile(r",(?<=\d,)(?=\d{3}(?!\d))")
# The letters words are made of (Latin, Greek and Cyrillic), as ranges of code points.
LETTER_RANGES = ((0x61, 0x7A), (0xC0, 0x24F), (0x370, 0x3FF), (0x400, 0x4FF))
_LETTERS = "".join(f"{chr(low)}-{chr(high)}" for low, high in LETTER_RANGES)
# ``\d+(?:\.\d+)?|[{_LETTERS}]+``, written to start with one character class: the regex
# engine then skips to the next digit or letter in C, where a pattern that starts with an
# alternation is tried at every character (three times slower on Chinese text).
_WORD_OR_NUMBER = re.compile(
    rf"[\d{_LETTERS}](?:(?<=\d)\d*(?:\.\d+)?|(?<=[{_LETTERS}])[{_LETTERS}]*)"
)
_TOKEN = re.compile(
    r"\d+(?:\.\d+)?"
    r"|[a-z\u00c0-\u024f\u0370-\u03ff\u0400-\u04ff]+"  # Latin, Greek and Cyrillic words
    r"|[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0002ffff]"
)


def fold_text(text: str, *, extracted: bool = False) -> str:
    """Steps 1-5: the text as fingerprints see it, still with punctuation.

    ``extracted=True`` says the text is a body from `dedup.extract`, already free of residue
    and pinyin artefacts, so steps 1 and 3 are not done twice.
    """
    if not extracted:
        text = strip_pinyin(nfkc(clean_residue(text)))[0]
    return fold_for_fingerprint(text)


def tokenize(text: str, *, extracted: bool = False) -> list[str]:
    """All six steps: the fingerprint tokens of a body."""
    return tokens_and_numbers(text, extracted=extracted)[0]


def tokens_and_numbers(text: str, *, extracted: bool = False) -> tuple[list[str], list[str]]:
    """The fingerprint tokens of a body, and among them its distinctive numbers."""
    return folded_tokens_and_numbers(token_text(text, extracted=extracted))


def folded_tokens_and_numbers(folded: str) -> tuple[list[str], list[str]]:
    """`tokens_and_numbers` of a body from its `token_text`."""
    return _TOKEN.findall(folded), distinctive_numbers(_NUMBER.findall(folded))


def token_text(text: str, *, extracted: bool = False) -> str:
    """Steps 1-5 and joined thousands separators: the string tokens are cut from."""
    return _join_thousands(fold_text(text, extracted=extracted))


def body_token_text(body: str) -> tuple[str, npt.NDArray[np.uint32] | None]:
    """`token_text` of a body from `dedup.extract`, and its code points when folding made
    them and joining thousands changed nothing (most bodies)."""
    folded, codes = fold_for_fingerprint_with_codes(body)
    joined = _join_thousands(folded)
    return joined, codes if joined is folded else None


def _join_thousands(folded: str) -> str:
    """1,200 -> 1200; the same string object when nothing is joined."""
    return _THOUSANDS.sub("", folded) if "," in folded else folded


def distinctive_numbers(numbers: list[str]) -> list[str]:
    """The numbers that tell articles apart: three characters or more (``1.26``, ``600``,
    ``1200``), years left out."""
    return [n for n in numbers if len(n) >= 3 and not _YEAR.fullmatch(n)]


# A number that is part of a date or a clock time (2023年8月2日, 08-02, 14:30): copies
# restate those in their own style, so they do not tell an update from a copy.
# ``\d+\s*[年…]|\d{1,4}[-/]\d{1,2}(?:[-/]\d{1,4})?|\d{1,2}:\d\d(?::\d\d)?``, its first
# digit taken out of the alternation so that the pattern starts with one character class:
# the same matches, three times faster.
def _date_or_time(digit: str) -> re.Pattern[str]:
    return re.compile(
        rf"{digit}(?:{digit}*\s*[年月日号時时点點分秒]|{digit}{{0,3}}[-/]{digit}{{1,2}}"
        rf"(?:[-/]{digit}{{1,4}})?|{digit}?:{digit}{digit}(?::{digit}{digit})?)"
    )


_DATE_OR_TIME = _date_or_time(r"\d")
# The same pattern for a text whose digits are all ASCII (most are, after NFKC): the same
# matches, as ``\d`` and ``[0-9]`` then agree on every character, and the search skips
# to the next digit a third faster without asking each character's Unicode category.
_ASCII_DATE_OR_TIME = _date_or_time("[0-9]")


def figures(text: str) -> frozenset[str]:
    """The figures a body states (tolls, amounts, shares: every number, thousands
    separators joined), dates and clock times left out: what an updated report changes."""
    return folded_figures(token_text(text, extracted=True))


def folded_figures(folded: str) -> frozenset[str]:
    """`figures` of a body from its `token_text` (which fingerprinting makes anyway)."""
    matches = list(_NUMBER.finditer(folded))
    return number_figures(folded, [m.start() for m in matches], [m.group(0) for m in matches])


def number_figures(folded: str, starts: list[int], numbers: list[str]) -> frozenset[str]:
    r"""`figures` of a body from its `token_text` and its numbers (the matches of
    ``\d+(?:\.\d+)?``) with where they start, in order."""
    if not numbers:
        return frozenset()
    # A number is left out when it starts inside a date or a time; both are in text order,
    # so one walk along the dates decides every number. The dates are searched for as the
    # walk needs them, from the first number on (a date starts with a digit, and every
    # digit is in a number): the text before it and after the date that passes the last
    # number is not searched.
    # Every digit of the text is in one of its numbers.
    pattern = _ASCII_DATE_OR_TIME if "".join(numbers).isascii() else _DATE_OR_TIME
    dates = map(re.Match.span, pattern.finditer(folded, starts[0]))
    date_start, date_end = next(dates, _NO_DATE)
    found = set()
    for start, number in zip(starts, numbers, strict=True):
        while date_end <= start:
            date_start, date_end = next(dates, _NO_DATE)
        if start < date_start:
            found.add(number)
    return frozenset(found)


_NO_DATE = (1 << 62, 1 << 62)  # past the end of any text: after the last date


def word_and_number_tokens(folded: str) -> tuple[list[int], list[str]]:
    """Positions and texts of the tokens that are not single CJK characters (Latin words and
    numbers), in order; CJK characters are tokens one by one (see `dedup.fingerprint.shingle`)."""
    positions, texts = [], []
    for match in _WORD_OR_NUMBER.finditer(folded):
        positions.append(match.start())
        texts.append(match.group(0))
    return positions, texts


def normalize_text(text: str) -> str:
    """The fingerprint tokens joined by single spaces (idempotent).

    >>> normalize_text("GDP增长5.2%")
    'gdp 增 长 5.2'
    """
    return " ".join(tokenize(text))
