"""Properties over arbitrary input: nothing raises but a DedupError, nothing is invented.

`make fuzz` runs these with many more examples (DEDUP_FUZZ=1 selects that profile).
"""

from __future__ import annotations

import gzip
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dedup import DedupError, Deduplicator, InputError
from dedup.extract import extract_document, extract_html
from dedup.fingerprint.normalize import normalize_text
from dedup.models import Skip
from dedup.readers import InputFile, RawPage, read_pages
from dedup.textops import clean_residue, strip_pinyin

from .conftest import SAMPLES

PAGE = (SAMPLES / "mirror_spam/news/show-1288.txt").read_bytes()
CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)
PAGE_TEXT = st.lists(
    st.one_of(
        st.text(
            alphabet=st.one_of(CJK, st.sampled_from("，。：:|>-()（）\n 0123456789abc")),
            max_size=80,
        ),
        st.text(max_size=40),
    ),
    max_size=12,
).map("\n".join)
NAMES = st.sampled_from(
    ["a.txt", "a.html", "a.jsonl", "a.json", "a.warc", "a.txt.gz", "a.tar.gz", "a"]
)


def non_space(text: str) -> Counter[str]:
    return Counter(char for char in text if not char.isspace())


@given(PAGE_TEXT)
def test_extraction_never_raises_and_invents_nothing(text: str) -> None:
    document = extract_document(text, "x")
    source, _ = strip_pinyin(clean_residue(text))
    assert not non_space(document.body) - non_space(source)


@given(st.text(max_size=400))
def test_html_extraction_never_raises(text: str) -> None:
    extract_html("<html><body><div>" + text + "</div></body></html>", "x")


@given(st.text())
def test_normalization_is_idempotent(text: str) -> None:
    assert normalize_text(normalize_text(text)) == normalize_text(text)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=3000), name=NAMES, cut=st.integers(min_value=0, max_value=len(PAGE)))
def test_readers_survive_random_and_truncated_bytes(
    tmp_path: Path, data: bytes, name: str, cut: int
) -> None:
    payloads = [data, PAGE[:cut], gzip.compress(PAGE)[: cut // 4], PAGE[:cut] + data]
    for number, payload in enumerate(payloads):
        path = tmp_path / f"{number}-{name}"
        path.write_bytes(payload)
        for page in read_pages(InputFile(str(path), path.name), max_bytes=1 << 20):
            assert isinstance(page, RawPage | Skip)


@settings(deadline=None)
@given(st.lists(st.one_of(PAGE_TEXT, st.text(max_size=300)), min_size=1, max_size=6))
def test_deduplicator_raises_nothing_but_dedup_errors(texts: list[str]) -> None:
    dd = Deduplicator()
    added = 0
    for number, text in enumerate(texts):
        try:
            dd.query(text)
        except DedupError:  # pragma: no cover - allowed, but none is expected here
            pytest.fail("a DedupError for plain text")
        try:
            dd.add(f"id{number}", text)
            added += 1
        except InputError as error:  # a page with no article body: refused, not indexed
            assert "no article body" in str(error) and f"id{number}" not in dd
    assert len(dd) == added


@given(st.binary(max_size=2000))
def test_any_bytes_decoded_any_way_raise_nothing(data: bytes) -> None:
    dd = Deduplicator()
    for text in (data.decode("utf-8", "surrogateescape"), data.decode("latin-1")):
        dd.query(text)
        dd.query("<html><body><p>" + text + "</p></body></html>")


def test_a_very_large_page_is_handled() -> None:
    dd = Deduplicator()
    huge = (
        "江州市发布充电基础设施三年行动方案，到2027年底全市将累计建成公共充电桩5万个。\n" * 30_000
    )
    assert dd.add("huge", huge) == []
    assert [m.doc_id for m in dd.query(huge)] == ["huge"]


@given(st.text())
def test_char_token_ids_equal_string_token_ids_on_any_text(text: str) -> None:
    import numpy as np

    from dedup.fingerprint.normalize import token_text, tokenize
    from dedup.fingerprint.shingle import char_token_ids, token_ids

    ids, _ = char_token_ids(token_text(text))
    assert np.array_equal(ids, token_ids(tokenize(text)))


# Hostile shapes (docs/robustness.md): nesting, decompression, line counts, many copies.


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=60)
@given(
    depth=st.integers(min_value=1, max_value=5000),
    opener=st.sampled_from(['{"a":', "[", '{"text": "x", "b": [']),
    name=st.sampled_from(["a.json", "a.jsonl", "a", "a.html"]),
)
def test_nested_json_of_any_depth_is_read_or_skipped(
    tmp_path: Path, depth: int, opener: str, name: str
) -> None:
    body = opener * depth + "1"
    path = tmp_path / name
    path.write_text(body if name != "a.html" else f"<script type='application/ld+json'>{body}")
    for page in read_pages(InputFile(str(path), path.name), max_bytes=1 << 20):
        assert isinstance(page, RawPage | Skip)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=40)
@given(size=st.integers(min_value=0, max_value=400_000), limit=st.integers(1024, 200_000))
def test_decompressed_records_never_pass_the_limit(tmp_path: Path, size: int, limit: int) -> None:
    line = b'{"text": "' + b"a" * size + b'"}\n'
    for name, data in (("a.jsonl.gz", gzip.compress(line * 2)), ("a.txt.gz", gzip.compress(line))):
        path = tmp_path / name
        path.write_bytes(data)
        for page in read_pages(InputFile(str(path), path.name), max_bytes=limit):
            if isinstance(page, RawPage):
                assert len(page.text.encode()) <= limit
            else:
                assert isinstance(page, Skip)


@settings(deadline=None, max_examples=10)
@given(lines=st.integers(min_value=1000, max_value=30_000), width=st.integers(1, 12))
def test_pages_of_very_many_short_lines_are_handled(lines: int, width: int) -> None:
    text = "\n".join(f"第{n}行" + "文" * (n % width) for n in range(lines))
    extract_document(text, "many-lines")


@settings(deadline=None, max_examples=10)
@given(copies=st.integers(min_value=2, max_value=300))
def test_many_copies_of_one_page_all_name_the_first_as_original(copies: int) -> None:
    text = (SAMPLES / "jiangnan_daily/2025/0312/charging-plan.txt").read_text("utf-8")
    dd = Deduplicator()
    dd.add("first", text)
    for number in range(1, copies):
        matches = dd.add(f"copy-{number}", text)
        assert matches and all(m.original_id == "first" for m in matches)
