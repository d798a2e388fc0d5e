"""Numpy helpers: the same answers as the numpy functions they stand in for."""

from __future__ import annotations

import numpy as np
import pytest

from dedup._arrays import sorted_difference, unique_pairs


@pytest.mark.parametrize("count", [0, 1, 7, 5000], ids=str)
def test_unique_pairs_are_numpys_unique_rows(count: int) -> None:
    rng = np.random.default_rng(count)
    pairs = rng.integers(0, 60, (count, 2)).astype(np.int64)  # many repeated rows
    expected = np.unique(pairs, axis=0) if count else np.zeros((0, 2), dtype=np.int64)
    found = unique_pairs(pairs)
    assert found.dtype == np.int64 and np.array_equal(found, expected)
    assert found.shape == expected.shape


@pytest.mark.parametrize(("left", "right"), [(0, 0), (0, 5), (5, 0), (40, 300), (300, 40)], ids=str)
def test_sorted_difference_is_numpys_setdiff1d(left: int, right: int) -> None:
    rng = np.random.default_rng(left * 1000 + right)
    a = np.unique(rng.integers(0, 400, left).astype(np.uint32))  # sorted, unique, overlapping
    b = np.unique(rng.integers(0, 400, right).astype(np.uint32))
    found = sorted_difference(a, b)
    expected = np.setdiff1d(a, b, assume_unique=True)
    assert found.dtype == np.uint32 and np.array_equal(found, expected)
