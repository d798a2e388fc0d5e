"""Bottom-k samples: exact for short pages, close estimates for long ones, never biased by text."""

from __future__ import annotations

import numpy as np
import pytest

from dedup.fingerprint.shingle import Fingerprint, compare_shingles, number_agreement
from dedup.fingerprint.signature import mix32
from dedup.fingerprint.sketch import FULL, Samples, compare_pairs, compare_samples, sample_of


def fingerprint(ids: np.ndarray, numbers: tuple[int, ...] = ()) -> Fingerprint:
    return Fingerprint(np.unique(ids.astype(np.uint32)), np.array(sorted(numbers), np.uint32))


def random_pair(
    rng: np.random.Generator, size: int, shared: float
) -> tuple[Fingerprint, Fingerprint]:
    pool = rng.choice(2**32, size=3 * size, replace=False).astype(np.uint32)
    common = int(size * shared)
    left = pool[:size]
    right = np.concatenate([pool[:common], pool[size : 2 * size - common]])
    return fingerprint(left), fingerprint(right)


def test_mixing_is_a_bijection_on_a_sample_of_values() -> None:
    values = np.arange(0, 2**32, 4099, dtype=np.uint64).astype(np.uint32)
    assert np.unique(mix32(values)).size == values.size


def test_short_pages_are_kept_whole_and_compare_exactly() -> None:
    rng = np.random.default_rng(3)
    left, right = random_pair(rng, 100, 0.6)
    a, b = sample_of(left, 128), sample_of(right, 128)
    assert a.values.size == a.size == 100 and a.cutoff == FULL
    measured = compare_samples(a, Samples.of([b]))
    assert (measured.similarity[0], measured.containment[0]) == compare_shingles(
        left.shingles, right.shingles
    )


@pytest.mark.parametrize("shared", [0.3, 0.7, 0.9], ids=["far", "threshold", "near"])
def test_long_pages_estimate_jaccard_closely(shared: float) -> None:
    rng = np.random.default_rng(int(shared * 10))
    errors = []
    for _ in range(60):
        left, right = random_pair(rng, 800, shared)
        exact, _ = compare_shingles(left.shingles, right.shingles)
        estimate = compare_samples(
            sample_of(left, 128), Samples.of([sample_of(right, 128)])
        ).similarity[0]
        errors.append(estimate - exact)
    assert abs(float(np.mean(errors))) < 0.02  # no bias
    assert float(np.sqrt(np.mean(np.square(errors)))) < 0.06  # about sqrt(J(1-J)/128)


def test_a_truncated_copy_is_contained_exactly_and_its_size_kept() -> None:
    rng = np.random.default_rng(5)
    whole = rng.choice(2**32, size=900, replace=False).astype(np.uint32)
    full, cut = fingerprint(whole), fingerprint(whole[:300])
    measured = compare_samples(sample_of(cut, 128), Samples.of([sample_of(full, 128)]))
    assert measured.containment[0] == 1.0  # every sampled value of the cut is in the whole
    assert 0.2 < measured.similarity[0] < 0.47  # true Jaccard 1/3
    assert sample_of(cut, 128).size == 300


def test_many_candidates_at_once_equal_one_at_a_time() -> None:
    rng = np.random.default_rng(7)
    query, *_ = random_pair(rng, 600, 0.5)
    others = [random_pair(rng, int(n), 0.5)[1] for n in rng.integers(50, 900, size=12)]
    others.append(Fingerprint(np.zeros(0, np.uint32), np.zeros(0, np.uint32)))
    sampled = [sample_of(other, 64) for other in others]
    together = compare_samples(sample_of(query, 64), Samples.of(sampled))
    for number, other in enumerate(sampled):
        alone = compare_samples(sample_of(query, 64), Samples.of([other]))
        assert together.similarity[number] == alone.similarity[0]
        assert together.containment[number] == alone.containment[0]


def test_number_agreement_matches_the_exact_rule() -> None:
    numbers = [(1, 2, 3, 4), (1, 2, 9, 8), (1, 2), (5, 6, 7)]
    prints = [fingerprint(np.arange(10), n) for n in numbers]
    measured = compare_samples(
        sample_of(prints[0], None), Samples.of([sample_of(p, None) for p in prints])
    )
    found = [None if np.isnan(a) else float(a) for a in measured.agreement]
    assert found == [number_agreement(prints[0].numbers, p.numbers) for p in prints]


