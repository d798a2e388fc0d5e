from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from dedup.fingerprint.normalize import (
    figures,
    folded_figures,
    normalize_text,
    number_figures,
    token_text,
    tokenize,
)
from dedup.fingerprint.shingle import char_tokens


def test_tokens_keep_numbers_and_words() -> None:
    assert normalize_text("GDP增长5.2%") == "gdp 增 长 5.2"
    assert normalize_text("1,200家") == "1200 家"


def test_quotes_and_script_do_not_matter() -> None:
    assert tokenize("“小巨人”企業") == tokenize("「小巨人」企业")


def test_censor_masks_drop_out() -> None:
    assert "*" not in normalize_text("學習貫徹***新時代")
    assert normalize_text("學習貫徹***新時代") == normalize_text("学习贯彻新时代")


def test_full_width_digits_and_invisible_characters() -> None:
    assert normalize_text("２０２４年７月５日") == normalize_text("2024年7月5日")
    assert normalize_text("专\u200b精\ufeff特新") == "专 精 特 新"


def test_pinyin_artefact_and_chinese_numerals() -> None:
    assert normalize_text("企業(yè)發(fā)展") == normalize_text("企业发展")
    assert normalize_text("十四五") == "十 四 五"


@given(st.text())
def test_normalization_is_idempotent_and_never_raises(text: str) -> None:
    once = normalize_text(text)
    assert normalize_text(once) == once


def _figures_by_marking_dates(text: str) -> frozenset[str]:
    """Figures written plainly: every number of the folded text whose first character is
    not inside a date or a time."""
    folded = token_text(text, extracted=True)
    dated = [False] * (len(folded) + 1)
    for match in re.finditer(
        r"\d+\s*[年月日号時时点點分秒]|\d{1,4}[-/]\d{1,2}(?:[-/]\d{1,4})?|\d{1,2}:\d\d(?::\d\d)?",
        folded,
    ):
        dated[match.start() : match.end()] = [True] * (match.end() - match.start())
    return frozenset(
        m.group(0) for m in re.finditer(r"\d+(?:\.\d+)?", folded) if not dated[m.start()]
    )


@settings(max_examples=500, deadline=None)
@given(st.text(st.sampled_from("0123456789１２٣年月日时点分:-/. ,，元亿ab十①\n"), max_size=40))
def test_figures_leave_out_exactly_the_numbers_inside_dates(text: str) -> None:
    assert figures(text) == _figures_by_marking_dates(text)


def test_figures_of_a_report() -> None:
    text = "2024年7月5日 14:30 据统计，死亡人数升至1,203人，损失3.5亿元，07-05更新。"
    assert figures(text) == {"1203", "3.5"}


@settings(max_examples=300, deadline=None)
@given(st.text(st.sampled_from("0123456789１２年月日时点分:-/. ,，元亿abc é十①٣²\n"), max_size=60))
def test_figures_from_the_word_tokens_are_the_figures_searched_for(text: str) -> None:
    folded = token_text(text, extracted=True)
    _, (starts, numbers) = char_tokens(folded)
    assert number_figures(folded, starts, numbers) == folded_figures(folded)


@settings(max_examples=300, deadline=None)
@given(st.text(st.sampled_from("0123456789１２年月日时点分:-/. ,，元亿abc é十①٣١\n"), max_size=60))
def test_figures_found_while_fingerprinting_are_the_figures_of_the_body(text: str) -> None:
    from dedup.config import DedupConfig
    from dedup.fingerprint.fingerprinter import Fingerprinter

    fingerprinter = Fingerprinter(DedupConfig())
    fingerprint, stated = fingerprinter.fingerprint_with_figures(text)
    assert stated == figures(text)
    alone = fingerprinter.fingerprint(text)
    assert fingerprint.shingles.tolist() == alone.shingles.tolist()
    assert fingerprint.numbers.tolist() == alone.numbers.tolist()


def test_figures_found_while_fingerprinting_words() -> None:
    from dedup.config import DedupConfig
    from dedup.fingerprint.fingerprinter import Fingerprinter

    text = "2024年7月5日 14:30 据统计，死亡人数升至1,203人，损失3.5亿元，07-05更新。"
    fingerprinter = Fingerprinter(DedupConfig(tokenizer="jieba"))
    fingerprint, stated = fingerprinter.fingerprint_with_figures(text)
    assert stated == figures(text) == {"1203", "3.5"}
    assert fingerprint.shingles.tolist() == fingerprinter.fingerprint(text).shingles.tolist()


def test_digits_of_other_scripts_are_numbers_like_any_other() -> None:
    """Arabic-Indic digits are decimal digits to the number patterns: a body carrying them
    is fingerprinted like any other (they once made fingerprinting raise)."""
    from dedup.config import DedupConfig
    from dedup.fingerprint.fingerprinter import Fingerprinter

    text = "今年增长了٧٨٩个百分点，另有١٢٣人和٤٥٦家企业参加，总额١٢٣٤٥元。"
    for tokenizer in ("char", "jieba"):
        fingerprint = Fingerprinter(DedupConfig(tokenizer=tokenizer)).fingerprint(text)
        assert fingerprint.numbers.size >= 3


@settings(max_examples=300, deadline=None)
@given(st.text(st.sampled_from("中文字ab Z9.5,，。-ｆ１𠀀カ한é…1,200\n"), max_size=60))
def test_body_token_text_is_the_token_text_with_its_code_points(text: str) -> None:

    from dedup.fingerprint.normalize import body_token_text

    folded, codes = body_token_text(text)
    assert folded == token_text(text, extracted=True)
    if codes is not None:
        assert codes.tolist() == [ord(char) for char in folded]
