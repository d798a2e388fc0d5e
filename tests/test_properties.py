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
