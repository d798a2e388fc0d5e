"""Explaining one pair: estimated and exact similarity, containment, the passages they share."""

from __future__ import annotations

from dataclasses import dataclass
from difflib import SequenceMatcher

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
