"""Paths -> the files to read: a sorted walk, hidden files and folders skipped."""

from __future__ import annotations

import errno
import os
import shutil
import stat
import sys
import tempfile
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO, cast, overload

from dedup.models import Skip


@dataclass(frozen=True, slots=True)
class InputFile:
    """A file to read: ``path`` as the user would write it, ``doc_id`` relative to its root;
    ``source`` where its bytes are when that is not ``path`` (standard input, spooled)."""

    path: str
    doc_id: str
    source: str | None = None


class Listing(Sequence[InputFile]):
    """Files to read, held compactly: their paths' bytes one after the other (a million
    `InputFile`s cost a quarter of a kilobyte each, their paths about a hundred bytes), each
    `InputFile` made when read. A slice is a `Listing` too, and pickles as its bytes: the
    chunks and partitions a scan hands its workers are cut from it and sent as they are.

    It equals any sequence of the same files."""

    def __init__(self) -> None:
        self._paths = bytearray()
        self._ends = array("q")
        # How much of the path the doc_id is (its end), or -1: the doc_id is in `_ids`.
        self._id_lengths = array("q")
        self._ids: dict[int, str] = {}
        self._sources: dict[int, str] = {}  # standard input's spool

    def append(self, item: InputFile) -> None:
        number = len(self)
        self._paths += _encoded(item.path)
        self._ends.append(len(self._paths))
        if item.doc_id and item.path.endswith(item.doc_id):  # relative to the folder given
            self._id_lengths.append(len(item.doc_id))
        else:
            self._id_lengths.append(-1)
            self._ids[number] = item.doc_id
        if item.source is not None:
            self._sources[number] = item.source

    def extend(self, items: Iterable[InputFile]) -> None:
        for item in items:
            self.append(item)

    def __len__(self) -> int:
        return len(self._ends)

    def path(self, index: int) -> str:
        start = self._ends[index - 1] if index else 0
        return self._paths[start : self._ends[index]].decode("utf-8", "surrogateescape")

    def doc_id(self, index: int) -> str:
        return self._doc_id(index, self.path(index))

    def _doc_id(self, index: int, path: str) -> str:
        length = self._id_lengths[index]
        return self._ids[index] if length < 0 else path[len(path) - length :]

    @overload
    def __getitem__(self, index: int) -> InputFile: ...
    @overload
    def __getitem__(self, index: slice) -> Listing: ...
    def __getitem__(self, index: int | slice) -> InputFile | Listing:
        count = len(self)
        if isinstance(index, slice):
            start, stop, step = index.indices(count)
            if step == 1:
                return self._run(start, max(start, stop))
            part = Listing()
            part.extend(self[i] for i in range(start, stop, step))
            return part
        if not -count <= index < count:
            raise IndexError(index)
        index %= count
        path = self.path(index)
        return InputFile(path, self._doc_id(index, path), self._sources.get(index))

    def _run(self, start: int, stop: int) -> Listing:
        """The files from `start` to `stop`, their bytes copied as they are held (a scan
        cuts its chunks so: no `InputFile` made and taken apart again)."""
        part = Listing()
        base = self._ends[start - 1] if start else 0
        part._paths = self._paths[base : self._ends[stop - 1] if stop else 0]
        part._ends = array("q", [end - base for end in self._ends[start:stop]])
        part._id_lengths = self._id_lengths[start:stop]
        for held, into in ((self._ids, part._ids), (self._sources, part._sources)):
            into.update((n - start, held[n]) for n in range(start, stop) if n in held)
        return part

    def __iter__(self) -> Iterator[InputFile]:
        return (self[index] for index in range(len(self)))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or isinstance(other, str | bytes):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<{len(self)} files>"


def _encoded(path: str) -> bytes:
    return path.encode("utf-8", "surrogateescape")


STDIN = "-"
STDIN_ID = "stdin"


@contextmanager
def spooled_stdin(paths: Iterable[str | os.PathLike[str]]) -> Iterator[str | None]:
    """When `paths` name standard input (``-``), copy it to a temporary file for the
    duration (worker processes read files, not the parent's stdin) and yield its path."""
    if not any(str(path) == STDIN for path in paths):
        yield None
        return
    with tempfile.TemporaryDirectory(prefix="dedup-stdin-") as folder:
        spool = os.path.join(folder, STDIN_ID)
        with open(spool, "wb") as copy:
            shutil.copyfileobj(sys.stdin.buffer, copy, 1 << 20)
        yield spool


