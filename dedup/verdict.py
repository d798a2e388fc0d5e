"""The copy rule: whether two bodies are copies of one article, and how they relate.

Every path judges pairs here: the batch scan on all shingles (`verify`), the crawler's index
on shingle samples, pair by pair or over arrays (`judge`, `judge_many`); and names the
relation of a copy to the page it was verified against (`relation_of`, `relations_of`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from dedup.config import DedupConfig
from dedup.fingerprint.shingle import Fingerprint, compare_shingles, number_agreement
from dedup.models import CopyRelation, Relation

# Numbers agree when at least this share of the fewer are found in the other body.
AGREEING_NUMBERS = 0.8
# With disagreeing numbers, only bodies this similar are copies (a corrected figure or two).
DISAGREEING_NUMBERS_SIMILARITY = 0.9
ORIGINAL: Relation = "original"
DUPLICATE: CopyRelation = "duplicate"
PARTIAL: CopyRelation = "partial"
EXTENDED: CopyRelation = "extended"
UNIQUE: Relation = "unique"


@dataclass(frozen=True, slots=True)
class Verdict:
    """How two bodies relate, measured on their shingles."""

    similarity: float
    containment: float
    is_copy: bool


def verify(left: Fingerprint, right: Fingerprint, config: DedupConfig) -> Verdict:
    """Whether two bodies are copies of one article, measured on all their shingles."""
    similarity, containment = compare_shingles(left.shingles, right.shingles)
    return judge(
        similarity,
        containment,
        min(left.size, right.size),
        number_agreement(left.numbers, right.numbers),
        config,
    )


def judge(
    similarity: float,
    containment: float,
    smaller_size: int,
    agreement: float | None,
    config: DedupConfig,
) -> Verdict:
    """The verdict on two bodies from their measures, exact or estimated (`dedup.fingerprint.sketch`
    samples).

    A copy has Jaccard similarity at the threshold, or the shorter body is contained in the
    longer (a truncated copy or an excerpt) when it is long enough to tell (``smaller_size``
    shingles). The bodies' distinctive numbers then move the bar: copies carry the same
    figures, so when nearly all of the fewer numbers agree the bar drops by `number_slack`
    (a copy with typos, a note and a cut paragraph still matches), and when most disagree
    only a near-identical body (`DISAGREEING_NUMBERS_SIMILARITY`) counts, which keeps
    templated notes (stock flashes, market reports) apart however many words they share.
    """
    threshold, containment_bar = config.threshold, config.containment
    if agreement is not None and agreement >= AGREEING_NUMBERS:
        threshold -= config.number_slack
        containment_bar -= config.number_slack
    elif agreement is not None and agreement < config.number_agreement:
        return Verdict(similarity, containment, similarity >= DISAGREEING_NUMBERS_SIMILARITY)
    contained = containment >= containment_bar and smaller_size >= config.min_containment_shingles
    return Verdict(similarity, containment, similarity >= threshold or contained)


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
    agrees = agreement >= AGREEING_NUMBERS
    disagrees = ~agrees & (agreement < config.number_agreement)
    threshold = np.where(agrees, config.threshold - config.number_slack, config.threshold)
    bar = np.where(agrees, config.containment - config.number_slack, config.containment)
    contained = (containment >= bar) & (smaller_sizes >= config.min_containment_shingles)
    usual = (similarity >= threshold) | contained
    copies: npt.NDArray[np.bool_] = np.where(
        disagrees, similarity >= DISAGREEING_NUMBERS_SIMILARITY, usual
    )
    return copies


def relation_of(verdict: Verdict, size: int, other_size: int, config: DedupConfig) -> CopyRelation:
    """How a body relates to another it was verified against: ``duplicate`` (Jaccard at
    the threshold), ``partial`` (it is contained in the other: truncated or an excerpt), or
    ``extended`` (it contains the other plus more)."""
    if verdict.similarity >= config.threshold:
        return DUPLICATE
    return PARTIAL if size <= other_size else EXTENDED


def relations_of(
    similarity: npt.NDArray[np.float64],
    size: int | npt.NDArray[np.int64],
    other_sizes: npt.NDArray[np.int64],
    config: DedupConfig,
) -> list[CopyRelation]:
    """`relation_of` of a body to each of several copies of it (or of each of several
    bodies, ``size`` an array, to its copy), at once (tested equal)."""
    codes = np.where(similarity >= config.threshold, 0, np.where(size <= other_sizes, 1, 2))
    names: tuple[CopyRelation, ...] = (DUPLICATE, PARTIAL, EXTENDED)
    return [names[code] for code in codes.tolist()]
