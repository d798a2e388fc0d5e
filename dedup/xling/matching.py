"""Which articles are translations of which: the decision, on vectors, dates and facts.

Every article (a cluster of copies in one language) has a vector and sentence vectors from
the multilingual encoder (`dedup.xling.encoder`). No bar on the cosine of two articles'
vectors separates translations from other articles about the same event (on the shared
NTREX news articles, translations scored from 0.62 and different articles up to 0.77), so
a pair is a translation when

1. the two are in different languages (a translation is never a monolingual copy);
2. each is the other's nearest neighbour in that language by vector, among articles
   published within `WINDOW_DAYS` of each other when both are dated (a second translation
   of one article, Simplified and Traditional say, is found in a second round among the
   articles still unmatched);
3. their sentences align: on average, each sentence of one finds a sentence of the other
   that says the same (`alignment` at least `ALIGNMENT_BAR`; translations 0.57-0.77 there,
   different articles at most 0.52);
4. and what translations keep does not disagree (`dedup.xling.facts`): when the poorer side
   has `MIN_FACTS` numbers and Latin names or more, at least half are in the other.

The score reported for a translation is its alignment.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from dedup.xling.encoder import Encoded, Sentences
from dedup.xling.facts import MIN_FACTS, Facts, fact_counts

# Translations of news appear within days of the original.
WINDOW_DAYS = 7.0
# Calibrated on the shared NTREX articles, also wrapped in page templates
# (benchmarks/eval_ntrex.py).
ALIGNMENT_BAR = 0.55
AGREEING_SHARE = 0.5
_FAR = -2.0  # below any cosine: a pair outside the time window


@dataclass(frozen=True, slots=True)
class Link:
    """Article `left` and article `right` (positions) are translations; `score` is the
    alignment of their sentences."""

    left: int
    right: int
    score: float


def alignment(left: Sentences, right: Sentences) -> float:
    """How well two bodies' sentences align: the mean, over the sentences of one, of the
    best cosine with a sentence of the other, taken in the direction where it is higher
    (so a translation cut short still aligns with its original); 0 when either is empty."""
    if not len(left) or not len(right):
        return 0.0
    cosines = left.astype(np.float32) @ right.astype(np.float32).T
    return float(max(cosines.max(axis=1).mean(), cosines.max(axis=0).mean()))


def is_translation(score: float, shared: int, total: int) -> bool:
    """Rules 3 and 4 for a pair of mutual nearest neighbours: their `alignment` and the
    `shared` of `total` facts of the poorer side (`dedup.xling.facts.fact_counts`)."""
    if total >= MIN_FACTS and shared < AGREEING_SHARE * total:
        return False
    return score >= ALIGNMENT_BAR


def with_counterparts(
    languages: Sequence[str], instants: Sequence[float | None], window_days: float = WINDOW_DAYS
) -> list[bool]:
    """Which articles could have a translation among the others (so are worth encoding): an
    article in another language (``""``: none the encoder reads) published within the window
    of it, or undated on either side."""
    dated: dict[str, list[float]] = {}
    undated: dict[str, int] = {}
    for lang, instant in zip(languages, instants, strict=True):
        if lang and instant is None:
            undated[lang] = undated.get(lang, 0) + 1
        elif lang and instant is not None:
            dated.setdefault(lang, []).append(instant)
    for times in dated.values():
        times.sort()
    window = window_days * 86400
    found = []
    for lang, instant in zip(languages, instants, strict=True):
        others = [other for other in {*dated, *undated} if other != lang]
        found.append(
            bool(lang)
            and any(
                undated.get(other, 0)
                or (instant is None and dated.get(other))
                or (instant is not None and _within(dated.get(other, []), instant, window))
                for other in others
            )
        )
    return found


def _within(times: list[float], instant: float, window: float) -> bool:
    """Whether sorted `times` hold one within `window` of `instant`."""
    at = bisect_left(times, instant - window)
    return at < len(times) and times[at] <= instant + window


def match_translations(
    encoded: Encoded,
    languages: Sequence[str],
    instants: Sequence[float | None],
    facts: Sequence[Facts],
    *,
    window_days: float = WINDOW_DAYS,
) -> list[Link]:
    """The translation links among articles (positions in `encoded`), sorted."""
    links: list[Link] = []
    by_language: dict[str, list[int]] = {}
    for position, language in enumerate(languages):
        if language:
            by_language.setdefault(language, []).append(position)
    names = sorted(by_language)
    for number, first in enumerate(names):
        for second in names[number + 1 :]:
            left, right = by_language[first], by_language[second]
            cosines = _cosines(encoded.vectors, left, right, instants, window_days)
            links.extend(_links(cosines, left, right, encoded.sentences, facts))
    return sorted(links, key=lambda link: (link.left, link.right))


def _cosines(
    vectors: npt.NDArray[np.float32],
    left: list[int],
    right: list[int],
    instants: Sequence[float | None],
    window_days: float,
) -> npt.NDArray[np.float32]:
    cosines: npt.NDArray[np.float32] = vectors[left] @ vectors[right].T
    times = np.array([np.nan if instants[i] is None else instants[i] for i in left])
    others = np.array([np.nan if instants[i] is None else instants[i] for i in right])
    with np.errstate(invalid="ignore"):
        apart = np.abs(times[:, None] - others[None, :]) > window_days * 86400
    cosines[apart] = _FAR  # NaN (an undated side) compares False: such pairs stay
    return cosines


def _links(
    cosines: npt.NDArray[np.float32],
    left: list[int],
    right: list[int],
    sentences: Sequence[Sentences],
    facts: Sequence[Facts],
) -> list[Link]:
    """Mutual nearest neighbours that pass `is_translation`: first among all, then a second
    round for the articles still unmatched on each side (a second translation of one
    article)."""
    found: dict[tuple[int, int], float] = {}
    every_left, every_right = list(range(len(left))), list(range(len(right)))
    for round_rows, round_columns in ((True, True), (True, False), (False, True)):
        rows = every_left if round_rows else [r for r in every_left if r not in _rows(found)]
        columns = (
            every_right if round_columns else [c for c in every_right if c not in _columns(found)]
        )
        for row, column in _mutual_nearest(cosines, rows, columns):
            if (row, column) in found or cosines[row, column] <= _FAR:
                continue
            a, b = left[row], right[column]
            score = alignment(sentences[a], sentences[b])
            if is_translation(score, *fact_counts(facts[a], facts[b])):
                found[(row, column)] = score
    return [Link(left[row], right[column], score) for (row, column), score in found.items()]


def _rows(found: dict[tuple[int, int], float]) -> set[int]:
    return {row for row, _ in found}


def _columns(found: dict[tuple[int, int], float]) -> set[int]:
    return {column for _, column in found}


def _mutual_nearest(
    cosines: npt.NDArray[np.float32], rows: list[int], columns: list[int]
) -> list[tuple[int, int]]:
    if not rows or not columns:
        return []
    block = cosines[np.ix_(rows, columns)]
    best_column = block.argmax(axis=1)
    best_row = block.argmax(axis=0)
    return [
        (rows[row], columns[int(column)])
        for row, column in enumerate(best_column)
        if best_row[column] == row
    ]