def list_inputs(
    paths: Iterable[str | os.PathLike[str]],
    *,
    stdin: str | None = None,
    follow_links: bool = False,
) -> tuple[Listing, list[Skip]]:
    """Every regular file under the given paths, recursively, hidden ones skipped, sorted
    (a `Listing`, held compactly);
    and what could not be listed: paths that do not exist, folders that cannot be read,
    links that lead nowhere (or round in a loop).

    ``doc_id`` is the path relative to the folder given (``/`` separators), or the file's
    name when a file is given directly; where two roots would give the same id, the path as
    given is used instead. ``-`` is standard input, spooled to the file `stdin` (see
    `spooled_stdin`); its pages are named ``stdin``. A link found in a folder that leads
    to a file outside every folder given is skipped (`LINK_OUTSIDE`) unless ``follow_links``.
    """
    found = Listing()
    problems: list[Skip] = []
    inside = None if follow_links else _folders(paths)
    roots = 0
    for given in paths:
        roots += 1
        if str(given) == STDIN and stdin is not None:
            found.append(InputFile(STDIN, STDIN_ID, source=stdin))
            continue
        if is_url(given):
            found.extend(_walk_url(str(given), problems))
            continue
        root = Path(given)
        if root.is_file() or root.is_dir():
            found.extend(_walk(root, problems, inside))
        else:
            problems.append(Skip(str(root), NOT_FOUND))
    # A file's id is its path below its root: only the files of two roots can share one.
    shared = _shared_ids(found) if roots > 1 else set()
    if not shared:
        return found, problems
    unique = Listing()
    for number, item in enumerate(found):
        named = InputFile(item.path, Path(item.path).as_posix())  # the path as given
        unique.append(named if number in shared else item)
    return unique, problems


def _shared_ids(found: Listing) -> set[int]:
    """The files whose doc_id another file has too: those whose ids' hashes meet (8 bytes a
    file, not a dictionary of every id), then compared."""
    import numpy as np  # here: listing files is part of every scan, not of `import dedup`

    hashes = np.fromiter(
        (hash(found.doc_id(number)) for number in range(len(found))),
        dtype=np.int64,
        count=len(found),
    )
    values, counts = np.unique(hashes, return_counts=True)
    met = np.flatnonzero(np.isin(hashes, values[counts > 1])).tolist()
    numbers: dict[str, list[int]] = {}
    for number in met:
        numbers.setdefault(found.doc_id(number), []).append(number)
    return {number for same in numbers.values() if len(same) > 1 for number in same}


NOT_FOUND = "no such file or folder"


def is_url(path: object) -> bool:
    """A path with a scheme (``s3://``, ``gs://``, ``memory://``...), read through fsspec."""
    return isinstance(path, str) and "://" in path


def open_input(path: str) -> BinaryIO:
    """Open a file to read: a local path, or a URL through fsspec."""
    if is_url(path):
        import fsspec

        return cast(BinaryIO, fsspec.open(path, "rb").open())
    descriptor, _ = _open_regular(path)
    return os.fdopen(descriptor, "rb")


def read_start(
    path: str, head_size: int, whole: Callable[[bytes, int], bool]
) -> tuple[bytes, int, bytes | None]:
    """The first `head_size` bytes of a file, its size, and all of its bytes when
    ``whole(head, size)`` is true: a page is read whole in the same opening, a large
    container only begun (it is then read as a stream).

    A local file is read with plain system calls: a buffered file object cost more to make
    than reading a page of a few kilobytes takes.
    """
    if is_url(path):
        with open_input(path) as stream:
            head = stream.read(head_size)
            size = input_size(path)
            return head, size, head + stream.read() if whole(head, size) else None
    descriptor, size = _open_regular(path)
    try:
        head = _read_up_to(descriptor, head_size)
        if not whole(head, size):
            return head, size, None
        parts = [head]
        # The size stated may be out of date (a file still being written): read to the end.
        while part := os.read(descriptor, max(size - len(head), 0) + 1):
            parts.append(part)
        return head, size, b"".join(parts)
    finally:
        os.close(descriptor)


# The start of a file asked for ahead (`prefetch`): a page whole; of a large container (a
# WARC, an archive), what is read first, the rest coming as it is streamed.
PREFETCHED_BYTES = 1 << 20


def prefetch(items: Iterable[InputFile]) -> None:
    """Ask the system to start reading these local files now (``posix_fadvise``
    WILLNEED), before they are read one after the other: files not read lately (not in
    the page cache) then come from the disk while the pages before them are extracted,
    instead of each read waiting for the disk in turn: 10,000 pages not in the cache read
    in 0.6 s instead of 1.5 s (benchmarks/bench_prefetch.py); a file in the cache costs a
    few microseconds more. Does nothing where the call does not exist; a file that cannot
    be opened is left to its reading to report."""
    advise = getattr(os, "posix_fadvise", None)
    if advise is None:
        return
    for item in items:
        path = item.source or item.path
        if is_url(path):
            continue
        try:
            descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        except OSError:
            continue
        try:
            advise(descriptor, 0, PREFETCHED_BYTES, os.POSIX_FADV_WILLNEED)
        except OSError:
            pass  # not a regular file: its reading says so
        finally:
            os.close(descriptor)


