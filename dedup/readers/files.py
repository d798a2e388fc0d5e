"""Paths -> the files to read: a sorted walk, hidden files and folders skipped."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from dedup.models import Skip


@dataclass(frozen=True, slots=True)
class InputFile:
    """A file to read: ``path`` as the user would write it, ``doc_id`` relative to its root."""

    path: str
    doc_id: str


def list_inputs(paths: Iterable[str | os.PathLike[str]]) -> tuple[list[InputFile], list[Skip]]:
    """Every regular file under the given paths, recursively, hidden ones skipped, sorted;
    and what could not be listed: paths that do not exist, folders that cannot be read,
    links that lead nowhere (or round in a loop).

    ``doc_id`` is the path relative to the folder given (``/`` separators), or the file's
    name when a file is given directly; where two roots would give the same id, the path as
    given is used instead.
    """
    found: list[InputFile] = []
    problems: list[Skip] = []
    for root in map(Path, paths):
        if root.is_file() or root.is_dir():
            found.extend(_walk(root, problems))
        else:
            problems.append(Skip(str(root), NOT_FOUND))
    counts: dict[str, int] = {}
    for item in found:
        counts[item.doc_id] = counts.get(item.doc_id, 0) + 1
    unique = [
        item if counts[item.doc_id] == 1 else InputFile(item.path, Path(item.path).as_posix())
        for item in found
    ]
    return unique, problems


NOT_FOUND = "no such file or folder"


def _walk(root: Path, problems: list[Skip]) -> Iterator[InputFile]:
    if root.is_file():
        yield InputFile(str(root), root.name)
        return

    def unreadable(error: OSError) -> None:
        problems.append(Skip(str(error.filename), f"cannot read folder ({error.strerror})"))

    # Sorted walk without following directory links: deterministic, and no symlink loops.
    for folder, subfolders, files in os.walk(root, onerror=unreadable):
        subfolders[:] = sorted(name for name in subfolders if not name.startswith("."))
        for name in sorted(files):
            if name.startswith("."):
                continue
            path = Path(folder, name)
            if path.is_file():
                yield InputFile(str(path), path.relative_to(root).as_posix())
            elif path.is_symlink():
                problems.append(Skip(str(path), "link to nothing (or a loop of links)"))
