"""Fingerprint tokens -> shingles: n-grams of characters or of jieba words, as 32-bit ids."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import TypeVar

import numpy as np
import numpy.typing as npt
import xxhash

from dedup._arrays import shared_count, unique_of_sorted
from dedup.config import Tokenizer
from dedup.fingerprint.normalize import LETTER_RANGES

ShingleIds = npt.NDArray[np.uint32]
_Item = TypeVar("_Item", bound=np.generic)
_CJK_TOKEN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff]")
_EMPTY: ShingleIds = np.zeros(0, dtype=np.uint32)
# Fewer distinctive numbers than this are too few to tell two bodies apart by.
MIN_NUMBERS = 3
_POLY = np.uint64(0x100000001B3)  # FNV-64 prime: odd, so the polynomial mixes every position
_MAX_CACHE = 1 << 20
# The characters that are tokens one by one (kana, CJK, Hangul), as in dedup.fingerprint.normalize.
_SINGLE_TOKEN_RANGES = (
    (0x3040, 0x30FF),
    (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF),
    (0xAC00, 0xD7AF),
    (0xF900, 0xFAFF),
    (0x20000, 0x2FFFF),
)


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


def make_fingerprint(
    tokens: Sequence[str],
    numbers: Sequence[str],
    *,
    ngram: int,
    tokenizer: Tokenizer,
    cache: dict[str, int] | None = None,
) -> Fingerprint:
    """Shingles of a body's fingerprint tokens, and ids of its distinctive numbers
    (`dedup.fingerprint.normalize.tokens_and_numbers` gives both)."""
    shingles = make_shingles(tokens, ngram=ngram, tokenizer=tokenizer, cache=cache)
    return Fingerprint(shingles, number_ids(numbers))


def number_ids(numbers: Sequence[str]) -> ShingleIds:
    """Sorted unique 32-bit ids of a body's distinctive numbers."""
    hash32 = xxhash.xxh32_intdigest
    return np.array(sorted({hash32(number.encode("utf-8")) for number in numbers}), dtype=np.uint32)


def number_agreement(left: ShingleIds, right: ShingleIds) -> float | None:
    """Share of the fewer numbers found among the other's; None when either body has fewer
    than three, too few to tell."""
    if left.size < MIN_NUMBERS or right.size < MIN_NUMBERS:
        return None
    return float(shared_count(left, right) / min(left.size, right.size))


def make_shingles(
    tokens: Sequence[str],
    *,
    ngram: int,
    tokenizer: Tokenizer,
    cache: dict[str, int] | None = None,
) -> ShingleIds:
    """The sorted, unique 32-bit ids of a body's n-gram shingles.

    Each token is hashed once (xxh32; `cache` keeps the ids of tokens already seen), then
    every n-gram's id is computed at once with numpy as a polynomial of its token ids,
    folded to 32 bits: no per-shingle Python work. A body shorter than ``ngram`` tokens
    gives one shingle of all its tokens, so short pages still compare; an empty body gives
    no shingles.
    """
    units = word_tokens(tokens) if tokenizer == "jieba" else tokens
    return shingles_of(token_ids(units, cache), ngram)


def shingles_of(ids: npt.NDArray[np.uint64], ngram: int) -> ShingleIds:
    """Shingle ids from token ids (see `make_shingles`)."""
    if ids.size == 0:
        return _EMPTY
    sequence = shingle_sequence(ids, ngram)
    sequence.sort()  # an array of its own: sorted in place, not copied
    return unique_of_sorted(sequence)


def shingle_sequence(ids: npt.NDArray[np.uint64], ngram: int) -> ShingleIds:
    """The shingle ids of token ids in text order, repeats kept: shingle ``i`` covers
    tokens ``i`` to ``i + ngram - 1`` (`dedup.fingerprint.slots` reads positions from it)."""
    if ids.size == 0:
        return _EMPTY
    span = min(ngram, ids.size)
    count = ids.size - span + 1
    ids = np.ascontiguousarray(ids)
    # Row i is tokens i to i + span - 1 (a view: each row starts one token further), and
    # its product with the powers of _POLY is the polynomial of those token ids, wrapped
    # modulo 2**64 as uint64 arithmetic does: one call where the polynomial by steps took
    # two per token of the shingle.
    windows: npt.NDArray[np.uint64] = np.ndarray(
        (count, span), dtype=np.uint64, buffer=ids, strides=(ids.itemsize, ids.itemsize)
    )
    combined = windows @ _powers(span)
    # The two 32-bit halves of each value xored: which half is which does not matter.
    halves = combined.view(np.uint32).reshape(count, 2)
    folded: ShingleIds = np.bitwise_xor(halves[:, 0], halves[:, 1])
    return folded


