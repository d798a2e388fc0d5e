"""Deduplicator: the crawler's index, answering "have I seen this article?" as pages arrive."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from itertools import starmap
from typing import TypeVar

import numpy as np
import numpy.typing as npt

from dedup._arrays import gathered
from dedup.config import DedupConfig
from dedup.errors import DuplicateIdError, InputError, StorageError, UnknownIdError
from dedup.extract import extract_page, looks_like_html
from dedup.fingerprint.bands import band_keys, fold32
from dedup.fingerprint.fingerprinter import Fingerprinter
from dedup.fingerprint.shingle import Fingerprint
from dedup.fingerprint.signature import Signature
from dedup.fingerprint.sketch import (
    Estimates,
    Sample,
    Samples,
    compare_pairs,
    compare_samples,
    sample_of,
    samples_of,
)
from dedup.index.file import load_index, save_index
from dedup.index.memory import Candidates, MemoryIndex
from dedup.index.redis.codec import Added, NewPage
from dedup.index.redis.store import HeldPages, RedisIndex
from dedup.index.redis.stream import ahead
from dedup.models import Match
from dedup.readers.decode import decode_bytes, repair_mojibake, sniff_html_charset
from dedup.readers.formats import PageKind, RawPage
from dedup.verdict import judge_many, relations_of


@dataclass(frozen=True, slots=True)
class IndexStats:
    """What an index holds."""

    pages: int
    with_body: int
    originals: int
    oldest: str | None
    newest: str | None


class Deduplicator:
    """An in-memory index of pages that answers "have I seen this article?".

    ``text`` is a page as scraped, text or HTML: the same extraction and normalization as
    ``dedup scan`` apply, so navigation and footers do not count. Matches are verified on
    the pages' bottom-k shingle samples (``DedupConfig.sample_size``,
    `dedup.fingerprint.sketch`): the similarity and containment are exact for pages of no
    more shingles than that, and estimated for longer ones. Each match says how the new
    page relates to the indexed one and names the likely original of its group (the
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
        `dedup.index.redis`)."""
        self.config = config or DedupConfig()
        self._shared = RedisIndex(storage, namespace, self.config) if storage else None
        self._fingerprinter = Fingerprinter(self.config)
        self._pages = MemoryIndex(self.config.lsh_bands)
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ adding and asking

    def add(self, doc_id: str, text: str | bytes, *, url: str | None = None) -> list[Match]:
        """Return the near-duplicates already indexed (best first), then index the page.

        ``text`` is the page as a str, or as bytes decoded as ``dedup scan`` decodes a file
        (BOM, a declared ``<meta>`` charset, UTF-8, GB18030, Big5...). ``url`` gives the
        host site when the page does not.

        Raises:
            DuplicateIdError: ``doc_id`` is already indexed.
            InputError: the page has no article body (empty, or navigation only): it is
                not indexed.
        """
        _check_id(doc_id)
        fingerprint = self._page_fingerprint(text, url)
        return self.add_fingerprint(doc_id, fingerprint, self._sign(fingerprint))

    def seen(self, doc_id: str, text: str | bytes, *, url: str | None = None) -> Match | None:
        """Check and add in one call: the best match already indexed, or None for a new
        article; the page is indexed either way.

        Raises:
            DuplicateIdError: ``doc_id`` is already indexed.
            InputError: the page has no article body; it is not indexed.
        """
        matches = self.add(doc_id, text, url=url)
        return matches[0] if matches else None

    def query(self, text: str | bytes, *, url: str | None = None) -> list[Match]:
        """The near-duplicates of a page already indexed, best first; indexes nothing. A
        page with no article body (empty, or navigation only) has none: ``[]``."""
        fingerprint = self._page_fingerprint(text, url, body_required=False)
        return self.query_fingerprint(fingerprint)

    def add_many(
        self, pages: Iterable[tuple[str, str | bytes] | tuple[str, str | bytes, str | None]]
    ) -> list[list[Match]]:
        """`add` for a batch of ``(doc_id, text)`` or ``(doc_id, text, url)``, in order: the
        matches of each. On a shared index the batch takes a few round trips in all, not a
        few per page, which is what makes Redis fast.

        Raises:
            DuplicateIdError: an id was already indexed (the rest of the batch is added).
            InputError: a page has no article body (nothing of the batch is added).
        """
        fingerprints = [(page[0], self._page_fingerprint(page[1], _url(page))) for page in pages]
        return self.add_fingerprints(
            [(doc_id, fingerprint, self._sign(fingerprint)) for doc_id, fingerprint in fingerprints]
        )

    def query_many(
        self, pages: Iterable[str | bytes | tuple[str | bytes, str | None]]
    ) -> list[list[Match]]:
        """`query` for a batch of pages, each a text or a ``(text, url)`` pair: the matches
        of each, in order (``[]`` for a page with no article body)."""
        pairs = [page if isinstance(page, tuple) else (page, None) for page in pages]
        return self.query_fingerprints(
            [self._page_fingerprint(text, url, body_required=False) for text, url in pairs]
        )

    # ------------------------------------------------------------------ forgetting

    def remove(self, doc_id: str) -> None:
        """Forget a page.

        Raises:
            UnknownIdError: ``doc_id`` is not indexed.
        """
        if self._shared is not None:
            if not self._shared.remove_many([doc_id]):
                raise UnknownIdError(doc_id)
            return
        with self._lock:
            if not self._pages.remove(doc_id):
                raise UnknownIdError(doc_id)

    def expire(self, before: datetime | float) -> int:
        """Forget every page added before a time (a datetime or seconds since the epoch);
        returns how many were removed."""
        cutoff = before.timestamp() if isinstance(before, datetime) else float(before)
        if self._shared is not None:
            return self._shared.remove_many(self._shared.older_than(cutoff))
        with self._lock:
            return self._pages.expire(cutoff)

    def __contains__(self, doc_id: object) -> bool:
        if self._shared is not None:
            return isinstance(doc_id, str) and self._shared.contains(doc_id)
        return doc_id in self._pages

    def __len__(self) -> int:
        return self._shared.count() if self._shared is not None else len(self._pages)

    def stats(self) -> IndexStats:
        """How many pages, with a body, how many groups; when the oldest and newest were added."""
        if self._shared is not None:
            added, with_body, originals = self._shared.summary()
        else:
            with self._lock:
                added, with_body, originals = self._pages.summary()

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
            return iter(self._pages.ids())

    # ------------------------------------------------------------------ persistence

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the index to a file, atomically; no pickle (see `dedup.index.file`)."""
        if self._shared is not None:
            raise StorageError(
                "a shared index lives in Redis: back it up with Redis (BGSAVE), not save()"
            )
        with self._lock:
            data = self._pages.snapshot(self.config)
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
        dedup._pages = MemoryIndex.from_data(data)
        return dedup

    # ------------------------------------------------------------------ internals

    def add_fingerprint(
        self, doc_id: str, fingerprint: Fingerprint, signature: Signature | None
    ) -> list[Match]:
        """`add` for a page already extracted and signed (as `dedup scan` has them)."""
        _check_id(doc_id)
        if self._shared is not None:
            return self.add_fingerprints([(doc_id, fingerprint, signature)])[0]
        sample, keys = self._prepared(fingerprint, signature)
        with self._lock:
            self._expire_by_age()
            if doc_id in self._pages:
                raise DuplicateIdError(doc_id)
            matches = self._matches(sample, keys)
            self._pages.insert(doc_id, sample, keys, time.time(), _original(matches, doc_id))
        return matches

    def query_fingerprint(
        self, fingerprint: Fingerprint, signature: Signature | None = None
    ) -> list[Match]:
        """`query` for a page already extracted and fingerprinted; its MinHash signature
        is computed unless given (as `dedup scan` has it)."""
        if self._shared is not None:
            given = None if signature is None else [signature]
            return self._shared_query_many(self._shared, [fingerprint], given)[0]
        if signature is None:
            signature = self._sign(fingerprint)
        sample, keys = self._prepared(fingerprint, signature)
        with self._lock:
            return self._matches(sample, keys)

    def add_fingerprints(
        self,
        pages: list[tuple[str, Fingerprint, Signature | None]],
        *,
        refused: list[str] | None = None,
    ) -> list[list[Match]]:
        """`add_many` for pages already extracted and signed (as `dedup scan` has them).

        With a ``refused`` list, the ids already indexed (by another process, say) are put
        in it, with no matches, instead of raising `DuplicateIdError`.
        """
        turned_away: list[str] = []
        if self._shared is not None:
            results = self._shared_add_many(self._shared, pages, turned_away)
        else:
            results = []
            for doc_id, fingerprint, signature in pages:
                try:
                    results.append(self.add_fingerprint(doc_id, fingerprint, signature))
                except DuplicateIdError:
                    turned_away.append(doc_id)
                    results.append([])
        if refused is not None:
            refused.extend(turned_away)
        elif turned_away:
            raise DuplicateIdError(turned_away[0])
        return results

    def query_fingerprints(
        self, fingerprints: list[Fingerprint], signatures: list[Signature | None] | None = None
    ) -> list[list[Match]]:
        """`query_many` for pages already extracted and fingerprinted (and signed, when
        ``signatures`` are given)."""
        if signatures is not None and len(signatures) != len(fingerprints):
            raise InputError(f"{len(signatures)} signatures for {len(fingerprints)} fingerprints")
        if self._shared is not None:
            return self._shared_query_many(self._shared, fingerprints, signatures)
        return [
            self.query_fingerprint(fingerprint, None if signatures is None else signatures[n])
            for n, fingerprint in enumerate(fingerprints)
        ]

    def _shared_add_many(
        self,
        shared: RedisIndex,
        pages: list[tuple[str, Fingerprint, Signature | None]],
        refused: list[str],
    ) -> list[list[Match]]:
        """Each page is inserted by a script that answers with the pages indexed before it
        (in this batch or by any process): a page's matches are what adding the pages one
        by one would give, and each page's original is the first of its article the index
        held. The ids that were already there go to ``refused``, with no matches.
        """
        if self.config.max_age_days is not None:
            self.expire(time.time() - self.config.max_age_days * 86400)
        for doc_id, _, _ in pages:
            _check_id(doc_id)
        now = time.time()

        def send(
            wave: list[tuple[str, Fingerprint, Signature | None]],
        ) -> tuple[list[NewPage], int]:
            prepared = self._prepared_many([(print_, signature) for _, print_, signature in wave])
            new = [
                NewPage(doc_id, sample, keys, now)
                for (doc_id, _, _), (sample, keys) in zip(wave, prepared, strict=True)
            ]
            return new, shared.send_adds(stream, new)

        def receive(sent: tuple[list[NewPage], int]) -> tuple[list[NewPage], list[Added | None]]:
            new, replies = sent
            return new, shared.receive_adds(stream, replies)

        def fetch(inserted: tuple[list[NewPage], list[Added | None]]) -> _Inserted:
            new, answers = inserted
            earlier = [None if answer is None else answer.earlier for answer in answers]
            return new, answers, earlier, shared.fetch_candidates(earlier)

        originals: dict[str, str] = {}  # of this batch's pages: written below
        numbered: dict[int, str] = {}
        results: list[list[Match]] = []
        with shared.stream() as stream:
            for new, answers, earlier, held in ahead(_waves(pages, WAVE), [send, receive, fetch]):
                found = self._verified_held([page.sample for page in new], earlier, held)
                for page, answer, matched in zip(new, answers, found, strict=True):
                    if answer is None:
                        refused.append(page.doc_id)
                        results.append([])
                        continue
                    matches = [
                        replace(m, original_id=originals[m.doc_id]) if m.doc_id in originals else m
                        for m in matched
                    ]
                    if matches:
                        originals[page.doc_id] = numbered[answer.number] = _original(
                            matches, page.doc_id
                        )
                    results.append(matches)
        shared.set_originals(numbered)
        return results

    def _shared_query_many(
        self,
        shared: RedisIndex,
        fingerprints: list[Fingerprint],
        signatures: Sequence[Signature | None] | None,
    ) -> list[list[Match]]:
        signed = list(zip(fingerprints, signatures or map(self._sign, fingerprints), strict=True))

        def send(
            wave: list[tuple[Fingerprint, Signature | None]],
        ) -> tuple[list[Sample], list[bool]]:
            prepared = self._prepared_many(wave)
            return [sample for sample, _ in prepared], shared.send_lookups(
                stream, [keys for _, keys in prepared]
            )

        def receive(
            sent: tuple[list[Sample], list[bool]],
        ) -> tuple[list[Sample], list[npt.NDArray[np.uint32]]]:
            samples, asked = sent
            return samples, shared.receive_lookups(stream, asked)

        def fetch(looked: tuple[list[Sample], list[npt.NDArray[np.uint32]]]) -> _Looked:
            samples, found = looked
            return samples, found, shared.fetch_candidates(found)

        results: list[list[Match]] = []
        with shared.stream() as stream:
            for samples, found, held in ahead(_waves(signed, LOOKUP_WAVE), [send, receive, fetch]):
                results += self._verified_held(samples, found, held)
        return results

    def _verified_held(
        self,
        samples: list[Sample],
        candidates: Sequence[npt.NDArray[np.uint32] | None],
        held: HeldPages,
    ) -> list[list[Match]]:
        """Each page's verified matches among the fetched pages of its candidate numbers."""
        empty = np.zeros(0, dtype=np.uint32)
        owners, found = held.candidates(
            [empty if numbers is None else numbers for numbers in candidates]
        )
        return self._verified_batch(samples, owners, found)

    def _sign(self, fingerprint: Fingerprint) -> Signature | None:
        return self._fingerprinter.hasher.sign(fingerprint.shingles) if fingerprint.size else None

    def _prepared(
        self, fingerprint: Fingerprint, signature: Signature | None
    ) -> tuple[Sample, npt.NDArray[np.uint32] | None]:
        """What both indexes keep of a page and look it up by: its sample, and its band
        keys (None for a page without a body, which matches nothing)."""
        sample = sample_of(fingerprint, self.config.sample_size)
        if signature is None or fingerprint.size == 0:
            return sample, None
        return sample, self._band_keys(signature)

    def _prepared_many(
        self, pages: list[tuple[Fingerprint, Signature | None]]
    ) -> list[tuple[Sample, npt.NDArray[np.uint32] | None]]:
        """`_prepared` for a batch: the band keys of all its pages in one pass."""
        samples = samples_of([fingerprint for fingerprint, _ in pages], self.config.sample_size)
        banded = [
            number
            for number, (fingerprint, signature) in enumerate(pages)
            if signature is not None and fingerprint.size
        ]
        keys: list[npt.NDArray[np.uint32] | None] = [None] * len(pages)
        if banded:
            signatures = np.stack([pages[number][1] for number in banded])  # type: ignore[misc]
            folded = fold32(
                band_keys(signatures, bands=self.config.lsh_bands, rows=self.config.rows)
            )
            for number, row in zip(banded, folded, strict=True):
                keys[number] = row
        return list(zip(samples, keys, strict=True))

    def _band_keys(self, signature: Signature) -> npt.NDArray[np.uint32]:
        """A page's band keys, folded to 32 bits as both indexes keep them."""
        keys = band_keys(
            signature[np.newaxis, :], bands=self.config.lsh_bands, rows=self.config.rows
        )
        return fold32(keys[0])

    def _expire_by_age(self) -> None:
        if self.config.max_age_days is not None:
            self._pages.expire(time.time() - self.config.max_age_days * 86400)

    def _page_fingerprint(
        self, text: str | bytes, url: str | None, *, body_required: bool = True
    ) -> Fingerprint:
        if isinstance(text, bytes | bytearray):
            text = _decoded(bytes(text), url)
        if not isinstance(text, str):
            raise InputError(f"text must be a str or bytes (a page), got {type(text).__name__}")
        kind: PageKind = "html" if looks_like_html(text) else "text"
        page = RawPage(doc_id="", path="", text=text, kind=kind, encoding="utf-8", url=url)
        fingerprint = self._fingerprinter.fingerprint(extract_page(page).body)
        if fingerprint.size == 0 and body_required:
            raise InputError(
                "the page has no article body (empty, or navigation only); it is not indexed",
                url,
            )
        return fingerprint

    def _matches(self, sample: Sample, keys: npt.NDArray[np.uint32] | None) -> list[Match]:
        return self._verified(sample, self._pages.lookup(keys)) if keys is not None else []

    def _verified(self, sample: Sample, candidates: Candidates) -> list[Match]:
        """The candidates that are copies, as Matches, best first. A page with a hundred
        indexed copies is common at a million pages: nothing here is done per candidate in
        Python but building its Match."""
        measured = compare_samples(sample, candidates.samples)
        sizes = candidates.samples.sizes
        copies = self._copies(measured, np.int64(sample.size), sizes)
        if copies.size == 0:
            return []
        similarity = measured.similarity[copies]
        rows = copies.tolist()
        return _ranked(
            similarity.tolist(),
            measured.containment[copies].tolist(),
            [candidates.doc_ids[row] for row in rows],
            relations_of(similarity, sample.size, sizes[copies], self.config),
            [candidates.originals[row] for row in rows],
        )

    def _verified_batch(
        self, samples: list[Sample], owners: npt.NDArray[np.int64], candidates: Candidates
    ) -> list[list[Match]]:
        """`_verified` for a batch of pages at once: candidate i is for page ``owners[i]``.
        Ranked as `_verified` ranks (similarity, containment, doc_id), by one sort over the
        whole batch."""
        results: list[list[Match]] = [[] for _ in samples]
        measured = compare_pairs(Samples.of(samples), owners, candidates.samples)
        query_sizes = np.array([sample.size for sample in samples], dtype=np.int64)[owners]
        sizes = candidates.samples.sizes
        copies = self._copies(measured, query_sizes, sizes)
        if copies.size == 0:
            return results
        rows = copies.tolist()
        doc_ids = gathered(candidates.doc_ids, rows)
        rank = {doc_id: n for n, doc_id in enumerate(sorted(set(doc_ids)))}
        name_order = np.array([rank[doc_id] for doc_id in doc_ids])
        similarity, containment = measured.similarity[copies], measured.containment[copies]
        order = np.lexsort((name_order, -containment, -similarity, owners[copies]))
        relations = relations_of(similarity, query_sizes[copies], sizes[copies], self.config)
        ranked = order.tolist()
        originals = gathered(candidates.originals, rows)
        matches = list(
            starmap(
                Match,
                zip(
                    gathered(doc_ids, ranked),
                    similarity[order].tolist(),
                    containment[order].tolist(),
                    gathered(relations, ranked),
                    gathered(originals, ranked),
                    strict=True,
                ),
            )
        )
        ranked_owners = owners[copies][order]
        starts = np.flatnonzero(np.r_[True, ranked_owners[1:] != ranked_owners[:-1]])
        ends = [*starts[1:].tolist(), len(matches)]
        for owner, start, end in zip(
            ranked_owners[starts].tolist(), starts.tolist(), ends, strict=True
        ):
            results[owner] = matches[start:end]
        return results

    def _copies(
        self,
        measured: Estimates,
        query_sizes: npt.NDArray[np.int64] | np.int64,
        sizes: npt.NDArray[np.int64],
    ) -> npt.NDArray[np.intp]:
        """Which measured candidates are copies, by position."""
        return np.flatnonzero(
            judge_many(
                measured.similarity,
                measured.containment,
                np.minimum(sizes, query_sizes),
                measured.agreement,
                self.config,
            )
        )


