"""Worker processes that may die: a worker killed (by the kernel for its memory, say)
costs the files it was reading, never the scan.

A dead worker breaks the whole pool: every chunk not finished fails with it. Those chunks
run again in a fresh pool (the death may have been another chunk's doing, or a one-off);
a chunk that fails a second time runs alone, then, if it kills its worker alone, file by
file, and a file that kills its worker on its own is skipped with the reason.

Chunks are given to a pool a few at a time, as results are taken: given all at once, their
inputs and the results the caller had not yet taken piled up in memory with the corpus.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TypeVar

WORKER_DIED = "the worker process reading it died"

_T = TypeVar("_T")
_R = TypeVar("_R")


# Chunks given to the pool ahead of the one the caller waits for, per worker: enough that
# no worker waits while the caller takes a result, few enough that inputs and results not
# yet taken stay a handful of chunks (all of them at once held a whole corpus's results).
AHEAD = 2


def pooled(
    chunks: Sequence[Sequence[_T]],
    workers: int,
    *,
    new_pool: Callable[[int], ProcessPoolExecutor],
    work: Callable[[Sequence[_T]], _R],
    joined: Callable[[list[_R]], _R],
    dead: Callable[[_T], _R],
    ahead: int = AHEAD,
) -> Iterator[_R]:
    """Each chunk's result, in order, computed by ``work`` in pools made by ``new_pool``
    (given a number of workers). A file whose worker dies twice is ``dead(file)``;
    ``joined`` makes one chunk's result of its files' results. Besides the result the caller
    holds, at most ``ahead`` chunks per worker are in flight (given to the pool, their
    results not yet taken): memory holds a few chunks, not the corpus."""
    results: dict[int, _R] = {}
    given = 0
    waiting = list(range(len(chunks)))
    failed_before: set[int] = set()
    while waiting:
        failed = []
        size = min(workers, len(waiting))
        with new_pool(size) as pool:
            queue = iter(waiting)
            flying: deque[tuple[int, Future[_R] | None]] = deque()
            bound = max(1, ahead * size)

            def submit(number: int) -> Future[_R] | None:
                return _submitted(pool, work, chunks[number])

            try:
                _fill(flying, queue, bound, submit)
                while flying:
                    number, future = flying.popleft()
                    result = _result(future)
                    if result is None:
                        failed.append(number)
                    else:
                        results[number] = result
                    # The next chunk goes to the pool before the caller takes this result.
                    _fill(flying, queue, bound, submit)
                    while given in results:
                        yield results.pop(given)
                        given += 1
            except BaseException:
                # Drop the chunks not started; the running ones end within a chunk's time.
                pool.shutdown(wait=True, cancel_futures=True)
                raise
        for number in [number for number in failed if number in failed_before]:
            results[number] = _alone(
                chunks[number], new_pool=new_pool, work=work, joined=joined, dead=dead
            )
        waiting = [number for number in failed if number not in results]
        failed_before = set(waiting)
        while given in results:
            yield results.pop(given)
            given += 1


def _fill(
    flying: deque[tuple[int, Future[_R] | None]],
    queue: Iterator[int],
    bound: int,
    submit: Callable[[int], Future[_R] | None],
) -> None:
    """Give the pool the next chunks until `bound` are in flight (or none is left)."""
    while len(flying) < bound:
        number = next(queue, None)
        if number is None:
            return
        flying.append((number, submit(number)))


def _submitted(
    pool: ProcessPoolExecutor, work: Callable[[Sequence[_T]], _R], chunk: Sequence[_T]
) -> Future[_R] | None:
    """A chunk given to the pool, or None when the pool is broken already."""
    try:
        return pool.submit(work, chunk)
    except BrokenProcessPool:
        return None


def _result(future: Future[_R] | None) -> _R | None:
    """A chunk's result, or None when its pool broke (a worker died) before it was done."""
    if future is None:
        return None
    try:
        return future.result()
    except BrokenProcessPool:
        return None


def _alone(
    chunk: Sequence[_T],
    new_pool: Callable[[int], ProcessPoolExecutor],
    work: Callable[[Sequence[_T]], _R],
    joined: Callable[[list[_R]], _R],
    dead: Callable[[_T], _R],
) -> _R:
    """A chunk run alone in one worker; if that worker dies too, file by file."""
    with new_pool(1) as pool:
        result = _result(_submitted(pool, work, chunk))
    if result is not None:
        return result
    parts: list[_R] = []
    pool = new_pool(1)
    try:
        for item in chunk:
            part = _result(_submitted(pool, work, [item]))
            if part is None:
                parts.append(dead(item))
                pool.shutdown(wait=True)
                pool = new_pool(1)
            else:
                parts.append(part)
    finally:
        pool.shutdown(wait=True)
    return joined(parts)