def _open_regular(path: str) -> tuple[int, int]:
    """A descriptor open to read a local file, and the file's size."""
    # Opened without blocking and checked: a file that became a pipe (or a device) since
    # it was listed is refused, not waited on forever.
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        status = os.fstat(descriptor)
        if not stat.S_ISREG(status.st_mode):
            raise OSError(errno.EINVAL, "not a regular file (a pipe or a device)")
        os.set_blocking(descriptor, True)
    except BaseException:
        os.close(descriptor)
        raise
    return descriptor, status.st_size


def _read_up_to(descriptor: int, count: int) -> bytes:
    """`count` bytes, fewer only at the end of the file."""
    data = os.read(descriptor, count)
    while len(data) < count and (more := os.read(descriptor, count - len(data))):
        data += more
    return data


def input_size(path: str) -> int:
    if is_url(path):
        import fsspec

        filesystem, inner = fsspec.core.url_to_fs(path)
        return int(filesystem.size(inner))
    return os.stat(path).st_size


def _walk_url(root: str, problems: list[Skip]) -> Iterator[InputFile]:
    """The files under a URL (fsspec; ``pip install s3fs`` or ``gcsfs`` for s3:// or gs://),
    sorted, hidden ones skipped."""
    try:
        import fsspec
    except ImportError:
        problems.append(Skip(root, "reading URLs needs fsspec: pip install 'dedup[dask]'"))
        return
    try:
        filesystem, base = fsspec.core.url_to_fs(root)
        if filesystem.isfile(base):
            yield InputFile(root, PurePosixPath(base).name)
            return
        found = sorted(filesystem.find(base))
    except ImportError as error:
        # fsspec is there; the protocol's own package is not (aiohttp, s3fs, gcsfs...).
        scheme = root.partition("://")[0]
        problems.append(Skip(root, f"reading {scheme}:// URLs needs more than fsspec: {error}"))
        return
    except (OSError, ValueError) as error:
        problems.append(Skip(root, f"cannot list ({error})"))
        return
    if not found:
        problems.append(Skip(root, NOT_FOUND))
    prefix = base.rstrip("/") + "/"
    for path in found:
        relative = path[len(prefix) :] if path.startswith(prefix) else PurePosixPath(path).name
        if any(part.startswith(".") for part in PurePosixPath(relative).parts):
            continue
        yield InputFile(filesystem.unstrip_protocol(path), relative)


LINK_OUTSIDE = "link to a file outside the folders scanned (--follow-links reads it)"


def _folders(paths: Iterable[str | os.PathLike[str]]) -> list[str]:
    """The folders given, as real paths ending with a separator."""
    return [
        os.path.join(os.path.realpath(path), "")
        for path in paths
        if not is_url(path) and os.path.isdir(path)
    ]


def _walk(root: Path, problems: list[Skip], inside: list[str] | None) -> Iterator[InputFile]:
    if root.is_file():
        yield InputFile(str(root), root.name)
        return
    # A sorted, depth-first walk (a folder's files, then its subfolders in order) with
    # os.scandir, whose entries know their type without a stat per file. Links to folders
    # are not followed: no symlink loops.
    top = str(root)
    prefix = len(top) + len(os.sep)
    stack = [top]
    while stack:
        folder = stack.pop()
        try:
            with os.scandir(folder) as listing:
                entries = sorted(
                    (entry for entry in listing if not entry.name.startswith(".")),
                    key=lambda entry: entry.name,
                )
        except OSError as error:
            problems.append(Skip(folder, f"cannot read folder ({error.strerror})"))
            continue
        subfolders = []
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                subfolders.append(entry.path)
            elif entry.is_file():
                if inside is not None and entry.is_symlink() and not _leads_inside(entry, inside):
                    problems.append(Skip(entry.path, LINK_OUTSIDE))
                    continue
                yield InputFile(entry.path, entry.path[prefix:].replace(os.sep, "/"))
            elif entry.is_symlink():
                problems.append(Skip(entry.path, "link to nothing (or a loop of links)"))
        stack.extend(reversed(subfolders))


def _leads_inside(entry: os.DirEntry[str], folders: list[str]) -> bool:
    target = os.path.realpath(entry.path)
    return any(target.startswith(folder) for folder in folders)
