"""Writing an output file safely: through links to the file they name, never over a folder
or a special file, atomically (a temporary file beside the target, or in a scratch folder
on its file system, flushed, then renamed)."""

from __future__ import annotations

import errno
import os
import shutil
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
def atomic_writer(
    target: str | os.PathLike[str], *, scratch: str | os.PathLike[str] | None = None
) -> Iterator[BinaryIO]:
    """Yield a binary stream; on success it replaces the file `target` names (see
    `output_target`) in one rename, so a crash or an interrupt leaves the previous file
    (or none), never half of one.

    The temporary file is made beside the target, or in `scratch` when that folder would
    give it what the target's folder would (the same file system, group and default ACL;
    else `scratch` is passed over): a process killed while writing then leaves its
    temporary file there, a folder of its own such as a scan's store, and nothing beside
    the user's file. On an error or an interrupt the temporary file is removed.

    The file gets the mode a plain ``open()`` would give it: the previous file's mode when
    it replaces one, else 0666 less the umask (``mkstemp`` alone would make it 0600).
    """
    path = output_target(target)
    mode = _mode_for(path)
    handle, temporary = tempfile.mkstemp(
        prefix=f".{path.name}.", suffix=TEMPORARY_SUFFIX, dir=_temporary_folder(path, scratch)
    )
    try:
        os.fchmod(handle, mode)
        with os.fdopen(handle, "wb") as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        _rename(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _temporary_folder(path: Path, scratch: str | os.PathLike[str] | None) -> Path:
    """Where the temporary file of `path` is made: `scratch` when a file made there is the
    file that would be made beside `path` and can be renamed to it, else beside `path`."""
    if scratch is None:
        return path.parent
    try:
        beside, there = os.stat(path.parent), os.stat(scratch)
    except OSError:  # a scratch folder already removed: beside the target, as without one
        return path.parent
    if (
        stat.S_ISDIR(there.st_mode)
        and there.st_dev == beside.st_dev  # a rename cannot cross file systems
        and os.access(scratch, os.W_OK | os.X_OK)
        and _inherited(scratch, there) == _inherited(path.parent, beside)
    ):
        return Path(scratch)
    return path.parent


def _inherited(folder: str | os.PathLike[str], status: os.stat_result) -> tuple[int, bool]:
    """What a new file takes from the folder it is made in: its group (the folder's when
    the folder is set-group-ID, else the process's) and whether a default ACL applies."""
    group = status.st_gid if status.st_mode & stat.S_ISGID else os.getegid()
    try:
        default_acl = "system.posix_acl_default" in os.listxattr(folder)
    except (AttributeError, OSError):  # no extended attributes here: no ACL either
        default_acl = False
    return group, default_acl


def _rename(temporary: str, path: Path) -> None:
    try:
        os.replace(temporary, path)
    except OSError as error:
        if error.errno != errno.EXDEV:
            raise
        # One file system mounted at two places (a bind mount) has one device number, yet
        # refuses a rename between them: copy to a temporary file beside the target instead.
        with open(temporary, "rb") as source, atomic_writer(path) as stream:
            shutil.copyfileobj(source, stream)
        os.unlink(temporary)


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
