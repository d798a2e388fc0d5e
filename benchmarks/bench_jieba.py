"""The jieba tokenizer: rjieba (jieba-rs) against plain jieba, speed and agreement.

Segments the normalized CJK runs of real articles from ../shared/corpora with both and
prints characters per second and the share of tokens on which they agree (tokens compared
by position in the text: a token agrees when the other segmenter has the same token at the
same offset).

Usage: python benchmarks/bench_jieba.py [--articles N]
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dedup.fingerprint.normalize import fold_text  # noqa: E402
from dedup.fingerprint.shingle import _jieba_cut, plain_jieba_cut  # noqa: E402
from tests.syndication import corpora_available, load_articles  # noqa: E402

_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")


def spans(words: list[str]) -> set[tuple[int, str]]:
    found, offset = set(), 0
    for word in words:
        found.add((offset, word))
        offset += len(word)
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=3000)
    args = parser.parse_args()
    if not corpora_available():
        print("benchmark needs ../shared/corpora beside the repository", file=sys.stderr)
        return 2
    articles, _ = load_articles(args.articles, seed=3)
    runs = [run for a in articles for run in _CJK_RUN.findall(fold_text("".join(a.paragraphs)))]
    chars = sum(map(len, runs))
    fast, plain = _jieba_cut(), plain_jieba_cut()
    fast("预热"), plain("预热")
    timings = {}
    results = {}
    for name, cut in (("rjieba", fast), ("jieba", plain)):
        started = time.perf_counter()
        results[name] = [cut(run) for run in runs]
        timings[name] = time.perf_counter() - started
    agree = total = 0
    for ours, theirs in zip(results["rjieba"], results["jieba"], strict=True):
        reference = spans(theirs)
        total += len(reference)
        agree += len(spans(ours) & reference)
    print(f"{len(articles)} articles, {len(runs)} CJK runs, {chars} characters")
    for name, seconds in timings.items():
        print(f"{name:7s} {seconds:6.2f} s  {chars / seconds / 1e3:8.0f} k chars/s")
    print(
        f"speed-up {timings['jieba'] / timings['rjieba']:.1f}x; tokens agreeing {agree / total:.4%}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
