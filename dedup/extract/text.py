"""Text page -> Document: the line classifier that finds the article and its metadata.

A scraped page is navigation, sidebars, a headline, a metadata line, the article, and a footer
of licences, contacts and spam. The body runs from the first to the last line that reads as
prose and is not boilerplate; the title is the headline just above it; the metadata come from
the lines around it. Everything is read on line shadows (Simplified, half-width), so a
Traditional copy is read exactly like its Simplified original.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from dedup.extract import metadata
from dedup.extract.boilerplate import (
    DATE,
    GLUED_META,
    SPAM,
    classify_line,
    count_cjk,
    count_matches,
    noise_spans,
    strip_bullet,
)
from dedup.extract.language import detect_language
from dedup.extract.metadata import Line
from dedup.models import Document
from dedup.textops import clean_residue, shadow, strip_pinyin

_TITLE_BRACKETS = re.compile(r"^[\[【](.+)[\]】]$")
_TITLE_LABEL = re.compile(r"^\s*(?:标题|title)\s*[:]\s*")
# "原标题：…" names the title a copy had elsewhere: the page's own headline is above it.
_ORIGINAL_TITLE = re.compile(r"^\s*[\[【(]?\s*原标题")
# A dated line of page widgets ("【字号 大 中 小】 2016-08-14 阅读(4783)") is metadata.
_WIDGET_META = re.compile(r"字号|阅读\s*\(|浏览\s*\(|点击\s*\(")
# A line of three or more short items between separators is a menu, never a body.
_MENU_SEPARATORS = re.compile(r"\s*[|/·•>»]\s*|\s{2,}")
_MAX_MENU_ITEM = 8
_MIN_TITLE, _MAX_TITLE = 4, 200
# Lines a page may put between its headline and its body: metadata, a video stub, a style
# sheet or script flattened into the text, the site's promotion.
_BETWEEN_TITLE_AND_BODY = frozenset({"meta", "video", "empty", "code", "promo"})
_MIN_FALLBACK_BODY = 15
_MIN_WRAPPED_LINES = 3
_MIN_WRAP_WIDTH = 40  # display columns: 20 CJK characters
_WRAP_SLACK = 2
_WIDE = re.compile(
    "[\u1100-\u115f\u2e80-\u303e\u3041-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f"
    "\uff00-\uff60\uffe0-\uffe6\U00020000-\U0003fffd]"
)
_CJK_ANY = re.compile(r"[\u3400-\u9fff]")
_CJK_END = re.compile(r"[\u3400-\u9fff\uf900-\ufaff，。、；：！？）」』”]$")
_MIN_GLUED_REST = 10
# How an English line opens when it is a new item (a headline, a bullet), not a wrapped one.
_STARTS_ITEM = re.compile(r"^(?:[-•*·]|[A-Z\"“‘'])")
# Where a line ends a sentence (closing quotes and brackets after the stop), and the least
# that is a sentence rather than a fragment.
_ENDS_SENTENCE = re.compile(r"[。！？!?；;.…][\"'”’」』）)\]]*$")
_MIN_SENTENCE_CJK = 6
_MIN_SENTENCE_WORDS = 4
_WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?")
# A lead without its full stop: 15 CJK characters with a clause break (30 without), or
# 6 words.
_CLAUSE = re.compile(r"[，,、；;：:]")
_MIN_UNSTOPPED_CJK = 15
_MIN_UNSTOPPED_WORDS = 6


def extract_document(
    text: str, doc_id: str, path: str | None = None, *, language: bool = False
) -> Document:
    """Extract the article and its metadata from one scraped text page; with `language`,
    the body's language too (`Document.lang`, else None).

    Example:
        >>> page = "首页 > 新闻\\n标题在这里\\n2024-07-05 来源:示例网\\n" + "正文" * 20 + "。"
        >>> doc = extract_document(page, "a.txt")
        >>> doc.title, doc.published, doc.source
        ('标题在这里', '2024-07-05', '示例网')
    """
    page, pinyin_count = strip_pinyin(clean_residue(text))
    page_shadow = shadow(page)  # once per page: shadows keep every character in place
    # A line without a spam term on a page without one (most pages) is not searched for one.
    spam_on_page = SPAM.search(page_shadow) is not None
    lines = _unwrap(
        _classified(_split_glued_metadata(_page_lines(page, page_shadow)), spam_on_page)
    )
    kinds = [_kind_of(line) for line in lines]
    start, end = _body_span(lines, kinds)
    body_lines = [
        _remove_inline_noise(lines[index]) for index in range(start, end) if kinds[index] is None
    ]
    body = "\n".join(line for line in body_lines if line)
    title_index = _title_index(lines, kinds, start)
    header = _header(lines, kinds, title_index, start)
    first_body = lines[start] if start < end else None
    around = lines[:start] + lines[end:]
    site = metadata.find_site(around)
    title = _title(lines[title_index]) if title_index is not None else None
    source = metadata.find_source(header, first_body)
    dateline = metadata.dateline_title(lines[title_index]) if title_index is not None else None
    if dateline is not None:  # a wire dateline in the headline's place is the source
        source, title = source or dateline[0], dateline[1]
    if source is None and body and not _CJK_ANY.search(body[:200]):
        source = metadata.find_english_source(first_body, lines)
    return Document(
        doc_id=doc_id,
        path=path,
        body=body,
        title=title,
        published=metadata.find_published(header),
        site=site,
        site_key=metadata.site_key(site),
        source=source,
        author=metadata.find_author(header),
        editor=metadata.find_editor(around),
        reporter=metadata.find_reporter(lines[start : start + 1]),
        pinyin_annotated=pinyin_count > 0,
        spam_injected=spam_on_page,
        lang=detect_language(body) if language else None,
    )


def _page_lines(page: str, page_shadow: str) -> list[tuple[str, str]]:
    """The non-empty lines of a page, stripped, each with its slice of the page's shadow.

    The shadow of a space is a space and of a line break a line break (tested): the shadow
    of a line, stripped, is the slice of the stripped line.
    """
    lines = zip(map(str.strip, page.splitlines()), page_shadow.splitlines(), strict=True)
    return [(text, raw_shadow.strip()) for text, raw_shadow in lines if text]


def _kind_of(line: Line) -> str | None:
    if line.kind is None and not line.prose and _WIDGET_META.search(line.shadow):
        return "meta" if DATE.search(line.shadow) else line.kind
    return line.kind


def _is_menu(shadow_line: str) -> bool:
    items = [item for item in _MENU_SEPARATORS.split(shadow_line.strip()) if item]
    return len(items) >= 3 and all(len(item) <= _MAX_MENU_ITEM for item in items)


def _classified(lines: list[tuple[str, str]], spam_on_page: bool) -> list[Line]:
    classified = []
    for text, shadow_line in lines:
        kind, prose = classify_line(shadow_line, spam_on_page)
        classified.append(Line(text, shadow_line, kind, prose and not _is_headline(text)))
    return classified


# An English line may quote a Chinese name or two; a line with more ideographs is Chinese.
_CJK_IN_ENGLISH = 5
_CAPITALISED = re.compile(r"\b[A-Z][a-z'’-]{3,}")
_LONG_WORD = re.compile(r"\b[A-Za-z][a-z'’-]{3,}")


def _is_headline(text: str) -> bool:
    """An English line in title case ("Kanye West Embarked on a Pro-Trump Diatribe") is a
    headline, in a related-links list say, however many words it has: most of its words of
    four letters or more are capitalised, where a sentence capitalises only its names."""
    if not text[:1].isascii() or count_cjk(text) >= _CJK_IN_ENGLISH:
        return False  # a Chinese paragraph that opens with a name ("IT之家11月4日消息 …")
    words = _LONG_WORD.findall(text)
    return len(words) >= 4 and len(_CAPITALISED.findall(text)) >= 0.7 * len(words)


def _split_glued_metadata(lines: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Cut "发表时间:… 来源:… 浏览:次今天上午,…" (a line and its shadow) into its metadata
    and its first paragraph."""
    result: list[tuple[str, str]] = []
    for line in lines:
        text, shadow_line = line
        if ":" not in shadow_line:  # every label GLUED_META matches ends with a colon
            result.append(line)
            continue
        match = GLUED_META.match(shadow_line)
        rest = shadow_line[match.end() :] if match else ""
        if match and match.end() > 0 and len(rest.strip()) >= _MIN_GLUED_REST:
            cut = match.end()
            result.append((text[:cut].strip(), shadow_line[:cut].strip()))
            result.append((text[cut:].strip(), rest.strip()))
        else:
            result.append(line)
    return result


