"""The registered domain of a URL's host: the site key of pages that state a URL.

The expected keys are those the previous implementation (tldextract, ICANN section of its
bundled list) gave, so a switch of library changes no site key.
"""

from __future__ import annotations

import pytest

from dedup.extract.domains import registered_domain, url_host

SAME_AS_BEFORE = {
    "https://news.sina.com.cn/c/2023-08-02/doc.shtml": "sina.com.cn",
    "http://www.bbc.co.uk/news": "bbc.co.uk",
    "https://a.b.example.co.uk/x": "example.co.uk",
    "https://www.amazon.co.jp/x": "amazon.co.jp",
    "https://m.thepaper.cn/newsDetail": "thepaper.cn",
    "http://a.b.c.d.e.org.cn/": "e.org.cn",
    "http://www.gov.cn/xinwen": "www.gov.cn",  # gov.cn is itself a public suffix
    "http://192.168.1.10:8080/a": "192.168.1.10",
    "http://127.0.0.1/": "127.0.0.1",
    "http://999.1.1.1/": "999.1.1.1",
    "http://localhost:8000/x": "localhost",
    "http://[::1]:8080/x": "[::1]",
    "http://[2001:db8::1]/": "[2001:db8::1]",
    "http://intranet.local/x": "intranet.local",
    "http://a.b.intranet.local/": "a.b.intranet.local",
    "https://user:pw@news.qq.com:443/a?b#c": "qq.com",
    "mailto:someone@example.com": "example.com",
    "http://example.com:abc/": "example.com",
    "HTTP://News.Sina.COM.cn/X": "Sina.COM.cn",  # the case the URL writes
    "news.sina.com.cn/x": "sina.com.cn",
    "//news.163.com/a": "163.com",
    "http://www.example.com./a": "example.com",
    "http://www.example.com\u3002cn/": "example.com.cn",
    "https://foo.github.io/x": "github.io",  # private suffixes are sites, not registries
    "http://x.s3.amazonaws.com/": "amazonaws.com",
    "http://新华网.中国/x": "新华网.中国",
    "http://www.新华网.中国/": "新华网.中国",
    "http://news.xn--fiqs8s/a": "news.xn--fiqs8s",  # 中国 in punycode
    "http://a.b.ck/": "a.b.ck",  # a wildcard rule: *.ck
    "http://www.ck/": "www.ck",  # and its exception: !www.ck
    "http://a.city.kawasaki.jp/": "city.kawasaki.jp",
    "http://a..b.com/": "b.com",
    "http://com.cn/": None,
    "http://xn--fiqs8s/": None,
    "http://foo.kawasaki.jp/": None,
    "http://cn/": None,
    "http:///x": None,
    "": None,
}


@pytest.mark.parametrize(("url", "expected"), SAME_AS_BEFORE.items(), ids=list(SAME_AS_BEFORE))
def test_registered_domains_are_those_given_before(url: str, expected: str | None) -> None:
    assert registered_domain(url) == expected


def test_the_host_is_cut_from_urls_written_loosely() -> None:
    assert url_host("https://user@Example.com:8080/a?b") == "Example.com"
    assert url_host("example.com/path") == "example.com"
    assert url_host("http://[::1]:80/") == "[::1]"
    assert url_host("http://example.com./") == "example.com"
