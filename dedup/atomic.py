"""Writing an output file safely: through links to the file they name, never over a folder
or a special file, atomically (a temporary file beside the target, flushed, then renamed)."""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from dedup.errors import OutputError

TEMPORARY_SUFFIX = ".tmp"


def output_target(target: str | os.PathLike[str]) -> Path:
    """The file an output goes to: a link is followed to the file it names (the link stays
    a link); a folder, a device, a pipe or a socket is refused, as is a missing folder.

    Raises:
        OutputError: the path cannot be written as a regular file.
    """
    given = os.fspath(target)
    path = Path(os.path.realpath(given)) if os.path.islink(given) else Path(given)
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        if not path.parent.is_dir():
            raise OutputError(
                f"{given}: the folder {path.parent} does not exist; create it or write elsewhere"
            ) from None
        return path
    except OSError as error:
        raise OutputError(f"{given}: cannot be written ({error.strerror or error})") from error
    if stat.S_ISDIR(mode):
        raise OutputError(f"{given}: is a folder; name a file to write")
    if not stat.S_ISREG(mode):
        raise OutputError(
            f"{given}: not a regular file (a device, pipe or socket); dedup writes its "
            "outputs to regular files only: name one"
        )
    return path


@contextmanager
def atomic_writer(target: str | os.PathLike[str]) -> Iterator[BinaryIO]:
    """Yield a binary stream; on success it replaces the file `target` names (see
    `output_target`) in one rename, so a crash or an interrupt leaves the previous file
    (or none), never half of one.

    The file gets the mode a plain ``open()`` would give it: the previous file's mode when
    it replaces one, else 0666 less the umask (``mkstemp`` alone would make it 0600).
    """
    path = output_target(target)
    mode = _mode_for(path)
    handle, temporary = tempfile.mkstemp(
        prefix=f".{path.name}.", suffix=TEMPORARY_SUFFIX, dir=path.parent
    )
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
    any work, so a long run is not lost to a mistyped output path. A link is judged by the
    file it names (see `output_target`)."""
    given = os.fspath(target)
    path = Path(os.path.realpath(given)) if os.path.islink(given) else Path(given)
    if path.is_dir():
        return "it is a folder"
    if path.exists() and not path.is_file():
        return "it is not a regular file (a device, pipe or socket); outputs are regular files"
    parent = path.parent
    if not parent.is_dir():
        return f"its folder {parent} does not exist"
    if not os.access(parent, os.W_OK | os.X_OK):
        return f"its folder {parent} is not writable"
    if path.exists() and not os.access(path, os.W_OK):
        return "it is not writable"
    return None


def remove_temporaries(target: str | os.PathLike[str]) -> int:
    """Delete the temporary files an interrupted `atomic_writer` of `target` left (a
    process killed while writing); how many. Call it only while no one else writes
    `target` (hold its lock, `dedup.lock`)."""
    path = output_target(target)
    removed = 0
    for leftover in path.parent.glob(f".{_glob_escaped(path.name)}.*{TEMPORARY_SUFFIX}"):
        try:
            leftover.unlink()
            removed += 1
        except OSError:
            continue
    return removed


def _glob_escaped(name: str) -> str:
    return "".join(f"[{char}]" if char in "*?[" else char for char in name)