@cache
def _powers(span: int) -> npt.NDArray[np.uint64]:
    """_POLY to the powers span - 1 down to 0, modulo 2**64: the weights of a shingle's
    tokens, first to last."""
    powers = [pow(int(_POLY), span - 1 - at, 1 << 64) for at in range(span)]
    return np.array(powers, dtype=np.uint64)


def token_ids(tokens: Sequence[str], cache: dict[str, int] | None = None) -> npt.NDArray[np.uint64]:
    """xxh32 of each token, as uint64 ready for the shingle polynomial."""
    cache = {} if cache is None else cache
    if len(cache) > _MAX_CACHE:
        cache.clear()
    hash32 = xxhash.xxh32_intdigest
    for token in set(tokens).difference(cache):
        cache[token] = hash32(token.encode("utf-8"))
    return np.fromiter(map(cache.__getitem__, tokens), dtype=np.uint64, count=len(tokens))


@cache
def _jieba_cut() -> Callable[[str], list[str]]:
    """The jieba segmenter: rjieba (jieba-rs, the same dictionary and algorithm, 20-35x
    faster; see benchmarks/bench_jieba.py for the agreement measured) when it is installed,
    else jieba itself."""
    try:
        import rjieba
    except ImportError:
        return plain_jieba_cut()

    def cut(text: str) -> list[str]:
        return [word for word in rjieba.cut(text, hmm=True) if word.strip()]

    return cut


@cache
def plain_jieba_cut() -> Callable[[str], list[str]]:
    """jieba's own segmenter (Python): the reference for the jieba tokenizer."""
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
    shared = shared_count(left, right)
    return shared / (left.size + right.size - shared), shared / min(left.size, right.size)


def char_token_ids(
    folded: str, cache: dict[str, int] | None = None
) -> tuple[npt.NDArray[np.uint64], list[str]]:
    """The token ids of the char tokenizer straight from the folded text, and the text's
    numbers: equal to ``token_ids(tokens)`` of its string tokens (see `char_tokens`)."""
    ids, (_, numbers) = char_tokens(folded, cache)
    return ids, numbers


