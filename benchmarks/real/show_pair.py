"""Show a pair of corpus articles for reading, with no similarity figure (LABELLING.md).

The shorter text is printed in full with the runs it shares with the other marked 【like
this】; the longer text is printed in full except its long shared runs, which are collapsed to
〔shared: N characters〕 so that the reader's eye goes to what differs. A run is shared when
every character of it lies in a stretch of at least `--run` characters found verbatim in the
other text. Ids, labels and measures are not shown: the reader decides from the texts.

    python benchmarks/real/show_pair.py crud-02227 crud-09707 [--corpora ../shared/corpora]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
CORPORA = HERE.parent.parent.parent / "shared" / "corpora"
CORPUS_FILES = (
    "zh-crudrag-news-2023/crudrag_news_2023-08-02_08.jsonl",
    "zh-sina-2018/sina2018.jsonl",
)
COLLAPSE = 30


def load_texts(corpora: Path, wanted: set[str]) -> dict[str, str]:
    texts: dict[str, str] = {}
    for name in CORPUS_FILES:
        with (corpora / name).open(encoding="utf-8") as stream:
            for line in stream:
                record = json.loads(line)
                if record["id"] in wanted:
                    texts[record["id"]] = record["text"]
    return texts


def visible_length(text: str) -> int:
    """Length without whitespace: a flash padded with blank lines is still the shorter text."""
    return len("".join(text.split()))


def shared_mask(text: str, other: str, run: int) -> list[bool]:
    """True for each character of `text` inside a stretch of `run`+ characters found in `other`."""
    grams = {other[i : i + run] for i in range(len(other) - run + 1)}
    mask = [False] * len(text)
    for i in range(len(text) - run + 1):
        if text[i : i + run] in grams:
            mask[i : i + run] = [True] * run
    return mask


def spans(mask: list[bool]) -> list[tuple[bool, int, int]]:
    found: list[tuple[bool, int, int]] = []
    start = 0
    for i in range(1, len(mask) + 1):
        if i == len(mask) or mask[i] != mask[start]:
            found.append((mask[start], start, i))
            start = i
    return found


def marked(text: str, mask: list[bool], collapse: int | None) -> str:
    parts = []
    for shared, start, end in spans(mask):
        piece = text[start:end]
        if not shared:
            parts.append(piece)
        elif collapse is not None and end - start >= collapse:
            parts.append(f"〔shared: {end - start} characters〕")
        else:
            parts.append(f"【{piece}】")
    return "".join(parts)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("a")
    parser.add_argument("b")
    parser.add_argument("--corpora", type=Path, default=CORPORA)
    parser.add_argument("--run", type=int, default=8, help="shortest shared run marked")
    args = parser.parse_args()
    texts = load_texts(args.corpora, {args.a, args.b})
    missing = sorted({args.a, args.b} - texts.keys())
    if missing:
        print(f"show_pair: not in the corpora: {', '.join(missing)}", file=sys.stderr)
        return 2
    shorter, longer = sorted((texts[args.a], texts[args.b]), key=visible_length)
    print("=== SHORTER TEXT (in full; shared runs 【marked】) ===")
    print(marked(shorter, shared_mask(shorter, longer, args.run), None))
    print()
    print("=== LONGER TEXT (long shared runs collapsed) ===")
    print(marked(longer, shared_mask(longer, shorter, args.run), COLLAPSE))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
