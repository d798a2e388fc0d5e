from __future__ import annotations

import numpy as np
import pytest

from dedup.batch.reference import DatasketchLSH
from dedup.errors import DuplicateIdError
from dedup.fingerprint.signature import MinHasher


def signature(hasher: MinHasher, values: range) -> np.ndarray:
    return hasher.sign(np.array(list(values), dtype=np.uint32))


def test_insert_query_remove() -> None:
    hasher = MinHasher(128, 1)
    index = DatasketchLSH(hasher, bands=32, rows=4)
    index.insert("a", signature(hasher, range(0, 1000)))
    index.insert("b", signature(hasher, range(5000, 6000)))
    assert index.query(signature(hasher, range(50, 1000))) == ["a"]
    assert "a" in index and len(index) == 2
    index.remove("a")
    assert index.query(signature(hasher, range(50, 1000))) == []
    assert "a" not in index and len(index) == 1


def test_duplicate_id_is_refused() -> None:
    hasher = MinHasher(128, 1)
    index = DatasketchLSH(hasher, bands=32, rows=4)
    index.insert("a", signature(hasher, range(10)))
    with pytest.raises(DuplicateIdError, match="already indexed"):
        index.insert("a", signature(hasher, range(10)))
