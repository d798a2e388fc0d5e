"""Metadata a new user found wrong: licence sentences, datelines, 原标题, author roles,
canonical URLs, navigation-only pages, English sources, widget date lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from dedup.batch.pipeline import index_files
from dedup.extract import extract_html
from dedup.extract.text import extract_document
from dedup.index.deduplicator import Deduplicator

BODY = (
    "江州市今天召开新闻发布会，宣布全市将在三年内新建公共充电桩五万个，覆盖所有街道和乡镇。\n"
    "市发改委负责人表示，新建的充电桩将优先布局在居民小区、商业中心和高速公路服务区。\n"
    "据介绍，今年全市已建成充电桩一万二千个，比去年同期增长百分之四十，用户满意度明显提高。\n"
)
ENGLISH = (
    "The city council said on Tuesday it would build fifty thousand public chargers over three "
    "years, covering every district and town in the region.\n"
    "Officials said the new chargers would be placed first in housing estates, shopping "
    "centres and motorway service areas across the county.\n"
)


def test_a_licence_sentence_is_never_the_site() -> None:
    page = "江州新建充电桩\n2025-03-12 来源：江州日报\n" + BODY + "版权所有 未经授权禁止转载\n"
    assert extract_document(page, "a").site is None


def test_a_wire_dateline_is_the_source_not_the_title() -> None:
    page = "首页 > 新闻\n新华社日内瓦3月18日电 题：世卫组织发布新指南\n" + BODY
    doc = extract_document(page, "a")
    assert (doc.title, doc.source) == ("世卫组织发布新指南", "新华社")


def test_the_original_title_line_is_not_the_title() -> None:
    page = "江州新建五万个充电桩\n原标题：江州市发布充电基础设施三年行动方案\n2025-03-12\n" + BODY
    assert extract_document(page, "a").title == "江州新建五万个充电桩"


@pytest.mark.parametrize(
    ("line", "author"),
    [("作者：本报记者 周航", "周航"), ("作者：记者张三", "张三"), ("作者：李四", "李四")],
)
def test_the_author_is_the_name_not_the_role(line: str, author: str) -> None:
    page = f"江州新建五万个充电桩\n2025-03-12 来源：江州日报 {line}\n" + BODY
    assert extract_document(page, "a").author == author


def test_canonical_and_og_url_give_url_site_key_and_index_id(tmp_path: Path) -> None:
    paragraphs = "".join(f"<p>{line}</p>" for line in BODY.splitlines())
    head = '<link rel="canonical" href="https://news.jiangzhou.example.cn/a/1.html">'
    html = f"<html><head>{head}</head><body><h1>江州新建五万个充电桩</h1>{paragraphs}</body></html>"
    doc = extract_html(html, "saved.html")
    assert doc.url == "https://news.jiangzhou.example.cn/a/1.html"
    assert doc.site_key == "example.cn"
    og = html.replace(head, '<meta property="og:url" content="https://m.example.com/2">')
    assert extract_html(og, "b.html").url == "https://m.example.com/2"
    (tmp_path / "saved.html").write_text(html, "utf-8")
    results, _ = index_files(Deduplicator(), [tmp_path], add=True, jobs=1)
    assert [page_id for page_id, _ in results] == ["https://news.jiangzhou.example.cn/a/1.html"]


@pytest.mark.parametrize(
    "page",
    ["首页 | 股票 | 基金 | 宏观\n", "首页 / 股票 / 基金 / 宏观 / 港股 / 美股\n"],
    ids=["bars", "slashes"],
)
def test_a_navigation_only_page_has_no_body(page: str) -> None:
    assert extract_document(page, "nav").body == ""
    with pytest.raises(Exception, match="no article body"):
        Deduplicator().add("nav", page)


@pytest.mark.parametrize(
    ("page", "source"),
    [
        ("City builds chargers\nLONDON (Reuters) - " + ENGLISH, "Reuters"),
        ("City builds chargers\nLONDON (AP) — " + ENGLISH, "AP"),
        ("City builds chargers\n(Reuters) - " + ENGLISH, "Reuters"),
        (
            "City builds chargers\n" + ENGLISH + "This article first appeared in The Guardian.\n",
            "The Guardian",
        ),
    ],
    ids=["reuters", "ap", "bare-agency", "first-appeared"],
)
def test_english_sources(page: str, source: str) -> None:
    assert extract_document(page, "en").source == source


def test_a_widget_line_with_a_date_is_metadata_not_the_title() -> None:
    page = "江州新建五万个充电桩\n【字號 大 中 小】 2016-08-14 閲讀(4783)\n" + BODY
    doc = extract_document(page, "a")
    assert (doc.title, doc.published) == ("江州新建五万个充电桩", "2016-08-14")


def test_a_traditional_metadata_line_wins_over_a_pager_date() -> None:
    page = (
        "江州新建五萬個充電樁\n發佈時間：2015-08-15 10:45  來源：新華社\n"
        + BODY
        + "上一篇：2023年8月5日 某某活动\n"
    )
    doc = extract_document(page, "a")
    assert (doc.published, doc.source) == ("2015-08-15T10:45", "新华社")


@pytest.mark.parametrize(
    ("line", "source"),
    [
        ("2023-08-02 新华社", "新华社"),
        ("2023-08-02 10:00 人民网", "人民网"),
        ("2015-08-20  来源: 新华社", "新华社"),
        ("2023-08-02 阅读", None),
    ],
)
def test_an_outlet_after_the_date_is_the_source(line: str, source: str | None) -> None:
    doc = extract_document("江州新建五万个充电桩\n" + line + "\n" + BODY, "a")
    assert doc.source == source and doc.published is not None
