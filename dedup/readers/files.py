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
                yield InputFile(entry.path, entry.path[prefix:].replace(os.sep, "/"))
            elif entry.is_symlink():
                problems.append(Skip(entry.path, "link to nothing (or a loop of links)"))
        stack.extend(reversed(subfolders))
