"""Deduplicator: the crawler's index, answering "have I seen this article?" as pages arrive."""

from __future__ import annotations

import os
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime

import numpy as np
import numpy.typing as npt

from dedup.banding import BandIndex, band_keys
from dedup.cluster import relation_of, verify
from dedup.config import DedupConfig
from dedup.errors import DuplicateIdError, InputError, UnknownIdError
from dedup.extract import extract_page, looks_like_html
from dedup.models import Match
from dedup.readers.formats import PageKind, RawPage
from dedup.redis_index import NewPage, RedisIndex, StorageError
from dedup.shingle import Fingerprint, ShingleIds
from dedup.signature import Signature
from dedup.storage import IndexData, load_index, save_index
from dedup.workers import Fingerprinter


@dataclass(frozen=True, slots=True)
class IndexStats:
    """What an index holds."""

    pages: int
    with_body: int
    originals: int
    oldest: str | None
    newest: str | None


@dataclass(slots=True)
class _Entry:
    fingerprint: Fingerprint
    signature: Signature | None  # None: the page had no article body, nothing to match
    added: float  # seconds since the epoch
    original: str  # the likely original of the page's group: the first page seen of it
    slot: int = -1  # the page's number in the band index


class Deduplicator:
    """An in-memory index of pages that answers "have I seen this article?".

    ``text`` is a page as scraped, text or HTML: the same extraction and normalization as
    ``dedup scan`` apply, so navigation and footers do not count. Each match says how the
    new page relates to the indexed one and names the likely original of its group (the
    first page of that article the index saw), so a crawler can keep the original and skip
    the copies.

    Threads: one instance may be shared by the threads of a crawler. Extraction runs
    outside the lock; looking up, adding, removing and saving hold it, so every call sees
    the index as it was before or after any other call, never in between, and two threads
    adding copies of one article at once end with the second one matching the first.

    Example:
        >>> dd = Deduplicator(DedupConfig(threshold=0.8, max_age_days=7))
        >>> dd.seen("https://a.example/1", page_text)  # doctest: +SKIP
        >>> dd.seen("https://b.example/9", copy_of_page_text)  # doctest: +SKIP
        Match(doc_id='https://a.example/1', similarity=0.93, containment=0.97,
              relation='duplicate', original_id='https://a.example/1')
    """

    def __init__(
        self,
        config: DedupConfig | None = None,
        *,
        storage: str | None = None,
        namespace: str = "dedup",
    ) -> None:
        """An index in this process, or, with ``storage="redis://host:port/db"``, the index
        of `namespace` in Redis, shared by every process that opens it (see
        `dedup.redis_index`)."""
        self.config = config or DedupConfig()
        self._shared = RedisIndex(storage, namespace, self.config) if storage else None
        self._fingerprinter = Fingerprinter(self.config)
        self._bands = BandIndex(self.config.lsh_bands)
        self._slot_ids: list[str | None] = []  # by slot; None once the page is removed
        self._dead = 0
        self._entries: dict[str, _Entry] = {}
        self._by_age: deque[tuple[float, str]] = deque()
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ adding and asking

    def add(self, doc_id: str, text: str, *, url: str | None = None) -> list[Match]:
        """Return the near-duplicates already indexed (best first), then index the page.

        ``url`` gives the host site when the page does not.

        Raises:
            DuplicateIdError: ``doc_id`` is already indexed.
        """
        _check_id(doc_id)
        fingerprint = self._page_fingerprint(text, url)
        signature = self._sign(fingerprint)
        if self._shared is not None:
            return self._shared_add_many(self._shared, [(doc_id, fingerprint, signature)])[0]
        with self._lock:
            self._expire_by_age()
            if doc_id in self._entries:
                raise DuplicateIdError(doc_id)
            matches = self._matches(fingerprint, signature)
            self._insert(
                doc_id, _Entry(fingerprint, signature, time.time(), _original(matches, doc_id))
            )
        return matches

    def seen(self, doc_id: str, text: str, *, url: str | None = None) -> Match | None:
        """Check and add in one call: the best match already indexed, or None for a new
        article; the page is indexed either way."""
        matches = self.add(doc_id, text, url=url)
        return matches[0] if matches else None

    def query(self, text: str, *, url: str | None = None) -> list[Match]:
        """The near-duplicates of a page already indexed, best first; indexes nothing."""
        fingerprint = self._page_fingerprint(text, url)
        return self.query_fingerprint(fingerprint)

    def add_many(
        self, pages: Iterable[tuple[str, str] | tuple[str, str, str | None]]
    ) -> list[list[Match]]:
        """`add` for a batch of ``(doc_id, text)`` or ``(doc_id, text, url)``, in order: the
        matches of each. On a shared index the batch takes a few round trips in all, not a
        few per page, which is what makes Redis fast.

        Raises:
            DuplicateIdError: an id was already indexed (the rest of the batch is added).
        """
        fingerprints = [(page[0], self._page_fingerprint(page[1], _url(page))) for page in pages]
        return self.add_fingerprints(
            [(doc_id, fingerprint, self._sign(fingerprint)) for doc_id, fingerprint in fingerprints]
        )

    def query_many(self, texts: Iterable[str]) -> list[list[Match]]:
        """`query` for a batch of pages: the matches of each, in order."""
        return self.query_fingerprints([self._page_fingerprint(text, None) for text in texts])

    # ------------------------------------------------------------------ forgetting

    def remove(self, doc_id: str) -> None:
        """Forget a page.

        Raises:
            UnknownIdError: ``doc_id`` is not indexed.
        """
        if self._shared is not None:
            if not self._shared.remove(doc_id):
                raise UnknownIdError(doc_id)
            return
        with self._lock:
            self._remove(doc_id)

    def expire(self, before: datetime | float) -> int:
        """Forget every page added before a time (a datetime or seconds since the epoch);
        returns how many were removed."""
        cutoff = before.timestamp() if isinstance(before, datetime) else float(before)
        if self._shared is not None:
            return sum(self._shared.remove(doc_id) for doc_id in self._shared.older_than(cutoff))
        with self._lock:
            return self._expire(cutoff)

    def __contains__(self, doc_id: object) -> bool:
        if self._shared is not None:
            return isinstance(doc_id, str) and self._shared.contains(doc_id)
        return doc_id in self._entries

    def __len__(self) -> int:
        return self._shared.count() if self._shared is not None else len(self._entries)

    def stats(self) -> IndexStats:
        """How many pages, with a body, how many groups; when the oldest and newest were added."""
        if self._shared is not None:
            added, with_body, originals = self._shared.summary()
        else:
            with self._lock:
                entries = list(self._entries.values())
            added = [entry.added for entry in entries]
            with_body = sum(entry.signature is not None for entry in entries)
            originals = len({entry.original for entry in entries})

        def when(seconds: float) -> str:
            return datetime.fromtimestamp(seconds).isoformat(timespec="seconds")

        return IndexStats(
            pages=len(added),
            with_body=with_body,
            originals=originals,
            oldest=when(min(added)) if added else None,
            newest=when(max(added)) if added else None,
        )

    def __iter__(self) -> Iterator[str]:
        """The ids indexed, oldest first."""
        if self._shared is not None:
            return iter(self._shared.ids())
        with self._lock:
            return iter(list(self._entries))

    # ------------------------------------------------------------------ persistence

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the index to a file, atomically; no pickle (see `dedup.storage`)."""
        if self._shared is not None:
            raise StorageError(
                "a shared index lives in Redis: back it up with Redis (BGSAVE), not save()"
            )
        with self._lock:
            data = self._snapshot()
        save_index(data, path)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Deduplicator:
        """Read an index written by `save`.

        Raises:
            IndexFormatError: the file is not a dedup index, is damaged or truncated, or was
                made by an incompatible version.
        """
        data = load_index(path)
        dedup = cls(data.config)
        offsets = data.shingle_offsets.astype(np.int64).tolist()
        number_offsets = data.number_offsets.astype(np.int64).tolist()
        added = data.added.tolist()
        for row, doc_id in enumerate(data.doc_ids):
            shingles = data.shingles[offsets[row] : offsets[row + 1]]
            numbers = data.numbers[number_offsets[row] : number_offsets[row + 1]]
            signature = data.signatures[row] if shingles.size else None
            original = data.doc_ids[data.originals[row]] if data.originals[row] >= 0 else doc_id
            entry = _Entry(Fingerprint(shingles, numbers), signature, added[row], original, row)
            dedup._entries[doc_id] = entry
            dedup._by_age.append((entry.added, doc_id))
        dedup._slot_ids = list(data.doc_ids)
        # The band index is rebuilt from the signatures in one vectorized pass.
        with_body = np.flatnonzero(np.diff(data.shingle_offsets.astype(np.int64)) > 0)
        if with_body.size:
            keys = band_keys(
                data.signatures[with_body], bands=data.config.lsh_bands, rows=data.config.rows
            )
            dedup._bands.insert_many(with_body.astype(np.int64), keys)
        return dedup

    # ------------------------------------------------------------------ internals

    def add_fingerprint(
        self, doc_id: str, fingerprint: Fingerprint, signature: Signature | None
    ) -> list[Match]:
        """`add` for a page already extracted and signed (as `dedup scan` has them)."""
        _check_id(doc_id)
        if self._shared is not None:
            return self._shared_add_many(self._shared, [(doc_id, fingerprint, signature)])[0]
        with self._lock:
            if doc_id in self._entries:
                raise DuplicateIdError(doc_id)
            matches = self._matches(fingerprint, signature)
            self._insert(
                doc_id, _Entry(fingerprint, signature, time.time(), _original(matches, doc_id))
            )
        return matches

    def query_fingerprint(self, fingerprint: Fingerprint) -> list[Match]:
        """`query` for a page already extracted and fingerprinted."""
        if self._shared is not None:
            return self._shared_query_many(self._shared, [fingerprint])[0]
        signature = self._sign(fingerprint)
        with self._lock:
            return self._matches(fingerprint, signature)

    def add_fingerprints(
        self, pages: list[tuple[str, Fingerprint, Signature | None]]
    ) -> list[list[Match]]:
        """`add_many` for pages already extracted and signed (as `dedup scan` has them)."""
        if self._shared is not None:
            return self._shared_add_many(self._shared, pages)
        results, refused = [], []
        for doc_id, fingerprint, signature in pages:
            try:
                results.append(self.add_fingerprint(doc_id, fingerprint, signature))
            except DuplicateIdError:
                refused.append(doc_id)
                results.append([])
        if refused:
            raise DuplicateIdError(refused[0])
        return results

    def query_fingerprints(self, fingerprints: list[Fingerprint]) -> list[list[Match]]:
        """`query_many` for pages already extracted and fingerprinted."""
        if self._shared is not None:
            return self._shared_query_many(self._shared, fingerprints)
        return [self.query_fingerprint(fingerprint) for fingerprint in fingerprints]

    def _shared_add_many(
        self, shared: RedisIndex, pages: list[tuple[str, Fingerprint, Signature | None]]
    ) -> list[list[Match]]:
        """Insert first, then look: two processes adding copies at once see each other.

        A page's matches leave out the pages after it in the same batch, as if added one by
        one; each page's original is then the first of its article the index held.
        """
        if self.config.max_age_days is not None:
            self.expire(time.time() - self.config.max_age_days * 86400)
        now = time.time()
        new = []
        for doc_id, fingerprint, signature in pages:
            _check_id(doc_id)
            keys = self._band_keys(signature) if signature is not None else None
            new.append(NewPage(doc_id, fingerprint, signature, keys, now))
        inserted = shared.add_many(new)
        found = self._shared_lookup(shared, new, batch=True)
        originals: dict[str, str] = {}
        results = []
        for page, done, held in zip(new, inserted, found, strict=True):
            matches = [replace(m, original_id=originals.get(m.doc_id, m.original_id)) for m in held]
            if done and matches:
                originals[page.doc_id] = _original(matches, page.doc_id)
            results.append(matches)
        shared.set_originals(originals)
        refused = [page.doc_id for page, done in zip(new, inserted, strict=True) if not done]
        if refused:
            raise DuplicateIdError(refused[0])
        return results

    def _shared_lookup(
        self, shared: RedisIndex, pages: list[NewPage], *, batch: bool
    ) -> list[list[Match]]:
        """Each page's verified matches in the shared index: three round trips in all.

        With ``batch`` the pages were just added: each leaves out itself and those after it.
        """
        position = {page.doc_id: number for number, page in enumerate(pages)} if batch else {}
        keys = [page.band_keys for page in pages if page.band_keys is not None]
        candidates = iter(shared.candidates_many(keys))
        wanted = [
            {other for other in next(candidates) if position.get(other, -1) < number}
            if page.band_keys is not None
            else set[str]()
            for number, page in enumerate(pages)
        ]
        stored = shared.fetch(sorted(set().union(*wanted)))
        return [
            self._verified(
                page.fingerprint,
                [
                    (other, stored[other].fingerprint, stored[other].original)
                    for other in sorted(others & stored.keys())
                ],
            )
            for page, others in zip(pages, wanted, strict=True)
        ]

    def _shared_query_many(
        self, shared: RedisIndex, fingerprints: list[Fingerprint]
    ) -> list[list[Match]]:
        pages = []
        for fingerprint in fingerprints:
            signature = self._sign(fingerprint)
            keys = self._band_keys(signature) if signature is not None else None
            pages.append(NewPage("", fingerprint, signature, keys, 0.0))
        return self._shared_lookup(shared, pages, batch=False)

    def _insert(self, doc_id: str, entry: _Entry) -> None:
        entry.slot = len(self._slot_ids)
        self._slot_ids.append(doc_id)
        self._entries[doc_id] = entry
        self._by_age.append((entry.added, doc_id))
        if entry.signature is not None:
            self._bands.insert(entry.slot, self._band_keys(entry.signature))

    def _remove(self, doc_id: str) -> None:
        entry = self._entries.pop(doc_id, None)
        if entry is None:
            raise UnknownIdError(doc_id)
        self._slot_ids[entry.slot] = None
        self._dead += 1
        if self._dead > max(1024, len(self._entries)):
            # Most of the index is dead (an expiring crawler): drop it from the band arrays.
            self._bands.drop(np.array([doc is None for doc in self._slot_ids], dtype=bool))
            self._dead = 0

    def _sign(self, fingerprint: Fingerprint) -> Signature | None:
        return self._fingerprinter.hasher.sign(fingerprint.shingles) if fingerprint.size else None

    def _band_keys(self, signature: Signature) -> npt.NDArray[np.uint64]:
        keys: npt.NDArray[np.uint64] = band_keys(
            signature[np.newaxis, :], bands=self.config.lsh_bands, rows=self.config.rows
        )[0]
        return keys

    def _expire(self, cutoff: float) -> int:
        removed = 0
        while self._by_age and self._by_age[0][0] < cutoff:
            added, doc_id = self._by_age.popleft()
            entry = self._entries.get(doc_id)
            if entry is not None and entry.added == added:  # not removed or re-added since
                self._remove(doc_id)
                removed += 1
        return removed

    def _expire_by_age(self) -> None:
        if self.config.max_age_days is not None:
            self._expire(time.time() - self.config.max_age_days * 86400)

    def _page_fingerprint(self, text: str, url: str | None) -> Fingerprint:
        if not isinstance(text, str):
            raise InputError(f"text must be a str (a decoded page), got {type(text).__name__}")
        kind: PageKind = "html" if looks_like_html(text) else "text"
        page = RawPage(doc_id="", path="", text=text, kind=kind, encoding="utf-8", url=url)
        return self._fingerprinter.fingerprint(extract_page(page).body)

    def _matches(self, fingerprint: Fingerprint, signature: Signature | None) -> list[Match]:
        if signature is None:
            return []
        slots = self._bands.query(self._band_keys(signature))
        others = sorted(doc for slot in slots if (doc := self._slot_ids[slot]) is not None)
        return self._verified(
            fingerprint,
            [
                (other, self._entries[other].fingerprint, self._entries[other].original)
                for other in others
            ],
        )

    def _verified(
        self, fingerprint: Fingerprint, others: list[tuple[str, Fingerprint, str]]
    ) -> list[Match]:
        """The candidates that are copies, as Matches, best first."""
        matches = []
        for other, held, original in others:
            verdict = verify(fingerprint, held, self.config)
            if verdict.is_copy:
                relation = relation_of(verdict, fingerprint.size, held.size, self.config)
                matches.append(
                    Match(other, verdict.similarity, verdict.containment, relation, original)
                )
        matches.sort(key=lambda m: (-m.similarity, -m.containment, m.doc_id))
        return matches

    def _snapshot(self) -> IndexData:
        ids = list(self._entries)
        position = {doc_id: row for row, doc_id in enumerate(ids)}
        entries = [self._entries[doc_id] for doc_id in ids]
        empty = np.zeros(self.config.num_perm, dtype=np.uint32)
        signatures = (
            np.stack([e.signature if e.signature is not None else empty for e in entries])
            if ids
            else np.zeros((0, self.config.num_perm), dtype=np.uint32)
        )
        shingles, shingle_offsets = _flatten([e.fingerprint.shingles for e in entries])
        numbers, number_offsets = _flatten([e.fingerprint.numbers for e in entries])
        return IndexData(
            config=self.config,
            doc_ids=ids,
            signatures=signatures,
            shingles=shingles,
            shingle_offsets=shingle_offsets,
            numbers=numbers,
            number_offsets=number_offsets,
            added=np.array([e.added for e in entries], dtype=np.float64),
            originals=np.array([position.get(e.original, -1) for e in entries], dtype=np.int64),
        )


def _original(matches: list[Match], doc_id: str) -> str:
    """A new page's original: its best match's, or itself when it is the first seen."""
    return (matches[0].original_id or matches[0].doc_id) if matches else doc_id


def _url(page: tuple[str, str] | tuple[str, str, str | None]) -> str | None:
    return page[2] if len(page) == 3 else None


def _check_id(doc_id: object) -> None:
    if not isinstance(doc_id, str) or not doc_id:
        raise InputError(f"doc_id must be a non-empty string, got {doc_id!r}")


def _flatten(arrays: list[ShingleIds]) -> tuple[ShingleIds, npt.NDArray[np.uint64]]:
    offsets = np.zeros(len(arrays) + 1, dtype=np.uint64)
    np.cumsum([a.size for a in arrays], out=offsets[1:])
    flat = np.concatenate(arrays) if arrays else np.zeros(0, np.uint32)
    return flat.astype(np.uint32), offsets
