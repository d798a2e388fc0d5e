"""English copies and translated copies on the shared NTREX half, bare and in page templates.

Data: ../shared/corpora/en-zh-ntrex (NTREX-128, CC BY-SA 4.0: Federmann, Kocmi and Xin,
"NTREX-128 -- News Test References for MT Evaluation of 128 Languages", SUMEval 2022; the
WMT19 test set, Barrault et al. 2019): 72 English news articles, three re-edited English
versions of each, and independent human Simplified and Traditional translations. Gold by
construction: every variant of one article is one cluster; several articles report the same
event (hard negatives).

Runs, each as `dedup scan` does, bare (one sentence a line) and wrapped in page templates
(tests/ntrex.py: navigation, cookie banners, bylines, datelines, related links, newsletter
boxes, footers; another headline or a cut body for a quarter each):

- english: en, en-GB, en-US, en-IN without --cross-lingual (pairwise F1, false merges);
- translations: en, zh-Hans, zh-Hant with --cross-lingual (pairwise F1 over all, the
  articles under 0.95, false merges) and the encoder's documents per second;
- with --ablation: each article's translations removed in turn (its English article must
  then stay alone) and each English article removed in turn (its translations must not join
  another article), on the articles of each scan encoded once.

Usage: python benchmarks/eval_ntrex.py [--runs english,translations] [--ablation]
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import dedup
from dedup.tools.evaluate import score
from tests.ntrex import CHINESE, ENGLISH, Record, load, ntrex_available, write_plain, write_wrapped


def scan(
    records: list[Record], *, wrapped: bool, cross_lingual: bool
) -> tuple[dedup.ScanResult, dict[str, str]]:
    with tempfile.TemporaryDirectory() as folder:
        writer = write_wrapped if wrapped else write_plain
        labels = writer(records, Path(folder))
        result = dedup.scan([folder], dedup.DedupConfig(cross_lingual=cross_lingual))
    return result, labels


def assignment(result: dedup.ScanResult) -> dict[str, str]:
    return {m.document.doc_id: str(c.cluster_id) for c in result.clusters for m in c.members}


def per_article_f1(predicted: dict[str, str], labels: dict[str, str]) -> dict[str, float]:
    """Pairwise F1 over the pairs that involve each article's documents."""
    by_article: dict[str, list[str]] = defaultdict(list)
    for doc_id, article in labels.items():
        by_article[article].append(doc_id)
    scores = {}
    for article, members in by_article.items():
        true = set(itertools.combinations(sorted(members), 2))
        found_true = {(a, b) for a, b in true if predicted.get(a) == predicted.get(b)}
        wrong = {
            (a, b)
            for a in members
            for b in labels
            if labels[b] != article and predicted.get(a) == predicted.get(b)
        }
        precision = len(found_true) / (len(found_true) + len(wrong)) if found_true or wrong else 1
        recall = len(found_true) / len(true) if true else 1.0
        scores[article] = 2 * precision * recall / (precision + recall) if precision + recall else 0
    return scores


def report(name: str, result: dedup.ScanResult, labels: dict[str, str]) -> None:
    predicted = assignment(result)
    scores = score(predicted, labels)
    print(
        f"{name:<28} {scores.documents:>4} docs  precision {scores.pairwise_precision:.4f}  "
        f"recall {scores.pairwise_recall:.4f}  F1 {scores.pairwise_f1:.4f}  "
        f"false merges {len(scores.false_merges)}"
    )
    for left, right in scores.false_merges[:5]:
        print(f"    false merge: {left} ~ {right}")
    per_article = per_article_f1(predicted, labels)
    lowest = min(per_article, key=lambda article: (per_article[article], article))
    print(
        f"    lowest per-article F1 {per_article[lowest]:.3f} ({lowest}) over "
        f"{len(per_article)} articles"
    )
    weak = {a: f for a, f in per_article.items() if f < 0.95}
    for article, value in sorted(weak.items(), key=lambda item: item[1]):
        print(f"    article under 0.95: {article} F1 {value:.3f}")
    seconds = result.stage_seconds.get("cross-lingual")
    if seconds:
        encoded = len({c.cluster_id for c in result.clusters}) + sum(
            1 for c in result.clusters for m in c.members if m.relation == "translation"
        )
        print(f"    cross-lingual step {seconds:.1f} s for about {encoded} articles")


def ablation(result: dedup.ScanResult, labels: dict[str, str], name: str) -> None:
    """Each article's translations removed in turn (its English article must then stay
    alone), then each English article (its translations must not join another article):
    the articles of one scan encoded once, the rule run on each subset."""
    from dedup.xling.encoder import Bodies
    from dedup.xling.languages import ENCODED_LANGUAGES
    from dedup.xling.matching import match_translations

    documents = [
        m.document
        for c in result.clusters
        for m in c.members
        if (m.document.lang or "") in ENCODED_LANGUAGES
    ]
    bodies = Bodies(d.body for d in documents)  # sentences encoded once, kept across subsets
    article = [labels[d.doc_id] for d in documents]
    english = [d.lang == "en" for d in documents]
    wrong, scans = 0, 0
    for removed in sorted(set(article)):
        for drop_english in (False, True):
            # A removed document takes no part: its language is left empty.
            languages = [
                ""
                if article[i] == removed and english[i] == drop_english
                else documents[i].lang or ""
                for i in range(len(documents))
            ]
            links = match_translations(bodies, languages, [None] * len(documents))
            scans += 1
            for link in links:
                left, right = link.left, link.right
                if article[left] != article[right]:
                    wrong += 1
                    print(
                        f"    ablation false link (without {removed} "
                        f"{'en' if drop_english else 'zh'}): {documents[left].doc_id} ~ "
                        f"{documents[right].doc_id} {link.score:.3f}"
                    )
    print(f"{name} ablation: {scans} subsets, {wrong} links between different articles")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", default="english,translations")
    parser.add_argument("--ablation", action="store_true")
    args = parser.parse_args()
    if not ntrex_available():
        print("needs ../shared/corpora/en-zh-ntrex beside the repository", file=sys.stderr)
        return 2
    runs = set(args.runs.split(","))
    print(f"cores {os.cpu_count()}, load average {os.getloadavg()[0]:.2f}")
    if "english" in runs:
        english = load(ENGLISH)
        for wrapped in (False, True):
            result, labels = scan(english, wrapped=wrapped, cross_lingual=False)
            report(f"english {'wrapped' if wrapped else 'bare'}", result, labels)
    if "translations" in runs:
        translations = load(("en", *CHINESE))
        for wrapped in (False, True):
            started = time.perf_counter()
            result, labels = scan(translations, wrapped=wrapped, cross_lingual=True)
            name = f"translations {'wrapped' if wrapped else 'bare'}"
            report(name, result, labels)
            print(f"    scan {time.perf_counter() - started:.1f} s")
            if args.ablation:
                ablation(result, labels, name)
    print(f"load average at the end {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
