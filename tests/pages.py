"""HTML and WARC renderings of the articles in samples/, for format and template tests."""

from __future__ import annotations

import io
from pathlib import Path

from dedup.batch.pipeline import extract_file
from dedup.readers import decode_bytes

from .conftest import SAMPLES

CHARGING = "jiangnan_daily/2025/0312/charging-plan.txt"
CHARGING_COPY = "cnews_tw/20250312/ev-charging.txt"  # a Traditional-script re-post
CHARGING_CUT = "hdzk_company/news/2025-charging.txt"  # a truncated copy
TEA = "jiangnan_daily/2025/0405/spring-tea.txt"
SHORT = [
    "beichuan_news/a/2025-06-01-kindergarten.txt",
    "mirror_spam/news/show-1733.txt",
    "cnews_tw/20250315/folk-festival.txt",
]


def sample_text(relative: str) -> str:
    """A sample page as a crawler would hand it over: the file, decoded."""
    return decode_bytes((SAMPLES / relative).read_bytes())[0]


def article(relative: str) -> tuple[str, list[str]]:
    """(title, paragraphs) of a sample page, as extraction finds them."""
    (document,), _ = extract_file(SAMPLES / relative)
    return document.title or "", document.body.split("\n")


def div_layout(title: str, paragraphs: list[str], *, site: str = "江南日报网") -> str:
    """A modern page: nav, og tags, an article div, a sidebar of related summaries, a footer."""
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    related = "".join(
        f"<li><a href='/n/{i}.html'>多地出台措施促进消费回暖 第{i}期</a>"
        f"<span>2025-03-0{i}</span></li>"
        for i in range(1, 7)
    )
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8">
<title>{title}_{site}</title><meta property="og:site_name" content="{site}">
<meta property="og:title" content="{title}">
<meta property="article:published_time" content="2025-03-12T09:30:00+08:00">
<meta name="ContentSource" content="江州日报"><script>window.ads = [1, 2, 3];</script>
<style>.nav {{ color: red }}</style></head><body>
<div class="nav"><a href="/">首页</a> | <a href="/yw">要闻</a> | <a href="/cj">财经</a> |
<a href="/sh">社会</a> | <a href="/ty">体育</a></div>
<div class="main"><h1>{title}</h1><div class="info">2025-03-12 09:30 来源：江州日报</div>
<div class="article">{body}</div>
<div class="share">分享到：微信 微博 QQ空间</div></div>
<div class="side"><h3>相关阅读</h3><ul>{related}</ul></div>
<div class="footer"><p>版权所有 {site} 未经书面授权不得转载</p><p>沪ICP备12345678号-2</p></div>
<div style="display:none">九游会真人游戏 百家乐在线 太阳城娱乐城</div>
</body></html>"""


def table_layout(title: str, paragraphs: list[str]) -> str:
    """An old table layout in GBK: navigation cells, the body as <br>-separated text in a cell."""
    body = "<br><br>".join(f"&nbsp;&nbsp;{p}" for p in paragraphs)
    nav = "".join(f"<td><a href='/c{i}'>栏目{i}</a></td>" for i in range(1, 9))
    links = "".join(
        f"<tr><td>·<a href='/x{i}'>关于调整会员服务费的通知</a>(2025-01-1{i})</td></tr>"
        for i in range(6)
    )
    return f"""<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<title>{title}</title></head><body><table width="980"><tr>{nav}</tr></table>
<table width="980"><tr><td width="220" valign="top"><table>{links}</table></td>
<td valign="top"><table><tr><td align="center"><b>{title}</b></td></tr>
<tr><td align="center">发布时间：2025-03-14 10:00 &nbsp; 来源：江州日报 &nbsp; 浏览：次</td></tr>
<tr><td>{body}</td></tr></table></td></tr></table>
<table><tr><td>地址：江州市滨江路88号 电话：0571-88880000</td></tr>
<tr><td>版权所有：行业资讯网 浙ICP备09000001号</td></tr>
</table></body></html>"""


def ruby_mirror(title: str, paragraphs: list[str], ruby_chars: str = "业发展网协") -> str:
    """A spam mirror that serves the article with pinyin ruby on some characters."""
    from pypinyin import Style, pinyin

    def annotate(text: str) -> str:
        out = []
        for char in text:
            if char in ruby_chars:
                reading = pinyin(char, style=Style.TONE)[0][0]
                out.append(f"<ruby>{char}<rp>(</rp><rt>{reading}</rt><rp>)</rp></ruby>")
            else:
                out.append(char)
        return "".join(out)

    body = "".join(f"<p>{annotate(p)}</p>" for p in paragraphs)
    return f"""<html><head><meta charset="utf-8"><title>{title}</title></head><body>
<div>网站九游会·J9 &gt; 新闻中心 &gt; 行业动态</div><h2>{annotate(title)}</h2>
<div>发布时间：2025-03-13 08:15 来源：江州日报</div><div id="content">{body}</div>
<div>九游会真人游戏 | 百家乐在线 | 太阳城娱乐城 | 无码高清在线观看 | 国产精品一区二区</div>
</body></html>"""


def heavy_template(title: str, paragraphs: list[str]) -> str:
    """Long navigation, sidebar and footer around a short body."""
    nav = "".join(f"<li><a href='/c/{i}'>频道{i}</a></li>" for i in range(40))
    side = "".join(
        f"<li><a href='/n/{i}'>本地新闻快讯标题第{i}条</a> 2025-05-{i % 28 + 1:02d}</li>"
        for i in range(30)
    )
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    footer = "".join(
        f"<p>合作伙伴{i} | 友情链接{i} | 网站地图 | 联系我们 | 广告服务</p>" for i in range(8)
    )
    return f"""<html><head><meta charset="utf-8"><title>{title} - 北川新闻网</title></head><body>
<ul class="nav">{nav}</ul><h1>{title}</h1><div>2025-06-01 08:00 来源：北川新闻网</div>
<div class="content">{body}</div><ul class="side">{side}</ul>
<div class="footer">{footer}<p>北川新闻网版权所有 川ICP备05001234号</p></div></body></html>"""


def warc_bytes(pages: list[tuple[str, str, str]], *, gzip: bool = False) -> bytes:
    """A WARC of (url, content type, body) response records, plus a request record."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    stream = io.BytesIO()
    writer = WARCWriter(stream, gzip=gzip)
    for url, content_type, body in pages:
        charset = content_type.partition("charset=")[2] or "utf-8"
        payload = body.encode(charset)
        headers = StatusAndHeaders("200 OK", [("Content-Type", content_type)], protocol="HTTP/1.1")
        request = writer.create_warc_record(
            url, "request", payload=io.BytesIO(b"GET / HTTP/1.1\r\n\r\n")
        )
        response = writer.create_warc_record(
            url, "response", payload=io.BytesIO(payload), http_headers=headers
        )
        for record in (request, response):
            writer.write_record(record)
            record.raw_stream.close()  # warcio buffers each record in a temporary file
    return stream.getvalue()


def write(path: Path, data: str | bytes, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data if isinstance(data, bytes) else data.encode(encoding))
    return path