def _unwrap(lines: list[Line]) -> list[Line]:
    """Join hard-wrapped paragraphs: runs of three or more candidate lines cut at one column
    width (the last line of a paragraph may be shorter). A wrapped line is often too short to
    read as prose on its own, and a paragraph's short last line would fall outside the body."""
    out: list[Line] = []
    run_end = 0
    for index, line in enumerate(lines):
        if index < run_end:
            continue  # joined into the line before
        # Only a candidate line as wide as a wrap can open a run (most lines are not).
        if line.kind is None and len(line.text) >= _MIN_WRAP_WIDTH // 2:
            end = _wrapped_run_end(lines, index)
            if end - index >= _MIN_WRAPPED_LINES:
                out.append(_joined(lines[index:end]))
                run_end = end
                continue
        out.append(line)
    return out


def _joined(run: Sequence[Line]) -> Line:
    """The lines of a hard-wrapped run as one line, classified."""
    joiner = "" if _CJK_END.search(run[0].text) else " "
    shadow_text = joiner.join(line.shadow for line in run)
    text = joiner.join(line.text for line in run)
    # Searched for spam: a term may have been cut at a line's end.
    return Line(text, shadow_text, *classify_line(shadow_text))


def _wrapped_run_end(lines: Sequence[Line], start: int) -> int:
    """End (exclusive) of the hard-wrapped run starting at `start`, or `start` + 1.

    Wrapping tools cut at a character count or at a display width (CJK counts two columns):
    a line belongs to the run when either measure matches the first line's. Display widths
    are computed only when the character counts disagree.
    """
    first = lines[start]
    if (
        first.kind is not None
        or len(first.text) < _MIN_WRAP_WIDTH // 2
        or start + _MIN_WRAPPED_LINES > len(lines)
        or any(line.kind is not None for line in lines[start + 1 : start + _MIN_WRAPPED_LINES])
    ):
        return start + 1
    chars = len(first.text)
    width = _display_width(first.text) if chars < _MIN_WRAP_WIDTH else 0
    if chars < _MIN_WRAP_WIDTH and width < _MIN_WRAP_WIDTH:
        return start + 1
    end = start + 1
    latin = first.text[:1].isascii()
    while end < len(lines) and lines[end].kind is None:
        line = lines[end].text
        if latin and _STARTS_ITEM.match(line):
            break  # an English line that starts a sentence or an item: a list, not a wrap
        longer = len(line) > chars + _WRAP_SLACK
        shorter = len(line) < chars - _WRAP_SLACK
        if longer or shorter:
            width = width or _display_width(first.text)
            line_width = _display_width(line)
            longer = longer and line_width > width + 2 * _WRAP_SLACK
            shorter = shorter and line_width < width - 2 * _WRAP_SLACK
        if longer:
            break
        end += 1
        if shorter:
            break  # the short last line of the paragraph
    return end


