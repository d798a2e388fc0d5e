"""The copy rule: verdicts on measured pairs, one by one and over arrays, and relations."""

from __future__ import annotations

import numpy as np

from dedup.config import DedupConfig
from dedup.fingerprint.shingle import Fingerprint
from dedup.verdict import verify

CONFIG = DedupConfig(threshold=0.7, containment=0.9, min_containment_shingles=10)


def ids(values: range | list[int], numbers: range | list[int] = ()) -> Fingerprint:
    return Fingerprint(
        np.array(sorted(set(values)), dtype=np.uint32),
        np.array(sorted(set(numbers)), dtype=np.uint32),
    )


def test_agreeing_numbers_lower_the_bar_and_disagreeing_ones_raise_it() -> None:
    # Jaccard 0.6: below the 0.7 threshold on words alone.
    left, right = range(0, 80), range(20, 100)
    assert not verify(ids(left), ids(right), CONFIG).is_copy
    assert verify(ids(left, range(10)), ids(right, range(10)), CONFIG).is_copy
    # A templated note: 0.82 Jaccard, different figures.
    note_a, note_b = range(0, 100), range(18, 100)
    assert verify(ids(note_a), ids(note_b), CONFIG).is_copy
    assert not verify(ids(note_a, range(10)), ids(note_b, range(10, 20)), CONFIG).is_copy
    assert verify(ids(note_a, range(10)), ids(range(0, 98), range(10, 20)), CONFIG).is_copy


def test_judging_many_pairs_at_once_is_judging_each() -> None:
    import itertools

    import numpy as np

    from dedup.verdict import judge, judge_many

    config = DedupConfig(number_agreement=0.9)  # above AGREEING_NUMBERS: both rules overlap
    grid = list(
        itertools.product(
            [0.0, 0.55, 0.6, 0.65, 0.7, 0.85, 0.9, 0.95],  # similarity
            [0.0, 0.74, 0.75, 0.8, 0.85, 1.0],  # containment
            [10, 29, 30, 500],  # shingles in the smaller body
            [None, 0.0, 0.5, 0.79, 0.8, 0.85, 0.9, 1.0],  # number agreement
        )
    )
    for tried in (config, CONFIG):
        columns = list(zip(*grid, strict=True))
        agreement = np.array([np.nan if a is None else a for a in columns[3]])
        together = judge_many(
            np.array(columns[0]), np.array(columns[1]), np.array(columns[2]), agreement, tried
        )
        alone = [judge(s, c, n, a, tried).is_copy for s, c, n, a in grid]
        assert together.tolist() == alone


def test_relations_of_many_copies_are_relation_of_each() -> None:
    import numpy as np

    from dedup.verdict import Verdict, relation_of, relations_of

    similarity = np.array([0.95, 0.7, 0.69, 0.4, 0.4, 0.4])
    sizes = np.array([300, 300, 500, 200, 300, 301])
    expected = [
        relation_of(Verdict(float(s), 1.0, True), 300, int(n), CONFIG)
        for s, n in zip(similarity, sizes, strict=True)
    ]
    assert relations_of(similarity, 300, sizes, CONFIG) == expected
    assert set(expected) == {"duplicate", "partial", "extended"}
