"""One writer at a time for an index file: an exclusive `fcntl` lock on a file beside it.

A saved index is replaced by a rename on every change, so the lock cannot be taken on the
index itself (a waiting writer would hold a lock on the file that was replaced): it is
taken on ``.NAME.lock`` in the same folder, which is made once and never removed (removing
it would let two writers lock two different files). The lock is held by this process for
as long as any of its holders is inside `locked`, so the same thread or another thread of
this process may take it again; another process waits for it. The kernel drops it when
the process ends, however it ends, so a killed writer never leaves an index locked.
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from dedup.errors import OutputError

logger = logging.getLogger(__name__)

_held: dict[str, tuple[int, int]] = {}  # lock file -> (descriptor, holders in this process)
_guard = threading.RLock()


def lock_path(target: str | os.PathLike[str]) -> Path:
    """The lock file of an index file."""
    path = Path(os.path.realpath(target))
    return path.with_name(f".{path.name}.lock")


@contextmanager
def locked(target: str | os.PathLike[str], *, wait: bool = True) -> Iterator[bool]:
    """Hold the write lock of `target` while inside; yields whether it is held.

    Another process holding it: with ``wait`` (the default), a warning says whose lock is
    awaited and this process waits for it; without, nothing is held (False), for work that
    is only worth doing alone, such as clearing leftovers.

    Raises:
        OutputError: the lock file cannot be made (a folder that cannot be written).
    """
    key = str(lock_path(target))
    with _guard:
        held = _held.get(key)
        if held is not None:
            _held[key] = (held[0], held[1] + 1)
        else:
            descriptor = _acquire(key, target, wait=wait)
            if descriptor is not None:
                _held[key] = (descriptor, 1)
        taken = key in _held
    if not taken:
        yield False
        return
    try:
        yield True
    finally:
        with _guard:
            descriptor, holders = _held[key]
            if holders > 1:
                _held[key] = (descriptor, holders - 1)
            else:
                del _held[key]
                os.close(descriptor)  # closing the descriptor releases the lock


def _acquire(key: str, target: str | os.PathLike[str], *, wait: bool) -> int | None:
    try:
        descriptor = os.open(key, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError as error:
        raise OutputError(
            f"{target}: cannot make its lock file {key} ({error.strerror or error}); "
            "the index's folder must be writable"
        ) from error
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return descriptor
    except BlockingIOError:
        if not wait:
            os.close(descriptor)
            return None
    logger.warning("%s: another process is writing this index; waiting for it to finish", target)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
    except BaseException:
        os.close(descriptor)
        raise
    return descriptor
