from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dedup.textops import (
    clean_residue,
    fold_for_fingerprint,
    fold_script,
    nfkc,
    shadow,
    strip_pinyin,
    to_simplified,
)


@pytest.mark.parametrize(
    ("text", "expected", "removed"),
    [
        ("企業(yè)發(fā)展", "企業發展", 2),
        ("四川省服裝(服飾)行業(yè)協(xié)會", "四川省服裝(服飾)行業協會", 2),
        ("本报讯 (记者郭冀川)7月5日", "本报讯 (记者郭冀川)7月5日", 0),
        ("(責編:李雅妮)", "(責編:李雅妮)", 0),
        ("今天(26日)", "今天(26日)", 0),
        ("苹果(apple)", "苹果(apple)", 0),
        ("業(xiàn)", "業(xiàn)", 0),
        ("網絡（wǎng）", "網絡（wǎng）", 0),
        ("網（wǎng）絡", "網絡", 1),
    ],
    ids=[
        "artefact",
        "keeps-real-parens",
        "reporter",
        "editor",
        "date",
        "english",
        "wrong-reading",
        "reading-of-another-char",
        "full-width-parens",
    ],
)
def test_strip_pinyin_removes_only_real_readings(text: str, expected: str, removed: int) -> None:
    assert strip_pinyin(text) == (expected, removed)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("企業發展", "企业发展"),
        ("存在著", "存在着"),
        ("乾淨", "干净"),
        ("爲了", "为了"),
        ("什么", "什么"),
        ("衹有", "只有"),
    ],
)
def test_fold_script_is_context_free_and_length_preserving(text: str, expected: str) -> None:
    assert fold_script(text) == expected
    assert len(fold_script(text)) == len(text)


def test_fold_agrees_across_scripts() -> None:
    simplified = "工信部引导企业专精特新发展，支持中小企业数字化转型。"
    traditional = "工信部引導企業專精特新發展，支持中小企業數字化轉型。"
    assert fold_script(simplified) == fold_script(traditional) == simplified


def test_nfkc_makes_full_width_half_width() -> None:
    assert nfkc("２０２４年７月５日") == "2024年7月5日"


def test_clean_residue_drops_invisible_characters_tags_and_entities() -> None:
    assert clean_residue("专\u200b精\ufeff特新") == "专精特新"
    assert clean_residue('<dfn id="x"></dfn>正文&nbsp;内容') == "正文 内容"
    assert clean_residue("a\u00a0b") == "a b"
    assert clean_residue("x < 5 and y > 3") == "x < 5 and y > 3"


def test_shadow_keeps_positions() -> None:
    line = "發表時間：２０２１ ＡＢＣ　來源"
    assert shadow(line) == "发表时间:2021 abc 来源"
    assert len(shadow(line)) == len(line)


def test_to_simplified_for_display() -> None:
    assert to_simplified("中國西藏網") == "中国西藏网"
    assert to_simplified("") == ""


def test_lone_surrogates_become_replacement_characters() -> None:
    text = b"\x80>".decode("utf-8", "surrogateescape")
    assert clean_residue(text) == "\ufffd>"
    assert to_simplified("中國" + text) == "中国\ufffd>"


@given(st.text())
def test_one_pass_fold_equals_nfkc_fold_lower(text: str) -> None:
    assert fold_for_fingerprint(text) == fold_script(nfkc(text)).lower()


def test_one_pass_fold_learns_each_character_exactly() -> None:
    # Every character of the CJK, compatibility and full-width blocks, each met first alone
    # (the table is filled lazily, as characters are seen), then all of them in one text.
    chars = [chr(code) for code in range(0x2E80, 0xFFFF) if not 0xD800 <= code <= 0xDFFF]
    assert [fold_for_fingerprint(c) for c in chars] == [fold_script(nfkc(c)).lower() for c in chars]
    text = "".join(chars)
    assert fold_for_fingerprint(text) == fold_script(nfkc(text)).lower()


def test_characters_that_nfkc_expands_keep_the_one_pass_fold(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # "……", "℃", "Ⅲ" and "㎡" are common in Chinese news: a text holding them is folded by
    # the table, without NFKC over the whole text, to what NFKC would give.
    text = "气温达到３８℃……面积１２０㎡，第Ⅲ期" * 10
    expected = fold_script(nfkc(text)).lower()
    monkeypatch.setattr("dedup.textops.nfkc", lambda text: pytest.fail("slow path taken"))
    assert fold_for_fingerprint(text) == expected == "气温达到38°c......面积120m2,第iii期" * 10
    # Punctuation, letter-like symbols and number forms, each alone, then all together.
    chars = [chr(code) for code in range(0x2000, 0x2E80)]
    monkeypatch.undo()
    assert [fold_for_fingerprint(c) for c in chars] == [fold_script(nfkc(c)).lower() for c in chars]
    mixed = "".join(chars) + "中文" * 40
    assert fold_for_fingerprint(mixed) == fold_script(nfkc(mixed)).lower()


def test_the_ideographs_are_known_before_any_text_is_seen() -> None:
    # A fresh fold already holds every CJK ideograph, each as learning it would give.
    from dedup.textops import _FingerprintFold

    fresh = _FingerprintFold()
    for low, high in ((0x3400, 0x4DBF), (0x4E00, 0x9FFF)):
        assert not fresh._state[low : high + 1].any()  # all in the fast state, 0
        learnt = [fresh._entry(code) for code in range(low, high + 1)]
        assert [(fresh._FAST, int(t)) for t in fresh._table[low : high + 1]] == learnt


@pytest.mark.parametrize(
    "text",
    [
        "ＧＤＰ增長５．２％",
        "ﬁ①㈠",
        "e\u0301",
        "ㄱㅏ가\u11a8",
        "ΣΑΣ ΣΑΣ",
        "İstanbul",
        "⾦壯龍",
        "𠀀𫓹錤",
    ],
)
def test_one_pass_fold_on_hard_cases(text: str) -> None:
    assert fold_for_fingerprint(text) == fold_script(nfkc(text)).lower()


def test_readings_are_pypinyins_own() -> None:
    from pypinyin import Style, pinyin

    from dedup.textops import _readings

    chars = [chr(code) for code in range(0x4E00, 0x9FFF, 7)] + ["業", "發", "行", "〇", "a"]
    for char in chars:
        expected = set(pinyin(char, style=Style.TONE, heteronym=True)[0]) - {char}
        assert _readings(char) == expected, char
