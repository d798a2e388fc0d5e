"""Worker processes that may die: a worker killed (by the kernel for its memory, say)
costs the files it was reading, never the scan.

A dead worker breaks the whole pool: every chunk not finished fails with it. Those chunks
run again in a fresh pool (the death may have been another chunk's doing, or a one-off);
a chunk that fails a second time runs alone, then, if it kills its worker alone, file by
file, and a file that kills its worker on its own is skipped with the reason.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TypeVar

WORKER_DIED = "the worker process reading it died"

_T = TypeVar("_T")
_R = TypeVar("_R")


def pooled(
    chunks: Sequence[Sequence[_T]],
    workers: int,
    *,
    new_pool: Callable[[int], ProcessPoolExecutor],
    work: Callable[[Sequence[_T]], _R],
    joined: Callable[[list[_R]], _R],
    dead: Callable[[_T], _R],
) -> Iterator[_R]:
    """Each chunk's result, in order, computed by ``work`` in pools made by ``new_pool``
    (given a number of workers). A file whose worker dies twice is ``dead(file)``;
    ``joined`` makes one chunk's result of its files' results."""
    results: dict[int, _R] = {}
    given = 0
    waiting = list(range(len(chunks)))
    failed_before: set[int] = set()
    while waiting:
        failed = []
        with new_pool(min(workers, len(waiting))) as pool:
            futures = [(number, _submitted(pool, work, chunks[number])) for number in waiting]
            try:
                for number, future in futures:
                    result = _result(future)
                    if result is None:
                        failed.append(number)
                    else:
                        results[number] = result
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
