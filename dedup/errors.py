"""The exceptions dedup raises on purpose, all under one base class."""

from __future__ import annotations


class DedupError(Exception):
    """Base of every error dedup raises on purpose."""


class ConfigError(DedupError, ValueError):
    """A configuration value is out of range or of the wrong kind."""


class InputError(DedupError):
    """An input file or text cannot be used; carries the path when there is one."""

    def __init__(self, message: str, path: str | None = None) -> None:
        super().__init__(f"{path}: {message}" if path else message)
        self.path = path
        self.reason = message


class DecodeError(InputError):
    """Bytes that no supported character encoding reads cleanly."""


class DuplicateIdError(DedupError, KeyError):
    """A document id was added to an index that already holds it."""

    def __init__(self, doc_id: str) -> None:
        super().__init__(doc_id)
        self.doc_id = doc_id

    def __str__(self) -> str:
        return (
            f"document id {self.doc_id!r} is already indexed: "
            "use a unique id per page (its URL, say) or query() to look without adding"
        )


class UnknownIdError(DedupError, KeyError):
    """A document id that the index does not hold."""

    def __init__(self, doc_id: str) -> None:
        super().__init__(doc_id)
        self.doc_id = doc_id

    def __str__(self) -> str:
        return f"document id {self.doc_id!r} is not in the index"


class IndexFormatError(DedupError):
    """A saved index file is damaged, foreign or of an incompatible version."""


class StorageError(DedupError):
    """The shared index cannot be reached or used (Redis down, refused, misconfigured)."""


class OutputError(DedupError):
    """An output path that dedup will not write: a folder, a device, a pipe, or a name
    another output of the same run already uses."""
