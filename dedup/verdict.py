"""The copy rule: whether two bodies are copies of one article, and how they relate.

Every path judges pairs here: the batch scan on all shingles (`verify`), the crawler's index
on shingle samples, pair by pair or over arrays (`judge`, `judge_many`), and all of them,
the scan, `dedup compare` and the index, on the two bodies of a copy below near-identity
(`check_slots`, `slots_checked`, `slots_differ`) and of a copy accepted by containment
alone (`check_captions`, `contained_only`, `captions_only`); and names the relation of a
copy to the page it was verified against (`relation_of`, `relations_of`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import overload

import numpy as np
import numpy.typing as npt

from dedup.config import DedupConfig
from dedup.fingerprint.captions import compare_captions
from dedup.fingerprint.shingle import Fingerprint, compare_shingles, number_agreement
from dedup.fingerprint.slots import fill_differently
from dedup.models import CopyRelation, Document, Relation

# Numbers agree when at least this share of the fewer are found in the other body.
AGREEING_NUMBERS = 0.8
# With disagreeing numbers, only bodies this similar are copies (a corrected figure or two).
DISAGREEING_NUMBERS_SIMILARITY = 0.9
# A copy at least this many times as long as the page it carries quotes it inside a longer
# piece (a round-up, a report around a bulletin) rather than extending it by a paragraph.
QUOTING_LENGTH = 2.0
ORIGINAL: Relation = "original"
DUPLICATE: CopyRelation = "duplicate"
UPDATED: CopyRelation = "updated"
PARTIAL: CopyRelation = "partial"
EXTENDED: CopyRelation = "extended"
QUOTED: CopyRelation = "quoted"
UNIQUE: Relation = "unique"

# Which part of the rule decided a verdict (`dedup compare` shows it).
BY_SIMILARITY = "similarity"
BY_CONTAINMENT = "containment"
NUMBERS_DIFFER = "numbers differ"
TOO_SHORT = "too short to be contained"
SLOTS_DIFFER = "slot values differ"
CAPTIONS_ONLY = "only captions carried"
BELOW_BARS = "below both bars"


@dataclass(frozen=True, slots=True)
class Verdict:
    """How two bodies relate, measured on their shingles, and which part of the rule
    decided (`decided_by`: one of the ``BY_``/other names above)."""

    similarity: float
    containment: float
    is_copy: bool
    decided_by: str = BY_SIMILARITY


def verify(
    left: Fingerprint,
    right: Fingerprint,
    config: DedupConfig,
    pages: tuple[Document, Document] | None = None,
) -> Verdict:
    """Whether two bodies are copies of one article, measured on all their shingles, and
    when their `pages` are given (their bodies are read only then) on their slots and
    captions too (`check_bodies`)."""
    similarity, containment = compare_shingles(left.shingles, right.shingles)
    verdict = judge(
        similarity,
        containment,
        min(left.size, right.size),
        number_agreement(left.numbers, right.numbers),
        config,
    )
    if pages is None:
        return verdict
    return check_bodies(verdict, pages[0].body, pages[1].body, left.size <= right.size)


def bodies_checked(verdict: Verdict) -> bool:
    """Whether a verdict is one that the bodies of its pages may overturn (`check_bodies`):
    a copy below near-identity, or accepted by containment alone."""
    return verdict.is_copy and (
        slots_checked(verdict.similarity) or verdict.decided_by == BY_CONTAINMENT
    )


def check_bodies(verdict: Verdict, left: str, right: str, left_contained: bool) -> Verdict:
    """A copy by its shingles, checked on its two bodies: their slots (`check_slots`), and
    when it was accepted by containment alone, the captions of the contained one, the left
    when ``left_contained`` (`check_captions`)."""
    if not bodies_checked(verdict):
        return verdict
    if slots_checked(verdict.similarity):
        verdict = check_slots(verdict, left, right)
    if not verdict.is_copy:
        return verdict
    contained, other = (left, right) if left_contained else (right, left)
    return check_captions(verdict, contained, other)


def check_slots(verdict: Verdict, left: str, right: str) -> Verdict:
    """A copy by its shingles is none when its bodies fill one frame for different places
    (`dedup.fingerprint.slots`): each repeats a place name the other never states, and at
    some point of their shared text each says something the other never does (a name, a
    figure) between the same words.

    Measured on pairs labelled by reading: the templated notices that the shingle bars
    merged (one flood order issued by two districts, one flood measure by two cities:
    containment 0.65-0.7, no distinctive numbers to disagree) have both findings; none of
    the 252 copies that pass the bars below near-identity has both (a copy's edits are a
    pronoun, a source line, a date restated, an updated figure). Near-identical bodies
    (`DISAGREEING_NUMBERS_SIMILARITY`) are not checked: a corrected name leaves a copy.
    The crawler's index applies the same test (`slots_differ`) to the bodies it keeps
    (`dedup.index.bodies`)."""
    if not slots_differ(left, right):
        return verdict
    return Verdict(verdict.similarity, verdict.containment, False, SLOTS_DIFFER)


def slots_checked(similarity: float) -> bool:
    """Whether a copy this similar (Jaccard, exact or estimated) has its slots checked
    (`check_slots`): near-identical bodies are not."""
    return similarity < DISAGREEING_NUMBERS_SIMILARITY


def slots_differ(left: str, right: str) -> bool:
    """Whether two bodies fill one frame for different places (`check_slots`' test, which
    the crawler's index applies to the copies it verifies on samples)."""
    return fill_differently(left, right)


def check_captions(verdict: Verdict, contained: str, other: str) -> Verdict:
    """A copy accepted by containment alone is none when the contained body is a photo
    story and the other carries only some of its captions (`captions_only`).

    An article's own body leaves photo captions out, and agency captions repeat one
    background paragraph under every photo: a report that shows one photo of a photo story
    with its caption carries most of the story's words (containment 0.7 on the labelled
    pair where this was found: five captions, one carried by a province-wide flood
    report). A copy of the whole story shows all its photos, or is itself a photo story,
    and stays a copy; so does a pair as similar as `threshold`."""
    if verdict.decided_by != BY_CONTAINMENT or not captions_only(contained, other):
        return verdict
    return Verdict(verdict.similarity, verdict.containment, False, CAPTIONS_ONLY)


def captions_only(contained: str, other: str) -> bool:
    """Whether a body is a photo story of which another carries only some captions
    (`dedup.fingerprint.captions`: the other shows fewer of its photos, is no photo story,
    and what the two share lies in its captions)."""
    return compare_captions(contained, other).carried_only


def contained_only(
    similarity: npt.NDArray[np.float64],
    agreement: npt.NDArray[np.float64],
    config: DedupConfig,
) -> npt.NDArray[np.bool_]:
    """Of copies (`judge_many`), which were accepted by containment alone, below their
    Jaccard bar (`check_captions` is read only for those)."""
    threshold, _, disagrees = _array_bars(agreement, config)
    below: npt.NDArray[np.bool_] = (similarity < threshold) & ~disagrees
    return below


def judge(
    similarity: float,
    containment: float,
    smaller_size: int,
    agreement: float | None,
    config: DedupConfig,
) -> Verdict:
    """The verdict on two bodies from their measures, exact or estimated (`dedup.fingerprint.sketch`
    samples).

    A copy carries most of the other's text: Jaccard similarity at `threshold`, or the
    shorter body contained in the longer at `containment` (a truncated copy, a re-edited
    one, a bulletin carried inside a report) when it is long enough to tell (``smaller_size``
    shingles, `min_containment_shingles`). Measured on pairs of real re-posts labelled by
    reading, same-event reports and excerpts keep under 0.4 of the shorter body, copies
    above 0.55. The bodies' distinctive numbers then move the bars: copies carry the same
    figures, so when nearly all of the fewer numbers agree the bars drop by `number_slack`,
    and when fewer than `number_agreement` of them agree only a near-identical body
    (`DISAGREEING_NUMBERS_SIMILARITY`: a corrected figure or two) counts, which keeps
    templated notes (stock flashes, market reports) apart however many words they share.
    """
    threshold, containment_bar = config.threshold, config.containment
    if agreement is not None and agreement >= AGREEING_NUMBERS:
        threshold -= config.number_slack
        containment_bar -= config.number_slack
    elif agreement is not None and agreement < config.number_agreement:
        same = similarity >= DISAGREEING_NUMBERS_SIMILARITY
        return Verdict(similarity, containment, same, BY_SIMILARITY if same else NUMBERS_DIFFER)
    if similarity >= threshold:
        return Verdict(similarity, containment, True, BY_SIMILARITY)
    if containment >= containment_bar:
        long_enough = smaller_size >= config.min_containment_shingles
        return Verdict(
            similarity, containment, long_enough, BY_CONTAINMENT if long_enough else TOO_SHORT
        )
    return Verdict(similarity, containment, False, BELOW_BARS)


def judge_many(
    similarity: npt.NDArray[np.float64],
    containment: npt.NDArray[np.float64],
    smaller_sizes: npt.NDArray[np.int64],
    agreement: npt.NDArray[np.float64],
    config: DedupConfig,
) -> npt.NDArray[np.bool_]:
    """`judge` over arrays, one entry per pair (``agreement`` NaN where `judge` takes
    None): which pairs are copies. Equal to `judge` pair by pair (tested); the crawler's
    index judges all of a page's candidates at once with it."""
    threshold, bar, disagrees = _array_bars(agreement, config)
    contained = (containment >= bar) & (smaller_sizes >= config.min_containment_shingles)
    usual = (similarity >= threshold) | contained
    copies: npt.NDArray[np.bool_] = np.where(
        disagrees, similarity >= DISAGREEING_NUMBERS_SIMILARITY, usual
    )
    return copies


def _array_bars(
    agreement: npt.NDArray[np.float64], config: DedupConfig
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
    """`judge`'s bars over arrays: the Jaccard threshold and the containment bar of each
    pair (both lowered by `number_slack` where the numbers agree), and where they disagree."""
    agrees = agreement >= AGREEING_NUMBERS
    disagrees = ~agrees & (agreement < config.number_agreement)
    threshold = np.where(agrees, config.threshold - config.number_slack, config.threshold)
    bar = np.where(agrees, config.containment - config.number_slack, config.containment)
    return threshold, bar, disagrees


def relation_of(
    verdict: Verdict,
    size: int,
    other_size: int,
    config: DedupConfig,
    *,
    figures_changed: bool = False,
) -> CopyRelation:
    """How a body relates to a copy it was verified against: ``updated`` (the same text,
    figures changed on both sides: `figures_changed`), ``duplicate`` (Jaccard at the
    threshold), ``partial`` (it is contained in the other: truncated or cut down),
    ``quoted`` (it carries the other inside a piece `QUOTING_LENGTH` times as long or
    more), or ``extended`` (it contains the other plus a little more). One pair of
    `relations_of` (tested equal), without its arrays: a scan asks it for every member."""
    if figures_changed and updates_read(verdict.similarity, config):
        return UPDATED
    if verdict.similarity >= config.threshold:
        return DUPLICATE
    if size <= other_size:
        return PARTIAL
    return QUOTED if size >= QUOTING_LENGTH * other_size else EXTENDED


def relations_of(
    similarity: npt.NDArray[np.float64],
    size: int | npt.NDArray[np.int64],
    other_sizes: npt.NDArray[np.int64],
    config: DedupConfig,
    changed: npt.NDArray[np.bool_] | None = None,
) -> list[CopyRelation]:
    """`relation_of` of a body to each of several copies of it (or of each of several
    bodies, ``size`` an array, to its copy), at once (tested equal). The crawler's index
    has distinctive numbers only: ``changed`` (figures changed) is then where they agree
    below 1."""
    sizes = np.asarray(size, dtype=np.float64)
    similar = similarity >= config.threshold
    codes = np.where(sizes <= other_sizes, 2, np.where(sizes >= QUOTING_LENGTH * other_sizes, 4, 3))
    codes = np.where(similar, 0, codes)
    if changed is not None:
        codes = np.where(changed & updates_read(similarity, config), 1, codes)
    names: tuple[CopyRelation, ...] = (DUPLICATE, UPDATED, PARTIAL, EXTENDED, QUOTED)
    return [names[code] for code in codes.tolist()]


@overload
def updates_read(similarity: float, config: DedupConfig) -> bool: ...
@overload
def updates_read(
    similarity: npt.NDArray[np.float64], config: DedupConfig
) -> npt.NDArray[np.bool_]: ...
def updates_read(
    similarity: float | npt.NDArray[np.float64], config: DedupConfig
) -> bool | npt.NDArray[np.bool_]:
    """Whether a copy this similar is the same text, so that changed figures make it
    ``updated`` (`relations_of`): for any other, whether figures changed is never read."""
    return similarity >= config.threshold - config.number_slack


def figures_changed(left: frozenset[str], right: frozenset[str]) -> bool:
    """Whether each of two bodies states a figure the other does not (a toll, an amount
    updated): a truncated or extended copy only lacks or adds some."""
    return bool(left - right) and bool(right - left)