def test_no_candidates_and_empty_pages() -> None:
    empty = sample_of(Fingerprint(np.zeros(0, np.uint32), np.zeros(0, np.uint32)), 128)
    assert compare_samples(empty, Samples.of([])).similarity.size == 0
    measured = compare_samples(empty, Samples.of([empty]))
    assert (measured.similarity[0], measured.containment[0]) == (0.0, 0.0)


@pytest.mark.parametrize("table", [True, False], ids=["table", "search"])
def test_a_batch_of_pairs_equals_each_query_with_its_own_candidates(
    table: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not table:  # the binary search a batch falls back on when its table would be huge
        monkeypatch.setattr("dedup.fingerprint.sketch._OWN_TABLE_MAX", 0)
    rng = np.random.default_rng(11)
    queries, owners, others = [], [], []
    for number in range(9):
        base = rng.choice(2**32, size=int(rng.integers(20, 700)), replace=False)
        numbers = tuple(int(n) for n in rng.integers(0, 6, size=int(rng.integers(0, 6))))
        queries.append(fingerprint(base, tuple(sorted(set(numbers)))))
        for _ in range(int(rng.integers(0, 5))):  # some queries have no candidate at all
            kept = base[: int(rng.integers(1, base.size + 1))]
            extra = rng.choice(2**32, size=int(rng.integers(0, 300)), replace=False)
            numbers = tuple(int(n) for n in rng.integers(0, 6, size=int(rng.integers(0, 6))))
            others.append(fingerprint(np.concatenate([kept, extra]), tuple(sorted(set(numbers)))))
            owners.append(number)
    queries.append(Fingerprint(np.zeros(0, np.uint32), np.zeros(0, np.uint32)))
    others.append(fingerprint(np.arange(5)))
    owners.append(len(queries) - 1)
    sampled = [sample_of(query, 64) for query in queries]
    together = compare_pairs(
        Samples.of(sampled), np.array(owners), Samples.of([sample_of(o, 64) for o in others])
    )
    for pair, (owner, other) in enumerate(zip(owners, others, strict=True)):
        alone = compare_samples(sampled[owner], Samples.of([sample_of(other, 64)]))
        assert together.similarity[pair] == alone.similarity[0]
        assert together.containment[pair] == alone.containment[0]
        assert np.array_equal(together.agreement[pair : pair + 1], alone.agreement, equal_nan=True)
    assert np.count_nonzero(together.similarity) > len(others) // 2
    assert np.count_nonzero(~np.isnan(together.agreement)) > 0


def test_values_crowding_one_slot_are_still_found() -> None:
    from dedup.fingerprint.sketch import _found_in_own

    # Multiples of 2**20 share their low bits: every value of a row lands in one slot.
    step = 2**20
    row_values = np.array([0, step, 3 * step, 5 * step, 8 * step, 7, 9, 2**31], dtype=np.uint32)
    row_lengths = np.array([5, 3], dtype=np.int64)
    values = np.array(
        [0, 2 * step, 3 * step, 8 * step, 9 * step, 2**31, 7, 9, step, 2**31 + 1], dtype=np.uint32
    )
    rows = np.array([0, 0, 0, 0, 0, 1, 1, 1, 1, 1], dtype=np.int64)
    expected = [True, False, True, True, False, True, True, True, False, False]
    assert _found_in_own(rows, values, row_lengths, row_values).tolist() == expected


def test_samples_of_a_batch_equal_sorting_every_page_whole() -> None:
    from dedup.fingerprint.sketch import samples_of

    rng = np.random.default_rng(13)
    raw = rng.choice(2**32, size=20000, replace=False).astype(np.uint32)
    # Shingles whose mixed ids all lie in the top half: too few under the pre-filter's
    # bar, so this page is sorted whole.
    skewed = raw[mix32(raw) > 2**31][:500]
    pages = [fingerprint(skewed)] + [
        fingerprint(rng.choice(2**32, size=int(n), replace=False))
        for n in (0, 5, 96, 97, 400, 3000)
    ]
    for size in (96, 64, None):
        batch = samples_of(pages, size)
        for page, sample in zip(pages, batch, strict=True):
            expected = np.sort(mix32(page.shingles))[:size]
            assert np.array_equal(sample.values, expected) and sample.size == page.size
