"""Patterns and counts written for speed give exactly what their plain forms give.

Each fast form is checked against the plain one it replaced, on arbitrary text mixing the
characters that matter (CJK, Latin, Greek, Cyrillic, Unicode digits, every kind of space,
commas, characters beyond the BMP, lone surrogates).
"""

from __future__ import annotations

import re

from hypothesis import assume, given
from hypothesis import strategies as st

from dedup.extract import boilerplate
from dedup.fingerprint import normalize
from dedup.textops import _SPACES

PIECES = st.one_of(
    st.characters(min_codepoint=0x3400, max_codepoint=0x9FFF),
    st.characters(min_codepoint=0xF8F0, max_codepoint=0xFB10),
    st.sampled_from(list("0123456789.,，。 \t\u00a0\u3000\u2002\u202f\u205f")),
    st.sampled_from(list("abcxyzéßαωжя٣৫߁")),
    st.sampled_from(["\U00020000", "\U0002a6d6", "\ud800", "\udfff", "©", "icp", "版权"]),
    st.characters(),
)
TEXT = st.lists(PIECES, max_size=400).map("".join)

PLAIN_WORD_OR_NUMBER = re.compile(r"\d+(?:\.\d+)?|[a-z\u00c0-\u024f\u0370-\u03ff\u0400-\u04ff]+")
PLAIN_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
PLAIN_SPACES = re.compile(r"[ \t\u00a0\u3000\u2000-\u200a\u202f\u205f]+")


@given(TEXT)
def test_words_and_numbers_are_cut_as_the_plain_pattern_cuts_them(text: str) -> None:
    fast = [match.span() for match in normalize._WORD_OR_NUMBER.finditer(text)]
    assert fast == [match.span() for match in PLAIN_WORD_OR_NUMBER.finditer(text)]


@given(TEXT)
def test_thousands_separators_go_as_with_the_plain_pattern(text: str) -> None:
    assert normalize._THOUSANDS.sub("", text) == PLAIN_THOUSANDS.sub("", text)
    numbers = "1,200 12,345,678 1,23 1,2345 ,200 a,200 ٣,٣٣٣"
    assert normalize._THOUSANDS.sub("", numbers) == PLAIN_THOUSANDS.sub("", numbers)


@given(TEXT)
def test_runs_of_spaces_become_one_as_with_the_plain_pattern(text: str) -> None:
    assert _SPACES.sub(" ", text) == PLAIN_SPACES.sub(" ", text)


def _plain_cjk_count(text: str) -> int:
    return len(text) - len(boilerplate._CJK.sub("", text))


@given(TEXT)
def test_cjk_counts_agree_with_the_regex_count_at_any_length(text: str) -> None:
    for sample in (text, text + "x" * 128, "\U00020000" + text):
        assert boilerplate.count_cjk(sample) == _plain_cjk_count(sample)


def test_cjk_counts_agree_on_every_code_point() -> None:
    for start in range(0, 0x110000, 0x400):
        block = "".join(map(chr, range(start, start + 0x400)))
        assert boilerplate.count_cjk(block) == _plain_cjk_count(block), hex(start)


@given(TEXT)
def test_the_evidence_gate_agrees_with_the_combined_search(text: str) -> None:
    assert boilerplate.has_anywhere_evidence(text) == bool(boilerplate._ANY_ANYWHERE.search(text))


@given(st.data())
def test_every_text_an_anywhere_pattern_matches_passes_the_gate(data: st.DataObject) -> None:
    # The gate's literals must stay in step with the patterns: a text made to match any
    # alternative of any of them holds one of the literals.
    for _, pattern in boilerplate._ANYWHERE:
        text = data.draw(st.from_regex(pattern))
        assert any(literal in text for literal in boilerplate._ANYWHERE_LITERALS), text
        assert boilerplate.has_anywhere_evidence(text)


@given(st.data())
def test_every_line_the_code_pattern_matches_holds_a_code_mark(data: st.DataObject) -> None:
    # `is_code` searches only lines holding one of the marks: every alternative needs one.
    text = data.draw(st.from_regex(boilerplate._CODE))
    assert any(mark in text for mark in boilerplate._CODE_MARKS), text


