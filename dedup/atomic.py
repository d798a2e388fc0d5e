"""Writing a file atomically: a temporary file beside the target, flushed, then renamed."""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO


@contextmanager
def atomic_writer(target: str | os.PathLike[str]) -> Iterator[BinaryIO]:
    """Yield a binary stream; on success it replaces `target` in one rename, so a crash or an
    interrupt leaves the previous file (or none), never half of one.

    The file gets the mode a plain ``open()`` would give it: the previous file's mode when
    it replaces one, else 0666 less the umask (``mkstemp`` alone would make it 0600).
    """
    path = Path(target)
    mode = _mode_for(path)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(handle, mode)
        with os.fdopen(handle, "wb") as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _mode_for(path: Path) -> int:
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return 0o666 & ~current_umask()


def current_umask() -> int:
    """The process's umask (read by setting it and setting it back: there is no getter)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def unwritable_reason(target: str | os.PathLike[str]) -> str | None:
    """Why `target` cannot be written by `atomic_writer`, or None when it can: checked before
    any work, so a long run is not lost to a mistyped output path."""
    path = Path(target)
    if path.is_dir():
        return "it is a folder"
    parent = path.parent
    if not parent.is_dir():
        return f"its folder {parent} does not exist"
    if not os.access(parent, os.W_OK | os.X_OK):
        return f"its folder {parent} is not writable"
    if path.exists() and not os.access(path, os.W_OK):
        return "it is not writable"
    return None
