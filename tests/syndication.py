"""A labelled syndication corpus built from real news articles, for evaluating dedup.

Real articles from ../shared/corpora are re-posted inside generated site templates with the
variations syndication shows: Simplified, Taiwan and Hong Kong script, pinyin ruby residue,
truncation, a dropped paragraph, an editor's note or 原标题 line, an inline ad, full/half-width
punctuation, typos, censor masks, paragraphs joined into one line, a changed headline.
Hard negatives come with it: distinct articles inside the same heavy templates (short body,
long navigation, footer and spam), and templated stock flashes that differ only in names and
numbers. Ground truth: every page's cluster is the article it was made from.

Only used for evaluation; nothing it writes is committed (publishers' copyright).
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"
CORPORA = SHARED / "corpora"
CRUDRAG = CORPORA / "zh-crudrag-news-2023" / "crudrag_news_2023-08-02_08.jsonl"
XINHUA = CORPORA / "zh-xinhua-uhgeval" / "xinhua2015.jsonl"
SINA = CORPORA / "zh-sina-2018" / "sina2018.jsonl"

_SENTENCE = re.compile(r"[^。！？!?]+[。！？!?”」]*")


@dataclass(frozen=True)
class Article:
    article_id: str
    title: str
    paragraphs: list[str]
    date: str


@dataclass(frozen=True)
class Post:
    """One re-post to render: where it appears and what it says."""

    site: str
    province: str
    title: str
    date: str
    source: str
    body: list[str]


@dataclass(frozen=True)
class Page:
    doc_id: str
    text: str
    cluster: str


def corpora_available() -> bool:
    return CRUDRAG.is_file() and XINHUA.is_file()


def _records(path: Path) -> Iterator[dict[str, object]]:
    with path.open(encoding="utf-8") as stream:
        for line in stream:
            yield json.loads(line)


def _paragraphs(text: str, rng: random.Random) -> list[str]:
    lines = [line.strip() for line in text.replace("\u3000", " ").splitlines() if line.strip()]
    if len(lines) >= 3:
        return lines
    sentences = [s.strip() for s in _SENTENCE.findall(" ".join(lines)) if s.strip()]
    paragraphs, current = [], ""
    for sentence in sentences:
        current += sentence
        if len(current) > rng.randint(90, 220):
            paragraphs.append(current)
            current = ""
    if current:
        paragraphs.append(current)
    return paragraphs


def _title(text: str, fallback: str) -> str:
    match = re.match(r"\s*原标题[:：](.{6,60}?)(?=[（(]|\s|$|截至|据|记者)", text)
    if match:
        return match.group(1)
    first = _SENTENCE.findall(text.strip())
    head = (first[0] if first else fallback).strip()
    return re.sub(r"^.{0,20}?电[）)]?|^[（(].*?[)）]", "", head)[:28] or fallback


def _sentences(text: str) -> set[str]:
    return {s for s in (re.sub(r"\W", "", s) for s in _SENTENCE.findall(text)) if len(s) >= 25}


def load_articles(count: int, seed: int) -> tuple[list[Article], list[Article]]:
    """(articles that share no long sentence with each other, templated stock flashes)."""
    rng = random.Random(seed)
    pool: list[tuple[str, str, str, str]] = []
    for record in _records(XINHUA):
        text = str(record["text"])
        pool.append((str(record["id"]), text, str(record["title"]), str(record["date"])[:16]))
    flashes_raw: list[tuple[str, str, str, str]] = []
    for record in _records(CRUDRAG):
        text = str(record["text"])
        item = (str(record["id"]), text, _title(text, str(record["id"])), str(record["date"]))
        (flashes_raw if "股票行情快报" in text[:40] else pool).append(item)
    rng.shuffle(pool)
    chosen: list[Article] = []
    seen_sentences: set[str] = set()
    for article_id, text, title, date in pool:
        sentences = _sentences(text)
        if len(text) < 300 or sentences & seen_sentences:
            continue  # natural re-posts in the corpus would be unlabelled copies
        seen_sentences |= sentences
        chosen.append(Article(article_id, title, _paragraphs(text, rng), date))
        if len(chosen) == count:
            break
    flashes: list[Article] = []
    titles: set[str] = set()
    for article_id, text, title, date in flashes_raw:
        if title in titles:
            continue
        titles.add(title)
        flashes.append(Article(article_id, title, [text], date))
    return chosen, flashes


# ---------------------------------------------------------------- site templates

_SITES = [
    ("江南日报网", "沪"),
    ("北川新闻网", "川"),
    ("海西财经网", "闽"),
    ("中原在线", "豫"),
    ("塞上资讯", "宁"),
    ("岭南时报网", "粤"),
    ("齐鲁商报网", "鲁"),
    ("湘江晚报网", "湘"),
]
_SECTIONS = ["要闻", "国内", "国际", "财经", "科技", "社会", "体育", "文娱", "健康", "教育"]
_HEADLINES = [
    "多地出台措施促进消费回暖",
    "长三角港口集装箱吞吐量创新高",
    "夏粮收购工作有序推进",
    "新能源汽车下乡活动启动",
    "城市更新行动提速扩面",
    "跨境电商进出口保持增长",
    "暑期文旅市场持续升温",
    "高校毕业生就业服务月启动",
    "防汛抗旱工作部署会召开",
]
_SPAM = (
    "九游会真人游戏 | 百家乐在线 | 太阳城娱乐城 | 无码高清在线观看 | 国产精品一区二区 | "
    "久久精品免费视频 | 澳门葡京官网 | 棋牌游戏下载"
)


def _dated_links(rng: random.Random, count: int) -> list[str]:
    links = []
    for _ in range(count):
        date = f"{rng.randint(2023, 2024)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        links.append(f"· {rng.choice(_HEADLINES)}{date}")
    return links


def _licence(post: Post, rng: random.Random) -> str:
    icp = f"{post.province}ICP备{rng.randint(10**7, 10**8 - 1)}号-1"
    return f"{icp}  {post.province}公网安备 {rng.randint(10**13, 10**14 - 1)}号"


def _portal(post: Post, rng: random.Random) -> str:
    return "\n".join(
        [
            f"{post.site} > {rng.choice(_SECTIONS)} > 正文",
            " | ".join(["首页", *rng.sample(_SECTIONS, 6)]),
            post.title,
            f"{post.date}  来源：{post.source}  字号：大 中 小",
            *post.body,
            f"（责任编辑：{rng.choice(['周敏', '李青', '王强', '陈晨'])}）",
            "分享到：微信 微博 QQ空间",
            "相关阅读",
            *_dated_links(rng, 5),
            "24小时排行 一周排行",
            f"版权所有 {post.site}  未经书面授权不得转载",
            _licence(post, rng),
            "互联网新闻信息服务许可证 31120180099",
        ]
    )


def _company(post: Post, rng: random.Random) -> str:
    return "\n".join(
        [
            "加入收藏 在线留言 联系我们",
            "关注微信",
            "手机扫一扫 立刻联系商家",
            f"全国服务热线 400-{rng.randint(100, 999)}-{rng.randint(1000, 9999)}",
            "行业资讯",
            post.title,
            f"发布时间：{post.date} 更新时间：2025-12-31 18:00",
            *post.body,
            "联系方式",
            f"• 电  话：0{rng.randint(10, 99)}-{rng.randint(10**7, 10**8 - 1)}",
            f"• 邮  箱：sales@{rng.choice(['hdzk', 'xtkj', 'jlgf'])}.example",
            "• 地  址：工业园区星湖街99号",
        ]
    )


def _mirror(post: Post, rng: random.Random) -> str:
    body = post.body
    first = f"发布时间：{post.date} 作者： 来源：{post.source} 浏览：次{body[0]}" if body else ""
    return "\n".join(
        [
            "网站九游会·J9 > 新闻中心 > 行业动态",
            "推荐信息",
            *_dated_links(rng, 6),
            post.title,
            first,
            *body[1:],
            f"技术支持：某某网络 版权所有：{post.site}",
            f"地址：滨江路88号 电话：0571-{rng.randint(10**7, 10**8 - 1)}",
            _licence(post, rng),
            _SPAM,
        ]
    )


def _tw(post: Post, rng: random.Random) -> str:
    return "\n".join(
        [
            post.site,
            "首頁 | 即時 | 產經 | 國際 | 兩岸 | 生活 | 影音",
            "您現在的位置：首頁 > 兩岸 > 內文",
            post.title,
            f"發布時間：{post.date}　　來源：{post.source}",
            *post.body,
            "上一篇：兩岸青年創業交流營開營",
            "下一篇：夏季用電高峰預估創新高",
            "熱門新聞",
            *_dated_links(rng, 4),
            "聯絡我們 | 廣告刊登 | 隱私權政策 | 服務條款 | 訂閱電子報",
            f"版權所有 © {post.site} All Rights Reserved",
        ]
    )


def _plain(post: Post, rng: random.Random) -> str:
    return "\n".join([post.title, f"{post.date} {post.source}", *post.body, "【打印】【关闭】"])


TEMPLATES: list[Callable[[Post, random.Random], str]] = [_portal, _company, _mirror, _tw, _plain]


# ---------------------------------------------------------------- variations


@cache
def _converter(config: str):  # type: ignore[no-untyped-def]
    import opencc

    return opencc.OpenCC(config)


def _ruby(text: str, rng: random.Random) -> str:
    from pypinyin import Style, pinyin

    chars = set(rng.sample("业发统网协创联监现产经济会国进开动电", 8))
    return "".join(f"{c}({pinyin(c, style=Style.TONE)[0][0]})" if c in chars else c for c in text)


def _typos(paragraphs: list[str], rng: random.Random) -> list[str]:
    out = list(paragraphs)
    for _ in range(rng.randint(1, 3)):
        i = rng.randrange(len(out))
        if len(out[i]) > 10:
            j = rng.randrange(len(out[i]))
            out[i] = out[i][:j] + rng.choice("的了是在和有") + out[i][j + 1 :]
    return out


def _truncate(paragraphs: list[str], rng: random.Random) -> list[str]:
    text = "\n".join(paragraphs)
    cut = text[: int(len(text) * rng.uniform(0.6, 0.9))]
    return (cut.rsplit("。", 1)[0] + "。").split("\n")


_DISCLAIMERS = [
    "免责声明：本文转自网络，仅供参考，不构成投资建议，如有侵权请联系删除。",
    "（来源：新华社）",
    "本文来源于合作媒体，转载目的在于传递更多信息，并不代表本网赞同其观点。",
]


def make_copy(article: Article, rng: random.Random) -> tuple[str, list[str], str]:
    """(title, body paragraphs, script config) of one re-post, with random variations."""
    title, body = article.title, list(article.paragraphs)
    if rng.random() < 0.25 and len(body) > 1:
        body = _truncate(body, rng)
    elif rng.random() < 0.15 and len(body) > 3:
        del body[rng.randrange(1, len(body))]
    if rng.random() < 0.2:
        body.insert(0, f"原标题：{title}")
        title = rng.choice(["【关注】", "重磅！", "快讯："]) + title[: max(8, len(title) - 4)]
    if rng.random() < 0.15:
        body.insert(0, "编者按：本文经授权转载，内容仅代表作者观点，不代表本网立场。")
    if rng.random() < 0.2 and body:
        i = rng.randrange(len(body))
        j = rng.randrange(len(body[i]) + 1)
        body[i] = body[i][:j] + "广告 为什么这么多人选择这款理财产品，原来有这好处 ×" + body[i][j:]
    if rng.random() < 0.3:
        body = [
            p.replace("，", ",").replace("：", ":").replace("（", "(").replace("）", ")")
            for p in body
        ]
    if rng.random() < 0.3:
        body = _typos(body, rng)
    if rng.random() < 0.1:
        body = [
            re.sub(r"(?<=[\u4e00-\u9fff]{6})[\u4e00-\u9fff]{2}", "**", p, count=1) for p in body
        ]
    if rng.random() < 0.1:
        body.append(rng.choice(_DISCLAIMERS))
    if rng.random() < 0.2:
        body = ["".join(body)]
    elif rng.random() < 0.1:
        width = rng.randint(30, 45)  # hard-wrapped at a fixed column, as text archives are
        body = [p[i : i + width] for p in body for i in range(0, len(p), width)]
    script = rng.choice(["", "", "s2tw", "s2hk"])
    return title, body, script


def build(
    out: Path, *, sources: int = 350, distinct: int = 250, flashes: int = 120, seed: int = 7
) -> dict[str, str]:
    """Write the corpus under `out`; return {doc_id: cluster label}."""
    rng = random.Random(seed)
    articles, stock_flashes = load_articles(sources + distinct, seed)
    labels: dict[str, str] = {}
    plan: list[tuple[Article, int]] = [(a, rng.randint(2, 4)) for a in articles[:sources]]
    plan += [(a, 1) for a in articles[sources:]]
    plan += [(a, 1) for a in stock_flashes[:flashes]]
    for article, copies in plan:
        for number in range(copies):
            template = rng.choice(TEMPLATES)
            site, province = rng.choice(_SITES)
            if copies == 1 or number == 0:
                title, body, script = article.title, list(article.paragraphs), ""
            else:
                title, body, script = make_copy(article, rng)
            source = rng.choice(["新华社", "人民网", "中新网"])
            text = template(Post(site, province, title, article.date, source, body), rng)
            if script:
                text = _converter(script).convert(text)
            if number and rng.random() < 0.08:
                text = _ruby(text, rng)
            labels[_write_page(out, f"{site}/{article.article_id}-{number}.txt", text)] = (
                article.article_id
            )
    return labels


def _write_page(out: Path, doc_id: str, text: str) -> str:
    path = out / doc_id
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text + "\n", encoding="utf-8")
    return doc_id


# ---------------------------------------------------------------- the quality gate's corpus
# Built from the articles we wrote for samples/ and from note templates we wrote, so the gate
# runs from a clone alone.

_FLASH = (
    "原标题：股票行情快报：{name}（{code}）{month}月{day}日主力资金净{side}{amount}万元"
    "截至2025年{month}月{day}日收盘，{name}({code})报收于{price}元，{move}{pct}%，换手率{turnover}%，"
    "成交量{volume}万手，成交额{value}万元。{month}月{day}日的资金流向数据方面，主力资金净{flow}{amount}万元，"
    "占总成交额{share}%，游资资金净流出{hot}万元，散户资金净流入{retail}万元。"
    "近5日资金流向一览见下表：该股主要指标及行业内排名如下：{name}2025一季报显示，"
    "公司主营收入{revenue}亿元，同比上升{growth}%；归母净利润{profit}万元。"
)
_FLASH_NAMES = [
    ("江州电力", "600123"),
    ("云岭茶业", "002456"),
    ("华东智控", "688789"),
    ("北川建工", "600987"),
    ("临港物流", "601234"),
    ("海峡环保", "603817"),
    ("滨江能源", "000555"),
    ("湘江传媒", "300111"),
    ("齐鲁重工", "600777"),
    ("岭南医药", "002888"),
    ("塞上乳业", "600333"),
    ("中原银行", "601999"),
]
_MARKET = (
    "新华社{city}{month}月{day}日电 {month}月{day}日，国内大宗商品期货市场涨跌互现。"
    "{a}主力合约收盘上涨{x}%，"
    "{b}主力合约下跌{y}%，{c}主力合约持平。分析人士认为，近期{a}供需格局{mood}，短期价格或维持{trend}。"
    "当日，上海黄金交易所黄金现货收于每克{gold}元，白银现货收于每千克{silver}元。"
)
_QUOTE = (
    "国家发展改革委有关负责人表示：“下一步将持续推动有效投资和消费扩容提质，"
    "巩固经济回升向好态势，为高质量发展提供有力支撑。”"
)


# Commentary a columnist adds around a quoted paragraph: each commentary page takes its own
# four sentences, so that the quoted paragraph stays under half of it (an excerpt, not a copy).
_COMMENTARY = (
    "评论员认为，政策落地的关键在于基层执行是否到位，而不只是文件写得是否周全。",
    "从过去几年的经验看，类似举措往往在试点城市先见成效，再逐步向中西部地区推开。",
    "不少业内人士提醒，配套资金和审批流程能否同步跟上，将直接决定项目的推进节奏。",
    "对于普通家庭而言，最直观的感受仍然是办事是否更方便、花钱是否更省心。",
    "有学者指出，数据口径前后不一，容易让外界对政策效果产生误读，需要尽早统一。",
    "地方财政压力依然不小，如何在稳增长与防风险之间找到平衡，考验治理能力。",
    "企业的反馈表明，稳定的预期比一次性的补贴更能促使它们扩大投资和招聘。",
    "记者在多个城市走访时发现，市民对新规的知晓率仍有待提高，宣传解读还需加强。",
    "专家建议建立季度评估机制，及时公开进展，让社会各界共同监督落实情况。",
    "也有声音担心，部分地区可能为了追求进度而忽视质量，这一点值得警惕。",
    "回顾同类政策的推进过程，跨部门协调始终是绕不开的难点，需要更高层级统筹。",
    "从国际比较看，我国在这一领域起步虽晚，但规模优势明显，后发潜力可观。",
    "业内普遍预计，随着细则陆续出台，相关行业的景气度将在下半年进一步回升。",
    "消费者协会提醒，新政实施初期可能出现信息不对称，群众应通过官方渠道了解详情。",
    "一位长期跟踪该领域的研究员表示，关键指标的改善需要至少两到三年才能显现。",
    "总体来看，这项部署释放出积极信号，但真正的成效还要交给时间和市场来检验。",
)


def gate_notes(rng: random.Random) -> list[Article]:
    """Templated notes that share most of their words and differ in names and numbers."""
    notes = []
    for number, (name, code) in enumerate(_FLASH_NAMES):
        month, day = 5, 6 + number % 3
        text = _FLASH.format(
            name=name,
            code=code,
            month=month,
            day=day,
            side=rng.choice(["卖出", "买入"]),
            amount=f"{rng.uniform(10, 900):.2f}",
            price=f"{rng.uniform(3, 60):.2f}",
            move=rng.choice(["上涨", "下跌"]),
            pct=f"{rng.uniform(0.1, 5):.2f}",
            turnover=f"{rng.uniform(0.1, 3):.2f}",
            volume=f"{rng.uniform(1, 20):.2f}",
            value=f"{rng.uniform(500, 9000):.1f}",
            flow=rng.choice(["流出", "流入"]),
            share=f"{rng.uniform(1, 15):.2f}",
            hot=f"{rng.uniform(10, 300):.2f}",
            retail=f"{rng.uniform(10, 300):.2f}",
            revenue=f"{rng.uniform(1, 40):.2f}",
            growth=f"{rng.uniform(0.1, 30):.2f}",
            profit=f"{rng.uniform(100, 9000):.2f}",
        )
        notes.append(
            Article(f"flash-{code}", f"股票行情快报：{name}（{code}）", [text], "2025-05-06")
        )
    goods = ["螺纹钢", "铁矿石", "焦煤", "豆粕", "棉花", "白糖", "原油", "沪铜"]
    for number in range(8):
        a, b, c = rng.sample(goods, 3)
        text = _MARKET.format(
            city=rng.choice(["北京", "上海", "大连"]),
            month=6,
            day=number + 2,
            a=a,
            b=b,
            c=c,
            x=f"{rng.uniform(0.1, 3):.2f}",
            y=f"{rng.uniform(0.1, 3):.2f}",
            mood=rng.choice(["偏紧", "宽松", "平衡"]),
            trend=rng.choice(["震荡", "偏强", "偏弱"]),
            gold=f"{rng.uniform(400, 600):.2f}",
            silver=f"{rng.uniform(5000, 8000):.0f}",
        )
        notes.append(
            Article(
                f"market-{number}", f"国内大宗商品涨跌互现（{number + 2}日）", [text], "2025-06-02"
            )
        )
    return notes


def build_gate(out: Path, articles: list[Article], *, seed: int = 3) -> dict[str, str]:
    """The gate corpus: each of `articles` re-posted 3 times with variations, each also once
    with a shared official quote inserted inside a commentary of its own (a different article
    that quotes a paragraph and the same statement: an excerpt, not a copy), plus templated
    notes; returns {doc_id: label}."""
    rng = random.Random(seed)
    labels: dict[str, str] = {}
    plan: list[tuple[Article, int]] = [(article, 4) for article in articles]
    for number, article in enumerate(articles[: len(articles) // 2]):
        own = [_COMMENTARY[(4 * number + k) % len(_COMMENTARY)] for k in range(4)]
        quoted = ["".join(own[:2]), *article.paragraphs[:1], _QUOTE, "".join(own[2:])]
        plan.append(
            (
                Article(
                    f"{article.article_id}-quote", article.title + "（评论）", quoted, article.date
                ),
                1,
            )
        )
    plan += [(note, 1) for note in gate_notes(rng)]
    for article, copies in plan:
        for number in range(copies):
            if number == 0:
                title, body, script = article.title, list(article.paragraphs), ""
            else:
                title, body, script = make_copy(article, rng)
            site, province = _SITES[(number + len(labels)) % len(_SITES)]
            template = TEMPLATES[(number + len(labels)) % len(TEMPLATES)]
            text = template(Post(site, province, title, article.date, "新华社", body), rng)
            if script:
                text = _converter(script).convert(text)
            labels[_write_page(out, f"{site}/{article.article_id}-{number}.txt", text)] = (
                article.article_id
            )
    return labels


def build_sized(out: Path, pages: int, *, seed: int = 7) -> dict[str, str]:
    """Exactly `pages` text pages: every usable real article once, then re-posts of random
    articles (with variations) until the count is reached; returns {doc_id: label}."""
    rng = random.Random(seed)
    articles, flashes = load_articles(10**9, seed)
    pool = articles + flashes
    labels: dict[str, str] = {}
    copies: dict[str, int] = {}
    for number in range(pages):
        article = pool[number] if number < len(pool) else rng.choice(articles)
        copy = copies.get(article.article_id, 0)
        copies[article.article_id] = copy + 1
        if copy == 0:
            title, body, script = article.title, list(article.paragraphs), ""
        else:
            title, body, script = make_copy(article, rng)
        site, province = rng.choice(_SITES)
        template = rng.choice(TEMPLATES)
        text = template(Post(site, province, title, article.date, "新华社", body), rng)
        if script:
            text = _converter(script).convert(text)
        doc_id = f"{number // 1000:03d}/{article.article_id}-{copy}.txt"
        labels[_write_page(out, doc_id, text)] = article.article_id
    return labels
