"""The worker pool: chunks given a few at a time, results taken in input order."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import pytest

from dedup.batch.pool import AHEAD, _interrupt_held, pooled


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


@pytest.fixture
def python_handles_ctrl_c() -> Iterator[None]:
    """Python's own Ctrl-C handler in place, as in a terminal (a shell without job control
    starts background commands with Ctrl-C ignored, and Python then installs none)."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


@pytest.mark.usefixtures("python_handles_ctrl_c")
def test_a_ctrl_c_during_a_pool_step_is_raised_once_the_step_is_done() -> None:
    # A Ctrl-C inside a fork or a thread start is lost or leaves a half-made pool: the step
    # finishes, then the interrupt is raised, and Python's handler is back in place.
    done = []
    with pytest.raises(KeyboardInterrupt), _interrupt_held():
        signal.raise_signal(signal.SIGINT)  # to this thread, not to any of the process
        for _ in range(1000):  # bytecodes, where a pending handler would run
            pass
        done.append(True)
    assert done == [True]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


@pytest.mark.usefixtures("python_handles_ctrl_c")
def test_a_step_without_ctrl_c_raises_nothing() -> None:
    with _interrupt_held():
        pass
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