def _ranked(
    similarities: list[float],
    containments: list[float],
    doc_ids: list[str],
    relations: list[str],
    originals: list[str],
) -> list[Match]:
    """Matches best first: similarity, then containment, then doc_id."""
    ranked = sorted(
        zip(
            [-value for value in similarities],
            [-value for value in containments],
            doc_ids,
            relations,
            originals,
            strict=True,
        )
    )
    return [
        Match(doc_id, -similar, -contained, relation, original)
        for similar, contained, doc_id, relation, original in ranked
    ]


# What a wave of a shared batch brings back from Redis, to verify: its pages, the add
# script's answers, each page's candidate numbers, the candidates' records.
_Inserted = tuple[
    list[NewPage], list["Added | None"], list["npt.NDArray[np.uint32] | None"], HeldPages
]
_Looked = tuple[list[Sample], list["npt.NDArray[np.uint32]"], HeldPages]
_T = TypeVar("_T")
# Pages of a shared batch per round trip: one wave is verified while the next ones travel.
# Adds give the server more to do than lookups, so they gain from more, smaller waves.
WAVE = 250
LOOKUP_WAVE = 500


def _waves(items: list[_T], size: int) -> list[list[_T]]:
    return [items[start : start + size] for start in range(0, len(items), size)] or [[]]


def _decoded(data: bytes, url: str | None) -> str:
    """Bytes read as `dedup scan` reads a file: the charset a page declares, else detected."""
    text, _ = decode_bytes(data, url, declared=sniff_html_charset(data))
    return repair_mojibake(text)[0]


def _original(matches: list[Match], doc_id: str) -> str:
    """A new page's original: its best match's, or itself when it is the first seen."""
    return (matches[0].original_id or matches[0].doc_id) if matches else doc_id


def _url(page: tuple[str, str | bytes] | tuple[str, str | bytes, str | None]) -> str | None:
    return page[2] if len(page) == 3 else None


def _check_id(doc_id: object) -> None:
    if not isinstance(doc_id, str) or not doc_id:
        raise InputError(f"doc_id must be a non-empty string, got {doc_id!r}")
