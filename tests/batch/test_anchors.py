from __future__ import annotations

import itertools

import numpy as np
import pytest

from dedup.batch import anchors as anchors_module
from dedup.batch.anchors import (
    COMMON_ANCHOR,
    MIN_ESTIMATE,
    MIN_SHARED,
    AnchorTable,
    anchor_pairs,
    group_pairs,
)
from dedup.fingerprint.anchors import ANCHOR_RATE, anchors_of


def shingles(values: range | list[int]) -> np.ndarray:
    mixed = (np.array(values, dtype=np.uint64) * np.uint64(2654435761)) & np.uint64(0xFFFFFFFF)
    return np.unique(mixed.astype(np.uint32))


def test_anchors_are_about_one_in_the_rate_and_the_same_in_every_body() -> None:
    body = shingles(range(20_000))
    chosen = anchors_of(body)
    assert abs(chosen.size - body.size / ANCHOR_RATE) < 0.2 * body.size / ANCHOR_RATE
    part = shingles(range(5_000, 9_000))
    assert np.array_equal(anchors_of(part), np.intersect1d(chosen, part))


def test_a_bulletin_inside_a_report_four_times_longer_is_a_candidate() -> None:
    bulletin = shingles(range(1_000, 1_200))
    report = shingles([*range(1_000, 1_200), *range(50_000, 50_600)])
    stranger = shingles(range(90_000, 90_800))
    pairs = anchor_pairs([anchors_of(s) for s in (bulletin, report, stranger)])
    assert pairs.tolist() == [[0, 1]]


def test_a_shared_phrase_is_not_a_shared_passage() -> None:
    # Two long bodies sharing a dozen shingles: too few of either's anchors to verify.
    left = shingles([*range(0, 12), *range(100, 900)])
    right = shingles([*range(0, 12), *range(2_000, 2_800)])
    assert anchor_pairs([anchors_of(left), anchors_of(right)]).size == 0


def test_a_stock_phrase_in_many_bodies_makes_no_pairs() -> None:
    common = list(range(0, 400))
    bodies = [shingles([*common, *range(10_000 * n, 10_000 * n + 100)]) for n in range(1, 120)]
    assert len(bodies) > COMMON_ANCHOR
    assert anchor_pairs([anchors_of(b) for b in bodies]).size == 0


def brute_force(anchors: list[np.ndarray]) -> list[list[int]]:
    """The pairs by the rule, one pair at a time: anchors shared (those of at most
    `COMMON_ANCHOR` bodies), at least MIN_SHARED and MIN_ESTIMATE of the fewer's."""
    keys, counts = np.unique(np.concatenate(anchors), return_counts=True)
    usable = set(keys[counts <= COMMON_ANCHOR].tolist())
    pairs = []
    for i, j in itertools.combinations(range(len(anchors)), 2):
        shared = len(usable.intersection(anchors[i].tolist(), anchors[j].tolist()))
        fewer = min(anchors[i].size, anchors[j].size)
        if shared >= MIN_SHARED and shared >= MIN_ESTIMATE * fewer:
            pairs.append([i, j])
    return pairs


def test_anchors_paired_a_block_at_a_time_give_the_pairs_of_the_rule(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Bodies drawn from a small vocabulary share many anchors, in buckets of every size,
    # some over COMMON_ANCHOR.
    rng = np.random.default_rng(3)
    vocabulary = rng.integers(0, 2**32, size=4000, dtype=np.uint64).astype(np.uint32)
    bodies = [np.unique(rng.choice(vocabulary, size=rng.integers(5, 400))) for _ in range(300)]
    anchors = [anchors_of(body) for body in bodies]
    expected = brute_force(anchors)
    assert len(expected) > 100
    for block_rows in (1, 7, 1000, 1 << 30):
        assert anchor_pairs(anchors, block_rows=block_rows).tolist() == expected
    assert group_pairs(anchors, np.zeros(0, dtype=np.uint32)).tolist() == expected
    # Occurrences counted a few at a time, runs starting inside buckets.
    for step in (1, 2, 97):
        monkeypatch.setattr(anchors_module, "_STEP", step)
        assert anchor_pairs(anchors, block_rows=1000).tolist() == expected


def test_a_table_filled_a_chunk_at_a_time_gives_the_pairs_of_one_fill() -> None:
    rng = np.random.default_rng(4)
    vocabulary = rng.integers(0, 2**32, size=2000, dtype=np.uint64).astype(np.uint32)
    bodies = [np.unique(rng.choice(vocabulary, size=rng.integers(0, 300))) for _ in range(120)]
    anchors = [anchors_of(body) for body in bodies]
    table = AnchorTable()
    for start in range(0, len(anchors), 17):
        table.extend(anchors[start : start + 17])
    assert table.pairs().tolist() == anchor_pairs(anchors).tolist() == brute_force(anchors)
