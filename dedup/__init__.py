"""dedup: find the syndicated copies of news articles in scraped pages.

    >>> from dedup import Deduplicator, DedupConfig
    >>> dd = Deduplicator(DedupConfig(threshold=0.8))

``import dedup`` loads neither pandas nor click: the report and the command line are
imported only by those who use them.
"""

from __future__ import annotations

import logging
from importlib.metadata import PackageNotFoundError, version

from dedup.api import Deduplicator, scan
from dedup.config import DedupConfig
from dedup.errors import (
    ConfigError,
    DecodeError,
    DedupError,
    DuplicateIdError,
    IndexFormatError,
    InputError,
)
from dedup.models import Cluster, Document, Match, Member, ScanResult, Skip

try:
    __version__ = version("dedup")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0"

logging.getLogger(__name__).addHandler(logging.NullHandler())

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
    "ScanResult",
    "Skip",
    "__version__",
    "scan",
]
