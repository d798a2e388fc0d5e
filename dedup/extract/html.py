"""HTML page -> Document: a cleaned DOM, trafilatura's main text, and the line classifier.

The DOM is pre-cleaned first (scripts, styles, ruby pinyin ``rt``/``rp``/``rtc``, ``dfn``
residue, hidden elements), so neither extractor sees what a reader never sees. trafilatura
finds the main text on div layouts; the page flattened to lines and read by the text
classifier is the fallback, and wins on old table layouts where trafilatura returns the whole
page or too little. Metadata come from the page's own tags (og:, JSON-LD, meta dates, the
<title> suffix) before the Chinese labels in its text.
"""

from __future__ import annotations

import copy
import logging
import re
from dataclasses import replace
from typing import Any

from dedup import safejson
from dedup.extract.metadata import canonical_source, parse_date, site_key
from dedup.extract.text import extract_document
from dedup.models import Document
from dedup.textops import to_simplified

logger = logging.getLogger(__name__)

_DROP = (
    "//script|//style|//noscript|//template|//iframe|//svg|//canvas|//select|//button"
    "|//rt|//rp|//rtc|//dfn|//*[@hidden]|//*[@aria-hidden='true']"
    "|//*[contains(translate(@style,' ',''),'display:none')]"
    "|//*[contains(translate(@style,' ',''),'visibility:hidden')]"
)
_BLOCKS = frozenset(
    [
        "p",
        "div",
        "br",
        "li",
        "ul",
        "ol",
        "tr",
        "td",
        "th",
        "table",
        "tbody",
        "thead",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "section",
        "article",
        "header",
        "footer",
        "nav",
        "aside",
        "main",
        "dd",
        "dt",
        "dl",
        "blockquote",
        "pre",
        "form",
        "hr",
        "figure",
        "figcaption",
        "address",
        "center",
    ]
)
_TITLE_SUFFIX = re.compile(r"\s*(?:[-_|–—·]|\s-\s)\s*")
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
# A tag of more than 8 KB of attributes holds no text, and libxml2 checks each attribute
# against the others (80,000 attributes take 40 s): it keeps its name only.
_HUGE_TAG = re.compile(r"<([A-Za-z][\w:-]*)[^<>]{8192,}>")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# trafilatura's text is kept only when it is at least this share of the line reader's body.
_MIN_SHARE = 0.6
_PUBLISHED_META = (
    "article:published_time",
    "og:article:published_time",
    "og:published_time",
    "publishdate",
    "publish_date",
    "pubdate",
    "publish-date",
    "datepublished",
    "dc.date.issued",
    "dc.date",
    "firstpublishedtime",
)
_SOURCE_META = ("contentsource", "source", "article:source", "og:source")


def extract_html(
    html: str, doc_id: str, path: str | None = None, *, url: str | None = None
) -> Document:
    """Extract the article and its metadata from one HTML page."""
    tree = _parse(html)
    if tree is None:
        return replace(extract_document(_strip_tags(html), doc_id, path), url=url)
    meta = _page_metadata(tree)
    ruby = bool(tree.xpath("//rt"))  # pinyin ruby: evidence of a mirror, as in text pages
    _clean(tree)
    lines_doc = extract_document(_flatten(copy.deepcopy(tree)), doc_id, path)
    # The page's own address: the container's, else what the page declares (canonical link,
    # og:url), so a copy saved under any file name keeps its site key and index id.
    url = url or meta.get("url")
    body = _main_text(tree, url, lines_doc.body)
    site = meta.get("site") or lines_doc.site
    return replace(
        lines_doc,
        url=url,
        body=body,
        title=meta.get("title") or lines_doc.title,
        published=meta.get("published") or lines_doc.published,
        site=site,
        site_key=site_key(site, url),
        source=meta.get("source") or lines_doc.source,
        author=meta.get("author") or lines_doc.author,
        pinyin_annotated=ruby or lines_doc.pinyin_annotated,
    )


def _parse(html: str) -> Any:
    import lxml.etree
    import lxml.html

    # lxml refuses control characters (and NUL) anywhere in a document: drop them first.
    text = _CONTROL.sub("", _XML_DECLARATION.sub("", html, count=1))
    text = _HUGE_TAG.sub(r"<\1>", text)
    if not text.strip():
        return None
    try:
        return lxml.html.document_fromstring(text)
    except (lxml.etree.ParserError, ValueError):
        return None


