"""Publication date, site and source, measured per site template, against what each page
states; and, for HTML, dedup's extraction against trafilatura's and htmldate's.

Real articles from ../shared/corpora are rendered in the text templates of
tests/syndication.py (which know the date, site and source they write), as text pages and as
HTML pages (each template line a paragraph, under a <title> naming the site). A field is
scored only on pages whose template states it. Prints, per template and format, the share
of pages where dedup gives the stated value; for HTML also the share trafilatura's metadata
(date, sitename) and htmldate (date) get right.

Usage: python benchmarks/eval_metadata.py [--articles N]
"""

from __future__ import annotations

import argparse
import html
import random
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dedup.extract.html import extract_html  # noqa: E402
from dedup.extract.metadata import canonical_source  # noqa: E402
from dedup.extract.text import extract_document  # noqa: E402
from dedup.textops import to_simplified  # noqa: E402
from tests.syndication import _SITES, TEMPLATES, Post, corpora_available, load_articles  # noqa: E402

# What each template states (tests/syndication.py): the date always; the site in its
# breadcrumb, copyright or header; the source in a 来源 label.
STATES_SITE = {"_portal", "_mirror", "_tw"}
STATES_SOURCE = {"_portal", "_mirror", "_tw", "_plain"}


def as_html(text: str, site: str) -> str:
    lines = "".join(f"<p>{html.escape(line)}</p>" for line in text.splitlines())
    return f"<html><head><title>{html.escape(site)}</title></head><body>{lines}</body></html>"


def day(value: str | None) -> str:
    return (value or "")[:10]


def score(articles: int, seed: int) -> dict[tuple[str, str, str], list[bool]]:
    rng = random.Random(seed)
    found, _ = load_articles(articles, seed)
    results: dict[tuple[str, str, str], list[bool]] = defaultdict(list)
    for article in found:
        for template in TEMPLATES:
            site, province = rng.choice(_SITES)
            source = rng.choice(["新华社", "人民网", "中新网"])
            post = Post(site, province, article.title, article.date, source, article.paragraphs)
            text = template(post, rng)
            name = template.__name__
            for fmt, document in (
                ("text", extract_document(text, "x")),
                ("html", extract_html(as_html(text, site), "x")),
            ):
                results[(name, fmt, "date")].append(day(document.published) == day(post.date))
                if name in STATES_SITE:
                    results[(name, fmt, "site")].append(to_simplified(document.site or "") == site)
                if name in STATES_SOURCE:
                    results[(name, fmt, "source")].append(
                        canonical_source(document.source) == source
                    )
            page = as_html(text, site)
            results[(name, "html/trafilatura", "date")].append(
                day(_trafilatura(page).get("date")) == day(post.date)
            )
            if name in STATES_SITE:
                results[(name, "html/trafilatura", "site")].append(
                    to_simplified(_trafilatura(page).get("sitename") or "") == site
                )
            results[(name, "html/htmldate", "date")].append(day(_htmldate(page)) == day(post.date))
    return results


def _trafilatura(page: str) -> dict[str, str]:
    from trafilatura import extract_metadata

    metadata = extract_metadata(page)
    if metadata is None:
        return {}
    return {"date": metadata.date or "", "sitename": metadata.sitename or ""}


def _htmldate(page: str) -> str | None:
    from htmldate import find_date

    return find_date(page, extensive_search=True, original_date=True)  # type: ignore[no-any-return]


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--articles", type=int, default=100)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    if not corpora_available():
        print("../shared/corpora is absent: nothing to measure")
        return 0
    results = score(args.articles, args.seed)
    print(f"{'template':<10} {'extractor':<18} {'field':<7} {'right':>7}  pages")
    totals: dict[tuple[str, str], list[bool]] = defaultdict(list)
    for (template, fmt, field), hits in sorted(results.items()):
        print(f"{template:<10} {fmt:<18} {field:<7} {sum(hits) / len(hits):>7.1%}  {len(hits)}")
        totals[(fmt, field)] += hits
    print()
    for (fmt, field), hits in sorted(totals.items()):
        print(f"all        {fmt:<18} {field:<7} {sum(hits) / len(hits):>7.1%}  {len(hits)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
