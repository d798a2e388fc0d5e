"""Accuracy of the crawler's index, verifying on bottom-k samples against every shingle.

Builds the labelled corpus of tests/syndication.py (as eval_scan.py does), extracts and
fingerprints every page once, then, for each sample size, feeds the pages in order to a
fresh `Deduplicator` with `add_fingerprint` (given the page's body, as `add` gives it: the
index keeps what the slot check reads) and scores what it answers:
- pairwise: each (new page, indexed page) match is a predicted pair; precision and recall
  against the pairs of pages with the same label (every earlier copy should be matched);
- per page, the crawler's question: a page whose article was indexed before should get a
  match (detected), and a page should never get a match of another article (false alarm).
Also prints the index's resident memory per page and the time per add.

Usage: python benchmarks/eval_crawler.py [--seed 7] [--sizes none,64,128,256]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import dedup
from dedup.batch.workers import process_chunk
from dedup.fingerprint.fingerprinter import Fingerprinter
from dedup.readers import list_inputs
from tests.syndication import build, corpora_available


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--sizes", default="none,64,128,256")
    args = parser.parse_args()
    if not corpora_available():
        print("benchmark needs ../shared/corpora beside the repository", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as folder:
        labels = build(Path(folder), seed=args.seed)
        inputs, _ = list_inputs([folder])
        chunk = process_chunk(inputs, Fingerprinter(dedup.DedupConfig()))
    pages = [
        (d.doc_id, f, s, d.body)
        for d, f, s in zip(chunk.documents, chunk.fingerprints, chunk.signatures, strict=True)
        if d.doc_id in labels
    ]
    print(f"pages: {len(pages)}  articles: {len(set(labels.values()))}  (seed {args.seed})")
    print(
        f"{'sample_size':>11}  {'pair P':>7}  {'pair R':>7}  {'detected':>9}  "
        f"{'false alarms':>12}  {'ms/add':>6}"
    )
    for name in args.sizes.split(","):
        size = None if name == "none" else int(name)
        print(f"{name:>11}  " + score(pages, labels, size))
    return 0


def score(pages: list, labels: dict[str, str], sample_size: int | None) -> str:  # type: ignore[type-arg]
    index = dedup.Deduplicator(dedup.DedupConfig(sample_size=sample_size))
    seen: dict[str, int] = {}
    true_pairs = predicted = correct = detected = should = alarms = 0
    started = time.perf_counter()
    for doc_id, fingerprint, signature, body in pages:
        label = labels[doc_id]
        matches = index.add_fingerprint(
            doc_id, fingerprint, signature if fingerprint.size else None, body=body
        )
        earlier = seen.get(label, 0)
        seen[label] = earlier + 1
        right = sum(labels[m.doc_id] == label for m in matches)
        true_pairs += earlier
        predicted += len(matches)
        correct += right
        if earlier and fingerprint.size:
            should += 1
            detected += right > 0
        alarms += right < len(matches)
    per_add = (time.perf_counter() - started) * 1e3 / len(pages)
    precision = correct / predicted if predicted else 1.0
    recall = correct / true_pairs if true_pairs else 1.0
    return (
        f"{precision:7.4f}  {recall:7.4f}  {detected / should:9.4f}  {alarms:12d}  {per_add:6.3f}"
    )


if __name__ == "__main__":
    raise SystemExit(main())