@given(TEXT)
def test_characters_counted_by_their_runs_as_one_by_one(text: str) -> None:
    from dedup.extract.text import _CJK_ANY, _WIDE

    for pattern in (_WIDE, _CJK_ANY, boilerplate._CJK):
        plain = len(text) - len(pattern.sub("", text))
        assert boilerplate.count_matches(pattern, text) == plain


def test_wide_characters_counted_by_their_runs_on_every_code_point() -> None:
    from dedup.extract.text import _WIDE

    for start in range(0, 0x110000, 0x1000):
        block = "".join(map(chr, range(start, start + 0x1000)))
        assert boilerplate.count_matches(_WIDE, block) == len(_WIDE.findall(block)), hex(start)


@given(TEXT)
def test_the_gates_as_one_search_agree_with_their_substring_tests(text: str) -> None:
    for gate, parts in (
        (boilerplate._ANYWHERE_LITERAL, boilerplate._ANYWHERE_LITERALS),
        (boilerplate._CODE_MARK, boilerplate._CODE_MARKS),
    ):
        for sample in (text, text + parts[-1], parts[0] + text):
            assert (gate.search(sample) is not None) == any(part in sample for part in parts)


@given(TEXT, st.sampled_from(["", "电话:", "^", "更多", "相关阅读", "next", "广告 "]))
def test_the_short_evidence_split_agrees_with_the_combined_search(text: str, lead: str) -> None:
    for sample in (text, lead + text, text + lead):
        found = boilerplate.has_short_evidence(sample)
        assert found == bool(boilerplate._ANY_SHORT.search(sample)), sample


def test_the_short_patterns_split_into_their_alternatives() -> None:
    for _, pattern in boilerplate._SHORT:
        parts = boilerplate.top_alternatives(pattern.pattern)
        assert "|".join(parts) == pattern.pattern
        assert all(re.compile(part) for part in parts)
    assert boilerplate.top_alternatives(r"a(b|c)|[|]|\||d") == ["a(b|c)", "[|]", r"\|", "d"]


PLAIN_META_LINE = re.compile(
    rf"(?:^|\s){boilerplate.META_LABEL}\s*[:]|^\[?{boilerplate.DATE.pattern}"
)
PLAIN_PROMO = re.compile(
    r"下载.{0,6}(?:客户端|app)|(?:扫描|扫码|长按|识别).{0,10}二维码|微信搜索\s*[a-z0-9_“「\x22]"
    r"|搜索.{0,4}公众号|关注.{0,6}(?:微信|微博|公众号|头条号)|专享福利|免费试(?:玩|用)"
    r"|点击(?:下载|订阅|关注)"
)
LINE_PIECES = st.one_of(
    PIECES,
    st.sampled_from(
        ["来源:", " 作者: ", "时间", "2023-07-28", "[2021/9/16]", "(07-28)", "日", "]", ")", "\n"]
    ),
    st.sampled_from(["扫码关注二维码", "长按识别二维码", "下载app", "电话:(010)", "传真 8", " "]),
)
LINE = st.lists(LINE_PIECES, max_size=40).map("".join)


@given(LINE)
def test_the_metadata_line_split_agrees_with_the_plain_search(line: str) -> None:
    assert boilerplate.is_meta_line(line) == bool(PLAIN_META_LINE.search(line)), line


@given(LINE)
def test_the_dated_line_gate_agrees_with_the_plain_search(line: str) -> None:
    for sample in (line, line.strip(), line + "2023-07-28", line + "(07-28)\n"):
        found = bool(boilerplate._DATED_LINK_END.search(sample))
        assert boilerplate.ends_with_date(sample) == found, sample


@given(LINE)
def test_promotions_are_found_as_with_the_plain_pattern(line: str) -> None:
    fast = [match.group(0) for match in boilerplate._PROMO.finditer(line)]
    assert fast == [match.group(0) for match in PLAIN_PROMO.finditer(line)], line


def _opens_with_a_literal(alternative: str) -> bool:
    from re import _parser  # type: ignore[attr-defined]

    first = _parser.parse(alternative)[0]
    return first[0] is _parser.LITERAL


