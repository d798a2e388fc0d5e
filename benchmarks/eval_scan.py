"""Pairwise precision and recall of `dedup scan` on a generated syndication corpus.

Builds the corpus of tests/syndication.py (real articles from ../shared/corpora re-posted
in site templates, plus hard negatives), runs the same scan the CLI runs, and prints pairwise
precision, recall and F1, the count of false merges among hard negatives, and the worst
errors. Usage:

    python benchmarks/eval_scan.py [--tokenizer char|jieba] [--ngram N] [--threshold X]
"""

from __future__ import annotations

import argparse
import itertools
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import dedup
from dedup.tools.evaluate import score
from tests.syndication import build, corpora_available


def pairs_of(groups: dict[str, list[str]]) -> set[tuple[str, str]]:
    return {
        (a, b) for members in groups.values() for a, b in itertools.combinations(sorted(members), 2)
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tokenizer", default="char", choices=["char", "jieba"])
    parser.add_argument("--ngram", type=int, default=None)
    parser.add_argument("--threshold", type=float, default=None)
    parser.add_argument("--containment", type=float, default=None)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    if not corpora_available():
        print("benchmark needs ../shared/corpora beside the repository", file=sys.stderr)
        return 2
    fields = {k: v for k, v in vars(args).items() if k not in {"seed"} and v is not None}
    config = dedup.DedupConfig(**fields)
    with tempfile.TemporaryDirectory() as folder:
        labels = build(Path(folder), seed=args.seed)
        started = time.perf_counter()
        result = dedup.scan([folder], config)
        seconds = time.perf_counter() - started
    predicted_of = {
        m.document.doc_id: str(c.cluster_id) for c in result.clusters for m in c.members
    }
    scores = score(predicted_of, labels)
    truth: dict[str, list[str]] = defaultdict(list)
    for doc_id, label in labels.items():
        truth[label].append(doc_id)
    predicted = {str(c.cluster_id): [m.document.doc_id for m in c.members] for c in result.clusters}
    true_pairs, found_pairs = pairs_of(truth), pairs_of(predicted)
    hits = len(true_pairs & found_pairs)
    precision = hits / len(found_pairs) if found_pairs else 1.0
    recall = hits / len(true_pairs) if true_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    false = sorted(found_pairs - true_pairs)
    missed = sorted(true_pairs - found_pairs)
    print(f"config: {config}")
    print(f"pages: {len(labels)}  articles: {len(truth)}  true pairs: {len(true_pairs)}")
    print(f"documents clustered: {len(result.documents)}  skipped: {len(result.skipped)}")
    print(f"pairwise precision {precision:.4f}  recall {recall:.4f}  F1 {f1:.4f}")
    print(f"false merges (pairs): {len(false)}  missed pairs: {len(missed)}")
    print(f"split pairs (copies apart though one centre could hold them): {result.split_pairs}")
    print(f"pairs kept apart (copies whose clusters no member could centre): {result.kept_apart}")
    print(
        f"B-cubed precision {scores.bcubed_precision:.4f}  recall {scores.bcubed_recall:.4f}  "
        f"ARI {scores.ari:.4f}"
    )
    print(f"scan time {seconds:.1f} s ({len(labels) / seconds:.0f} pages/s)")
    for a, b in false[:10]:
        print("  false:", a, b)
    for a, b in missed[:8]:
        print("  missed:", a, b)
    for skip in result.skipped[:5]:
        print("  skipped:", skip.path, skip.reason)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
