"""The worker pool: chunks given a few at a time, results taken in input order."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import pytest

from dedup.batch.pool import AHEAD, pooled


class CountingPool(ThreadPoolExecutor):
    """A pool (threads stand in for processes) that counts the chunks given to it."""

    submitted = 0
    lock = threading.Lock()

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future[Any]:
        with CountingPool.lock:
            CountingPool.submitted += 1
        return super().submit(fn, *args, **kwargs)


def squares(chunk: Sequence[int]) -> list[int]:
    return [n * n for n in chunk]


def joined(parts: list[list[int]]) -> list[int]:
    return [n for part in parts for n in part]


def dead(item: int) -> list[int]:
    return [-1]


def results(chunks: list[list[int]], workers: int, pool: type[ThreadPoolExecutor]) -> Any:
    """`pooled` over the chunks, each result as the caller takes it."""
    return pooled(
        chunks,
        workers,
        new_pool=lambda n: pool(max_workers=n),  # type: ignore[arg-type,return-value]
        work=squares,
        joined=joined,
        dead=dead,
    )


@pytest.mark.parametrize("workers", [1, 2, 3], ids=["one", "two", "three"])
def test_chunks_in_flight_never_exceed_the_bound(workers: int) -> None:
    CountingPool.submitted = 0
    chunks = [list(range(start, start + 5)) for start in range(0, 200, 5)]
    bound = AHEAD * workers
    taken = 0
    for _ in results(chunks, workers, CountingPool):
        taken += 1  # this one, now the caller's
        # Given to the pool and their results not yet taken: those ahead of this one.
        assert CountingPool.submitted - taken <= bound
    assert taken == len(chunks)
    assert CountingPool.submitted == len(chunks)


@pytest.mark.parametrize("workers", [1, 2, 4], ids=["one", "two", "four"])
def test_results_come_in_input_order_as_done_one_by_one(workers: int) -> None:
    chunks = [list(range(start, start + 3)) for start in range(0, 90, 3)]
    taken = list(results(chunks, workers, ThreadPoolExecutor))
    assert taken == [squares(chunk) for chunk in chunks]
