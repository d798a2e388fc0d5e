"""What a copy changed: its character differences from the original, for people to read
(the only user of fast-diff-match-patch).

Both bodies are compared on their shadows (Simplified, half-width: ``textops.shadow`` keeps
every character in place), so a Traditional copy of a Simplified original shows no change
where only the script differs, while the positions still point into each body as written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import fast_diff_match_patch

from dedup.textops import shadow

# Shared runs shorter than this inside a changed passage are coincidences (一 个 的),
# shown as part of the change rather than as confetti of shared characters.
MIN_SHARED = 3
# Longer bodies are compared on their first part: the diff's time grows with length times
# differences, and it runs without a time limit so that the same bodies always give the
# same edits.
MAX_CHARS = 20_000

_DIGIT = re.compile(r"\d")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*%?")


@dataclass(frozen=True, slots=True)
class Edit:
    """One passage of the comparison: ``equal`` (both have it), ``delete`` (only the
    original), ``insert`` (only the copy) or ``replace`` (each side has its own text).
    ``original`` and ``copy`` are character ranges into each body as written."""

    tag: str
    original: tuple[int, int]
    copy: tuple[int, int]


@dataclass(frozen=True, slots=True)
class TextDiff:
    """The edits that turn the original into the copy, and the numbers that changed."""

    edits: tuple[Edit, ...]
    changed_numbers: tuple[tuple[str, str], ...]
    truncated: bool


def diff_texts(original: str, copy: str) -> TextDiff:
    """Compare two bodies character by character on their folded text.

    Shared runs shorter than `MIN_SHARED` are folded into the change around them, and a
    change that touches a number is widened to the whole number on both sides, so ``50000``
    against ``60000`` reads as one number replaced, not one digit.

    Example:
        >>> d = diff_texts("建成充电桩5万个。", "建成充電樁6萬個。")
        >>> [(e.tag, e.original, e.copy) for e in d.edits]
        [('equal', (0, 5), (0, 5)), ('replace', (5, 6), (5, 6)), ('equal', (6, 9), (6, 9))]
        >>> d.changed_numbers
        (('5', '6'),)
    """
    truncated = len(original) > MAX_CHARS or len(copy) > MAX_CHARS
    a, b = shadow(original[:MAX_CHARS]), shadow(copy[:MAX_CHARS])
    edits = _widen_numbers(_edits_between(_shared_runs(a, b), len(a), len(b)), a, b)
    return TextDiff(tuple(edits), _changed_numbers(edits, a, b), truncated)


def _shared_runs(a: str, b: str) -> list[tuple[int, int, int]]:
    """(start in a, start in b, length) of each shared run of `MIN_SHARED` characters or
    more: Google's diff-match-patch (C++) with its semantic cleanup, which already folds
    coincidental short matches into the changes around them."""
    runs = []
    i = j = 0
    for op, size in fast_diff_match_patch.diff(
        a, b, timelimit=0, checklines=False, cleanup="Semantic"
    ):
        if op == "=":
            if size >= MIN_SHARED:
                runs.append((i, j, size))
            i, j = i + size, j + size
        elif op == "-":
            i += size
        else:
            j += size
    return runs


def _changed_numbers(edits: list[Edit], a: str, b: str) -> tuple[tuple[str, str], ...]:
    """(the original's numbers, the copy's) for each passage replaced by one with other
    numbers; numbers in a passage only one side has are missing text, not changed ones."""
    pairs = []
    for edit in edits:
        if edit.tag != "replace":
            continue
        before = " ".join(_NUMBER.findall(a[edit.original[0] : edit.original[1]]))
        after = " ".join(_NUMBER.findall(b[edit.copy[0] : edit.copy[1]]))
        if before != after:
            pairs.append((before, after))
    return tuple(pairs)


def _edits_between(blocks: list[tuple[int, int, int]], len_a: int, len_b: int) -> list[Edit]:
    edits: list[Edit] = []
    i = j = 0
    for a, b, size in [*blocks, (len_a, len_b, 0)]:
        if a > i or b > j:
            edits.append(Edit(_change_tag(a - i, b - j), (i, a), (j, b)))
        if size:
            edits.append(Edit("equal", (a, a + size), (b, b + size)))
        i, j = a + size, b + size
    return edits


def _change_tag(removed: int, added: int) -> str:
    if removed and added:
        return "replace"
    return "delete" if removed else "insert"


def _widen_numbers(edits: list[Edit], a: str, b: str) -> list[Edit]:
    """Move the digits around a change that holds a number out of the shared passages
    beside it and into the change (the shared digits are the same on both sides)."""
    spans = [[*e.original, *e.copy] for e in edits]
    tags = [e.tag for e in edits]
    for k, (a0, a1, b0, b1) in enumerate(spans):
        if tags[k] == "equal" or not _DIGIT.search(a[a0:a1] + b[b0:b1]):
            continue
        if k and tags[k - 1] == "equal":
            before = spans[k - 1]
            while before[1] > before[0] and _inside_number(a, before[1] - 1):
                before[1] -= 1
                before[3] -= 1
                spans[k][0] -= 1
                spans[k][2] -= 1
        if k + 1 < len(spans) and tags[k + 1] == "equal":
            after = spans[k + 1]
            while after[0] < after[1] and _inside_number(a, after[0]):
                after[0] += 1
                after[2] += 1
                spans[k][1] += 1
                spans[k][3] += 1
    return _merged(
        [
            (tag, span[0], span[1], span[2], span[3])
            for tag, span in zip(tags, spans, strict=True)
            if span[1] > span[0] or span[3] > span[2]
        ]
    )


def _inside_number(text: str, position: int) -> bool:
    """A digit, or a decimal point, thousands comma or percent sign next to a digit."""
    char = text[position]
    if char.isdigit():
        return True
    if char in ".,":
        return (position and text[position - 1].isdigit()) or (
            position + 1 < len(text) and text[position + 1].isdigit()
        )
    return char == "%" and position > 0 and text[position - 1].isdigit()


def _merged(spans: list[tuple[str, int, int, int, int]]) -> list[Edit]:
    """Edits from spans, with neighbouring changes (left beside each other once a shared
    passage gave its digits away) joined into one."""
    edits: list[Edit] = []
    for tag, a0, a1, b0, b1 in spans:
        if tag == "equal":
            edits.append(Edit(tag, (a0, a1), (b0, b1)))
            continue
        start_a, start_b = a0, b0
        if edits and edits[-1].tag != "equal":
            last = edits.pop()
            start_a, start_b = last.original[0], last.copy[0]
        edits.append(Edit(_change_tag(a1 - start_a, b1 - start_b), (start_a, a1), (start_b, b1)))
    return edits