def char_tokens(
    folded: str,
    cache: dict[str, int] | None = None,
    codes: npt.NDArray[np.uint32] | None = None,
) -> tuple[npt.NDArray[np.uint64], tuple[list[int], list[str]]]:
    """The token ids of the char tokenizer straight from the folded text, and where its
    numbers start and what they are (`dedup.fingerprint.normalize.number_figures` takes
    them). Equal to ``token_ids(tokens)`` of its string tokens, without making a Python
    string per CJK character: CJK characters get their ids from a table of their xxh32;
    Latin words and numbers, which are few, are cut and hashed one by one. `codes`: the
    text's code points, when already made."""
    if codes is None:
        codes = np.frombuffer(folded.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    # Code points beyond the table are clipped to its last entry, which is no token.
    ids = _single_token_ids().take(codes, mode="clip")
    positions, words, numbers = _words_of(folded, ids)
    if words:
        # Each word's id goes where the word starts (a Latin letter or a digit, never a CJK
        # token): the tokens are then in text order without sorting their positions.
        ids[positions] = token_ids(words, cache)
    return ids[ids < _NO_TOKEN], numbers


# What `_single_token_ids` gives a character that is no token by itself, above every 32-bit
# token id: a digit (what ``\d`` matches) and a letter of a word
# (`dedup.fingerprint.normalize.LETTER_RANGES`) are told apart by their bits above 32
# (``id >> 33``: 1 and 2), every other character is 0 there.
_NO_TOKEN = np.uint64(1 << 32)
_DIGIT = np.uint64(2 << 32)
_LETTER = np.uint64(4 << 32)
_WORD_KIND_SHIFT = np.uint64(33)
_DIGIT_KIND = 1


def _words_of(
    folded: str, ids: npt.NDArray[np.uint64]
) -> tuple[list[int], list[str], tuple[list[int], list[str]]]:
    """Where the words and numbers of a text start and what they are, then its numbers
    alone with where they start: the matches of
    `dedup.fingerprint.normalize.word_and_number_tokens`, from the runs of digits and of
    letters that `_single_token_ids` marks (`ids`), where a regex tried every character.
    A number is a run of digits, with a decimal part when a point and digits follow."""
    if ids.size == 0:
        return [], [], ([], [])
    kinds = ids >> _WORD_KIND_SHIFT
    # The text cut where the kind changes: each piece is one kind throughout, read at its
    # last character (a few numpy calls a page, the pieces walked in Python: a page has a
    # few dozen).
    last = np.flatnonzero(kinds[1:] != kinds[:-1])
    ends = [*(last + 1).tolist(), ids.size]
    pieces = [*kinds[last].tolist(), int(kinds[-1])]
    positions: list[int] = []
    words: list[str] = []
    number_starts: list[int] = []
    numbers: list[str] = []
    count = len(ends)
    piece, start = 0, 0
    while piece < count:
        end, kind = ends[piece], pieces[piece]
        piece += 1
        if not kind:
            start = end
            continue
        if kind == _DIGIT_KIND:
            # ``1.5``: digits after a point are this number's decimal part (and no number
            # of their own).
            point = piece + 1 < count and ends[piece] == end + 1 and folded[end] == "."
            if point and pieces[piece + 1] == _DIGIT_KIND:
                end = ends[piece + 1]
                piece += 2
            number_starts.append(start)
            numbers.append(folded[start:end])
        positions.append(start)
        words.append(folded[start:end])
        start = end
    return positions, words, (number_starts, numbers)


@cache
def _single_token_ids() -> npt.NDArray[np.uint64]:
    """The xxh32 id of each code point that is a token by itself, `_DIGIT`, `_LETTER` or
    `_NO_TOKEN` for the others, by code point; the last entry stands for every code point
    beyond. One table of the ids the shingle polynomial takes: a lookup per character and
    a comparison, where a table of which characters are tokens took a second lookup and a
    conversion, and a regex looking for words and numbers tried every character."""
    ids = np.full(_SINGLE_TOKEN_RANGES[-1][1] + 2, _NO_TOKEN, dtype=np.uint64)
    for low, high in _SINGLE_TOKEN_RANGES:
        ids[low : high + 1] = _xxh32_of_code_points(low, high)
    for low, high in LETTER_RANGES:
        ids[low : high + 1] = _LETTER
    ids[_decimal_code_points(ids.size - 1)] = _DIGIT
    return ids


def _decimal_code_points(limit: int) -> list[int]:
    """The code points below `limit` that ``\\d`` matches (the digits of every script)."""
    every = np.arange(limit, dtype=np.uint32).tobytes().decode("utf-32-le", "surrogatepass")
    return [match.start() for match in re.finditer(r"\d", every)]


_PRIME1, _PRIME2, _PRIME3, _PRIME4, _PRIME5 = (
    np.uint32(2654435761),
    np.uint32(2246822519),
    np.uint32(3266489917),
    np.uint32(668265263),
    np.uint32(374761393),
)


def _xxh32_of_code_points(low: int, high: int) -> npt.NDArray[np.uint32]:
    """``xxhash.xxh32_intdigest(chr(c).encode())`` for c in low..high, all at once.

    The same algorithm (seed 0, inputs under 16 bytes) on whole columns: the UTF-8 bytes
    computed from the code points, then xxh32's steps in uint32 arithmetic, which wraps
    modulo 2**32 as xxh32's does. Hashing the 120,000 code points one call at a time took
    0.2-0.4 s of every process's first fingerprint, and going through a string and 64-bit
    arithmetic 60 ms. A range must be all 3-byte or all 4-byte UTF-8 (tested against
    xxhash).
    """
    codes = np.arange(low, high + 1, dtype=np.uint32)
    width = 3 if high < 0x10000 else 4
    if width == 3:
        columns = [0xE0 | codes >> 12, 0x80 | (codes >> 6) & 0x3F, 0x80 | codes & 0x3F]
    else:
        columns = [
            0xF0 | codes >> 18,
            0x80 | (codes >> 12) & 0x3F,
            0x80 | (codes >> 6) & 0x3F,
            0x80 | codes & 0x3F,
        ]
    h = np.full(codes.size, _PRIME5 + np.uint32(width), dtype=np.uint32)
    if width == 4:  # one 4-byte lane, little-endian
        lane = columns[0] | columns[1] << 8 | columns[2] << 16 | columns[3] << 24
        h += lane * _PRIME3
        h = _rotate_left(h, 17) * _PRIME4
    else:  # bytes one by one
        for column in columns:
            h += column * _PRIME5
            h = _rotate_left(h, 11) * _PRIME1
    h ^= h >> 15
    h *= _PRIME2
    h ^= h >> 13
    h *= _PRIME3
    h ^= h >> 16
    return h


def _rotate_left(values: npt.NDArray[np.uint32], bits: int) -> npt.NDArray[np.uint32]:
    rotated: npt.NDArray[np.uint32] = (values << np.uint32(bits)) | (values >> np.uint32(32 - bits))
    return rotated
