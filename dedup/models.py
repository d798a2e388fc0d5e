"""The records that flow through dedup: Document, Match, Cluster and friends."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:  # for the types only: the index itself is built by the batch, above
    from zoneinfo import ZoneInfo

    from dedup.index.deduplicator import Deduplicator

# How a copy relates to the page it was verified against: ``duplicate`` (Jaccard at the
# threshold), ``updated`` (the same text with changed figures: a correction, a new toll),
# ``partial`` (contained in it: truncated or cut down), ``extended`` (contains it plus a
# little more), ``quoted`` (carries it inside a piece at least twice its length).
CopyRelation = Literal["duplicate", "updated", "partial", "extended", "quoted"]
# A match's relation: a copy's, or ``translation`` (with ``cross_lingual``).
MatchRelation = Literal["duplicate", "updated", "partial", "extended", "quoted", "translation"]
# A cluster member's relation: a copy's, or ``original`` (the earliest published copy),
# or ``unique`` (a cluster of one), or ``translation`` (in another language, with
# ``--cross-lingual``).
Relation = Literal[
    "original", "duplicate", "updated", "partial", "extended", "quoted", "unique", "translation"
]


@dataclass(frozen=True, slots=True)
class Document:
    """One article as extracted from a scraped page.

    ``body`` is the article text only (navigation, footers and spam removed), in the page's
    own script. Metadata fields are ``None`` when the page does not state them: ``site`` is
    the host that serves this copy (a name), ``site_key`` a stable key for it (a registered
    domain, an ICP number, a phone number or the folded name), ``source`` the origin the copy
    declares. Flags: ``pinyin_annotated`` (ruby pinyin residue, typical of spam mirrors),
    ``spam_injected`` (gambling or adult spam on the page), ``mojibake`` (text that was
    decoded wrongly and could not be repaired). ``lang`` is the body's language as an ISO
    639-1 code (``zh``, ``en``...; `dedup.extract.language`), ``""`` when it has too few
    letters to tell.
    """

    doc_id: str
    body: str
    path: str | None = None
    url: str | None = None
    title: str | None = None
    published: str | None = None
    site: str | None = None
    site_key: str | None = None
    source: str | None = None
    author: str | None = None
    editor: str | None = None
    reporter: str | None = None
    pinyin_annotated: bool = False
    spam_injected: bool = False
    mojibake: bool = False
    lang: str | None = None


@dataclass(frozen=True, slots=True)
class Match:
    """An indexed document that is a near-duplicate of the one asked about.

    ``similarity`` is the Jaccard similarity of the two bodies' shingle sets;
    ``containment`` the share of the shorter body's shingles found in the longer one;
    ``relation`` how the page asked about relates to the indexed one (``duplicate``,
    ``partial``: it is a truncated copy or an excerpt of it, ``extended``: it contains it
    plus more); ``original_id`` the likely original of the indexed one's group (the first
    page of that article the index saw; it may have been removed since).
    """

    doc_id: str
    similarity: float
    containment: float
    relation: MatchRelation = "duplicate"
    original_id: str | None = None


@dataclass(frozen=True, slots=True)
class Member:
    """A document inside a cluster, with its similarity to the cluster's representative
    (its centre: the copy that verifies against most of the others, then the most complete).

    ``relation`` says how it relates to the representative: ``original`` (the earliest
    published member, ``is_original``), ``duplicate`` (Jaccard at the threshold),
    ``updated`` (the same text with changed figures), ``partial`` (a truncated or cut-down
    copy: contained in the representative), ``extended`` (contains the representative plus
    a little more), ``quoted`` (carries it inside a piece at least twice as long), or
    ``unique`` (a cluster of one). The representative's own relation, when it is not the
    original, is its relation to the original.
    """

    document: Document
    similarity: float
    containment: float
    is_representative: bool
    relation: Relation
    is_original: bool = False


@dataclass(frozen=True, slots=True)
class Cluster:
    """A group of copies of one article; ``members[0]`` is the representative."""

    cluster_id: int
    members: tuple[Member, ...]

    @property
    def representative(self) -> Document:
        """The centre: the first member, the copy that verifies against most of the others."""
        return self.members[0].document

    @property
    def original(self) -> Document:
        """The likely original: the earliest published member (else the most complete)."""
        return next((m for m in self.members if m.is_original), self.members[0]).document

    @property
    def size(self) -> int:
        """How many documents the cluster holds."""
        return len(self.members)


class Clusters(Sequence[Cluster]):
    """Clusters held some other way than as a list (a scan's: as columns of numbers, each
    cluster made when it is read), which can give those of two or more documents without
    making each cluster to ask its size."""

    def of_two_or_more(self) -> Sequence[Cluster]:
        """The clusters of two or more documents, in order."""
        return [cluster for cluster in self if cluster.size > 1]


@dataclass(frozen=True, slots=True)
class Skip:
    """An input that produced no document, and why."""

    path: str
    reason: str
    detail: str = ""


INTERNAL_ERROR = "internal error"


def internal_error(path: str, error: Exception, detail: str = "") -> Skip:
    """The skip of a page that made dedup itself fail: a bug to report, not bad input."""
    message = " ".join(str(error).split())  # one line, whatever the exception says
    return Skip(path, f"{INTERNAL_ERROR}: {type(error).__name__}: {message}", detail)


@dataclass(slots=True)
class ScanResult:
    """What `dedup.scan` found: clusters (singletons included), the clustered documents,
    every extracted document (``extracted``: also those without a body) and the skips.

    A scan's documents are read back from its temporary store (``spilled_bytes`` on disk)
    until `close` (or the end of ``with result:``), one when it is asked for, and its
    clusters are made one at a time from columns of numbers as they are read: memory holds
    a few numbers a page, however large the scan. Each is a sequence (``len``, indexing,
    iteration) that equals the list of the same items and pickles as one. ``store_folder``
    names the store's folder until then: a report written meanwhile can keep its temporary
    file there (``scratch`` of the report writers)."""

    clusters: Sequence[Cluster]
    documents: Sequence[Document]
    extracted: Sequence[Document] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)
    files_read: int = 0
    stage_seconds: dict[str, float] = field(default_factory=dict)
    index_bytes: int = 0
    # Pairs verified as copies in different clusters that one centre could have held
    # together (none: see dedup.batch.clustering), and those kept apart because joining their
    # clusters would chain pages that are not copies through a centre.
    split_pairs: int = 0
    kept_apart: int = 0
    index: Deduplicator | None = None  # the scanned pages, with scan(..., keep_index=True)
    spilled_bytes: int = 0  # written to the scan's temporary store
    # Removes the scan's temporary store (the documents' bodies are read back from it).
    closer: Callable[[], None] | None = field(default=None, repr=False, compare=False)
    # The store's folder until `close`: a report written meanwhile keeps its temporary file
    # there (`scratch` of dedup.atomic), so a process killed while writing it leaves its
    # leftovers where the store's own are, and nothing beside the report.
    store_folder: str | None = field(default=None, repr=False, compare=False)

    def close(self) -> None:
        """Remove the scan's temporary store now rather than when the result is garbage
        collected; the documents' bodies can no longer be read after this."""
        self.store_folder = None
        if self.closer is not None:
            self.closer()

    def __enter__(self) -> ScanResult:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def duplicate_clusters(self) -> Sequence[Cluster]:
        """Clusters of two or more documents."""
        if isinstance(self.clusters, Clusters):
            return self.clusters.of_two_or_more()
        return [cluster for cluster in self.clusters if cluster.size > 1]


def published_instant(published: str | None, timezone: str = "Asia/Shanghai") -> float | None:
    """The instant (POSIX seconds) of a ``published`` value (ISO 8601, with or without an
    offset): a time without an offset is read in `timezone`, a date alone as its midnight
    there; None when there is no date or it cannot be read."""
    if not published:
        return None
    return _instant(published, timezone)


# Clustering asks for the instant of each member of a group, again for each cluster cut from
# it, and copies share their dates: the last ones read are remembered.
@lru_cache(maxsize=4096)
def _instant(published: str, timezone: str) -> float | None:
    try:
        moment = datetime.fromisoformat(published)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=_zone(timezone))
    return moment.timestamp()


@cache
def _zone(name: str) -> ZoneInfo:
    from zoneinfo import ZoneInfo  # on first use: `import dedup` stays quick

    return ZoneInfo(name)
