"""The two entry points: `scan` for a batch of files, `Deduplicator` for pages as they arrive."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from dedup.cluster import build_clusters, verify
from dedup.config import DedupConfig
from dedup.errors import DedupError, DuplicateIdError, InputError
from dedup.extract import extract_page, looks_like_html
from dedup.index import LSHIndex
from dedup.models import Document, Match, ScanResult, Skip
from dedup.normalize import tokenize
from dedup.readers import FieldMap, InputFile, RawPage, list_inputs, read_pages
from dedup.readers.files import NOT_FOUND
from dedup.readers.formats import PageKind
from dedup.shingle import ShingleIds, make_shingles
from dedup.signature import MinHasher, Signature
from dedup.storage import IndexData, load_index, save_index

logger = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
NO_BODY = "no article body found"
MOJIBAKE = "garbled text (mojibake) that could not be repaired"


class Fingerprinter:
    """Document body -> shingles and signature, for one configuration."""

    def __init__(self, config: DedupConfig) -> None:
        self.config = config
        self.hasher = MinHasher(config.num_perm, config.seed)

    def shingles(self, body: str) -> ShingleIds:
        return make_shingles(
            tokenize(body), ngram=self.config.ngram, tokenizer=self.config.tokenizer
        )

    def new_index(self) -> LSHIndex:
        return LSHIndex(self.hasher, bands=self.config.lsh_bands, rows=self.config.rows)


def scan(
    paths: Iterable[str | os.PathLike[str]],
    config: DedupConfig | None = None,
    *,
    progress: Progress | None = None,
) -> ScanResult:
    """Read every file under `paths` and cluster the copies of each article.

    Files and records that cannot be read, decoded, or yield no article body are skipped
    with a logged warning and listed in ``ScanResult.skipped``. The result is deterministic:
    the same files give the same clusters, in the same order.

    Example:
        >>> result = dedup.scan(["samples/"])  # doctest: +SKIP
        >>> [c.size for c in result.duplicate_clusters]  # doctest: +SKIP
        [4, 3, 3]
    """
    config = config or DedupConfig()
    fingerprinter = Fingerprinter(config)
    result = ScanResult(clusters=[], documents=[])
    with _stage(result, "list"):
        inputs, problems = list_inputs(paths)
    for problem in problems:
        _skip(result, problem)
    if problems and not inputs:
        raise InputError(f"{problems[0].reason}; check the path", problems[0].path)
    with _stage(result, "read+extract"):
        result.extracted = list(_read_documents(inputs, config, result, progress))
    with _stage(result, "shingle"):
        shingles = [fingerprinter.shingles(doc.body) for doc in result.extracted]
    kept: list[int] = []
    for index, document in enumerate(result.extracted):
        reason = _exclusion(document, shingles[index])
        if reason:
            _skip(result, Skip(document.path or document.doc_id, reason, _record_of(document)))
        else:
            kept.append(index)
    result.documents = [result.extracted[i] for i in kept]
    shingles = [shingles[i] for i in kept]
    with _stage(result, "sign"):
        signatures = [fingerprinter.hasher.sign(ids) for ids in shingles]
    with _stage(result, "lsh"):
        candidates = _candidate_pairs(fingerprinter.new_index(), signatures)
    with _stage(result, "verify+cluster"):
        result.clusters = build_clusters(result.documents, shingles, candidates, config)
    return result


def extract_file(
    path: str | os.PathLike[str], config: DedupConfig | None = None
) -> tuple[list[Document], list[Skip]]:
    """What extraction makes of one file: its documents (one per record) and its skips."""
    config = config or DedupConfig()
    result = ScanResult(clusters=[], documents=[])
    item = InputFile(str(path), Path(path).name)
    if not Path(path).is_file():
        raise InputError(f"{NOT_FOUND}; check the path", str(path))
    documents = list(_read_documents([item], config, result, None))
    return documents, result.skipped


def _exclusion(document: Document, shingles: ShingleIds) -> str | None:
    if document.mojibake:
        return MOJIBAKE
    if shingles.size == 0:
        return NO_BODY
    return None


def _record_of(document: Document) -> str:
    return document.doc_id.partition("#")[2] and f"record {document.doc_id.partition('#')[2]}"


def _read_documents(
    inputs: list[InputFile], config: DedupConfig, result: ScanResult, progress: Progress | None
) -> Iterator[Document]:
    fields = FieldMap(config.field_names)
    for done, item in enumerate(inputs, 1):
        read_any = False
        for page in read_pages(item, fields, max_bytes=config.max_bytes):
            if isinstance(page, Skip):
                _skip(result, page)
                continue
            read_any = True
            yield extract_page(page)
        result.files_read += read_any
        if progress is not None:
            progress(done, len(inputs))


def _skip(result: ScanResult, skip: Skip) -> None:
    where = f"{skip.path} ({skip.detail})" if skip.detail else skip.path
    logger.warning("%s: %s (skipped)", where, skip.reason)
    result.skipped.append(skip)


def _candidate_pairs(index: LSHIndex, signatures: list[Signature]) -> set[tuple[int, int]]:
    pairs: set[tuple[int, int]] = set()
    for position, signature in enumerate(signatures):
        key = str(position)
        for other in index.query(signature):
            pairs.add((int(other), position))
        index.insert(key, signature)
    return pairs


@contextmanager
def _stage(result: ScanResult, name: str) -> Iterator[None]:
    started = time.perf_counter()
    try:
        yield
    finally:
        result.stage_seconds[name] = time.perf_counter() - started
        logger.info("stage %s: %.3f s", name, result.stage_seconds[name])


class Deduplicator:
    """An in-memory index of pages that answers "have I seen this article?".

    ``text`` is a page as scraped: the same extraction and normalization as ``dedup scan``
    apply, so navigation and footers do not count. One instance may be shared by the
    threads of a crawler: every call holds a lock.

    Example:
        >>> dd = Deduplicator(DedupConfig(threshold=0.8))
        >>> dd.add("https://a.example/1", page_text)  # doctest: +SKIP
        []
        >>> dd.add("https://b.example/9", copy_of_page_text)  # doctest: +SKIP
        [Match(doc_id='https://a.example/1', similarity=0.93, containment=0.97)]
    """

    def __init__(self, config: DedupConfig | None = None) -> None:
        self.config = config or DedupConfig()
        self._fingerprinter = Fingerprinter(self.config)
        self._index = self._fingerprinter.new_index()
        self._shingles: dict[str, ShingleIds] = {}
        self._signatures: dict[str, Signature | None] = {}
        self._lock = threading.Lock()

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the index to a file, atomically; no pickle (see `dedup.storage`)."""
        with self._lock:
            ids = list(self._shingles)
            empty = np.zeros(self.config.num_perm, dtype=np.uint32)
            signatures = (
                np.stack([s if (s := self._signatures[i]) is not None else empty for i in ids])
                if ids
                else np.zeros((0, self.config.num_perm), dtype=np.uint32)
            )
            lengths = [self._shingles[i].size for i in ids]
            offsets = np.zeros(len(ids) + 1, dtype=np.uint64)
            np.cumsum(lengths, out=offsets[1:])
            shingles = (
                np.concatenate([self._shingles[i] for i in ids]) if ids else np.zeros(0, np.uint32)
            )
            data = IndexData(self.config, ids, signatures, shingles, offsets)
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
        offsets = data.shingle_offsets.astype(np.int64)
        indexed = []
        for row, doc_id in enumerate(data.doc_ids):
            shingles = data.shingles[offsets[row] : offsets[row + 1]]
            dedup._shingles[doc_id] = shingles
            if shingles.size:
                dedup._signatures[doc_id] = data.signatures[row]
                indexed.append((doc_id, data.signatures[row]))
            else:
                dedup._signatures[doc_id] = None
        dedup._index.insert_many(indexed)
        return dedup

    def add(self, doc_id: str, text: str, *, url: str | None = None) -> list[Match]:
        """Return the near-duplicates already indexed (best first), then index the page.

        ``text`` is the page as fetched, text or HTML (detected); ``url`` sets its host site.

        Raises:
            DuplicateIdError: ``doc_id`` is already indexed.
        """
        if not isinstance(doc_id, str) or not doc_id:
            raise InputError(f"doc_id must be a non-empty string, got {doc_id!r}")
        shingles = self._page_shingles(text, url)
        with self._lock:
            if doc_id in self._shingles:
                raise DuplicateIdError(doc_id)
            matches, signature = self._matches(shingles)
            self._shingles[doc_id] = shingles
            self._signatures[doc_id] = signature
            if signature is not None:
                self._index.insert(doc_id, signature)
        return matches

    def query(self, text: str, *, url: str | None = None) -> list[Match]:
        """The near-duplicates of a page already indexed, best first; indexes nothing."""
        shingles = self._page_shingles(text, url)
        with self._lock:
            return self._matches(shingles)[0]

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._shingles

    def __len__(self) -> int:
        return len(self._shingles)

    def _page_shingles(self, text: str, url: str | None) -> ShingleIds:
        if not isinstance(text, str):
            raise InputError(f"text must be a str (a decoded page), got {type(text).__name__}")
        kind: PageKind = "html" if looks_like_html(text) else "text"
        page = RawPage(doc_id="", path="", text=text, kind=kind, encoding="utf-8", url=url)
        return self._fingerprinter.shingles(extract_page(page).body)

    def _matches(self, shingles: ShingleIds) -> tuple[list[Match], Signature | None]:
        if shingles.size == 0:
            return [], None
        signature = self._fingerprinter.hasher.sign(shingles)
        matches = []
        for other in self._index.query(signature):
            verdict = verify(shingles, self._shingles[other], self.config)
            if verdict.is_copy:
                matches.append(Match(other, verdict.similarity, verdict.containment))
        matches.sort(key=lambda m: (-m.similarity, -m.containment, m.doc_id))
        return matches, signature


__all__ = ["DedupError", "Deduplicator", "Fingerprinter", "scan"]