# A line's width is asked for when it is the first of a run and again when it follows one:
# the last lines measured are remembered.
@lru_cache(maxsize=256)
def _display_width(text: str) -> int:
    """Columns a terminal gives the text: two for each wide (East Asian) character."""
    return len(text) + count_matches(_WIDE, text)


def _body_span(lines: Sequence[Line], kinds: Sequence[str | None]) -> tuple[int, int]:
    """[start, end) of the lines from the first to the last prose line that is not
    boilerplate; without prose, the longest candidate line if it is long enough; then
    widened over the sentences next to it (`_widened`)."""
    prose = [i for i, line in enumerate(lines) if kinds[i] is None and line.prose]
    if prose:
        return _widened(lines, kinds, prose[0], prose[-1] + 1)
    candidates = [i for i, kind in enumerate(kinds) if kind is None]
    if not candidates:
        return 0, 0
    longest = max(candidates, key=lambda i: (len(lines[i].shadow), -i))
    if len(lines[longest].shadow) < _MIN_FALLBACK_BODY or _is_menu(lines[longest].shadow):
        return 0, 0
    return _widened(lines, kinds, longest, longest + 1)


def _widened(
    lines: Sequence[Line], kinds: Sequence[str | None], start: int, end: int
) -> tuple[int, int]:
    """The span grown over the article lines too short to read as prose on their own: a
    page of one short sentence a line has few prose lines, and its body would be one of
    them. Below the span, lines that end a sentence; above it too, and long lines without a
    full stop (a lead, a summary) when a metadata line (a date, a byline) closes them from
    above: without one, such a line is the headline."""
    while end < len(lines) and kinds[end] is None and _is_sentence(lines[end].text):
        end += 1
    first = start
    while first > 0 and kinds[first - 1] is None and _reads_as_text(lines[first - 1].text):
        first -= 1
    if first == 0 or kinds[first - 1] != "meta":
        while first < start and not _is_sentence(lines[first].text):
            first += 1
    return first, end


