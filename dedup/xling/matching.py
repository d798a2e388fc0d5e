"""Which articles are translations of which: candidates from leads, then sentence alignment.

No bar on the cosine of two articles' vectors separates translations from other articles
about the same event (on the shared NTREX news articles, translations scored from 0.62 and
different articles up to 0.84). What separates them is that a translation says the same
things in the same order, with the same figures. So:

1. **Candidates.** Only articles in different languages (a translation is never a
   monolingual copy), from the vectors of their leads (`dedup.xling.encoder`): a pair is a
   candidate when each is among the other's `TOP` nearest neighbours in the other's
   language, among the articles published within `WINDOW_DAYS` of each other when both are
   dated. Only candidates are encoded whole.
2. **Alignment.** Two sentences correspond when their cosine is at least `HIT_COSINE`; the
   sentences aligned are the longest chain of corresponding pairs in order in both bodies
   (a translation keeps the order of its original; another report of the event tells it in
   its own order). The pair is a translation when the chain covers at least `SHORT_SHARE`
   of the shorter body's sentences and `LONG_SHARE` of the longer's (both directions: a
   translation cut short still covers a part of its original).
3. **Facts.** Within the aligned pairs of sentences, the numbers (after unit conversion,
   `dedup.xling.facts`) of the two sentences must not disagree more often than they agree.
4. **One article per translation.** Of the pairs that pass, each article keeps its best in
   the other language when that choice is mutual; an article still unmatched then keeps its
   own best (a second translation of one article, Simplified beside Traditional, joins
   only by its own alignment, never through the cluster it would join).

The score reported for a translation is the share of the shorter body's sentences aligned.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from dedup.xling.encoder import Bodies, Vectors
from dedup.xling.facts import facts_of

# Translations of news appear within days of the original.
WINDOW_DAYS = 7.0
# Calibrated on the shared NTREX articles, bare and wrapped in page templates
# (benchmarks/eval_ntrex.py): translations aligned at least 0.55 of the shorter body and
# 0.30 of the longer; other articles about the same event at most 0.40 of the shorter, and
# at most 0.25 of the shorter whenever 0.25 of the longer.
TOP = 5
HIT_COSINE = 0.5
SHORT_SHARE = 0.45
LONG_SHARE = 0.25
MIN_ALIGNED = 2
_FAR = -2.0  # below any cosine: a pair outside the time window


@dataclass(frozen=True, slots=True)
class Link:
    """Article `left` and article `right` (positions) are translations; `score` is the
    share of the shorter body's sentences aligned."""

    left: int
    right: int
    score: float


@dataclass(frozen=True, slots=True)
class Alignment:
    """The sentences of two bodies aligned in order (`aligned` pairs of `left` and `right`
    sentences), and how the numbers of the aligned pairs compare."""

    aligned: int
    left: int
    right: int
    agreeing: int = 0
    differing: int = 0

    @property
    def score(self) -> float:
        """The share of the shorter body's sentences aligned (0 when either is empty)."""
        shorter = min(self.left, self.right)
        return self.aligned / shorter if shorter else 0.0

    @property
    def longer_share(self) -> float:
        """The share of the longer body's sentences aligned."""
        longer = max(self.left, self.right)
        return self.aligned / longer if longer else 0.0

    @property
    def is_translation(self) -> bool:
        """Rules 2 and 3."""
        return (
            self.aligned >= MIN_ALIGNED
            and self.score >= SHORT_SHARE
            and self.longer_share >= LONG_SHARE
            and self.differing <= self.agreeing
        )


def align(
    left: Vectors, right: Vectors, left_text: Sequence[str], right_text: Sequence[str]
) -> Alignment:
    """Rule 2's chain of corresponding sentences, and rule 3's comparison of the numbers
    within it (`left_text` and `right_text` are the sentences the vectors encode)."""
    if not len(left) or not len(right):
        return Alignment(0, len(left), len(right))
    pairs = _chain(left @ right.T >= HIT_COSINE)
    agreeing = differing = 0
    for row, column in pairs:
        ours, theirs = facts_of(left_text[row]).numbers, facts_of(right_text[column]).numbers
        if ours and theirs:
            agreeing += bool(ours & theirs)
            differing += not ours & theirs
    return Alignment(len(pairs), len(left), len(right), agreeing, differing)


