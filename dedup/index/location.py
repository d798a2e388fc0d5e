"""Where an index lives: a file, or a Redis URL with its namespace after ``#``; open and save.

The crawler integrations (the Scrapy pipeline, the HTTP service) and the command line take
an index as one string, ``news.dedup`` or ``redis://127.0.0.1:6379/0#news``: this module
reads that string the same way for all of them.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from dedup.config import DedupConfig
from dedup.errors import ConfigError, IndexFormatError
from dedup.index.deduplicator import Deduplicator

SHARED_SCHEMES = ("redis://", "rediss://", "unix://")
DEFAULT_NAMESPACE = "dedup"


def is_shared(location: str) -> bool:
    """Whether `location` names an index in Redis rather than a file."""
    return location.startswith(SHARED_SCHEMES)


def open_index(location: str | None, settings: Mapping[str, object] | None = None) -> Deduplicator:
    """The index at `location`: a file written by `Deduplicator.save` (a new, empty index
    when there is no such file yet), ``redis://host:port/db#namespace`` (namespace
    ``dedup`` when omitted), or, for None, a new index in memory.

    ``settings`` are the `DedupConfig` fields given (``{"threshold": 0.8}``), the others
    taking their defaults: a new index is made with them; an existing file keeps its own
    configuration and refuses settings that differ from it, rather than ignore them; a
    Redis namespace refuses any configuration but its own.

    Raises:
        ConfigError: a setting is invalid, or differs from the existing index's.
        IndexFormatError: the file is not a dedup index (or is damaged).
        StorageError: Redis cannot be reached.
    """
    given = dict(settings or {})
    config = make_config(given)
    if location is None:
        return Deduplicator(config)
    if is_shared(location):
        url, _, namespace = location.partition("#")
        # A namespace records its config: Redis itself refuses a different one.
        return Deduplicator(config, storage=url, namespace=namespace or DEFAULT_NAMESPACE)
    path = Path(location)
    if path.is_dir():
        raise IndexFormatError(f"{location}: is a folder; name an index file such as news.dedup")
    if not path.exists():
        return Deduplicator(config)
    matches = given.get("max_matches")
    index = Deduplicator.load(path, max_matches=matches if isinstance(matches, int) else None)
    _refuse_other_settings(location, index.config, given)
    return index


def make_config(settings: Mapping[str, object]) -> DedupConfig:
    """A `DedupConfig` of the fields given, by name; an unknown name is refused.

    Raises:
        ConfigError: an unknown field, or a value out of range.
    """
    known = DedupConfig.__dataclass_fields__
    unknown = sorted(set(settings) - set(known))
    if unknown:
        raise ConfigError(
            f"unknown setting {', '.join(unknown)}; the settings are {', '.join(known)}"
        )
    return DedupConfig(**settings)  # type: ignore[arg-type]  # each value checked there


def save_index(index: Deduplicator, location: str | None) -> None:
    """Write a file index to `location` (atomically); an index in Redis keeps itself, and
    one in memory (None) is not kept."""
    if location is not None and not is_shared(location):
        index.save(os.fspath(location))


def _refuse_other_settings(location: str, held: DedupConfig, given: dict[str, object]) -> None:
    kept = held.index_settings()
    differ = [
        f"{name} {value!r} (the index has {kept[name]!r})"
        for name, value in given.items()
        if name in kept and value != kept[name]
    ]
    if differ:
        raise ConfigError(
            f"{location} was built with other settings: {', '.join(differ)}; leave them out "
            "to use the index's, or start a new index"
        )
