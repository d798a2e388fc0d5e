"""Raw page -> Document: the article body, separated from the page around it, and its metadata.

A scraped page is navigation, sidebars, a headline, a metadata line, the article, and a footer
of licences, contacts and spam. The body runs from the first to the last line that reads as
prose and is not boilerplate; the title is the headline just above it; the metadata come from
the lines around it. Everything is read on line shadows (Simplified, half-width), so a
Traditional copy is read exactly like its Simplified original.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from dedup import metadata
from dedup.boilerplate import GLUED_META, classify, is_prose, spam_terms, strip_bullet
from dedup.metadata import Line
from dedup.models import Document
from dedup.textops import clean_residue, shadow, strip_pinyin

# Inline noise inside article lines: "广告 <ad text> ×" and IT之家-style ad disclaimers.
_INLINE_NOISE = re.compile(r"广告\s[^。!?\n]{1,80}?\s?×|广告声明[:].{0,200}?本声明。?")
_TITLE_BRACKETS = re.compile(r"^[\[【](.+)[\]】]$")
_MIN_TITLE, _MAX_TITLE = 4, 200
_MIN_FALLBACK_BODY = 15
_MIN_GLUED_REST = 10


def extract_document(text: str, doc_id: str, path: str | None = None) -> Document:
    """Extract the article and its metadata from one scraped text page.

    Example:
        >>> page = "首页 > 新闻\\n标题在这里\\n2024-07-05 来源:示例网\\n" + "正文" * 20 + "。"
        >>> doc = extract_document(page, "a.txt")
        >>> doc.title, doc.published, doc.source
        ('标题在这里', '2024-07-05', '示例网')
    """
    page, pinyin_count = strip_pinyin(clean_residue(text))
    lines = _split_glued_metadata([Line(raw, shadow(raw)) for raw in _page_lines(page)])
    kinds = [classify(line.shadow) for line in lines]
    start, end = _body_span(lines, kinds)
    body_lines = [
        _remove_inline_noise(lines[index]) for index in range(start, end) if kinds[index] is None
    ]
    body = "\n".join(line for line in body_lines if line)
    title_index = _title_index(lines, kinds, start)
    header = _header(lines, kinds, title_index, start)
    first_body = lines[start] if start < end else None
    around = [lines[index] for index in range(len(lines)) if not start <= index < end]
    return Document(
        doc_id=doc_id,
        path=path,
        body=body,
        title=_title(lines[title_index]) if title_index is not None else None,
        published=metadata.find_published(header),
        site=metadata.find_site(around),
        source=metadata.find_source(header, first_body),
        author=metadata.find_author(header),
        editor=metadata.find_editor(around),
        reporter=metadata.find_reporter(lines[start : start + 1]),
        pinyin_annotated=pinyin_count > 0,
        spam_injected=any(spam_terms(line.shadow) for line in lines),
    )


def _page_lines(page: str) -> list[str]:
    return [stripped for raw in page.splitlines() if (stripped := raw.strip())]


def _split_glued_metadata(lines: list[Line]) -> list[Line]:
    """Cut "发表时间:… 来源:… 浏览:次今天上午,…" into its metadata and its first paragraph."""
    result: list[Line] = []
    for line in lines:
        match = GLUED_META.match(line.shadow)
        rest = line.shadow[match.end() :] if match else ""
        if match and match.end() > 0 and len(rest.strip()) >= _MIN_GLUED_REST:
            cut = match.end()
            result.append(Line(line.text[:cut].strip(), line.shadow[:cut].strip()))
            result.append(Line(line.text[cut:].strip(), rest.strip()))
        else:
            result.append(line)
    return result


def _body_span(lines: Sequence[Line], kinds: Sequence[str | None]) -> tuple[int, int]:
    """[start, end) of the lines from the first to the last prose line that is not
    boilerplate; without prose, the longest candidate line if it is long enough."""
    prose = [i for i, line in enumerate(lines) if kinds[i] is None and is_prose(line.shadow)]
    if prose:
        return prose[0], prose[-1] + 1
    candidates = [i for i, kind in enumerate(kinds) if kind is None]
    if not candidates:
        return 0, 0
    longest = max(candidates, key=lambda i: (len(lines[i].shadow), -i))
    if len(lines[longest].shadow) < _MIN_FALLBACK_BODY:
        return 0, 0
    return longest, longest + 1


def _remove_inline_noise(line: Line) -> str:
    text, cuts = line.text, list(_INLINE_NOISE.finditer(line.shadow))
    for match in reversed(cuts):
        text = text[: match.start()] + text[match.end() :]
    return text.strip()


def _title_index(lines: Sequence[Line], kinds: Sequence[str | None], start: int) -> int | None:
    """The headline: the nearest line above the body that is neither boilerplate nor
    metadata and is of headline length."""
    for index in range(start - 1, -1, -1):
        kind = kinds[index]
        if kind in {"meta", "video", "empty"}:
            continue
        if kind is not None:
            return None
        length = len(strip_bullet(lines[index].shadow))
        if _MIN_TITLE <= length <= _MAX_TITLE and not is_prose(lines[index].shadow):
            return index
        return None
    return None


def _title(line: Line) -> str:
    text = line.text.strip()
    match = _TITLE_BRACKETS.match(text)
    return match.group(1).strip() if match else text


def _header(
    lines: Sequence[Line], kinds: Sequence[str | None], title_index: int | None, start: int
) -> list[Line]:
    """The metadata lines between the headline and the body (and just above the headline)."""
    first = max(0, (title_index if title_index is not None else start) - 2)
    return [lines[i] for i in range(first, start) if kinds[i] == "meta"]
