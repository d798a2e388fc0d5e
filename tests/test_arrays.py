"""Numpy helpers: the same answers as the numpy functions they stand in for."""

from __future__ import annotations

import numpy as np
import pytest

from dedup._arrays import unique_pairs


@pytest.mark.parametrize("count", [0, 1, 7, 5000], ids=str)
def test_unique_pairs_are_numpys_unique_rows(count: int) -> None:
    rng = np.random.default_rng(count)
    pairs = rng.integers(0, 60, (count, 2)).astype(np.int64)  # many repeated rows
    expected = np.unique(pairs, axis=0) if count else np.zeros((0, 2), dtype=np.int64)
    found = unique_pairs(pairs)
    assert found.dtype == np.int64 and np.array_equal(found, expected)
    assert found.shape == expected.shape
