"""Line classification for scraped text pages: what is boilerplate, metadata or prose.

Every pattern runs on a line's shadow (see `dedup.textops.shadow`): Simplified, half-width,
lowercase. So each pattern is written once, and a page in Traditional script is classified
exactly like its Simplified copy.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache

# A publication or update date, with an optional time: 2021-09-16 10:26:44, 2021年9月16日,
# [2021/9/16], 2023.07.28.
DATE = re.compile(
    r"(?<!\d)((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})(?!\d)\s*日?"
    r"(?:\s*(\d{1,2})[:时](\d{2})(?:[:分](\d{2}))?)?"
)
META_LABEL = (
    r"(?:发表时间|发布时间|发布日期|发表日期|更新时间|发布于|时间|日期|来源|文章来源|稿源|出处"
    r"|作者|编辑|责任编辑|责编|记者|浏览次数|浏览量|浏览|点击数|点击量|点击|阅读数|阅读量|阅读"
    r"|字号|release date|publish(?:ed)? date|date|source|author|editor)"
)
_VIEW_COUNT = r"\[?\d*\]?\s*次?"
# Metadata glued to the first paragraph: "发表时间:… 作者: 来源:… 浏览:次今天上午,…".
GLUED_META = re.compile(
    rf"^(?:\s*{META_LABEL}\s*[:]\s*"
    rf"(?:{DATE.pattern}|(?<=[览击读量数][:])\s*{_VIEW_COUNT}|[^\s:]{{0,30}}(?=\s)|)\s*)+"
)
# A metadata line: a label with its colon (at the start or after a space), or a date at the
# start. Matched at the start once, then searched for a space and a label: written as one
# pattern that opens with a group, the engine tries it at every character.
_META_AT_START = re.compile(rf"{META_LABEL}\s*[:]|\[?{DATE.pattern}")
_META_INSIDE = re.compile(rf"\s{META_LABEL}\s*[:]")
_EDITOR_LINE = re.compile(r"^[(\[]?\s*(?:责任编辑|责编|编辑|编审|校对|审核)\s*[:\s]")
# Who wrote or sent the article, on a line of its own: "本文来自某某网", "新浪手机特约记者 某某".
_CREDIT_LINE = re.compile(
    r"^(?:本文|文章|此文)(?:来自|来源于?|转自|转载自|来)[:\s]*\S{1,24}$"
    r"|^\W{0,2}\S{0,10}(?:记者|通讯员|撰稿人?)\s+\S{1,4}(?:[\s、]\S{1,4}){0,4}$"
    r"|^(?:新华社|中新社|本报|本台)(?:特约)?记者[\u4e00-\u9fff·]{2,4}(?:、[\u4e00-\u9fff·]{2,4}){0,4}$"
    r"|^(?:来源|作者|文|图|编辑)\s*[\s:/]\s*\S{2,12}$|^图片(?:来源|来自)"
)
_VIEW_LINE = re.compile(r"read a total of|阅读\s*\d+|浏览\s*\d+")
# English bylines: "Posted on March 12, 2019 by ...", "By Jane Smith, Reuters | 12 March 2019".
_BYLINE = re.compile(
    r"^(?:(?:posted|published|updated|last updated)\b.{0,40}\d{4}"
    r"|by\s+[a-z][\w.'-]*(?:\s+[a-z][\w.'-]*){0,3}\s*(?:[,|]|$))"
)

_PROVINCES = "京津沪渝冀晋蒙辽吉黑苏浙皖闽赣鲁豫鄂湘粤桂琼川蜀贵黔云滇藏陕秦甘陇青宁新港澳台"
# Strong evidence wherever it stands, even inside a long line.
_ANYWHERE = (
    ("licence", re.compile(rf"icp[备证]|[{_PROVINCES}]icp|公网安备|网安备\s*\d")),
    (
        "licence",
        re.compile(r"(?:新闻信息服务|增值电信业务经营|网络文化经营|节目制作经营|视听节目)许可证"),
    ),
    (
        "copyright",
        re.compile(
            r"版权所有|版权声明|版权归|copyright|all rights reserved|转载请注明|风险自负|©"
            r"|未经.{0,8}(?:许可|授权|同意).{0,12}(?:转载|复制|使用|镜像)|法律申明|免责声明"
        ),
    ),
    # English sites' consent banners and sign-up boxes: as long as a paragraph, never one.
    (
        "consent",
        re.compile(
            r"\bwe use cookies|\buse of cookies|\bcookie (?:policy|settings|preferences)"
            r"|\baccept (?:all )?cookies|\bsign up (?:for|to) (?:our|the) .{0,40}newsletter"
            r"|\bsubscribe to (?:our|the) .{0,30}newsletter|\bdelivered to your inbox"
        ),
    ),
)
# Evidence only on a line that is not itself prose. Each alternative that may match anywhere
# opens with a literal character ("电话…|传真…", not "(?:电话|传真)…"): the engine then skips
# in C to where one of those characters stands, where an alternative that opens with a group
# has it try every alternative at every character (seven times slower on a page's lines).
_SHORT = (
    (
        "contact",
        re.compile(
            r"^(?:电\s*话|传\s*真|手\s*机|微\s*信|邮\s*编|地\s*址|e-?mail|tel|fax|cel|add|邮箱"
            r"|qq|联系人|销售经理|客服|热线)\s*[:]|联系方式|服务热线|电子邮件[:]|网站电话"
            r"|电话[:]?\s*[\d(]|传真[:]?\s*[\d(]"
        ),
    ),
    (
        "support",
        re.compile(
            r"技术支持|法律顾问|总顾问|网站建设|网站设计|网站制作|powered by|technical support"
            r"|领导与支持单位|主办单位|承办单位|协办单位|合作单位|主管单位"
        ),
    ),
    (
        "widget",
        re.compile(
            r"分享到|扫一扫|关注微信|加入收藏|在线留言|联系我们|返回顶部|设为首页|打印本页|关闭窗口"
            r"|官方微信|官方微博|官方客户端|收藏本页|立刻联系|^安卓$|^ios$|^android$|^字号|【打印】"
            r"|【关闭】|更多>>|^更多$|^返回|^首页$|^登录|^注册|^搜索$|^分享$|^点赞|^评论"
        ),
    ),
    ("pager", re.compile(r"^(?:上一篇|下一篇|上一页|下一页|previous|next)")),
    (
        "widget",
        re.compile(
            r"^(?:share (?:this|on)\b|leave a (?:comment|reply)|read (?:the full|more)\b"
            r"|advertisement$|sponsored$|comments? \(\d+\)|follow us\b|subscribe$"
            r"|click here to|watch:|listen:|sign up$|newsletter$)"
        ),
    ),
    (
        "sidebar",
        re.compile(
            r"相关阅读|相关新闻|相关文章|相关链接|热门信息|推荐信息|推荐阅读|热点推荐|热门推荐"
            r"|24小时排行|一周排行|排行榜|猜你喜欢|精彩推荐|relevant keywords"
            r"|related (?:news|articles|stories|content|coverage)|^more (?:stories|news)"
            r"|^(?:most (?:read|popular)|trending|top stories|recommended)$"
            r"|延伸阅读|最新资讯|最新文章|热门文章|热点新闻|^推荐$|^热点$|^图片新闻$"
        ),
    ),
    ("video", re.compile(r"^观看.{0,80}视频$|^\[视频\]|^视频[:]|^播放$")),
    ("ad", re.compile(r"^广告(?:\s|$)|^推广$")),
    ("brand", re.compile(r"^\S{2,12}(?:微信|微博|客户端|公众号|app)$")),
)
_ANY_ANYWHERE = re.compile("|".join(f"(?:{pattern.pattern})" for _, pattern in _ANYWHERE))
# Every text that an _ANYWHERE pattern matches holds one of these (tested): a line without
# any (most lines) is not searched, a search that tries each alternative at each character.
_ANYWHERE_LITERALS = (
    "icp",
    "网安备",
    "许可证",
    "版权",
    "copyright",
    "all rights reserved",
    "转载请注明",
    "风险自负",
    "©",
    "未经",
    "法律申明",
    "免责声明",
    "cookie",
    "newsletter",
    "your inbox",
)
_ANYWHERE_LITERAL = re.compile("|".join(map(re.escape, _ANYWHERE_LITERALS)))
_ANY_SHORT = re.compile("|".join(f"(?:{pattern.pattern})" for _, pattern in _SHORT))


def top_alternatives(pattern: str) -> list[str]:
    """The alternatives of a pattern at its top level (split at each ``|`` outside groups
    and character classes)."""
    parts, start, depth, in_class, index = [], 0, 0, False, 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            index += 1  # the escaped character is no syntax
        elif in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
            if pattern[index + 1 : index + 2] == "^":
                index += 1
            if pattern[index + 1 : index + 2] == "]":
                index += 1  # a leading "]" is a member of the class
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            parts.append(pattern[start:index])
            start = index + 1
        index += 1
    parts.append(pattern[start:index])
    return parts


# `_ANY_SHORT` as two searches: the alternatives that begin with "^" can only match at a
# line's start, tried there once (`match`); the others as one search. In one pattern the
# anchored alternatives are tried at every character too: twice the time on the lines
# that reach it, most of which match none (a headline, a short sentence).
_SHORT_ALTERNATIVES = [part for _, pattern in _SHORT for part in top_alternatives(pattern.pattern)]
_SHORT_AT_START = re.compile("|".join(p for p in _SHORT_ALTERNATIVES if p.startswith("^")))
_SHORT_ANYWHERE = re.compile("|".join(p for p in _SHORT_ALTERNATIVES if not p.startswith("^")))


def has_short_evidence(line: str) -> bool:
    """Whether a line matches one of the `_SHORT` patterns (`_ANY_SHORT`)."""
    return _SHORT_AT_START.match(line) is not None or _SHORT_ANYWHERE.search(line) is not None


# Style sheets and scripts that a scraper flattened into the text: a CSS rule
# (".tech-con p{margin-bottom:30px}"), a script statement ("var ad = …;", "(function(){",
# "})();", "document.getElementsByTagName(…)"), an object literal's entry ("url: '//…',").
_CODE = re.compile(
    r"^[^{}]*\{[^{}]*[a-z-]+\s*:[^{}]*(?:\}|;|$)"
    r"|^[})\]]+\s*[)\];,]*\s*(?:\(\s*\)\s*;?)?$"
    r"|\bfunction\s*[\w$]*\s*\("
    r"|^(?:var|let|const)\s+[\w$]+\s*=|^[a-z_$][\w$.]*(?:\[[^\]]*\])*\s*=[^=].*;$"
    r"|\b(?:document|window)\.[a-z]\w*(?:\.\w+)*\s*[(=\[]|\.push\(\{|^new\s+[\w$.]+\s*\(\s*\{?$"
    r"|^[a-z_$][\w$]*\s*:\s*(?:'[^'\s]*'|\"[^\"\s]*\"|[\[{]|(?:function|true|false|null)\b"
    r"|[a-z_$][\w$.]*\[)[^,]*,?\s*(?://.*)?$",
    re.ASCII,
)
# Characters every `_CODE` line holds one of (tested): a line without any is not searched.
_CODE_MARKS = ("{", "}", "(", ")", "[", "]", "=", ":")
# Each gate as one search: a regular expression tries the characters in C, where a loop of
# substring tests costs a Python step per mark (three times slower on a page's lines).
_CODE_MARK = re.compile("|".join(map(re.escape, _CODE_MARKS)))
# A site's call to the reader to download its app, follow its account or try a product: a
# promotion the site puts on every page, never the article. Each alternative opens with a
# literal character, as `_SHORT`'s do (twice as fast as with one opening with a group).
_PROMO = re.compile(
    r"下载.{0,6}(?:客户端|app)|扫描.{0,10}二维码|扫码.{0,10}二维码|长按.{0,10}二维码|识别.{0,10}二维码"
    r"|微信搜索\s*[a-z0-9_“「\x22]|搜索.{0,4}公众号"
    r"|关注.{0,6}(?:微信|微博|公众号|头条号)|专享福利|免费试(?:玩|用)|点击(?:下载|订阅|关注)"
)
_LINK = re.compile(r"https?://")
# A paragraph this short that holds this many distinct calls of `_PROMO` (a link counts as
# one) is a promotion.
PROMO_LENGTH = 120
PROMO_CALLS = 2
# Gambling and adult terms that spam mirrors inject; two distinct ones are needed inside prose.
SPAM = re.compile(
    r"九游会|真人游戏|百家乐|娱乐城|博彩|赌场|棋牌|太阳城|葡京|威尼斯人|bet365|开云体育|亚博体育"
    r"|无码|毛片|人妻|色情|黄色网站|小黄鸭|av在线|国产精品|一区二区|久久精品|成人影"
)
_BREADCRUMB_LEAD = re.compile(r"^(?:您(?:所在|现在)?的?位置|当前位置|所在位置|位置)[:]")
_BULLET = re.compile(r"^(?:[-·•*●◆■□▪►>→]+|\d{1,2}[.、)]\s|\d{1,2}\.(?!\d))\s*")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
# The same characters by the high byte of their UTF-16 code unit: both ranges start and end
# on a multiple of 256 (U+3400-U+9FFF, U+F900-U+FAFF), so the high byte alone decides.
_CJK_HIGH_BYTES = bytes([*range(0x34, 0xA0), 0xF9, 0xFA])
# Sentence punctuation, or two commas: list-like articles may have no full stop at all.
_SENTENCE_END = re.compile(r"[。！？；!?;]|[,，].*[,，]")
_LATIN_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")
_DATED_LINK_END = re.compile(rf"(?:\[?{DATE.pattern}\]?|[(\[]?\d{{1,2}}-\d{{1,2}}[)\]]?)$")
# `_DATED_LINK_END` read backwards, matched at the start of the reversed line (tested to
# agree): the pattern opens with a group, so a search tries it at every character of the
# line, where the reversed one is tried once, at the line's end (a third of the time).
# The brackets a date may open with are left out, as they decide no match; the newline
# before which "$" may match is allowed first.
_DATED_LINK_END_REVERSED = re.compile(
    r"\n?(?:[)\]]?\d{1,2}-\d{1,2}"
    r"|\]?(?:(?:\d{2}[:分])?\d{2}[:时]\d{1,2}\s*)?日?\s*"
    r"(?<!\d)\d{1,2}\s*[-/.月]\s*\d{1,2}\s*[-/.年]\s*\d{2}(?:91|02)(?!\d))"
)

# Inline noise inside article lines: "广告 <ad text> ×" and IT之家-style ad disclaimers.
_INLINE_NOISE = re.compile(r"广告\s[^。!?\n]{1,80}?\s?×|广告声明[:].{0,200}?本声明。?")
_SENTENCE = re.compile(r"[^。!?！？]*(?:[。!?！？]|$)")

MIN_PROSE_CJK = 30
LONG_PROSE = 150
MIN_PROSE_WORDS = 25
# An English paragraph is often one or two sentences: this many words ending a sentence.
MIN_SENTENCE_WORDS = 12
_SENTENCE_CLOSE = re.compile(r"[.!?][\"'”’)\]]*$")


def strip_bullet(shadow_line: str) -> str:
    """A line without its list bullet or numbering."""
    # Matched at the start: a substitution would search every character of the line.
    bullet = _BULLET.match(shadow_line)
    return shadow_line[bullet.end() :] if bullet else shadow_line


def is_prose(shadow_line: str) -> bool:
    """A line that reads as article text: 30+ CJK characters with sentence punctuation (or
    at least two commas), or 25+ English words, or 12+ ending a sentence."""
    if len(shadow_line) < MIN_PROSE_CJK:
        return False  # too short for either test; most navigation lines stop here
    cjk = count_cjk(shadow_line)
    if cjk >= MIN_PROSE_CJK:
        return bool(_SENTENCE_END.search(shadow_line))
    if cjk >= 5:
        return False
    words = len(_LATIN_WORD.findall(shadow_line))
    return words >= MIN_PROSE_WORDS or (
        words >= MIN_SENTENCE_WORDS and bool(_SENTENCE_CLOSE.search(shadow_line))
    )


def count_matches(single_character: re.Pattern[str], text: str) -> int:
    """How many characters of `text` a one-character pattern matches: the lengths of its
    runs summed. Matching characters come in runs (the ideographs of a sentence), so this
    is a few matches where a substitution or findall makes one per character (two to four
    times slower)."""
    return sum(map(len, _runs_of(single_character).findall(text)))


@cache
def _runs_of(single_character: re.Pattern[str]) -> re.Pattern[str]:
    return re.compile(f"(?:{single_character.pattern})+", single_character.flags)


def count_cjk(text: str) -> int:
    """How many CJK ideographs (``_CJK``) the text holds.

    Counted on the high bytes of its UTF-16 code units, in C: the bytes that are not
    `_CJK_HIGH_BYTES` deleted, the rest counted. Twice as fast as a regex's runs on a short
    line and as numpy's table on a long one; characters beyond the BMP become surrogate
    pairs (high bytes D8-DF), so they are not counted, as ``_CJK`` does not match them.
    """
    high = text.encode("utf-16-le", "surrogatepass")[1::2]
    return len(high) - len(high.translate(None, _CJK_HIGH_BYTES))


def has_anywhere_evidence(shadow_line: str) -> bool:
    """Whether a line holds licence or copyright evidence (an `_ANYWHERE` pattern)."""
    return _ANYWHERE_LITERAL.search(shadow_line) is not None and bool(
        _ANY_ANYWHERE.search(shadow_line)
    )


def spam_terms(shadow_line: str) -> set[str]:
    return set(SPAM.findall(shadow_line))


def classify(shadow_line: str) -> str | None:
    """The kind of boilerplate a line is (``"copyright"``, ``"link_farm"``, ``"meta"``, …),
    or None for a line that may belong to the article.

    A long prose line is an article paragraph (or a whole article on one line) even when a
    sentence of it is boilerplate: `noise_spans` cuts such sentences out instead.
    """
    return classify_line(shadow_line)[0]


def classify_line(shadow_line: str, may_hold_spam: bool = True) -> tuple[str | None, bool]:
    """`classify`, and whether the line reads as prose (one computation for both).

    `may_hold_spam` False says the line holds no `SPAM` term (its page was searched for
    them once and holds none): it is not searched for one again.
    """
    if len(shadow_line) <= REMEMBERED_LINE:
        return _classify_remembered(shadow_line, may_hold_spam)
    return _classify_line(shadow_line, may_hold_spam)


# Lines repeat from page to page: a site's menu, byline labels and footer on each of its
# pages, a re-posted article's short paragraphs on each copy (two lines in five of the
# benchmark's pages were classified shortly before). The verdict on a line depends on its
# text alone, so the last lines classified are remembered: short ones, which cost most (a
# short line that is not prose meets every pattern) and take little memory (at most
# `REMEMBERED_LINES` of `REMEMBERED_LINE` characters each, a few megabytes).
REMEMBERED_LINE = 256
REMEMBERED_LINES = 4096


def _classify_line(shadow_line: str, may_hold_spam: bool) -> tuple[str | None, bool]:
    line = strip_bullet(shadow_line.strip())
    if not line:
        return "empty", False
    prose = is_prose(line)
    return _kind(line, prose, may_hold_spam), prose


_classify_remembered = lru_cache(maxsize=REMEMBERED_LINES)(_classify_line)


def _kind(line: str, prose: bool, may_hold_spam: bool) -> str | None:
    # One combined search first: most lines match no pattern at all.
    if not (prose and len(line) >= LONG_PROSE) and has_anywhere_evidence(line):
        return next(kind for kind, pattern in _ANYWHERE if pattern.search(line))
    if "|" in line and _is_link_farm(line):
        return "link_farm"
    # A search first: most lines hold no term, and finding them all makes a list and a set.
    if may_hold_spam and SPAM.search(line) and len(spam_terms(line)) >= (2 if prose else 1):
        return "spam"
    if (not prose or line.isascii()) and is_code(line):
        return "code"
    if _is_promo(line, prose):
        return "promo"
    if prose:
        return None
    if _META_LINE_START.match(line) or _META_LINE_ANYWHERE.search(line):
        return "meta"
    if _is_breadcrumb(line):
        return "breadcrumb"
    if len(line) <= 80 and ends_with_date(line):
        return "dated_link"
    if has_short_evidence(line):
        return next(kind for kind, pattern in _SHORT if pattern.search(line))
    return None


# Every pattern that makes a line "meta" as two: those anchored at the line's start, matched
# there once, and the others searched for in one pass (five searches took twice the time).
_META_LINE_START = re.compile(
    "|".join(
        f"(?:{pattern.pattern})"
        for pattern in (_EDITOR_LINE, _META_AT_START, _CREDIT_LINE, _BYLINE)
    )
)
_META_LINE_ANYWHERE = re.compile(f"{_META_INSIDE.pattern}|{_VIEW_LINE.pattern}")


def is_meta_line(line: str) -> bool:
    """Whether a line labels metadata ("来源:", "作者:") or opens with a date."""
    return _META_AT_START.match(line) is not None or _META_INSIDE.search(line) is not None


def ends_with_date(line: str) -> bool:
    """Whether a line ends with a date, or a month and day ("… 2023-07-28", "… (07-28)"):
    `_DATED_LINK_END`, matched backwards from the line's end."""
    return _DATED_LINK_END_REVERSED.match(line[::-1]) is not None


