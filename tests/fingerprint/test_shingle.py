from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup._arrays import shared_count
from dedup.fingerprint.normalize import tokenize
from dedup.fingerprint.shingle import compare_shingles, make_shingles, word_tokens

ARTICLE = "今年一季度，全省春茶出口量达到1.26万吨，同比增长21.3%，出口额4.8亿元。"


def test_shingles_are_sorted_unique_uint32() -> None:
    ids = make_shingles(tokenize(ARTICLE), ngram=5, tokenizer="char")
    assert ids.dtype == np.uint32
    assert np.all(np.diff(ids.astype(np.int64)) > 0)


def test_same_text_same_shingles_across_scripts() -> None:
    simplified = make_shingles(tokenize("全省春茶出口量同比增长"), ngram=3, tokenizer="char")
    traditional = make_shingles(tokenize("全省春茶出口量同比增長"), ngram=3, tokenizer="char")
    assert np.array_equal(simplified, traditional)


def test_short_and_empty_bodies() -> None:
    assert make_shingles(["短", "讯"], ngram=5, tokenizer="char").size == 1
    assert make_shingles([], ngram=5, tokenizer="char").size == 0


def test_jieba_tokenizer_cuts_words_and_keeps_numbers() -> None:
    words = word_tokens(tokenize(ARTICLE))
    assert "春茶" in words and "1.26" in words and "21.3" in words
    ids = make_shingles(tokenize(ARTICLE), ngram=2, tokenizer="jieba")
    assert 0 < ids.size < len(tokenize(ARTICLE))


@pytest.mark.parametrize(
    ("left", "right", "expected"),
    [
        ([1, 2, 3, 4], [1, 2, 3, 4], (1.0, 1.0)),
        ([1, 2], [1, 2, 3, 4], (0.5, 1.0)),
        ([1, 2], [3, 4], (0.0, 0.0)),
        ([], [1], (0.0, 0.0)),
    ],
    ids=["same", "contained", "disjoint", "empty"],
)
def test_compare_shingles(left: list[int], right: list[int], expected: tuple[float, float]) -> None:
    assert compare_shingles(np.array(left, np.uint32), np.array(right, np.uint32)) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "GDP增长5.2%，1,200家",
        "ab 中 cd 1.2.3 ｆｕｌｌ 𠀀字",
        "只有English words here 42",
        "。，、",
    ],
)
def test_char_token_ids_equal_string_token_ids(text: str) -> None:
    from dedup.fingerprint.normalize import token_text, tokenize
    from dedup.fingerprint.shingle import char_token_ids, token_ids

    ids, _ = char_token_ids(token_text(text))
    assert np.array_equal(ids, token_ids(tokenize(text)))


@settings(max_examples=300, deadline=None)
@given(st.text(st.sampled_from("中文字ab Z9.5,，。-ｆ１𠀀カ한é\n"), max_size=40))
def test_char_token_ids_equal_string_token_ids_on_mixed_text(text: str) -> None:
    from dedup.fingerprint.normalize import token_text, tokenize
    from dedup.fingerprint.shingle import char_token_ids, token_ids

    ids, numbers = char_token_ids(token_text(text))
    assert np.array_equal(ids, token_ids(tokenize(text)))
    assert numbers == [token for token in tokenize(text) if token[0].isdigit()]


def test_single_token_ids_are_xxh32_of_each_character() -> None:
    import xxhash

    from dedup.fingerprint.shingle import _NO_TOKEN, _SINGLE_TOKEN_RANGES, _single_token_ids

    ids = _single_token_ids()
    for low, high in _SINGLE_TOKEN_RANGES:
        expected = [xxhash.xxh32_intdigest(chr(c).encode("utf-8")) for c in range(low, high + 1)]
        assert ids[low : high + 1].tolist() == expected
    assert ids[0x41] == ids[0x3000] == ids[-1] == _NO_TOKEN


@settings(max_examples=300, deadline=None)
@given(
    st.sets(st.integers(0, 2**32 - 1), max_size=40),
    st.sets(st.integers(0, 2**32 - 1), max_size=40),
    st.booleans(),
)
def test_shared_count_is_the_size_of_the_intersection(
    left: set[int], right: set[int], in_order: bool
) -> None:
    overlap = sorted(left)[: len(left) // 2]  # make sure many examples share values
    right = right | set(overlap)
    arrays = [np.array(sorted(s) if in_order else list(s), dtype=np.uint32) for s in (left, right)]
    assert shared_count(*arrays) == len(left & right)
    assert shared_count(*arrays) == np.intersect1d(*arrays, assume_unique=True).size


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 2**32 - 1), max_size=30), st.integers(1, 8))
def test_shingle_ids_are_the_folded_polynomial_of_their_token_ids(
    ids: list[int], ngram: int
) -> None:
    from dedup.fingerprint.shingle import shingle_sequence

    span = min(ngram, len(ids))
    expected = []
    for start in range(len(ids) - span + 1) if ids else []:
        value = 0
        for token in ids[start : start + span]:
            value = (value * 0x100000001B3 + token) % (1 << 64)
        expected.append((value ^ (value >> 32)) & 0xFFFFFFFF)
    sequence = shingle_sequence(np.array(ids, dtype=np.uint64), ngram)
    assert sequence.dtype == np.uint32
    assert sequence.tolist() == expected


@settings(max_examples=500, deadline=None)
@given(st.text(st.sampled_from("0123456789٣١..ab中é ,-Ωж\n"), max_size=40))
def test_char_tokens_find_the_words_and_numbers_the_regex_finds(text: str) -> None:
    from dedup.fingerprint.normalize import word_and_number_tokens
    from dedup.fingerprint.shingle import char_tokens

    positions, words = word_and_number_tokens(text)
    numbers = [(at, word) for at, word in zip(positions, words, strict=True) if word[0].isdigit()]
    _, (starts, found) = char_tokens(text)
    assert list(zip(starts, found, strict=True)) == numbers
