"""Article body -> fingerprint tokens, in the one order that makes copies agree.

The order matters:
1. residue out (zero-width characters and tags survive NFKC);
2. NFKC (full-width digits and punctuation become ASCII, which step 3 relies on);
3. the pinyin artefact ``業(yè)`` (needs the ASCII parentheses NFKC produced);
4. the Traditional -> Simplified fold (after 3, so readings are checked on the original
   character);
5. lowercase;
6. tokens: each CJK character, each Latin word, each number (thousands separators joined,
   Chinese numerals left alone); punctuation, quotes, censor masks and spaces drop out.
"""

from __future__ import annotations

import re

from dedup.textops import clean_residue, fold_script, nfkc, strip_pinyin

_TOKEN = re.compile(
    r"\d{1,3}(?:,\d{3})+(?:\.\d+)?"  # 1,200 and 12,345.6
    r"|\d+(?:\.\d+)?"
    r"|[a-z\u00c0-\u024f\u0370-\u03ff\u0400-\u04ff]+"  # Latin, Greek and Cyrillic words
    r"|[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0002ffff]"
)


def fold_text(text: str) -> str:
    """Steps 1-5: the text as fingerprints see it, still with punctuation."""
    text, _ = strip_pinyin(nfkc(clean_residue(text)))
    return fold_script(text).lower()


def tokenize(text: str) -> list[str]:
    """All six steps: the fingerprint tokens of a body."""
    return [token.replace(",", "") for token in _TOKEN.findall(fold_text(text))]


def normalize_text(text: str) -> str:
    """The fingerprint tokens joined by single spaces (idempotent).

    >>> normalize_text("GDP增长5.2%")
    'gdp 增 长 5.2'
    """
    return " ".join(tokenize(text))
