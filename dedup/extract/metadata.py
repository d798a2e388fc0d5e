"""Metadata stated by a page: publication date, declared source, people, host site.

Each reader takes lines as (original, shadow) pairs and returns ``None`` rather than guess.
Spans are found on the shadow (Simplified, half-width) and cut from the original, which has
the same length.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import NamedTuple

from dedup.extract.boilerplate import DATE, SPAM, breadcrumb_root
from dedup.extract.domains import registered_domain
from dedup.textops import fold_script, shadow, to_simplified


class Line(NamedTuple):
    """A page line, its shadow (same length), its kind (`dedup.extract.boilerplate.classify`) and
    whether it reads as prose. A named tuple: pages are made of thousands of lines, and a
    frozen dataclass takes five times longer to build."""

    text: str
    shadow: str
    kind: str | None = None
    prose: bool = False


_UPDATE_LABEL = re.compile(r"(?:更新|修改|update|modified|编辑于)[^\d]{0,8}$")
_VALUE_STOP = r"(?=\s|$|[|,;()\[\]]|作者|浏览|点击|阅读|编辑|责任编辑|发布|时间|日期|字号)"
_SOURCE = re.compile(rf"(?:来源|文章来源|稿源|出处|source)\s*[:]\s*(\S{{2,30}}?){_VALUE_STOP}")
_WIRE = re.compile(
    r"^\s*(?:\(|【)?((?:新华社|中新社|中新网|人民网|央视网|新华网|环球网|法新社|路透社|美联社|共同社"
    r"|[\u4e00-\u9fff]{2,6}(?:社|网|报|台)))[\u4e00-\u9fff]{0,8}?\d{1,2}月\d{1,2}日(?:电|讯|消息)"
)
_LOCAL_NEWS = re.compile(r"^\s*([\u4e00-\u9fff]{2,8}(?:网|报|新闻))(?:讯|消息)")
_EDITOR = re.compile(r"(?:责任编辑|责编|编辑)\s*[:\s]\s*([\u4e00-\u9fff·]{2,6}?)(?=[)\]\s]|$)")
_REPORTER = re.compile(r"[(（]\s*记者\s*([\u4e00-\u9fff·]{2,4}?)(?=[)）\s、,])")
# A role before the name ("作者：本报记者 周航") is not the name.
_AUTHOR = re.compile(
    r"(?:作者|author)\s*[:]\s*(?:(?:本报|本台|本网|本刊|特约|实习|见习)?(?:记者|通讯员)\s*)?"
    rf"([^\s:]{{2,20}}?){_VALUE_STOP}"
)
# What a licence sentence says; a site's name says none of it ("版权所有 未经授权禁止转载").
_LICENCE_PHRASE = re.compile(r"未经|授权|禁止|不得|转载|复制|违者|保留|许可|声明")
# A wire dateline heading the page: "新华社日内瓦3月18日电 题：…" is the source, then the title.
_DATELINE_TITLE = re.compile(r"[电讯]\s*(?:\(记者[^)]{0,20}\))?\s*题\s*[:]\s*(.+)$")
# English agency datelines and credit lines.
_AGENCY = re.compile(
    r"^\s*(?:[a-z][a-z .,/'-]{1,40}?\s*)?\((reuters|ap|afp|bloomberg|upi|xinhua|dpa|efe|ansa"
    r"|kyodo|pa|cnn|bbc)\)\s*[-–—]"
)
_FIRST_APPEARED = re.compile(
    r"(?:first|originally)\s+(?:appeared|published|ran)\s+(?:in|on|at)\s+"
    r"((?:the\s+)?[a-z][\w&'.-]*(?:\s+[a-z][\w&'-]*){0,5}?)\s*(?:[.,;]|$|\s+on\s)"
)
_STATED_SOURCE = re.compile(
    r"凡(?:本网)?注明\s*[\"“'‘]?\s*来源\s*[:]?\s*([^\"”'’\s]{2,20}?)\s*[\"”'’]"
)
_HOLDER = re.compile(
    r"(?:^|\s)([^\s|,;:]{2,20}?)\s*版权所有(?!\s*[:])"
    r"|版权所有\s*[:]?\s*(?:©|\(c\))?\s*(?:\d{4}(?:-\d{4})?)?\s*(?!copyright)([^\s|,;:]{2,30})"
)
_RIGHTS_HOLDER = re.compile(
    r"(?:all rights reserved\.?\s*(?:by)?\s*([a-z0-9][^|;]{2,60}?)|"
    r"copyright\s*(?:©|\(c\))?\s*(?:\d{4}(?:-\d{4})?)?\s*"
    r"([a-z0-9][^|;]{2,60}?)\s*all rights reserved)"
    r"(?=\s{2,}|technical support|$|\.\s)"
)
_BRAND = re.compile(r"^(\S{2,12}?)(?:官方)?(?:微信|微博|客户端)$")
_EMAIL_DOMAIN = re.compile(r"[\w.+-]+@([a-z0-9-]+(?:\.[a-z0-9-]+)+)")
_FREE_MAIL = frozenset(
    [
        "qq.com",
        "vip.qq.com",
        "163.com",
        "vip.163.com",
        "126.com",
        "yeah.net",
        "sina.com",
        "vip.sina.com",
        "sina.cn",
        "sohu.com",
        "139.com",
        "189.cn",
        "aliyun.com",
        "foxmail.com",
        "21cn.com",
        "tom.com",
        "gmail.com",
        "hotmail.com",
        "outlook.com",
        "live.com",
        "yahoo.com",
        "msn.com",
        "icloud.com",
    ]
)
_ICP = re.compile(r"[\u4e00-\u9fff]icp[备证]\s*\d+号(?:-\d+)?", re.IGNORECASE)
_PHONE = re.compile(r"(?<!\d)(1[3-9]\d{9}|0\d{2,3}-?\d{7,8}|400-?\d{3}-?\d{4})(?!\d)")


def parse_date(value: str | None) -> str | None:
    """A stated date or timestamp (``2023-08-02 10:00``, ``2023年8月2日``, ISO) as ISO 8601."""
    if not value:
        return None
    text = shadow(value.replace("T", " "))
    match = DATE.search(text)
    if not match:
        return None
    iso = _iso(match)
    offset = _OFFSET.match(text, match.end())
    if iso and "T" in iso and offset:
        # The offset as the page states it (+0800 written +08:00): the instant is kept.
        iso += _offset_text(offset.group(1))
    return iso


# A UTC offset right after a time (fractions of a second skipped): Z, +08:00, +0800, -04.
_OFFSET = re.compile(r"(?:\.\d+)?\s?(Z|[+-](?:0\d|1[0-4])(?::?[0-5]\d)?)(?![\d:])", re.IGNORECASE)


def _offset_text(stated: str) -> str:
    if stated in ("Z", "z"):
        return "Z"
    digits = stated[1:].replace(":", "")
    return f"{stated[0]}{digits[:2]}:{digits[2:] or '00'}"


def site_key(site: str | None, url: str | None = None) -> str | None:
    """A stable key for the host: the registered domain of its URL, else a normalised form of
    the evidence (e-mail domain, ICP number without its suffix, phone, folded name)."""
    domain = registered_domain(url) if url else None
    if domain:
        return domain
    if not site:
        return None
    return _evidence_key(site)


# A site's pages name it alike (its footer's holder, its e-mail domain, its ICP number): the
# keys of the last sites seen are remembered, where each page folded, shadowed and matched
# its site's name again.
@lru_cache(maxsize=1024)
def _evidence_key(site: str) -> str:
    folded = fold_script(shadow(site)).strip()
    if _ICP.fullmatch(folded):
        return re.sub(r"号(?:-\d+)?$", "号", folded)
    if re.fullmatch(r"[a-z0-9-]+(?:\.[a-z0-9-]+)+", folded):
        return registered_domain(f"http://{folded}") or folded
    return re.sub(r"[\s\"'“”.,]+", "", folded)


def find_published(lines: Sequence[Line]) -> str | None:
    """The first publication date (ISO 8601) on the lines, never an update date."""
    for line in lines:
        for match in DATE.finditer(line.shadow):
            if _UPDATE_LABEL.search(line.shadow[max(0, match.start() - 14) : match.start()]):
                continue
            iso = _iso(match)
            if iso:
                return iso
    return None


# Dates a system writes when it has none: the Unix epoch and other zero values. As a
# publication date they would make a copy the earliest, so the original of its group.
_PLACEHOLDER_DATES = frozenset({datetime.date(1970, 1, 1), datetime.date(1900, 1, 1)})


def _iso(match: re.Match[str]) -> str | None:
    year, month, day, hour, minute, second = match.groups()
    try:
        stated = datetime.date(int(year), int(month), int(day))  # 2025-02-30 is no date
    except ValueError:
        return None
    if stated in _PLACEHOLDER_DATES:
        return None
    date = f"{year}-{int(month):02d}-{int(day):02d}"
    if hour is None or int(hour) > 23 or int(minute) > 59:
        return date
    time = f"{int(hour):02d}:{minute}" + (f":{second}" if second else "")
    return f"{date}T{time}"


# One name per outlet where copies commonly spell it two ways.
_SOURCE_ALIASES = {
    "中国新闻网": "中新网",
    "中国新闻社": "中新社",
    "新华通讯社": "新华社",
    "中央电视台": "央视",
    "中央广播电视总台": "央视",
    "人民日报社": "人民日报",
}


def canonical_source(name: str | None) -> str | None:
    """A declared source in Simplified, with common aliases joined (中国新闻网 -> 中新网)."""
    if not name:
        return None
    simplified = to_simplified(name.strip())
    return _SOURCE_ALIASES.get(simplified, simplified)


def find_source(header: Sequence[Line], first_body_line: Line | None) -> str | None:
    """The origin the copy declares: a 来源 label, a wire dateline or 本报讯-style lead."""
    return canonical_source(_find_source(header, first_body_line))


def _find_source(header: Sequence[Line], first_body_line: Line | None) -> str | None:
    for line in header:
        if line.kind in {"copyright", "licence"}:
            continue  # "凡注明来源:X" in a copyright notice names the host, not the source
        found = _cut(line, _SOURCE) or _dated_source(line)
        if found:
            return found
    if first_body_line is not None:
        for pattern in (_SOURCE, _WIRE, _LOCAL_NEWS):
            found = _cut(first_body_line, pattern, prefix_only=pattern is _SOURCE)
            if found:
                return found
    return None


# A date line ending in an outlet's name, without a label: "2023-08-02 10:00 新华社".
_OUTLET_AFTER_DATE = re.compile(r"\s*([\u4e00-\u9fff]{2,10}(?:社|网|报|台|新闻))\s*$")


def _dated_source(line: Line) -> str | None:
    date = DATE.search(line.shadow)
    if date is None:
        return None
    match = _OUTLET_AFTER_DATE.match(line.shadow, date.end())
    if match is None:
        return None
    return to_simplified(line.text[match.start(1) : match.end(1)])


def find_editor(lines: Sequence[Line]) -> str | None:
    return _first(lines, _EDITOR, ("编",))


def find_reporter(lines: Sequence[Line]) -> str | None:
    return _first(lines, _REPORTER, ("记者",))


def find_author(lines: Sequence[Line]) -> str | None:
    return _first(lines, _AUTHOR, ("作者", "author"))


def find_site(lines: Sequence[Line]) -> str | None:
    """The host that serves this copy, from the strongest evidence the page gives:
    a copyright statement naming the site, the copyright holder, the breadcrumb root, a
    brand line, a company e-mail domain, then an ICP number or a phone number as a key."""
    # Each finder's text, when it has one, looked for once in all the lines: most pages
    # hold few of them, and a finder not run saves a call for each line.
    shadows = "\n".join(line.shadow for line in lines)
    for needle, finder in _SITE_FINDERS:
        if needle and needle not in shadows:
            continue
        for line in lines:
            found = finder(line)
            if found and not SPAM.search(found) and not _LICENCE_PHRASE.search(found):
                return found
    return None


def dateline_title(line: Line) -> tuple[str, str | None] | None:
    """A headline slot holding a wire dateline: (the source, the title after 题：, if any);
    None when the line is no dateline."""
    source = _cut(line, _WIRE)
    if source is None:
        return None
    match = _DATELINE_TITLE.search(line.shadow)
    title = line.text[match.start(1) : match.end(1)].strip() if match else None
    return canonical_source(source) or source, title or None


def find_english_source(first_body_line: Line | None, lines: Sequence[Line]) -> str | None:
    """An English page's source: an agency dateline ("LONDON (Reuters) -") opening the
    body, or a credit line ("This article first appeared in The Guardian")."""
    if first_body_line is not None:
        match = _AGENCY.search(first_body_line.shadow)
        if match:
            return first_body_line.text[match.start(1) : match.end(1)]
    for line in lines:
        if "appeared" in line.shadow or "published" in line.shadow or "ran " in line.shadow:
            found = _cut(line, _FIRST_APPEARED)
            if found:
                return found
    return None


def _first(lines: Sequence[Line], pattern: re.Pattern[str], needles: tuple[str, ...]) -> str | None:
    """The first value `pattern` cuts from a line holding one of `needles` (a substring
    test is much cheaper than a regex search, and most lines hold none)."""
    for line in lines:
        for needle in needles:  # a loop: a generator for any() cost more than the tests
            if needle in line.shadow:
                found = _cut(line, pattern)
                if found:
                    return found
                break
    return None


def _cut(line: Line, pattern: re.Pattern[str], *, prefix_only: bool = False) -> str | None:
    """The first non-empty group of the pattern's match on the shadow, cut from the
    original line and shown in Simplified."""
    match = pattern.search(line.shadow)
    if match is None or (prefix_only and match.start() > 40):
        return None
    for group in range(1, (pattern.groups or 0) + 1):
        if match.group(group):
            value = line.text[match.start(group) : match.end(group)].strip(" :：.,")
            return to_simplified(value) or None
    return None


def _stated_source(line: Line) -> str | None:
    return _cut(line, _STATED_SOURCE) if "注明" in line.shadow else None


def _copyright_holder(line: Line) -> str | None:
    return _cut(line, _HOLDER) if "版权所有" in line.shadow else None


def _rights_holder(line: Line) -> str | None:
    return _cut(line, _RIGHTS_HOLDER) if "rights reserved" in line.shadow else None


def _breadcrumb_site(line: Line) -> str | None:
    if line.kind != "breadcrumb":
        return None
    root = breadcrumb_root(line.shadow)
    if root is None:
        return None
    start = line.shadow.find(root)
    return to_simplified(line.text[start : start + len(root)])


def _brand(line: Line) -> str | None:
    return _cut(line, _BRAND) if line.kind == "brand" else None


def _email_domain(line: Line) -> str | None:
    if "@" not in line.shadow:
        return None
    for match in _EMAIL_DOMAIN.finditer(line.shadow):
        if match.group(1) not in _FREE_MAIL:
            return match.group(1)
    return None


def _icp_number(line: Line) -> str | None:
    match = _ICP.search(line.shadow) if "icp" in line.shadow else None
    return to_simplified(line.text[match.start() : match.end()]) if match else None


def _phone_number(line: Line) -> str | None:
    if line.kind not in {"contact", "widget", None}:
        return None
    match = _PHONE.search(line.shadow)
    return f"tel:{match.group(1)}" if match else None


# `find_site`'s finders, strongest evidence first, each with a text that every line it
# finds a site on holds ("": none), none of which spans lines.
_SITE_FINDERS: tuple[tuple[str, Callable[[Line], str | None]], ...] = (
    ("注明", _stated_source),
    ("版权所有", _copyright_holder),
    ("rights reserved", _rights_holder),
    ("", _breadcrumb_site),
    ("", _brand),
    ("@", _email_domain),
    ("icp", _icp_number),
    ("", _phone_number),
)
