"""Slots: where two bodies that share a frame fill it for different places.

A notice issued by two districts from one formula (a flood order, a river warning, a
discipline notice) shares most of its text with its sibling, as a copy does. What a copy
never does is name, over and over, a place the other never states, *and* say something else
at the same point of the shared text. Two findings, both needed:

- places named apart: each body repeats a place name (the two CJK characters before an
  administrative suffix, 省 市 区 县 镇 乡 村, words such as 地区 or 市长 left out) that
  the other body never states;
- a differing slot: a stretch between the same two shared shingles in both bodies (the same
  words before and after it), filled on each side with a term its own body repeats and the
  other never states (two CJK characters in a row), or opened or closed by a figure the other
  never states (``15时`` against ``20时``).

A copy's light edits (a pronoun, ``男子`` for ``司机``, a source or reporter line, a date
restated) rarely name a place the other page never names, and an updated figure alone names
none.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import pairwise

import numpy as np

from dedup.fingerprint.normalize import token_text, tokens_and_numbers
from dedup.fingerprint.shingle import ShingleIds, shingle_sequence, token_ids

# Tokens from this code point up that are one character long are CJK characters, kana or
# Hangul (`dedup.fingerprint.normalize`): names are written in runs of them.
_FIRST_CHARACTER_TOKEN = 0x3040
# A term names something when its own body states it at least this often.
REPEATED = 2
# The shared words on either side of a slot: this many character tokens, as the default
# char shingles (shorter runs align by chance, across unrelated sentences).
FLANK = 5
# A slot's value is read this many tokens from the shared words on either side of it: a
# name or figure stands next to the frame's words, a rewritten sentence runs on.
NEAR = 8
# A place name is taken as the two CJK characters before an administrative suffix: 房山(区),
# 哈尔滨 -> 尔滨(市), 贵州(省). 州 is left out: it ends names (通州, 杭州) more often than
# it follows one.
_SUFFIX = re.compile(r"[省市区县镇乡村區縣鎮鄉]")
_NAME = re.compile(r"[\u4e00-\u9fff]{2}")
# Words a suffix ends that follow no name (昌平地区: the name is not 平地), and words it
# begins that a title or a people precedes (常务副市长: no place 务副). Simplified only: the
# place names are decided on the folded text. Not 山区 城区 新区: 房山区, 东城区, 浦东新区.
_WORDS = (
    "地区景区社区辖区园区片区灾区小区校区街区全区城市都市超市上市全市股市楼市车市全省"
    "外省本省全县农村乡村城乡城镇乡镇"
)
_NOT_AFTER_NAME = frozenset(_WORDS[at : at + 2] for at in range(0, len(_WORDS), 2))
_TITLES = frozenset(f"{suffix}{title}" for suffix in "省市区县镇乡村" for title in "长委民")
_NUMBER_RUN = re.compile(r"\d(?:[\d.\s]*\d)?")
_EMPTY: ShingleIds = np.zeros(0, dtype=np.uint32)


@dataclass(frozen=True, slots=True)
class Slot:
    """One point of the shared text filled differently: each side's text there (tokens
    joined) and the value found in it (a repeated term or a figure the other lacks)."""

    left: str
    right: str
    left_value: str
    right_value: str


@dataclass(frozen=True, slots=True)
class Slots:
    """What `compare_slots` found on two bodies: the places each repeats and the other
    never states, and the slots they fill differently (looked for only when both name
    places apart)."""

    left_places: tuple[str, ...] = ()
    right_places: tuple[str, ...] = ()
    slots: tuple[Slot, ...] = field(default=())

    @property
    def differ(self) -> bool:
        """Whether the bodies fill one frame for different places: both findings."""
        return bool(self.left_places and self.right_places and self.slots)


@dataclass(frozen=True, slots=True)
class _Body:
    tokens: list[str]
    terms: Counter[str]
    digits: str  # the digits of every number, "|" between numbers


def compare_slots(left: str, right: str, *, ngram: int = FLANK) -> Slots:
    """The places two bodies (from `dedup.extract`) name apart and, when both do, the
    slots they fill differently (see the module's docstring); shared words are runs of
    ``ngram`` character tokens, whatever the tokenizer of the scan."""
    # Most pairs stop at a look at the bodies as extracted (both scripts' suffixes are
    # found there); the places are then read again on the folded text, so that a copy in
    # the other script names none apart.
    places_a, places_b = _places_apart(left, right), _places_apart(right, left)
    if not (places_a and places_b):
        return Slots(places_a, places_b)
    folded_a, folded_b = _folded(left), _folded(right)
    places_a, places_b = _places_apart(folded_a, folded_b), _places_apart(folded_b, folded_a)
    if not (places_a and places_b):
        return Slots(places_a, places_b)
    return Slots(places_a, places_b, tuple(_differing_slots(_body(left), _body(right), ngram)))


def fill_differently(left: str, right: str, *, ngram: int = FLANK) -> bool:
    """``compare_slots(left, right).differ``, without looking further once one finding is
    missing: most pairs stop at the places of one body, which the other states too."""
    if not (_places_apart(left, right) and _places_apart(right, left)):
        return False
    return compare_slots(left, right, ngram=ngram).differ


def repeats_a_place(body: str) -> bool:
    """Whether a body (as extracted) repeats a place name: a body that does not never
    names a place apart, so `compare_slots` finds no differing frame with it, whatever the
    other body (the crawler's index keeps the text of the others only)."""
    return bool(_places_apart(body, ""))


def _places_apart(text: str, other: str) -> tuple[str, ...]:
    """The place names `text` repeats and `other` never states, sorted. (Once at most is
    too loose: a short copy names once the place its longer original repeats.)"""
    return tuple(name for name in _repeated_places(text) if name not in other)


# Bodies whose places and folded text are kept (each a few kilobytes): a scan compares the
# members of a group with one another in turn, so a body is met again soon after. Fewer
# bodies' tokens and terms are kept (tens of kilobytes each), and fewer are needed: only
# pairs that both name places apart read them.
_KEPT_BODIES = 256
_KEPT_TOKENS = 32


@lru_cache(maxsize=_KEPT_BODIES)
def _repeated_places(text: str) -> tuple[str, ...]:
    """The place names `text` repeats, sorted (`_places_apart` before the other body)."""
    names = {
        text[max(0, at - 2) : at]
        for at in (match.start() for match in _SUFFIX.finditer(text))
        if text[at - 1 : at + 1] not in _NOT_AFTER_NAME and text[at : at + 2] not in _TITLES
    }
    return tuple(
        sorted(name for name in names if _NAME.fullmatch(name) and text.count(name) >= REPEATED)
    )


@lru_cache(maxsize=_KEPT_BODIES)
def _folded(text: str) -> str:
    return token_text(text, extracted=True)


@lru_cache(maxsize=_KEPT_TOKENS)
def _body(text: str) -> _Body:
    tokens = tokens_and_numbers(text, extracted=True)[0]
    # A number broken by a line break or a space (``0.1`` ``5%``) is read whole.
    numbers = _NUMBER_RUN.findall(_folded(text))
    digits = "|".join(number.replace(".", "").replace(" ", "") for number in numbers)
    return _Body(tokens, _terms(tokens), "|" + re.sub(r"\s", "", digits) + "|")


def _terms(tokens: Sequence[str]) -> Counter[str]:
    """How often a body states each pair of adjacent character tokens."""
    return Counter(
        first + second
        for first, second in pairwise(tokens)
        if _is_character(first) and _is_character(second)
    )


def _is_character(token: str) -> bool:
    return len(token) == 1 and ord(token) >= _FIRST_CHARACTER_TOKEN


def _differing_slots(a: _Body, b: _Body, ngram: int) -> list[Slot]:
    """The slots of the shared text the two bodies fill with different values, in the
    first body's order."""
    shingles_a, shingles_b = _sequence(a, ngram), _sequence(b, ngram)
    theirs = _gaps(shingles_b, shingles_a, ngram)
    slots = []
    for flanks, (start, end) in _gaps(shingles_a, shingles_b, ngram).items():
        other = theirs.get(flanks)
        if other is None or end <= start or other[1] <= other[0]:
            continue
        mine, their = _term(a, b, start, end), _term(b, a, *other)
        if not (mine and their):
            mine, their = _figure(a, b, start, end), _figure(b, a, *other)
        if mine and their:
            slots.append(
                Slot("".join(a.tokens[start:end]), "".join(b.tokens[slice(*other)]), mine, their)
            )
    return slots


def _sequence(body: _Body, ngram: int) -> ShingleIds:
    # A body no longer than a shingle has no stretch between two shingles.
    return shingle_sequence(token_ids(body.tokens), ngram) if len(body.tokens) > ngram else _EMPTY


def _gaps(
    shingles: ShingleIds, others: ShingleIds, ngram: int
) -> dict[tuple[int, int], tuple[int, int]]:
    """Each stretch of tokens no shared shingle covers, between two shared shingles: keyed by
    those two shingles, the stretch's token span (empty where text was only cut or added)."""
    shared = np.flatnonzero(np.isin(shingles, others))
    breaks = np.flatnonzero(np.diff(shared) > 1)
    before, after = shared[breaks].tolist(), shared[breaks + 1].tolist()
    return {
        (int(shingles[b]), int(shingles[n])): (b + ngram, n)
        for b, n in zip(before, after, strict=True)
    }


def _term(body: _Body, other: _Body, start: int, end: int) -> str:
    """A term near either end of the stretch ``start:end`` of `body` that `body` repeats
    and `other` never states, or ""."""
    opening = body.tokens[start : min(end, start + NEAR)]
    closing = body.tokens[max(start, end - NEAR) : end]
    near = [*opening, "", *closing]  # "" keeps a pair from spanning the two
    for term in _terms(near):
        if body.terms[term] >= REPEATED and term not in other.terms:
            return term
    return ""


def _figure(body: _Body, other: _Body, start: int, end: int) -> str:
    """The number opening or closing the stretch ``start:end`` of `body` when `other` never
    states its digits (whole, or as part of a longer number), or "": another figure at the
    same point of the same sentence. ``08`` and ``8``, ``1.8`` and a list's ``①8`` (NFKC
    ``18``), a number broken by a line break: copies write one figure in several ways."""
    for token in (body.tokens[start], body.tokens[end - 1]):
        if token[0].isdigit() and token.replace(".", "").lstrip("0") not in other.digits:
            return token
    return ""
