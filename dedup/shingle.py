"""Fingerprint tokens -> shingles: n-grams of characters or of jieba words, as 32-bit ids."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np
import numpy.typing as npt
import xxhash

from dedup.config import Tokenizer

ShingleIds = npt.NDArray[np.uint32]
_CJK_TOKEN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff]")
_EMPTY: ShingleIds = np.zeros(0, dtype=np.uint32)
_YEAR = re.compile(r"(?:19|20)\d\d")
_MIN_NUMBERS = 3


def word_tokens(tokens: Sequence[str]) -> list[str]:
    """Re-segment runs of single CJK tokens into jieba words; other tokens pass through."""
    cut = _jieba_cut()
    words: list[str] = []
    run: list[str] = []
    for token in tokens:
        if len(token) == 1 and _CJK_TOKEN.match(token):
            run.append(token)
            continue
        if run:
            words.extend(cut("".join(run)))
            run = []
        words.append(token)
    if run:
        words.extend(cut("".join(run)))
    return words


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """What verification compares: a body's shingle ids, and the ids of its distinctive
    numbers (copies share their figures; templated notes differ in exactly those)."""

    shingles: ShingleIds
    numbers: ShingleIds

    @property
    def size(self) -> int:
        return int(self.shingles.size)


def make_fingerprint(tokens: Sequence[str], *, ngram: int, tokenizer: Tokenizer) -> Fingerprint:
    """Shingles and distinctive numbers of a body's fingerprint tokens."""
    return Fingerprint(make_shingles(tokens, ngram=ngram, tokenizer=tokenizer), number_ids(tokens))


def number_ids(tokens: Sequence[str]) -> ShingleIds:
    """Sorted unique 32-bit ids of the numbers that tell articles apart: three characters or
    more (``1.26``, ``600``), years and day-of-month digits left out."""
    hash32 = xxhash.xxh32_intdigest
    ids = {
        hash32(token.encode("ascii"))
        for token in tokens
        if token[0].isdigit() and len(token) >= 3 and not _YEAR.fullmatch(token)
    }
    return np.array(sorted(ids), dtype=np.uint32)


def number_agreement(left: ShingleIds, right: ShingleIds) -> float | None:
    """Share of the fewer numbers found among the other's; None when either body has fewer
    than three, too few to tell."""
    if left.size < _MIN_NUMBERS or right.size < _MIN_NUMBERS:
        return None
    shared = np.intersect1d(left, right, assume_unique=True).size
    return float(shared / min(left.size, right.size))


def make_shingles(tokens: Sequence[str], *, ngram: int, tokenizer: Tokenizer) -> ShingleIds:
    """The sorted, unique 32-bit ids of a body's n-gram shingles.

    A body shorter than ``ngram`` tokens gives one shingle of all its tokens, so short
    pages still compare; an empty body gives no shingles.
    """
    units = word_tokens(tokens) if tokenizer == "jieba" else list(tokens)
    if not units:
        return _EMPTY
    span = min(ngram, len(units))
    hash32 = xxhash.xxh32_intdigest
    ids = [
        hash32(" ".join(units[start : start + span]).encode("utf-8"))
        for start in range(len(units) - span + 1)
    ]
    return np.unique(np.array(ids, dtype=np.uint32))


@cache
def _jieba_cut() -> Callable[[str], list[str]]:
    # jieba loads its dictionary (about a second) on first use: only the jieba tokenizer pays,
    # and its start-up chatter on stderr is silenced.
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()

    def cut(text: str) -> list[str]:
        return [word for word in tokenizer.lcut(text, HMM=True) if word.strip()]

    return cut


def compare_shingles(left: ShingleIds, right: ShingleIds) -> tuple[float, float]:
    """Exact (Jaccard similarity, containment of the smaller set in the larger) of two
    shingle sets; both are 0 when either set is empty."""
    if left.size == 0 or right.size == 0:
        return 0.0, 0.0
    shared = int(np.intersect1d(left, right, assume_unique=True).size)
    return shared / (left.size + right.size - shared), shared / min(left.size, right.size)
