"""Metadata read from a page: dates, and stable keys for the host site."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dedup.extract import metadata
from dedup.extract.metadata import Line, parse_date, registered_domain, site_key


@pytest.mark.parametrize(
    ("stated", "expected"),
    [
        ("2025年3月12日 09:30", "2025-03-12T09:30"),
        ("2025-03-12", "2025-03-12"),
        ("nonsense", None),
        (None, None),
    ],
    ids=["chinese", "iso-day", "nonsense", "none"],
)
def test_dates_are_read_or_left_empty(stated: str | None, expected: str | None) -> None:
    assert parse_date(stated) == expected


def test_the_site_key_is_the_registered_domain_of_the_url() -> None:
    assert registered_domain("https://a.b.example.co.uk/x") == "example.co.uk"
    assert site_key("江南日报网", "https://news.jiangnan.example.com.cn/a/1.html") == (
        "example.com.cn"
    )
    assert site_key("江南日报网") == "江南日报网"


@given(
    st.lists(
        st.sampled_from(
            [
                "转载请注明来源:新华网",
                "版权所有:某某网",
                "copyright 2020 foo inc. all rights reserved",
                "news@foo.com",
                "京icp备12345678号",
                "x",
            ]
        ),
        max_size=6,
    ).map(" ".join)
)
def test_site_finders_find_nothing_on_a_line_without_their_text(text: str) -> None:
    # `find_site` runs a finder only on pages holding its text somewhere.
    for needle, finder in metadata._SITE_FINDERS:
        if needle:
            line = Line(text.replace(needle, ""), text.replace(needle, ""))
            assert finder(line) is None, (needle, line)
