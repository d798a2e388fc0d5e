"""Photo captions: the credits that end them, photo stories, and a page that carries a few.

A photo story (an agency's gallery) is text made of captions, each ending with its photo's
credit: ``中新社记者 翟羽佳 摄``, ``新华社发（朱大勇 摄）``, ``山东省消防救援总队 供图``.
Agency captions often repeat one background paragraph under every photo, so a report that
shows one of the photos with its caption carries most of the story's words: its shingles
say "contained". An article's own body leaves photo captions out, so the report is no copy
of the story. Three findings make that call (`Captions.carried_only`):

- the contained page is a photo story: at least `MIN_PHOTOS` credits, and its text is
  captions: each stretch ending with a credit adds at most `CAPTION_LENGTH` characters not
  found in the stretches before it (an agency repeats its background paragraph under every
  photo: only the first one adds it), but one, the lead (at most `LEAD_LENGTH`), and what
  follows the last credit adds no more than a caption (a footer; a report closes with a
  paragraph, and runs longer between its photos);
- the other page shows some of its photos but fewer, and is no photo story itself (a copy of
  a whole photo story shows all of them);
- what the two share lies in captions the other carries: `IN_CAPTIONS` of their shared
  5-grams are in runs of the story's text that end at one of the other's credits (the
  caption carried whole, its photo's credit after it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

from dedup.fingerprint.normalize import token_text

# A photo story shows at least this many photos.
MIN_PHOTOS = 3
# A caption adds at most this many characters that the captions before it did not state:
# the captions of the week's photo stories are short (median 43 characters, three in four
# under 125), and the long ones repeat one background paragraph photo after photo.
CAPTION_LENGTH = 100
# A photo story may open with a lead of at most this many new characters (a report's text
# followed by a few photos runs longer).
LEAD_LENGTH = 300
# The text two pages share is caption text in the other when this share of it lies there.
IN_CAPTIONS = 0.8
# Shared text is compared on runs of this many characters, as the default shingles.
_GRAM = 5

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# What may stand before a credit: the end of the caption, a space, an opening bracket.
_BEFORE = r"\s。！？!?；;：:，,、”’\"'）)】\]》（(↑|"
# Characters after 摄 that make a word of it (摄像, 摄影, 摄氏度, 拍摄的, 摄于 ...), not a credit.
_WORD_AFTER = "像影氏入取制录食的到于下得了过者"
# A credit: a name, an agency and a role or an organisation (CJK words, single spaces
# between them), then 摄 or 供图; or a short name, a slash and 摄 (``郑全/摄``), which
# needs nothing before it.
_CREDIT = re.compile(
    rf"(?:^|(?<=[{_BEFORE}]))(?P<by>[{_CJK}·•](?:[{_CJK}·•]| (?=[{_CJK}])){{1,15}})"
    rf"(?P<gap>[ \u3000/]*)(?:摄(?![{_WORD_AFTER}])|供图)"
    rf"|[{_CJK}]{{2,4}}[ \u3000]*/[ \u3000]*摄(?![{_WORD_AFTER}])"
)
# A verb ending the words right before 摄 makes 拍摄, 偷摄, 抓摄 ... (with no space between).
_VERBS = "拍偷抓所"
_MARKS = ("摄", "供图")
_SPACE = re.compile(r"\s+")
# Pages whose credits are kept: a scan compares the members of a group in turn.
_KEPT = 256


@dataclass(frozen=True, slots=True)
class Captions:
    """What `compare_captions` found on a page contained in another: how many photos each
    shows, whether the page is a photo story, and, read only when it is one and the other
    shows fewer of its photos, whether the other is a photo story too and the share of
    their shared text that lies in captions the other carries (else False and 0)."""

    photos: int = 0
    story: bool = False
    other_photos: int = 0
    other_story: bool = False
    in_captions: float = 0.0

    @property
    def carried_only(self) -> bool:
        """Whether the other page carries only some of this photo story's captions: no copy."""
        return (
            self.story
            and not self.other_story
            and 0 < self.other_photos < self.photos
            and self.in_captions >= IN_CAPTIONS
        )