def is_code(line: str) -> bool:
    """Whether a line is style sheet or script code rather than text."""
    return _CODE_MARK.search(line) is not None and bool(_CODE.search(line))


def _is_promo(line: str, prose: bool) -> bool:
    """A line that calls the reader to the site's app, account or product trials: any such
    call on a short line; two distinct ones on a paragraph (`PROMO_LENGTH`), since an
    article may well mention an app's download once."""
    if prose and len(line) > PROMO_LENGTH:
        return False
    # One search first: most lines hold no call at all, and a short line needs only one.
    if _PROMO.search(line) is None:
        return False
    if not prose:
        return True
    calls = len({match.group(0) for match in _PROMO.finditer(line)})
    return calls + bool(_LINK.search(line)) >= PROMO_CALLS


def noise_spans(shadow_line: str) -> list[tuple[int, int]]:
    """Spans of a prose line to cut: inline ads, and sentences that are licence or copyright
    boilerplate glued to the article."""
    # Both kinds of inline noise name an ad (广告): most lines do not.
    spans = (
        [match.span() for match in _INLINE_NOISE.finditer(shadow_line)]
        if "广告" in shadow_line
        else []
    )
    # A sentence that holds boilerplate is part of the line: a line with none anywhere
    # (most) has no sentence to test one by one.
    if len(shadow_line) >= LONG_PROSE and has_anywhere_evidence(shadow_line):
        for sentence in _SENTENCE.finditer(shadow_line):
            if any(pattern.search(sentence.group(0)) for _, pattern in _ANYWHERE):
                spans.append(sentence.span())
    return sorted(spans)


def _is_link_farm(line: str) -> bool:
    segments = [segment.strip() for segment in line.split("|")]
    if len(segments) < 5:
        return False
    return sum(map(len, segments)) / len(segments) <= 30


def _is_breadcrumb(line: str) -> bool:
    if _BREADCRUMB_LEAD.search(line):
        return True
    if ">" not in line and "»" not in line and "›" not in line:
        return False
    segments = [segment.strip() for segment in re.split(r"[>»›]", line)]
    return len(segments) >= 3 and all(0 < len(segment) <= 20 for segment in segments)


def breadcrumb_root(shadow_line: str) -> str | None:
    """The first element of a breadcrumb line (the site, unless it is spam or 'home')."""
    line = _BREADCRUMB_LEAD.sub("", strip_bullet(shadow_line.strip())).strip()
    root = re.split(r"[>»›]", line)[0].strip()
    if not root or SPAM.search(root) or root in {"首页", "网站首页", "主页", "home"}:
        return None
    return root
