"""Extraction throughput per input format, and body-extraction accuracy on pages we built.

Real articles from ../shared/corpora are rendered into text templates (benchmarks/
syndication.py) and HTML templates (tests/pages.py: a div layout with a related-articles
sidebar, an old GBK table layout, a ruby-pinyin spam mirror, a heavy portal), then packed as
files, JSON Lines and WARC. For each format it prints pages/s (reading + decoding +
extraction, one process) and the body accuracy: token F1 between the extracted body and the
article as written (tokens as fingerprints see them), mean and share of pages at F1 >= 0.95.
For HTML it also compares the combined extractor with its two halves.

Usage: python benchmarks/bench_extract.py [--articles N]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dedup.extract import extract_page  # noqa: E402
from dedup.extract import html as html_extract  # noqa: E402
from dedup.extract import text as text_extract  # noqa: E402
from dedup.fingerprint.normalize import tokenize  # noqa: E402
from dedup.readers import InputFile, RawPage, read_pages  # noqa: E402
from tests.pages import div_layout, heavy_template, ruby_mirror, table_layout, warc_bytes  # noqa: E402
from tests.syndication import TEMPLATES, Post, corpora_available, load_articles  # noqa: E402

HTML_TEMPLATES: dict[str, Callable[[str, list[str]], str]] = {
    "div+sidebar": div_layout,
    "table (gbk)": table_layout,
    "ruby mirror": ruby_mirror,
    "heavy portal": heavy_template,
}


def token_f1(found: str, truth: str) -> float:
    found_tokens, true_tokens = Counter(tokenize(found)), Counter(tokenize(truth))
    shared = sum((found_tokens & true_tokens).values())
    if not shared:
        return 0.0
    precision = shared / sum(found_tokens.values())
    recall = shared / sum(true_tokens.values())
    return 2 * precision * recall / (precision + recall)


def measure(name: str, folder: Path, truths: dict[str, str]) -> tuple[float, list[float]]:
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    started = time.perf_counter()
    scores: list[float] = []
    pages = 0
    for path in files:
        for page in read_pages(InputFile(str(path), path.relative_to(folder).as_posix())):
            if isinstance(page, RawPage):
                document = extract_page(page)
                pages += 1
                scores.append(token_f1(document.body, truths[document.doc_id]))
    seconds = time.perf_counter() - started
    rate = pages / seconds
    mean = sum(scores) / len(scores)
    good = sum(score >= 0.95 for score in scores) / len(scores)
    print(
        f"{name:<22} {pages:>5} pages  {rate:>7.0f} pages/s  "
        f"body F1 mean {mean:.3f}  >=0.95: {good:.1%}"
    )
    return rate, scores


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=300)
    args = parser.parse_args()
    if not corpora_available():
        print("benchmark needs ../shared/corpora beside the repository", file=sys.stderr)
        return 2
    rng = random.Random(5)
    articles, _ = load_articles(args.articles, seed=5)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        truths: dict[str, str] = {}
        text_dir, html_dir, jsonl_dir, warc_dir = (
            root / n for n in ("text", "html", "jsonl", "warc")
        )
        for folder in (text_dir, html_dir, jsonl_dir, warc_dir):
            folder.mkdir()
        records, warc_pages = [], []
        html_by_template: dict[str, list[tuple[str, str]]] = {name: [] for name in HTML_TEMPLATES}
        for number, article in enumerate(articles):
            truth = "\n".join(article.paragraphs)
            template = TEMPLATES[number % len(TEMPLATES)]
            post = Post(
                "江南日报网", "沪", article.title, article.date, "新华社", article.paragraphs
            )
            (text_dir / f"{number}.txt").write_text(template(post, rng), "utf-8")
            truths[f"{number}.txt"] = truth
            name = list(HTML_TEMPLATES)[number % len(HTML_TEMPLATES)]
            html = HTML_TEMPLATES[name](article.title, article.paragraphs)
            encoding = "gbk" if name.startswith("table") else "utf-8"
            try:
                (html_dir / f"{number}.html").write_bytes(html.encode(encoding))
            except UnicodeEncodeError:
                (html_dir / f"{number}.html").write_bytes(
                    html.replace("charset=gb2312", "charset=utf-8").encode()
                )
            truths[f"{number}.html"] = truth
            html_by_template[name].append((f"{number}.html", html))
            records.append(json.dumps({"id": str(number), "html": html}, ensure_ascii=False))
            truths[f"feed.jsonl#{number}"] = truth
            url = f"https://news.example.com.cn/{number}.html"
            warc_pages.append((url, "text/html; charset=utf-8", html))
            truths[url] = truth
        (jsonl_dir / "feed.jsonl").write_text("\n".join(records) + "\n", "utf-8")
        (warc_dir / "crawl.warc.gz").write_bytes(warc_bytes(warc_pages, gzip=True))
        print(f"{len(articles)} real articles from ../shared/corpora, one page each per format\n")
        measure("text pages", text_dir, truths)
        measure("HTML files", html_dir, truths)
        measure("JSON Lines (html)", jsonl_dir, truths)
        measure("WARC (gzip)", warc_dir, truths)
        print("\nHTML body F1 by template, combined extractor vs its halves:")
        compare_halves(html_by_template, truths)
    return 0


def compare_halves(by_template: dict[str, list[tuple[str, str]]], truths: dict[str, str]) -> None:
    import copy

    import trafilatura

    for name, pages in by_template.items():
        combined, lines_only, traf_only = [], [], []
        for doc_id, html in pages:
            truth = truths[doc_id]
            combined.append(token_f1(html_extract.extract_html(html, doc_id).body, truth))
            tree = html_extract._parse(html)
            html_extract._clean(tree)
            flat = html_extract._flatten(copy.deepcopy(tree))
            lines_only.append(token_f1(text_extract.extract_document(flat, doc_id).body, truth))
            found = trafilatura.extract(tree, include_comments=False, include_tables=True) or ""
            traf_only.append(token_f1(found, truth))
        mean = lambda xs: sum(xs) / len(xs)  # noqa: E731
        print(
            f"  {name:<14} combined {mean(combined):.3f}   line reader {mean(lines_only):.3f}   "
            f"trafilatura {mean(traf_only):.3f}"
        )


if __name__ == "__main__":
    raise SystemExit(main())
