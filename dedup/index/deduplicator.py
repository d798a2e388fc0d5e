"""Deduplicator: the crawler's index, answering "have I seen this article?" as pages arrive."""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime

from dedup.config import DedupConfig
from dedup.errors import ConfigError, DuplicateIdError, InputError, UnknownIdError
from dedup.extract import extract_page, looks_like_html
from dedup.fingerprint.fingerprinter import Fingerprinter
from dedup.fingerprint.shingle import Fingerprint
from dedup.fingerprint.signature import Signature
from dedup.index.backend import Backend
from dedup.index.bodies import kept_body
from dedup.index.file import load_index
from dedup.index.memory import MemoryIndex
from dedup.index.translations import TranslationIndex
from dedup.models import Document, Match
from dedup.readers.decode import decode_bytes, repair_mojibake, sniff_html_charset
from dedup.readers.formats import PageKind, RawPage


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
        self._fingerprinter = Fingerprinter(self.config)
        self._index: Backend
        self._translations: TranslationIndex | None = None
        if self.config.cross_lingual:
            self._translations = _translation_index(storage)
        if storage:
            from dedup.index.redis.store import RedisIndex

            self._index = RedisIndex(storage, namespace, self.config)
        else:
            self._index = MemoryIndex(self.config)

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
        fingerprint, document = self._page(text, url)
        matches = self.add_fingerprint(
            doc_id, fingerprint, self._sign(fingerprint), body=document.body
        )
        return matches + self._translated([(doc_id, document)], add=True)[0]

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
        fingerprint, document = self._page(text, url, body_required=False)
        found = self.query_fingerprint(fingerprint, body=document.body)
        return found + self._translated([(None, document)])[0]

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
        checked = [_checked_page(page) for page in pages]
        read = [(page[0], *self._page(page[1], _url(page))) for page in checked]
        answers = self.add_fingerprints(
            [(doc_id, fingerprint, self._sign(fingerprint)) for doc_id, fingerprint, _ in read],
            bodies=[document.body for _, _, document in read],
        )
        documents: list[tuple[str | None, Document]] = [(d, document) for d, _, document in read]
        translated = self._translated(documents, add=True)
        return [found + more for found, more in zip(answers, translated, strict=True)]

    def query_many(
        self, pages: Iterable[str | bytes | tuple[str | bytes, str | None]]
    ) -> list[list[Match]]:
        """`query` for a batch of pages, each a text or a ``(text, url)`` pair: the matches
        of each, in order (``[]`` for a page with no article body)."""
        pairs = [page if isinstance(page, tuple) else (page, None) for page in pages]
        read = [self._page(text, url, body_required=False) for text, url in pairs]
        answers = self.query_fingerprints(
            [fingerprint for fingerprint, _ in read],
            bodies=[document.body for _, document in read],
        )
        translated = self._translated([(None, document) for _, document in read])
        return [found + more for found, more in zip(answers, translated, strict=True)]

    # ------------------------------------------------------------------ forgetting

    def remove(self, doc_id: str) -> None:
        """Forget a page.

        Raises:
            UnknownIdError: ``doc_id`` is not indexed.
        """
        if not self._index.remove([doc_id]):
            raise UnknownIdError(doc_id)
        if self._translations is not None:
            self._translations.remove({doc_id})

    def expire(self, before: datetime | float) -> int:
        """Forget every page added before a time (a datetime or seconds since the epoch);
        returns how many were removed."""
        if isinstance(before, datetime):
            cutoff = before.timestamp()
        elif isinstance(before, int | float) and not isinstance(before, bool):
            cutoff = float(before)
        else:
            raise InputError(f"expire takes a datetime or seconds since the epoch, got {before!r}")
        return self._index.expire(cutoff)

    def __contains__(self, doc_id: object) -> bool:
        if not isinstance(doc_id, str):  # ids are strings: [1] or None is simply not held
            return False
        return doc_id in self._index

    def __len__(self) -> int:
        return len(self._index)

    def stats(self) -> IndexStats:
        """How many pages, with a body, how many groups; when the oldest and newest were added."""
        added, with_body, originals = self._index.summary()

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
        return iter(self._index.ids())

    # ------------------------------------------------------------------ persistence

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the index to a file, atomically; no pickle (see `dedup.index.file`).

        Raises:
            StorageError: the index is shared in Redis, which keeps it itself.
        """
        self._index.save(path)

    @classmethod
    def load(cls, path: str | os.PathLike[str], *, max_matches: int | None = None) -> Deduplicator:
        """Read an index written by `save`. The file keeps the configuration of its pages;
        ``max_matches``, which only caps answers, is `DedupConfig`'s default unless given.

        Raises:
            IndexFormatError: the file is not a dedup index, is damaged or truncated, or was
                made by an incompatible version.
        """
        data = load_index(path)
        if max_matches is not None:
            data = replace(data, config=replace(data.config, max_matches=max_matches))
        dedup = cls(data.config)
        dedup._index = MemoryIndex.from_data(data)
        return dedup

    # ------------------------------------------------------------------ pages already fingerprinted

    def add_fingerprint(
        self,
        doc_id: str,
        fingerprint: Fingerprint,
        signature: Signature | None,
        *,
        body: str | None = None,
    ) -> list[Match]:
        """`add` for a page already extracted and signed (as `dedup scan` has them), with
        its extracted ``body``: without it, the page's slots are never checked (a notice
        filled for another district matches it as a copy)."""
        bodies = None if body is None else [body]
        return self.add_fingerprints([(doc_id, fingerprint, signature)], bodies=bodies)[0]

    def query_fingerprint(
        self,
        fingerprint: Fingerprint,
        signature: Signature | None = None,
        *,
        body: str | None = None,
    ) -> list[Match]:
        """`query` for a page already extracted and fingerprinted (with its extracted
        ``body``, as `add_fingerprint`); its MinHash signature is computed unless given (as
        `dedup scan` has it)."""
        bodies = None if body is None else [body]
        return self.query_fingerprints([fingerprint], [signature], bodies=bodies)[0]

    def add_fingerprints(
        self,
        pages: list[tuple[str, Fingerprint, Signature | None]],
        *,
        refused: list[str] | None = None,
        bodies: list[str] | None = None,
    ) -> list[list[Match]]:
        """`add_many` for pages already extracted and signed (as `dedup scan` has them),
        with their extracted ``bodies`` (see `add_fingerprint`).

        With a ``refused`` list, the ids already indexed (by another process, say) are put
        in it, with no matches, instead of raising `DuplicateIdError`.
        """
        for doc_id, _, _ in pages:
            _check_id(doc_id)
        kept = _kept_bodies(bodies, len(pages))
        if self.config.max_age_days is not None:
            self._index.expire(time.time() - self.config.max_age_days * 86400)
        answers = self._index.add(pages, kept)
        turned_away = [
            doc_id for (doc_id, _, _), answer in zip(pages, answers, strict=True) if answer is None
        ]
        if refused is not None:
            refused.extend(turned_away)
        elif turned_away:
            raise DuplicateIdError(turned_away[0])
        return [answer or [] for answer in answers]

    def query_fingerprints(
        self,
        fingerprints: list[Fingerprint],
        signatures: list[Signature | None] | None = None,
        *,
        bodies: list[str] | None = None,
    ) -> list[list[Match]]:
        """`query_many` for pages already extracted and fingerprinted (and signed, when
        ``signatures`` are given; a page given None is signed here), with their extracted
        ``bodies`` (see `add_fingerprint`)."""
        if signatures is not None and len(signatures) != len(fingerprints):
            raise InputError(f"{len(signatures)} signatures for {len(fingerprints)} fingerprints")
        kept = _kept_bodies(bodies, len(fingerprints))
        given = signatures or [None] * len(fingerprints)
        return self._index.query(
            [
                (fingerprint, self._sign(fingerprint) if signature is None else signature)
                for fingerprint, signature in zip(fingerprints, given, strict=True)
            ],
            kept,
        )

    # ------------------------------------------------------------------ internals

    def _sign(self, fingerprint: Fingerprint) -> Signature | None:
        return self._fingerprinter.hasher.sign(fingerprint.shingles) if fingerprint.size else None

    def _translated(
        self, pages: list[tuple[str | None, Document]], *, add: bool = False
    ) -> list[list[Match]]:
        """With `cross_lingual`: each page's translation matches among the indexed pages
        in other languages (then, with `add`, the page is kept: pages of one batch see the
        ones before them). Pages expired or removed since are not matched."""
        if self._translations is None:
            return [[] for _ in pages]
        index = self._translations
        index.remove({doc_id for doc_id in index.ids() if doc_id not in self._index})
        vectors = index.pages([d.body for _, d in pages], [d.lang for _, d in pages])
        found: list[list[Match]] = []
        for (doc_id, _), page in zip(pages, vectors, strict=True):
            found.append(index.match(page) if page is not None else [])
            if add and doc_id is not None and page is not None and doc_id in self._index:
                index.add(doc_id, page)
        return found

    def _page_fingerprint(
        self, text: str | bytes, url: str | None, *, body_required: bool = True
    ) -> Fingerprint:
        return self._page(text, url, body_required=body_required)[0]

    def _page(
        self, text: str | bytes, url: str | None, *, body_required: bool = True
    ) -> tuple[Fingerprint, Document]:
        if isinstance(text, bytes | bytearray):
            text = _decoded(bytes(text), url)
        if not isinstance(text, str):
            raise InputError(f"text must be a str or bytes (a page), got {type(text).__name__}")
        if url is not None and not isinstance(url, str):
            raise InputError(f"url must be a str or None, got {type(url).__name__}")
        limit = self.config.max_bytes
        if len(text) > limit or (
            len(text) * 4 > limit and len(text.encode("utf-8", "replace")) > limit
        ):
            raise InputError(
                f"the page is larger than max_bytes ({self.config.max_bytes} bytes); "
                "raise DedupConfig.max_bytes to index it"
            )
        kind: PageKind = "html" if looks_like_html(text) else "text"
        page = RawPage(doc_id="", path="", text=text, kind=kind, encoding="utf-8", url=url)
        document = extract_page(page)
        fingerprint = self._fingerprinter.fingerprint(document.body)
        if fingerprint.size == 0 and body_required:
            raise InputError(
                "the page has no article body (empty, or navigation only); it is not indexed",
                url,
            )
        return fingerprint, document


def _translation_index(storage: str | None) -> TranslationIndex:
    """The vectors of `cross_lingual`: in memory only, and only with the encoder installed."""
    if storage:
        raise ConfigError(
            "cross_lingual works with the in-memory index only: the shared Redis index does "
            "not hold the pages' vectors; use Deduplicator(DedupConfig(cross_lingual=True)) "
            "without storage, or dedup scan --cross-lingual"
        )
    from dedup.xling.encoder import require_encoder

    require_encoder()
    return TranslationIndex()


def _decoded(data: bytes, url: str | None) -> str:
    """Bytes read as `dedup scan` reads a file: the charset a page declares, else detected."""
    text, _ = decode_bytes(data, url, declared=sniff_html_charset(data))
    return repair_mojibake(text)[0]


def _url(page: tuple[str, str | bytes] | tuple[str, str | bytes, str | None]) -> str | None:
    return page[2] if len(page) == 3 else None


def _checked_page(page: object) -> tuple[str, str | bytes] | tuple[str, str | bytes, str | None]:
    """A page of `add_many`: a ``(doc_id, text)`` or ``(doc_id, text, url)`` tuple or list."""
    if not isinstance(page, tuple | list) or len(page) not in (2, 3):
        raise InputError(
            f"add_many takes (doc_id, text) or (doc_id, text, url) pairs, got {page!r:.80}"
        )
    _check_id(page[0])
    return tuple(page)


def _kept_bodies(bodies: list[str] | None, count: int) -> list[bytes] | None:
    """What the index keeps of these bodies (`dedup.index.bodies`), one per page."""
    if bodies is None:
        return None
    if len(bodies) != count or not all(isinstance(body, str) for body in bodies):
        raise InputError(f"bodies must be {count} strings, one per page")
    return [kept_body(body) for body in bodies]


def _check_id(doc_id: object) -> None:
    if not isinstance(doc_id, str) or not doc_id:
        raise InputError(f"doc_id must be a non-empty string, got {doc_id!r}")
