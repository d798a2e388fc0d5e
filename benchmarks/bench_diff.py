"""Which character diff the HTML report should use, measured on Chinese news copies.

Builds pairs (an article, one re-post of it with syndication's variations: Traditional
script, truncation, a dropped paragraph, an editor's note, typos...) from ../shared/corpora,
folds both sides as the report does (``textops.shadow``: Simplified, half-width), and times
each candidate on the same pairs. Besides speed it counts what a reader sees: the change
regions per pair (fewer, longer regions read better than confetti) and the share of the
copy's characters shown as shared with the original (higher: less falsely marked text).

Candidates: difflib.SequenceMatcher (stdlib, autojunk off) with and without dropping
matches shorter than the report's minimum; cydifflib (the same algorithm compiled); Google's
diff-match-patch in pure Python and compiled (fast-diff-match-patch), with semantic cleanup.
Libraries that are not installed are reported as absent.

Usage: python benchmarks/bench_diff.py [--pairs 300]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

Ops = list[tuple[str, int, int, int, int]]  # (tag, a_start, a_end, b_start, b_end)


def make_pairs(count: int) -> list[tuple[str, str]]:
    import opencc

    from dedup.textops import shadow
    from tests.syndication import load_articles, make_copy

    rng = random.Random(11)
    articles, _ = load_articles(count, 11)
    pairs = []
    for article in articles[:count]:
        _, body, script = make_copy(article, rng)
        copy = "\n".join(body)
        if script:
            copy = opencc.OpenCC(script).convert(copy)
        pairs.append((shadow("\n".join(article.paragraphs)), shadow(copy)))
    return pairs


def with_difflib(module: object, min_block: int) -> Callable[[str, str], Ops]:
    def run(a: str, b: str) -> Ops:
        matcher = module.SequenceMatcher(None, a, b, autojunk=False)  # type: ignore[attr-defined]
        blocks = [m for m in matcher.get_matching_blocks() if m.size >= min_block]
        return _ops_from_blocks(blocks, len(a), len(b))

    return run


def _ops_from_blocks(blocks: list[tuple[int, int, int]], len_a: int, len_b: int) -> Ops:
    ops: Ops = []
    i = j = 0
    for a, b, size in [*blocks, (len_a, len_b, 0)]:
        if a > i or b > j:
            ops.append(("replace", i, a, j, b))
        if size:
            ops.append(("equal", a, a + size, b, b + size))
        i, j = a + size, b + size
    return ops


def with_dmp_python() -> Callable[[str, str], Ops]:
    from diff_match_patch import diff_match_patch

    dmp = diff_match_patch()
    dmp.Diff_Timeout = 0

    def run(a: str, b: str) -> Ops:
        diffs = dmp.diff_main(a, b, False)
        dmp.diff_cleanupSemantic(diffs)
        return _ops_from_dmp([(op, len(text)) for op, text in diffs])

    return run


def with_dmp_fast() -> Callable[[str, str], Ops]:
    import fast_diff_match_patch

    def run(a: str, b: str) -> Ops:
        diffs = fast_diff_match_patch.diff(a, b, timelimit=0, checklines=False, cleanup="Semantic")
        return _ops_from_dmp([({"=": 0, "-": -1, "+": 1}[op], n) for op, n in diffs])

    return run


def _ops_from_dmp(diffs: list[tuple[int, int]]) -> Ops:
    ops: Ops = []
    i = j = 0
    for op, size in diffs:
        if op == 0:
            ops.append(("equal", i, i + size, j, j + size))
            i, j = i + size, j + size
            continue
        start_i, start_j = i, j
        if op < 0:
            i += size
        else:
            j += size
        if ops and ops[-1][0] == "replace":  # a deletion and an insertion: one region
            _, start_i, _, start_j, _ = ops.pop()
        ops.append(("replace", start_i, i, start_j, j))
    return ops


def measure(name: str, run: Callable[[str, str], Ops], pairs: list[tuple[str, str]]) -> None:
    results = []
    times = []
    for a, b in pairs:
        started = time.perf_counter()
        results.append(run(a, b))
        times.append(time.perf_counter() - started)
    seconds = sum(times)
    regions = sum(sum(1 for op in ops if op[0] != "equal") for ops in results)
    shared = sum(sum(op[4] - op[3] for op in ops if op[0] == "equal") for ops in results)
    total = sum(len(b) for _, b in pairs)
    print(
        f"{name:<38} {1000 * seconds / len(pairs):6.2f} ms/pair (max {1000 * max(times):5.1f})  "
        f"{regions / len(pairs):6.1f} change regions/pair  "
        f"{100 * shared / total:5.1f}% of copy text shared"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=300)
    args = parser.parse_args()
    pairs = make_pairs(args.pairs)
    chars = sum(len(a) + len(b) for a, b in pairs) / len(pairs) / 2
    print(f"{len(pairs)} pairs (article, re-post), {chars:.0f} characters a side on average")
    import difflib

    candidates: list[tuple[str, Callable[[], Callable[[str, str], Ops]]]] = [
        ("difflib, every match", lambda: with_difflib(difflib, 1)),
        ("difflib, matches of 4+ characters", lambda: with_difflib(difflib, 4)),
        ("cydifflib, matches of 4+ characters", lambda: with_difflib(_module("cydifflib"), 4)),
        ("diff-match-patch (Python), semantic", with_dmp_python),
        ("fast-diff-match-patch (C++), semantic", with_dmp_fast),
    ]
    for name, make in candidates:
        try:
            run = make()
        except ImportError:
            print(f"{name:<38} not installed")
            continue
        measure(name, run, pairs)
    return 0


def _module(name: str) -> object:
    import importlib

    return importlib.import_module(name)


if __name__ == "__main__":
    sys.exit(main())
