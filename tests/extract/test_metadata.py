"""Metadata read from a page: dates, and stable keys for the host site."""

from __future__ import annotations

import pytest

from dedup.extract.metadata import parse_date, registered_domain, site_key


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