def compare_captions(contained: str, other: str) -> Captions:
    """The captions of a body (from `dedup.extract`) that another contains, and of that
    other (see the module's docstring). A body without a credit costs one look."""
    photos, other_photos = len(credits(contained)), len(credits(other))
    story = photos >= MIN_PHOTOS and is_photo_story(contained)
    if not story or not 0 < other_photos < photos:
        return Captions(photos, story, other_photos)
    if is_photo_story(other):
        return Captions(photos, story, other_photos, True)
    return Captions(photos, story, other_photos, False, _in_captions(contained, other))


def shows_photos(body: str) -> bool:
    """Whether a body carries a photo credit (the crawler's index keeps the text of those
    for this check: a page without one never carries a caption)."""
    return bool(credits(body))


def is_photo_story(body: str) -> bool:
    """Whether a body is a photo story: `MIN_PHOTOS` credits or more, and text made of
    captions (see the module's docstring)."""
    spans = credits(body)
    if len(spans) < MIN_PHOTOS:
        return False
    ends = [0, *(end for _, end in spans)]
    stretches = [body[start:end] for start, end in pairwise(ends)]  # each ends with a credit
    *captions, closing = _new_lengths([*stretches, body[ends[-1] :]])
    lead = max(captions)
    captions.remove(lead)
    return (
        lead <= LEAD_LENGTH
        and max(captions, default=0) <= CAPTION_LENGTH
        and closing <= CAPTION_LENGTH
    )


def _new_lengths(texts: list[str]) -> list[int]:
    """How many runs of `_GRAM` characters each text adds to the texts before it: about
    its length, less what it repeats."""
    seen: set[str] = set()
    lengths = []
    for text in texts:
        grams = _grams(text) if text.strip() else set()
        lengths.append(len(grams - seen))
        seen |= grams
    return lengths


@lru_cache(maxsize=_KEPT)
def credits(body: str) -> tuple[tuple[int, int], ...]:
    """Where a body's photo credits are, as (start, end) offsets, in order."""
    if not any(mark in body for mark in _MARKS):
        return ()
    return tuple(
        match.span()
        for match in _CREDIT.finditer(body)
        if match["gap"] or not match["by"] or match["by"][-1] not in _VERBS
    )


def _in_captions(contained: str, other: str) -> float:
    """The share of the 5-grams the two bodies share that lie in captions the other
    carries from the contained one: runs of shared text that end at one of its credits."""
    mine = _grams(contained)
    shared = mine & _grams(other)
    if not shared:
        return 0.0
    carried: set[str] = set()
    start = 0
    for begin, end in credits(other):
        carried |= _carried_caption(_folded(other[start:begin]), _folded(other[begin:end]), mine)
        start = end
    return len(shared & carried) / len(shared)


def _carried_caption(caption: str, credit: str, grams: set[str]) -> set[str]:
    """The 5-grams of the longest run of `grams` that ends at a credit: from the last one
    found at the credit (or just before it: a bracket may stand between) back to the
    first one missing."""
    text = caption + credit
    runs = [text[at : at + _GRAM] for at in range(len(text) - _GRAM + 1)]
    last = next(
        (
            at
            for at in range(len(runs) - 1, max(-1, len(caption) - 2 * _GRAM), -1)
            if runs[at] in grams
        ),
        None,
    )
    if last is None:
        return set()
    first = last
    while first > 0 and runs[first - 1] in grams:
        first -= 1
    return set(runs[first : last + 1])


def _grams(text: str) -> set[str]:
    """The runs of `_GRAM` characters of a text, folded as fingerprints fold it, spaces out."""
    folded = _folded(text)
    return {folded[at : at + _GRAM] for at in range(max(1, len(folded) - _GRAM + 1))}


def _folded(text: str) -> str:
    return _SPACE.sub("", token_text(text, extracted=True))