def _chain(hits: npt.NDArray[np.bool_]) -> list[tuple[int, int]]:
    """The longest chain of hits increasing in both row and column (a longest common
    subsequence), one row of the table at a time."""
    rows, columns = hits.shape
    table = np.zeros((rows + 1, columns + 1), dtype=np.int32)
    for row in range(rows):
        above = table[row]
        # table[row+1][c+1] = max(above[c+1], table[row+1][c], above[c] + hit): the running
        # maximum of the first two terms' best.
        table[row + 1, 1:] = np.maximum.accumulate(np.maximum(above[1:], above[:-1] + hits[row]))
    pairs = []
    row, column = rows, columns
    while row and column:
        if hits[row - 1, column - 1] and table[row, column] == table[row - 1, column - 1] + 1:
            pairs.append((row - 1, column - 1))
            row, column = row - 1, column - 1
        elif table[row, column] == table[row - 1, column]:
            row -= 1
        else:
            column -= 1
    return pairs[::-1]


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
    bodies: Bodies,
    languages: Sequence[str],
    instants: Sequence[float | None],
    *,
    window_days: float = WINDOW_DAYS,
) -> list[Link]:
    """The translation links among articles (positions in `bodies`; an article whose
    language is ``""`` takes no part), sorted."""
    by_language: dict[str, list[int]] = {}
    for position, language in enumerate(languages):
        if language:
            by_language.setdefault(language, []).append(position)
    names = sorted(by_language)
    if len(names) < 2:
        return []
    everyone = [position for name in names for position in by_language[name]]
    leads = dict(zip(everyone, bodies.leads(everyone), strict=True))
    candidates: list[tuple[int, int]] = []
    for number, first in enumerate(names):
        for second in names[number + 1 :]:
            left, right = by_language[first], by_language[second]
            cosines = _cosines(leads, left, right, instants, window_days)
            candidates.extend((left[r], right[c]) for r, c in _mutual_top(cosines))
    bodies.whole(position for pair in candidates for position in pair)
    passing = {}
    for a, b in candidates:
        found = align(
            bodies.vectors(a), bodies.vectors(b), bodies.sentences[a], bodies.sentences[b]
        )
        if found.is_translation:
            passing[(min(a, b), max(a, b))] = found
    links = _chosen(passing, languages)
    return sorted(links, key=lambda link: (link.left, link.right))


def _cosines(
    leads: dict[int, Vectors],
    left: list[int],
    right: list[int],
    instants: Sequence[float | None],
    window_days: float,
) -> npt.NDArray[np.float32]:
    cosines: npt.NDArray[np.float32] = (
        np.stack([leads[i] for i in left]) @ np.stack([leads[i] for i in right]).T
    )
    times = np.array([np.nan if instants[i] is None else instants[i] for i in left])
    others = np.array([np.nan if instants[i] is None else instants[i] for i in right])
    with np.errstate(invalid="ignore"):
        apart = np.abs(times[:, None] - others[None, :]) > window_days * 86400
    cosines[apart] = _FAR  # NaN (an undated side) compares False: such pairs stay
    return cosines


def _mutual_top(cosines: npt.NDArray[np.float32], top: int = TOP) -> list[tuple[int, int]]:
    """The (row, column) pairs each among the other's `top` largest (ties by position)."""
    by_row = np.argsort(-cosines, axis=1, kind="stable")[:, :top]
    by_column = np.argsort(-cosines, axis=0, kind="stable")[:top, :]
    return [
        (row, int(column))
        for row in range(cosines.shape[0])
        for column in by_row[row]
        if cosines[row, column] > _FAR and row in by_column[:, column]
    ]


def _chosen(passing: dict[tuple[int, int], Alignment], languages: Sequence[str]) -> list[Link]:
    """Rule 4: mutual best choices first, then each article still unmatched (in that other
    language) keeps its own best."""
    choices: dict[tuple[int, str], list[tuple[int, Alignment]]] = {}
    for (a, b), found in passing.items():
        choices.setdefault((a, languages[b]), []).append((b, found))
        choices.setdefault((b, languages[a]), []).append((a, found))
    best = {
        key: min(
            options, key=lambda option: (-option[1].score, -option[1].longer_share, option[0])
        )[0]
        for key, options in choices.items()
    }
    chosen = {
        (a, b)
        for (a, b) in passing
        if best[(a, languages[b])] == b and best[(b, languages[a])] == a
    }
    matched = {(a, languages[b]) for a, b in chosen} | {(b, languages[a]) for a, b in chosen}
    for (article, language), other in sorted(best.items()):
        if (article, language) not in matched:
            chosen.add((min(article, other), max(article, other)))
    return [Link(a, b, passing[(a, b)].score) for a, b in sorted(chosen)]


def _preference(option: tuple[int, Alignment]) -> tuple[float, float, int]:
    """The better alignment first (then the longer body covered, then the position)."""
    other, found = option
    return (-found.score, -found.longer_share, other)