def _is_sentence(text: str) -> bool:
    """A line that ends a sentence and is more than a fragment ("完。", "Read more.")."""
    if not _ENDS_SENTENCE.search(text) or _is_headline(text) or _is_menu(text):
        return False
    cjk = count_matches(_CJK_ANY, text)
    if cjk:
        return cjk >= _MIN_SENTENCE_CJK
    return len(_WORD.findall(text)) >= _MIN_SENTENCE_WORDS


def _reads_as_text(text: str) -> bool:
    """A sentence, or a long line with a clause break: what a lead that lost its full stop
    looks like (headlines and menu items are shorter)."""
    if _is_sentence(text):
        return True
    if _is_headline(text) or _is_menu(text):
        return False
    cjk = count_matches(_CJK_ANY, text)
    if cjk:
        return cjk >= _MIN_UNSTOPPED_CJK and (
            cjk >= 2 * _MIN_UNSTOPPED_CJK or bool(_CLAUSE.search(text))
        )
    return len(_WORD.findall(text)) >= _MIN_UNSTOPPED_WORDS


def _remove_inline_noise(line: Line) -> str:
    text = line.text
    for start, end in reversed(_merge(noise_spans(line.shadow))):
        text = text[:start] + text[end:]
    return text.strip()


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _title_index(lines: Sequence[Line], kinds: Sequence[str | None], start: int) -> int | None:
    """The headline: the nearest line above the body that is neither boilerplate nor
    metadata and is of headline length."""
    for index in range(start - 1, -1, -1):
        kind = kinds[index]
        if kind in _BETWEEN_TITLE_AND_BODY:
            continue
        if kind is not None:
            return None
        if _ORIGINAL_TITLE.match(lines[index].shadow):
            continue
        length = len(strip_bullet(lines[index].shadow))
        if _MIN_TITLE <= length <= _MAX_TITLE and not lines[index].prose:
            return index
        return None
    return None


def _title(line: Line) -> str:
    text = line.text.strip()
    label = _TITLE_LABEL.match(line.shadow.strip())
    text = text[label.end() :].strip() if label else text
    match = _TITLE_BRACKETS.match(text)
    return match.group(1).strip() if match else text


def _header(
    lines: Sequence[Line], kinds: Sequence[str | None], title_index: int | None, start: int
) -> list[Line]:
    """The metadata lines between the headline and the body (and just above the headline)."""
    first = max(0, (title_index if title_index is not None else start) - 2)
    return [lines[i] for i in range(first, start) if kinds[i] == "meta"]
