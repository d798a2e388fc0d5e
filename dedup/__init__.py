"""dedup: find the syndicated copies of news articles in scraped pages.

    >>> from dedup import Deduplicator, DedupConfig
    >>> dd = Deduplicator(DedupConfig(threshold=0.8))

``import dedup`` stays light (a crawler pays for every import): pandas and click load only
with the report and the command line, and datasketch (with scipy) only when `Deduplicator`
or `scan` is first touched.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from dedup.config import DedupConfig
from dedup.errors import (
    ConfigError,
    DecodeError,
    DedupError,
    DuplicateIdError,
    IndexFormatError,
    InputError,
    OutputError,
    StorageError,
    UnknownIdError,
)
from dedup.models import Cluster, Document, Match, Member, ScanResult, Skip

# The one place the version is written (pyproject.toml reads it from here): looking it up in
# the installed metadata cost every start importlib.metadata and its email parser.
__version__ = "0.1.0"

logging.getLogger(__name__).addHandler(logging.NullHandler())

if TYPE_CHECKING:
    from dedup.batch.pipeline import scan
    from dedup.index.deduplicator import Deduplicator

# Loaded on first use: they bring numpy, the extractors and the engines with them.
_LAZY = {"Deduplicator": "dedup.index.deduplicator", "scan": "dedup.batch.pipeline"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from importlib import import_module

        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'dedup' has no attribute {name!r}")


__all__ = [
    "Cluster",
    "ConfigError",
    "DecodeError",
    "DedupConfig",
    "DedupError",
    "Deduplicator",
    "Document",
    "DuplicateIdError",
    "IndexFormatError",
    "InputError",
    "Match",
    "Member",
    "OutputError",
    "ScanResult",
    "Skip",
    "StorageError",
    "UnknownIdError",
    "__version__",
    "scan",
]
