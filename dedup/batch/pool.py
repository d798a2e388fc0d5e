"""Worker processes that may die: a worker killed (by the kernel for its memory, say)
costs the files it was reading, never the scan.

A dead worker breaks the whole pool: every chunk not finished fails with it. Those chunks
run again in a fresh pool (the death may have been another chunk's doing, or a one-off);
a chunk that fails a second time runs alone, then, if it kills its worker alone, file by
file, and a file that kills its worker on its own is skipped with the reason.

Chunks are given to a pool a few at a time, as results are taken: given all at once, their
inputs and the results the caller had not yet taken piled up in memory with the corpus.

A Ctrl-C is taken while the caller waits for a result, never while a worker is being forked,
the pool's threads started or the pool shut down: one that lands there is lost in a fork
handler or leaves a half-made pool whose shutdown fails or never returns. It is held until
that step is done, then raised.
"""

from __future__ import annotations

import signal
import threading
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from functools import partial
from types import FrameType
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
        with _interrupt_held():
            pool = new_pool(size)
        queue = iter(waiting)
        flying: deque[tuple[int, Future[_R] | None]] = deque()
        bound = max(1, ahead * size)
        submit = partial(_numbered, pool, work, chunks)

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
            _shut(pool, cancel=True)
            raise
        _shut(pool)
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


def _numbered(
    pool: ProcessPoolExecutor,
    work: Callable[[Sequence[_T]], _R],
    chunks: Sequence[Sequence[_T]],
    number: int,
) -> Future[_R] | None:
    """Chunk ``number`` given to the pool (see `_submitted`)."""
    return _submitted(pool, work, chunks[number])


def _submitted(
    pool: ProcessPoolExecutor, work: Callable[[Sequence[_T]], _R], chunk: Sequence[_T]
) -> Future[_R] | None:
    """A chunk given to the pool, or None when the pool is broken already."""
    try:
        with _interrupt_held():  # a submit may fork a worker and start the pool's threads
            return pool.submit(work, chunk)
    except BrokenProcessPool:
        return None


def _shut(pool: ProcessPoolExecutor, *, cancel: bool = False) -> None:
    """The pool shut down and its workers joined, a Ctrl-C meanwhile held until it is."""
    with _interrupt_held():
        pool.shutdown(wait=True, cancel_futures=cancel)


@contextmanager
def _interrupt_held() -> Iterator[None]:
    """Runs the block with Ctrl-C held, then raises it if one came. Only where Python's own
    handler is in place (in the main thread, not in a program that set its own)."""
    if (
        threading.current_thread() is not threading.main_thread()
        or signal.getsignal(signal.SIGINT) is not signal.default_int_handler
    ):
        yield
        return
    pressed: list[int] = []

    def hold(signum: int, frame: FrameType | None) -> None:
        pressed.append(signum)

    signal.signal(signal.SIGINT, hold)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    if pressed:
        raise KeyboardInterrupt


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
    with _interrupt_held():
        pool = new_pool(1)
    try:
        result = _result(_submitted(pool, work, chunk))
    finally:
        _shut(pool)
    if result is not None:
        return result
    parts: list[_R] = []
    with _interrupt_held():
        pool = new_pool(1)
    try:
        for item in chunk:
            part = _result(_submitted(pool, work, [item]))
            if part is None:
                parts.append(dead(item))
                _shut(pool)
                with _interrupt_held():
                    pool = new_pool(1)
            else:
                parts.append(part)
    finally:
        _shut(pool)
    return joined(parts)
