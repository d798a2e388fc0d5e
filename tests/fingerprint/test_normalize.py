from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from dedup.fingerprint.normalize import normalize_text, tokenize


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