def test_patterns_searched_anywhere_open_each_alternative_with_a_literal() -> None:
    # The regex engine skips ahead in C to the characters that can open a match only when
    # every alternative opens with a literal one; one alternative that opens with a group
    # ("(?:电话|传真)…") has it try each alternative at every character of every line.
    for pattern in (boilerplate._SHORT_ANYWHERE, boilerplate._PROMO):
        for alternative in boilerplate.top_alternatives(pattern.pattern):
            assert _opens_with_a_literal(alternative), alternative


@given(LINE)
def test_glued_metadata_needs_a_colon(line: str) -> None:
    # `_split_glued_metadata` tries the pattern only on lines that hold a colon.
    without = line.replace(":", "")
    match = boilerplate.GLUED_META.match(without)
    assert match is None or match.end() == 0, without


BULLETED = st.tuples(st.sampled_from(["", "- ", "•", "1. ", "12、", "3)", "1.5", "->"]), LINE)


@given(BULLETED)
def test_bullets_go_as_with_the_plain_substitution(parts: tuple[str, str]) -> None:
    line = "".join(parts)
    assert boilerplate.strip_bullet(line) == boilerplate._BULLET.sub("", line, count=1)


def _plain_is_promo(line: str, prose: bool) -> bool:
    if prose and len(line) > boilerplate.PROMO_LENGTH:
        return False
    calls = len({match.group(0) for match in boilerplate._PROMO.finditer(line)})
    if not prose:
        return calls >= 1
    return calls > 0 and calls + bool(boilerplate._LINK.search(line)) >= boilerplate.PROMO_CALLS


@given(st.lists(st.sampled_from(["扫码关注二维码", "下载app", "https://", "文", " "]), max_size=12))
def test_promotions_are_told_as_by_counting_every_call(pieces: list[str]) -> None:
    line = "".join(pieces)
    for prose in (False, True):
        assert boilerplate._is_promo(line, prose) == _plain_is_promo(line, prose), line


def test_shadows_keep_spaces_and_line_breaks_where_the_text_has_them() -> None:
    # `_page_lines` strips a line's shadow instead of slicing it where its line was cut.
    from dedup.textops import _shadow

    def breaks(char: str) -> bool:
        return len(f"a{char}b".splitlines()) > 1

    for source, target in _shadow()._mapping.items():
        assert chr(source).isspace() == chr(target).isspace(), hex(source)
        assert breaks(chr(source)) == breaks(chr(target)), hex(source)


@given(st.lists(st.one_of(LINE_PIECES, st.sampled_from(["\r\n", "\u2028", "\x1c", "\x85"]))))
def test_page_lines_are_cut_as_the_page_is_split_and_stripped(pieces: list[str]) -> None:
    from dedup.extract.text import _page_lines
    from dedup.textops import shadow

    page = "".join(pieces).replace("来源", "來源").upper()
    page_shadow = shadow(page)
    plain = []
    for raw, raw_shadow in zip(page.splitlines(), page_shadow.splitlines(), strict=True):
        lead = len(raw) - len(raw.lstrip())
        if raw.strip():
            plain.append((raw.strip(), raw_shadow[lead : lead + len(raw.strip())]))
    assert _page_lines(page, page_shadow) == plain


@given(LINE)
def test_a_line_without_a_spam_term_is_classified_alike_unsearched(line: str) -> None:
    # `extract_document` says a line holds no term when its page holds none.
    assume(boilerplate.SPAM.search(line) is None)
    assert boilerplate.classify_line(line, may_hold_spam=False) == boilerplate.classify_line(line)


@given(st.data())
def test_every_inline_ad_names_an_ad(data: st.DataObject) -> None:
    # `noise_spans` looks for inline ads only on lines holding 广告.
    assert "广告" in data.draw(st.from_regex(boilerplate._INLINE_NOISE))


@given(LINE)
def test_the_merged_metadata_patterns_agree_with_each_pattern(line: str) -> None:
    line = line.strip()
    each = (
        boilerplate._EDITOR_LINE.search(line)
        or boilerplate.is_meta_line(line)
        or boilerplate._VIEW_LINE.search(line)
        or boilerplate._CREDIT_LINE.search(line)
        or (line[:1].isascii() and boilerplate._BYLINE.search(line))
    )
    merged = boilerplate._META_LINE_START.match(line) or boilerplate._META_LINE_ANYWHERE.search(
        line
    )
    assert bool(merged) == bool(each), line
