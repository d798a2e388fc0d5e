"""What translations keep: numbers after unit conversion, Latin names."""

from __future__ import annotations

import pytest

from dedup.xling.facts import facts_of


@pytest.mark.parametrize(
    ("chinese", "english"),
    [
        ("营收1.2亿元", "revenue of 120 million yuan"),
        ("3,000万部", "30 million units"),
        ("1500亿英镑", "£150bn"),
        ("增长了15.5%", "up 15.5 per cent"),
        ("共有2,400人", "2400 people"),
        ("两万亿美元,即2万亿", "$2 trillion"),
        ("價值 $600 億美元", "$60 billion"),
        ("3,000 萬人", "30 million people"),
        ("40 多歲的男子", "a man in his 40s"),
    ],
    ids=[
        "yi",
        "wan-thousands",
        "bn",
        "percent",
        "separators",
        "wanyi",
        "traditional-yi",
        "traditional-wan",
        "decade",
    ],
)
def test_an_amount_reads_the_same_in_both_languages(chinese: str, english: str) -> None:
    assert facts_of(chinese).numbers & facts_of(english).numbers


def test_small_numbers_and_years_inside_words_are_left_out() -> None:
    assert facts_of("three people, 5 cars, A380 jets").numbers == frozenset()


def test_a_translation_keeps_the_latin_names_and_figures_of_a_chinese_body() -> None:
    chinese = facts_of("苹果公司发布iPhone新机，售价799美元，BBC和CNN报道，销量1200万部。")
    english = facts_of(
        "Apple released a new iPhone priced at 799 dollars, the BBC and CNN reported; "
        "12 million were sold."
    )
    assert chinese.names <= english.names and chinese.han and not english.han
    assert chinese.numbers == english.numbers == {"799", "1.2e+07"}


def test_different_figures_share_no_number() -> None:
    one = facts_of("2019年营收350亿元，净利润48亿元，员工12000人。")
    other = facts_of("Revenue was 51 billion yuan, profit 6.2 billion, with 8,000 staff.")
    assert not one.numbers & other.numbers
