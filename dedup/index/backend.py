"""The one interface of the crawler's index storage: memory and Redis implement `Backend`.

A `Deduplicator` extracts, fingerprints and signs pages, then hands them to its backend,
which keeps them, finds each page's candidates through its band keys and verifies them
(`dedup.index.matching`). The Deduplicator holds no backend-specific code.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from dedup.fingerprint.shingle import Fingerprint
from dedup.fingerprint.signature import Signature
from dedup.fingerprint.sketch import Samples
from dedup.models import Match

# A page as the index takes it: its fingerprint and its MinHash signature (None when the
# page has no body: it is kept, and matches nothing).
Signed = tuple[Fingerprint, Signature | None]
# The texts of the kept bodies (`dedup.index.bodies`) of some candidates, by their
# positions ("" for a candidate that keeps none).
BodySource = Callable[[list[int]], list[str]]


def no_bodies(positions: list[int]) -> list[str]:
    """A `BodySource` of candidates that keep no body."""
    return [""] * len(positions)


@dataclass(frozen=True, slots=True)
class Candidates:
    """Pages an index found for a lookup, to verify: ids, originals and samples, in order,
    and where to read their kept bodies (asked only for the few copies whose slots are
    checked)."""

    doc_ids: list[str]
    originals: list[str]
    samples: Samples
    bodies: BodySource = field(default=no_bodies)


class Backend(Protocol):
    """Where a Deduplicator's pages live. Every method is safe to call from several threads
    at once, and sees the pages as they were before or after any other call."""

    def add(
        self,
        pages: list[tuple[str, Fingerprint, Signature | None]],
        bodies: Sequence[bytes] | None = None,
    ) -> list[list[Match] | None]:
        """Index pages in order, each answering with its verified matches among the pages
        indexed before it (earlier pages of the batch included), best first; None for a
        page whose id was indexed already (it is left as it was). ``bodies`` are the
        pages' kept bodies (`dedup.index.bodies`), kept with them; none when not given."""
        ...

    def query(
        self, pages: list[Signed], bodies: Sequence[bytes] | None = None
    ) -> list[list[Match]]:
        """Each page's verified matches, best first (its slots checked against those of
        copies below near-identity when ``bodies`` gives its kept body); indexes nothing."""
        ...

    def remove(self, doc_ids: list[str]) -> int:
        """Forget these pages; how many of them were indexed."""
        ...

    def expire(self, cutoff: float) -> int:
        """Forget the pages added before ``cutoff`` (seconds since the epoch); how many."""
        ...

    def __contains__(self, doc_id: object) -> bool: ...

    def __len__(self) -> int: ...

    def ids(self) -> list[str]:
        """Every doc_id, oldest first."""
        ...

    def summary(self) -> tuple[list[float], int, int]:
        """When each page was added, how many have a body, how many distinct originals."""
        ...

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the pages to a file (`dedup.index.file`), or raise `StorageError` where
        the backend has its own persistence."""
        ...
