"""Explaining one pair: estimated and exact similarity, containment, the passages they share."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher

import numpy as np

from dedup.config import DedupConfig
from dedup.fingerprint.captions import Captions, compare_captions
from dedup.fingerprint.fingerprinter import Fingerprinter
from dedup.fingerprint.normalize import figures, tokens_and_numbers
from dedup.fingerprint.shingle import number_agreement
from dedup.fingerprint.slots import Slots, compare_slots
from dedup.models import CopyRelation, Document
from dedup.textops import shadow
from dedup.verdict import (
    AGREEING_NUMBERS,
    CAPTIONS_ONLY,
    DISAGREEING_NUMBERS_SIMILARITY,
    SLOTS_DIFFER,
    figures_changed,
    relation_of,
    verify,
)


@dataclass(frozen=True, slots=True)
class Passage:
    """A passage both bodies contain, as it reads in each."""

    left: str
    right: str


def shared_passages(
    left: Document, right: Document, *, min_chars: int = 12, limit: int = 5
) -> list[Passage]:
    """The longest passages two bodies share, compared on their shadows (Simplified,
    half-width) so a Traditional copy matches its Simplified original, and shown as each
    body has them."""
    a, b = shadow(left.body), shadow(right.body)
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    blocks = [block for block in matcher.get_matching_blocks() if block.size >= min_chars]
    blocks.sort(key=lambda block: (-block.size, block.a))
    return [
        Passage(
            left.body[block.a : block.a + block.size], right.body[block.b : block.b + block.size]
        )
        for block in blocks[:limit]
    ]


def decisive_rule(
    similarity: float,
    containment: float,
    smaller_size: int,
    agreement: float | None,
    config: DedupConfig,
) -> str:
    """The rule of `dedup.verdict.judge` that decided a pair, in words, with its figures."""
    if agreement is not None and agreement < config.number_agreement:
        bar = DISAGREEING_NUMBERS_SIMILARITY
        side = ">=" if similarity >= bar else "<"
        return (
            f"number agreement {agreement:.2f} < {config.number_agreement}: the distinctive "
            f"numbers disagree, so only near-identical bodies are copies; "
            f"similarity {similarity:.3f} {side} {bar}"
        )
    threshold, containment_bar = config.threshold, config.containment
    prefix = ""
    if agreement is not None and agreement >= AGREEING_NUMBERS:
        threshold -= config.number_slack
        containment_bar -= config.number_slack
        prefix = (
            f"number agreement {agreement:.2f} >= {AGREEING_NUMBERS}: both bars lowered by "
            f"{config.number_slack}; "
        )
    elif agreement is None:
        prefix = "fewer than three distinctive numbers in a body: no number rule; "
    if similarity >= threshold:
        return f"{prefix}similarity {similarity:.3f} >= threshold {threshold:.2f}"
    long_enough = smaller_size >= config.min_containment_shingles
    if containment >= containment_bar and long_enough:
        return (
            f"{prefix}similarity {similarity:.3f} < threshold {threshold:.2f}, but containment "
            f"{containment:.3f} >= {containment_bar:.2f} (a cut-down copy)"
        )
    if containment >= containment_bar:
        return (
            f"{prefix}similarity {similarity:.3f} < threshold {threshold:.2f}; containment "
            f"{containment:.3f} >= {containment_bar:.2f} but the shorter body has "
            f"{smaller_size} shingles, fewer than the {config.min_containment_shingles} "
            "needed to tell"
        )
    return (
        f"{prefix}similarity {similarity:.3f} < threshold {threshold:.2f} and containment "
        f"{containment:.3f} < {containment_bar:.2f}"
    )


def slot_rule(slots: Slots) -> str:
    """What kept a pair that the bars accept apart (`dedup.verdict.check_slots`), in words."""
    slot = slots.slots[0]
    return (
        "but they fill one frame for different places (a template, not a copy): A repeats "
        f"{', '.join(slots.left_places)}, B repeats {', '.join(slots.right_places)}, neither "
        f"stated by the other; and between the same shared words A says {slot.left!r} "
        f"({slot.left_value}), B says {slot.right!r} ({slot.right_value})"
        + (f", and {len(slots.slots) - 1} more such point(s)" if len(slots.slots) > 1 else "")
    )


def caption_rule(captions: Captions, contained: str, other: str) -> str:
    """What kept a pair that containment accepts apart (`dedup.verdict.check_captions`), in
    words: ``contained`` and ``other`` name the two pages."""
    return (
        f"but {contained} is a photo story ({captions.photos} photos, its text their "
        f"captions) and {other} carries only some of its captions: {other} shows "
        f"{captions.other_photos} of its photos, is no photo story, and "
        f"{captions.in_captions:.0%} of what they share lies in {other}'s captions "
        "(a page showing a photo of a photo story, not a copy of it)"
    )


def differing_numbers(left: Sequence[str], right: Sequence[str]) -> tuple[list[str], list[str]]:
    """The distinctive numbers found in one body and not the other, each side sorted."""
    a, b = set(left), set(right)
    return sorted(a - b), sorted(b - a)


@dataclass(frozen=True, slots=True)
class Comparison:
    """Why two pages are, or are not, copies of one article."""

    left: Document
    right: Document
    similarity: float
    estimated_similarity: float
    left_in_right: float
    right_in_left: float
    number_agreement: float | None
    is_copy: bool
    passages: list[Passage]
    rule: str = ""
    numbers_only_left: tuple[str, ...] = ()
    numbers_only_right: tuple[str, ...] = ()
    # How B relates to A when they are copies (as the report's `relation` column says it).
    relation: CopyRelation | None = None
    # The places the bodies name apart and the points they fill differently.
    slots: Slots = field(default_factory=Slots)
    # The captions of the contained body (the one with fewer shingles) and of the other.
    captions: Captions = field(default_factory=Captions)


@dataclass(frozen=True, slots=True)
class TranslationEvidence:
    """What `dedup.xling.matching` weighs for two pages in different languages: how many
    of their sentences align in order (`aligned` of `sentences_left` and
    `sentences_right`), the numbers of aligned sentences that agree and differ, the score
    (the share of the shorter body aligned) and whether that passes (a scan also requires
    each to be among the other's nearest leads)."""

    score: float
    aligned: int
    sentences_left: int
    sentences_right: int
    agreeing: int
    differing: int
    passes: bool


def translation_evidence(left: Document, right: Document) -> TranslationEvidence:
    """The cross-lingual evidence on a pair (needs ``dedup[xling]``)."""
    from dedup.xling.encoder import Bodies
    from dedup.xling.matching import align

    bodies = Bodies([left.body, right.body])
    bodies.whole([0, 1])
    found = align(bodies.vectors(0), bodies.vectors(1), bodies.sentences[0], bodies.sentences[1])
    return TranslationEvidence(
        found.score,
        found.aligned,
        found.left,
        found.right,
        found.agreeing,
        found.differing,
        found.is_translation,
    )


def compare(left: Document, right: Document, config: DedupConfig | None = None) -> Comparison:
    """Explain a pair: exact and MinHash-estimated Jaccard similarity of the bodies'
    shingles, containment both ways, the verdict `scan` would reach, and shared passages."""
    config = config or DedupConfig()
    fingerprinter = Fingerprinter(config)
    a, b = fingerprinter.fingerprint(left.body), fingerprinter.fingerprint(right.body)
    shared = int(np.intersect1d(a.shingles, b.shingles, assume_unique=True).size)
    estimate = 0.0
    if a.size and b.size:
        hasher = fingerprinter.hasher
        left_sketch, right_sketch = hasher.sign(a.shingles), hasher.sign(b.shingles)
        estimate = float(hasher.lean(left_sketch).jaccard(hasher.lean(right_sketch)))
    verdict = verify(a, b, config, (left, right))
    agreement = number_agreement(a.numbers, b.numbers)
    slots = compare_slots(left.body, right.body)
    # The contained body is the one with fewer shingles, as `verify` reads it.
    names = ("A", "B") if a.size <= b.size else ("B", "A")
    contained, other = (left, right) if names[0] == "A" else (right, left)
    captions = compare_captions(contained.body, other.body)
    rule = decisive_rule(
        verdict.similarity, verdict.containment, min(a.size, b.size), agreement, config
    )
    if verdict.decided_by == SLOTS_DIFFER:
        rule = f"{rule}; {slot_rule(slots)}"
    elif verdict.decided_by == CAPTIONS_ONLY:
        rule = f"{rule}; {caption_rule(captions, *names)}"
    only_left, only_right = differing_numbers(
        tokens_and_numbers(left.body, extracted=True)[1],
        tokens_and_numbers(right.body, extracted=True)[1],
    )
    return Comparison(
        left=left,
        right=right,
        similarity=verdict.similarity,
        estimated_similarity=estimate,
        left_in_right=shared / a.size if a.size else 0.0,
        right_in_left=shared / b.size if b.size else 0.0,
        number_agreement=agreement,
        is_copy=verdict.is_copy,
        passages=shared_passages(left, right),
        rule=rule,
        numbers_only_left=tuple(only_left),
        numbers_only_right=tuple(only_right),
        relation=relation_of(
            verdict,
            b.size,
            a.size,
            config,
            figures_changed=figures_changed(figures(right.body), figures(left.body)),
        )
        if verdict.is_copy
        else None,
        slots=slots,
        captions=captions,
    )
