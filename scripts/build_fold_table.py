"""Regenerate dedup/data/fold.txt, the context-free Traditional -> Simplified character fold.

Every CJK code point goes through OpenCC's tw2s then hk2s, one character at a time, so the
fold never depends on context (phrase conversion would fold copies differently). A few
variants OpenCC leaves alone are added, and folds that would damage Simplified text are
dropped. The table is shipped rather than built at import time so that fingerprints do not
change when a user upgrades OpenCC: run this script on purpose, then re-pin the tests.

Usage: python scripts/build_fold_table.py
"""

from __future__ import annotations

from pathlib import Path

import opencc

CJK_RANGES = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x2A6DF))
# Taiwan-style and variant forms OpenCC's character tables keep as they are.
ADDED = {"著": "着", "乾": "干", "瞭": "了", "祇": "只", "衹": "只", "衞": "卫"}
# 么 is already Simplified; OpenCC's hk2s turns it into 幺, which breaks 什么 and 怎么.
EXCLUDED = {"么"}
OUT = Path(__file__).resolve().parent.parent / "dedup" / "data" / "fold.txt"


def build_table() -> dict[str, str]:
    tw2s = opencc.OpenCC("tw2s")
    hk2s = opencc.OpenCC("hk2s")
    table: dict[str, str] = {}
    for low, high in CJK_RANGES:
        for code in range(low, high + 1):
            char = chr(code)
            folded = hk2s.convert(tw2s.convert(char))
            if len(folded) == 1 and folded != char and char not in EXCLUDED:
                table[char] = folded
    table.update(ADDED)
    return table


def main() -> None:
    table = build_table()
    sources = "".join(sorted(table))
    targets = "".join(table[char] for char in sources)
    OUT.write_text(
        "# dedup script fold: line 2 holds source characters, line 3 their Simplified forms.\n"
        f"{sources}\n{targets}\n",
        encoding="utf-8",
    )
    print(f"wrote {len(table)} folds to {OUT}")


if __name__ == "__main__":
    main()
