"""NTREX articles wrapped in page templates, for evaluating English copies and translations.

The shared NTREX half (../shared/corpora/en-zh-ntrex: English news articles, re-edited
English versions, human Simplified and Traditional translations; CC BY-SA 4.0, Federmann,
Kocmi and Xin, SUMEval 2022, from the WMT19 test set) has one sentence per line and no
page around it. These templates, written for this evaluation, put each variant inside a
page as sites serve it: navigation, a cookie banner, a byline, an agency dateline,
"Related articles", a newsletter sign-up, a comment box, a copyright footer (English); a
breadcrumb, a 来源 line, 相关阅读, 上一篇/下一篇, licence lines (Chinese); and the variations
of syndication: another headline, the body cut short. Nothing it writes is committed.
"""

from __future__ import annotations

import html
import json
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"
NTREX = SHARED / "corpora" / "en-zh-ntrex" / "ntrex_dev.jsonl"
ENGLISH = ("en", "en-GB", "en-US", "en-IN")
CHINESE = ("zh-Hans", "zh-Hant")


@dataclass(frozen=True)
class Record:
    doc_id: str
    article: str
    variant: str
    outlet: str
    title: str
    sentences: list[str]


def ntrex_available() -> bool:
    return NTREX.is_file()


def load(variants: tuple[str, ...]) -> list[Record]:
    """The records of some variants, in the file's order."""
    records = []
    with NTREX.open(encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            if row["variant"] in variants:
                text = [s for s in row["text"].split("\n") if s.strip()]
                records.append(
                    Record(
                        row["id"], row["article"], row["variant"], row["outlet"], text[0], text[1:]
                    )
                )
    return records


def write_plain(records: list[Record], folder: Path) -> dict[str, str]:
    """Each record as a bare text page: headline, blank line, one sentence a line."""
    labels = {}
    for record in records:
        name = f"{record.doc_id}.txt"
        (folder / name).write_text(
            record.title + "\n\n" + "\n".join(record.sentences) + "\n", encoding="utf-8"
        )
        labels[name] = record.article
    return labels


def write_wrapped(records: list[Record], folder: Path, *, seed: int = 1) -> dict[str, str]:
    """Each record inside a page template (chosen by a seeded draw), some with another
    headline and some cut short; {file name: article}."""
    rng = random.Random(seed)
    headlines = [record.title for record in records]
    labels = {}
    for record in records:
        chinese = record.variant.startswith("zh")
        templates = _CHINESE if chinese else _ENGLISH
        template = templates[rng.randrange(len(templates))]
        sentences = record.sentences
        if rng.random() < 0.25 and len(sentences) >= 8:  # cut short: the first two thirds
            sentences = sentences[: max(6, len(sentences) * 2 // 3)]
        title = record.title
        if rng.random() < 0.25:
            title = _other_headline(record, rng, chinese)
        related = rng.sample(headlines, 4)
        page = Page(record, title, _paragraphs(sentences, rng), related, rng)
        extension = "html" if template.__name__.endswith("html") else "txt"
        name = f"{record.doc_id}.{extension}"
        (folder / name).write_text(template(page), encoding="utf-8")
        labels[name] = record.article
    return labels


@dataclass(frozen=True)
class Page:
    record: Record
    title: str
    paragraphs: list[str]
    related: list[str]
    rng: random.Random


def _paragraphs(sentences: list[str], rng: random.Random) -> list[str]:
    paragraphs, index = [], 0
    while index < len(sentences):
        size = rng.choice((1, 2, 2, 3))
        joiner = "" if sentences[index][:1] > "\u3000" else " "
        paragraphs.append(joiner.join(sentences[index : index + size]))
        index += size
    return paragraphs


def _other_headline(record: Record, rng: random.Random, chinese: bool) -> str:
    if chinese:
        return rng.choice(("【独家】", "快讯：", "外媒：")) + record.title
    return rng.choice(("UPDATE 2-", "WATCH: ", "Breaking: ")) + record.title


_REPORTERS = ("Jane Holloway", "Tom Okafor", "Priya Raman", "Luis Ortega")
_AGENCIES = ("Reuters", "AP", "AFP")
_CITIES = ("LONDON", "WASHINGTON", "JAKARTA", "NEW YORK")


def _dateline(page: Page) -> str:
    return f"{page.rng.choice(_CITIES)} ({page.rng.choice(_AGENCIES)}) - "


def _news_html(page: Page) -> str:
    rng = page.rng
    paragraphs = list(page.paragraphs)
    if rng.random() < 0.5:
        paragraphs[0] = _dateline(page) + paragraphs[0]
    middle = len(paragraphs) // 2
    body = "".join(
        f"<p>{html.escape(p)}</p>" + ("<div class='ad'>Advertisement</div>" if i == middle else "")
        for i, p in enumerate(paragraphs)
    )
    related = "".join(
        f"<li><a href='/a/{i}'>{html.escape(t)}</a></li>" for i, t in enumerate(page.related)
    )
    outlet = page.record.outlet.title()
    return f"""<!doctype html><html><head><title>{html.escape(page.title)} | {outlet}</title></head>
<body>
<div id="cookie-banner"><p>We use cookies to improve your experience on our site and to show
you personalised advertising. By continuing to browse, you agree to our use of cookies.
Read our cookie policy to find out more.</p><button>Accept all cookies</button>
<button>Manage settings</button></div>
<nav><a href="/">Home</a> | <a href="/world">World</a> | <a href="/business">Business</a> |
<a href="/politics">Politics</a> | <a href="/tech">Tech</a> | <a href="/sport">Sport</a></nav>
<article>
<h1>{html.escape(page.title)}</h1>
<p class="byline">By {rng.choice(_REPORTERS)}, {outlet} | 12 March 2019</p>
{body}
</article>
<aside><h2>Related articles</h2><ul>{related}</ul></aside>
<div class="newsletter"><h3>Sign up for our newsletter</h3><p>Get the day's top stories
delivered to your inbox every morning. Enter your email address below.</p>
<button>Subscribe</button></div>
<footer><p>© 2019 {outlet} Media Group. All rights reserved.</p>
<p><a href="/terms">Terms of use</a> | <a href="/privacy">Privacy policy</a> |
<a href="/cookies">Cookie policy</a> | <a href="/contact">Contact us</a></p></footer>
</body></html>
"""


def _blog_text(page: Page) -> str:
    rng = page.rng
    lines = [
        "Home | World | Business | Tech | Science | Opinion",
        "",
        page.title,
        f"Posted on March 12, 2019 by {rng.choice(_REPORTERS)}",
        "",
        *[p + "\n" for p in page.paragraphs],
        "Share this: Facebook | Twitter | Email | WhatsApp",
        "",
        "Related articles",
        *[f"- {t}" for t in page.related],
        "",
        "Sign up for our newsletter to get the best stories delivered to your inbox.",
        "Leave a comment",
        f"Copyright © 2019 {page.record.outlet}. All rights reserved.",
    ]
    return "\n".join(lines) + "\n"


def _aggregator_text(page: Page) -> str:
    lines = [
        "Top Stories  Latest  Trending  Video",
        "",
        page.title,
        f"Source: {page.record.outlet.title()}",
        "",
        *page.paragraphs,
        "",
        f"Read the full story at {page.record.outlet.title()}.",
        "Related articles",
        *page.related[:3],
        "This website uses cookies. By continuing you accept our cookie policy.",
    ]
    return "\n".join(lines) + "\n"


def _portal_html(page: Page) -> str:
    body = "".join(f"<p>{html.escape(p)}</p>" for p in page.paragraphs)
    related = "".join(
        f"<li><a href='/r/{i}'>{html.escape(t)}</a></li>" for i, t in enumerate(page.related)
    )
    title = html.escape(page.title)
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>{title}_国际频道</title>
</head><body>
<div class="nav"><a href="/">首页</a> | <a href="/gn">国内</a> | <a href="/gj">国际</a> |
<a href="/cj">财经</a> | <a href="/ty">体育</a> | <a href="/kj">科技</a></div>
<div class="crumb">您的位置：<a href="/">首页</a> &gt; <a href="/gj">国际</a> &gt; 正文</div>
<h1>{html.escape(page.title)}</h1>
<div class="info">2019-03-12 09:30 来源：环球译报 责任编辑：李明</div>
<div class="content">{body}</div>
<div class="related"><h3>相关阅读</h3><ul>{related}</ul></div>
<div class="share">分享到：微信 微博 QQ空间</div>
<div class="footer"><p>版权所有 © 2019 环球译报 未经授权禁止转载</p>
<p>京ICP备12345678号 京公网安备11010502000001号</p></div>
</body></html>
"""


def _mirror_text(page: Page) -> str:
    lines = [
        "首页 | 新闻 | 国际 | 财经 | 科技 | 体育",
        "您的位置：首页 > 国际新闻 > 正文",
        page.title,
        "发布时间：2019-03-12 10:05 来源：国际在线 浏览：1024次",
        *page.paragraphs,
        "（责任编辑：王芳）",
        "上一篇：" + page.related[0],
        "下一篇：" + page.related[1],
        "相关新闻",
        *page.related[2:],
        "Copyright © 2019 版权所有 粤ICP备00000000号",
    ]
    return "\n".join(lines) + "\n"


_ENGLISH: list[Callable[[Page], str]] = [_news_html, _blog_text, _aggregator_text]
_CHINESE: list[Callable[[Page], str]] = [_portal_html, _mirror_text]


def articles(records: list[Record]) -> Iterator[str]:
    seen: set[str] = set()
    for record in records:
        if record.article not in seen:
            seen.add(record.article)
            yield record.article