def _strip_tags(html: str) -> str:
    return re.sub(r"<[^>]{0,2000}>", "\n", html)


def _clean(tree: Any) -> None:
    for element in tree.xpath(_DROP):
        if element.getparent() is not None:
            element.drop_tree()


def _flatten(tree: Any) -> str:
    """The page's text with a line break around every block element, as a browser shows it."""
    for element in tree.iter():
        if isinstance(element.tag, str) and element.tag.lower() in _BLOCKS:
            element.tail = "\n" + (element.tail or "")
            if element.tag.lower() != "br":
                element.text = "\n" + (element.text or "")
    return str(tree.text_content())


def _main_text(tree: Any, url: str | None, fallback: str) -> str:
    """trafilatura's main text, cleaned by the line classifier; the fallback when it found
    nothing or too little."""
    import trafilatura

    try:
        found = trafilatura.extract(
            copy.deepcopy(tree),
            url=url,
            include_comments=False,
            include_tables=True,
            deduplicate=False,
            with_metadata=False,
        )
    except Exception as error:  # noqa: BLE001 - a third-party extractor must not stop a scan
        logger.debug("trafilatura failed (%s); using the line reader", error)
        found = None
    if not found:
        return fallback
    cleaned = extract_document(found, doc_id="").body
    # Shorter than the line reader's body: trafilatura left out sidebars the line reader kept.
    # Much shorter: it dropped paragraphs. Longer: it dumped a table layout whole.
    if _MIN_SHARE * len(fallback) <= len(cleaned) <= len(fallback):
        return cleaned
    return fallback


def _page_metadata(tree: Any) -> dict[str, str]:
    """Title, site, date, source and author stated by tags, before any cleaning."""
    metas: dict[str, str] = {}
    for element in tree.xpath("//meta[@content]"):
        key = (
            element.get("property") or element.get("name") or element.get("itemprop") or ""
        ).lower()
        if key and key not in metas and element.get("content", "").strip():
            metas[key] = element.get("content").strip()
    ld = _json_ld(tree)
    title_tag = " ".join(tree.xpath("//title//text()")).strip()
    found = {
        "title": metas.get("og:title") or ld.get("headline") or _first_h1(tree),
        "site": metas.get("og:site_name") or ld.get("publisher") or _title_suffix(title_tag),
        "published": next(
            (iso for key in _PUBLISHED_META if (iso := parse_date(metas.get(key)))), None
        )
        or parse_date(ld.get("datePublished")),
        "source": next((metas[key] for key in _SOURCE_META if metas.get(key)), None),
        "author": metas.get("author") or ld.get("author"),
        "url": _absolute_url(_canonical_link(tree) or metas.get("og:url")),
    }
    if found["site"]:
        found["site"] = to_simplified(found["site"])
    found["source"] = canonical_source(found["source"])
    return {key: value.strip() for key, value in found.items() if value and value.strip()}


def _canonical_link(tree: Any) -> str | None:
    for element in tree.xpath("//link[@href]"):
        if "canonical" in (element.get("rel") or "").lower().split():
            return str(element.get("href"))
    return None


def _absolute_url(value: str | None) -> str | None:
    """A declared URL when it is absolute (http or https); relative ones say too little."""
    value = (value or "").strip()
    return value if value.lower().startswith(("http://", "https://")) else None


def _first_h1(tree: Any) -> str | None:
    for element in tree.xpath("//h1"):
        text = " ".join(element.text_content().split())
        if 4 <= len(text) <= 200:
            return text
    return None


def _title_suffix(title: str) -> str | None:
    parts = [part for part in _TITLE_SUFFIX.split(title) if part.strip()]
    if len(parts) >= 2 and 2 <= len(parts[-1]) <= 20:
        return parts[-1].strip()
    return None


def _json_ld(tree: Any) -> dict[str, str]:
    found: dict[str, str] = {}
    for script in tree.xpath("//script[@type='application/ld+json']"):
        try:
            data = safejson.loads(script.text or "")
        except ValueError:
            continue
        for item in data if isinstance(data, list) else [data]:
            if not isinstance(item, dict):
                continue
            for key in ("headline", "datePublished"):
                if isinstance(item.get(key), str):
                    found.setdefault(key, item[key])
            for key in ("publisher", "author"):
                value = item.get(key)
                name = value.get("name") if isinstance(value, dict) else value
                if isinstance(name, str):
                    found.setdefault(key, name)
    return found
