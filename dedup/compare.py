"""Explaining one pair: estimated and exact similarity, containment, the passages they share."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

from dedup.cluster import AGREEING_NUMBERS, DISAGREEING_NUMBERS_SIMILARITY
from dedup.config import DedupConfig
from dedup.models import Document
from dedup.textops import shadow


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
    """The rule of `dedup.cluster.judge` that decided a pair, in words, with its figures."""
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


def differing_numbers(left: Sequence[str], right: Sequence[str]) -> tuple[list[str], list[str]]:
    """The distinctive numbers found in one body and not the other, each side sorted."""
    a, b = set(left), set(right)
    return sorted(a - b), sorted(b - a)
