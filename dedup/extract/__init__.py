"""Raw page -> Document: the article body, separated from the page around it, and metadata.

Text pages go through the line classifier (`dedup.extract.text`); HTML pages are pre-cleaned
and their main text found with trafilatura, then the same line classifier
(`dedup.extract.html`); the body's language comes from `dedup.extract.language`. What a
container states (a JSON record's title, a WARC's URL) wins
over what is read from the page.
"""

from __future__ import annotations

from dataclasses import replace

from dedup.extract.html import extract_html
from dedup.extract.language import detect_language
from dedup.extract.metadata import parse_date, site_key
from dedup.extract.text import extract_document
from dedup.models import Document
from dedup.readers.formats import RawPage

__all__ = ["extract_document", "extract_html", "extract_page", "looks_like_html"]

_HTML_MARKERS = ("<html", "<body", "<div", "<p>", "<p ", "<head", "<!doctype", "<article")


def looks_like_html(text: str) -> bool:
    """Whether a page given as a string is HTML rather than text."""
    head = text[:2048].lstrip().lower()
    return head.startswith("<") and any(marker in head for marker in _HTML_MARKERS)


def extract_page(page: RawPage) -> Document:
    """Extract one raw page, with the metadata its container states taking precedence."""
    states_nothing = not (page.url or page.site or page.title or page.published or page.mojibake)
    if page.kind == "html":
        document = extract_html(page.text, page.doc_id, page.path, url=page.url)
    elif states_nothing:
        # The page's own reading stands: the document is made once, with its language (a
        # copy made to add it cost as much as the making).
        return extract_document(page.text, page.doc_id, page.path, language=True)
    else:
        document = extract_document(page.text, page.doc_id, page.path)
    if states_nothing:
        return replace(document, lang=detect_language(document.body))
    site = page.site or document.site
    return replace(
        document,
        url=page.url or document.url,
        title=page.title or document.title,
        published=parse_date(page.published) or document.published,
        site=site,
        site_key=site_key(site, page.url) if page.url or page.site else document.site_key,
        mojibake=page.mojibake or document.mojibake,
        lang=detect_language(document.body),
    )
