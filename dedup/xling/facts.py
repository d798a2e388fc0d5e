"""What a translation keeps of its original: numbers (amounts after unit conversion) and
Latin names.

A translator rewrites every word but keeps the figures (``1.2亿`` is ``120 million``,
``3,000`` is ``3000``, ``5.2%`` stays) and the names written in Latin letters (``GDP``,
``iPhone``, ``BBC``). Two articles about one event written independently share a few of
them; an article and its translation share nearly all. Numbers below 10 are left out:
English spells them (``three``) where Chinese writes digits.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# A number, its thousands separators joined, and the multiplier word or character after it
# (in Simplified or Traditional script); a plural "s" (the 1990s, in his 40s) is the number.
_AMOUNT = re.compile(
    r"(?<![0-9A-Za-z.,])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?\s*"
    r"(万亿|萬億|亿|億|万|萬|千|百万|百萬|trillion|billion|million|thousand|bn|mn)?"
    r"(?:(?<=\d)s)?(?![a-z])",
    re.IGNORECASE,
)
_MULTIPLIERS = {
    "万亿": 10**12,
    "萬億": 10**12,
    "亿": 10**8,
    "億": 10**8,
    "万": 10**4,
    "萬": 10**4,
    "千": 10**3,
    "百万": 10**6,
    "百萬": 10**6,
    "trillion": 10**12,
    "billion": 10**9,
    "bn": 10**9,
    "million": 10**6,
    "mn": 10**6,
    "thousand": 10**3,
}
# A name in Latin letters: two or more letters with a capital (GDP, iPhone, Trump).
_LATIN_NAME = re.compile(r"(?<![A-Za-z])[A-Za-z]*[A-Z][A-Za-z]+")
_HAN = re.compile(r"[\u3400-\u9fff]")
MIN_NUMBER = 10


@dataclass(frozen=True, slots=True)
class Facts:
    """A body's numbers (values after unit conversion, as text), its names in Latin letters
    (lower-case), and whether it is written in Han characters."""

    numbers: frozenset[str]
    names: frozenset[str]
    han: bool


def facts_of(body: str) -> Facts:
    """The numbers and Latin names a translation of `body` would keep.

    >>> sorted(facts_of("营收1.2亿元，增长15%，iPhone销量3,000万部").numbers)
    ['1.2e+08', '15', '3e+07']
    """
    text = unicodedata.normalize("NFKC", body)
    numbers = frozenset(
        _canonical(value) for value in map(_value, _AMOUNT.finditer(text)) if value >= MIN_NUMBER
    )
    names = frozenset(name.lower() for name in _LATIN_NAME.findall(text))
    return Facts(numbers, names, bool(_HAN.search(text)))


def _value(match: re.Match[str]) -> float:
    whole, fraction, unit = match.group(1), match.group(2) or "", match.group(3)
    value = float(whole.replace(",", "") + fraction)
    return value * _MULTIPLIERS[unit.lower()] if unit else value


def _canonical(value: float) -> str:
    return f"{value:.6g}"
