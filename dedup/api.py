"""The two entry points: `scan` for a batch of files, `Deduplicator` for pages as they arrive."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from dedup.banding import band_keys, candidate_pairs
from dedup.cluster import build_clusters, verify
from dedup.compare import Passage, shared_passages
from dedup.config import DedupConfig
from dedup.errors import DedupError, DuplicateIdError, InputError
from dedup.evaluate import Scores, match_labels, score
from dedup.extract import extract_page, looks_like_html
from dedup.index import LSHIndex
from dedup.models import Document, Match, ScanResult, Skip
from dedup.readers import InputFile, RawPage, list_inputs
from dedup.readers.files import NOT_FOUND
from dedup.readers.formats import PageKind
from dedup.shingle import Fingerprint, ShingleIds, number_agreement
from dedup.signature import MinHasher, Signature
from dedup.storage import IndexData, load_index, save_index
from dedup.workers import ChunkResult, Fingerprinter, default_jobs, process_all, process_chunk

logger = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
NO_BODY = "no article body found"
MOJIBAKE = "garbled text (mojibake) that could not be repaired"


def scan(
    paths: Iterable[str | os.PathLike[str]],
    config: DedupConfig | None = None,
    *,
    progress: Progress | None = None,
    jobs: int | None = None,
    reference: bool = False,
) -> ScanResult:
    """Read every file under `paths` and cluster the copies of each article.

    Files and records that cannot be read, decoded, or yield no article body are skipped
    with a logged warning and listed in ``ScanResult.skipped``. The result is deterministic:
    the same files give the same clusters, in the same order.

    ``jobs`` worker processes read, extract and sign the files (default: every core; 1 runs
    in this process); the result does not depend on it. ``reference=True`` signs with
    datasketch's own MinHash and finds candidates with its MinHashLSH, one document at a
    time: slower, for audits; it gives the same clusters.

    Example:
        >>> result = dedup.scan(["samples/"])  # doctest: +SKIP
        >>> [c.size for c in result.duplicate_clusters]  # doctest: +SKIP
        [4, 3, 3]
    """
    config = config or DedupConfig()
    result = ScanResult(clusters=[], documents=[])
    with _stage(result, "list"):
        inputs, problems = list_inputs(paths)
    for problem in problems:
        _skip(result, problem)
    if problems and not inputs:
        raise InputError(f"{problems[0].reason}; check the path", problems[0].path)
    fingerprints: list[Fingerprint] = []
    signatures: list[Signature] = []
    done = 0

    def collect(chunk: ChunkResult) -> None:
        nonlocal done
        for skip in chunk.skips:
            _skip(result, skip)
        result.extracted.extend(chunk.documents)
        fingerprints.extend(chunk.fingerprints)
        signatures.extend(chunk.signatures)
        result.files_read += chunk.files_read
        done += chunk.files
        if progress is not None:
            progress(done, len(inputs))

    workers = default_jobs() if jobs is None else max(1, jobs)
    with _stage(result, "read+extract+sign"):
        process_all(inputs, config, jobs=workers, reference=reference, on_chunk=collect)
    kept: list[int] = []
    for index, document in enumerate(result.extracted):
        reason = _exclusion(document, fingerprints[index])
        if reason:
            _skip(result, Skip(document.path or document.doc_id, reason, _record_of(document)))
        else:
            kept.append(index)
    result.documents = [result.extracted[i] for i in kept]
    fingerprints = [fingerprints[i] for i in kept]
    signatures = [signatures[i] for i in kept]
    with _stage(result, "lsh"):
        candidates: Iterable[tuple[int, int]]
        if reference:
            hasher = MinHasher(config.num_perm, config.seed)
            lsh = LSHIndex(hasher, bands=config.lsh_bands, rows=config.rows)
            candidates = _candidate_pairs(lsh, signatures)
        else:
            candidates = _banded_pairs(signatures, config, result)
    with _stage(result, "verify+cluster"):
        result.clusters = build_clusters(result.documents, fingerprints, candidates, config)
    return result


def extract_file(
    path: str | os.PathLike[str], config: DedupConfig | None = None
) -> tuple[list[Document], list[Skip]]:
    """What extraction makes of one file: its documents (one per record) and its skips."""
    config = config or DedupConfig()
    if not Path(path).is_file():
        raise InputError(f"{NOT_FOUND}; check the path", str(path))
    chunk = process_chunk([InputFile(str(path), Path(path).name)], Fingerprinter(config))
    return chunk.documents, chunk.skips


@dataclass(frozen=True, slots=True)
class Comparison:
    """Why two pages are, or are not, copies of one article."""

    left: Document
    right: Document
    similarity: float
    estimated_similarity: float
    left_in_right: float
    right_in_left: float
    number_agreement: float | None
    is_copy: bool
    passages: list[Passage]


def compare(left: Document, right: Document, config: DedupConfig | None = None) -> Comparison:
    """Explain a pair: exact and MinHash-estimated Jaccard similarity of the bodies'
    shingles, containment both ways, the verdict `scan` would reach, and shared passages."""
    config = config or DedupConfig()
    fingerprinter = Fingerprinter(config)
    a, b = fingerprinter.fingerprint(left.body), fingerprinter.fingerprint(right.body)
    shared = int(np.intersect1d(a.shingles, b.shingles, assume_unique=True).size)
    estimate = 0.0
    if a.size and b.size:
        hasher = fingerprinter.hasher
        left_sketch, right_sketch = hasher.sign(a.shingles), hasher.sign(b.shingles)
        estimate = float(hasher.lean(left_sketch).jaccard(hasher.lean(right_sketch)))
    verdict = verify(a, b, config)
    return Comparison(
        left=left,
        right=right,
        similarity=verdict.similarity,
        estimated_similarity=estimate,
        left_in_right=shared / a.size if a.size else 0.0,
        right_in_left=shared / b.size if b.size else 0.0,
        number_agreement=number_agreement(a.numbers, b.numbers),
        is_copy=verdict.is_copy,
        passages=shared_passages(left, right),
    )


def evaluate(
    paths: Iterable[str | os.PathLike[str]],
    labels: Mapping[str, str],
    config: DedupConfig | None = None,
    *,
    progress: Progress | None = None,
    jobs: int | None = None,
) -> tuple[
    ScanResult, Scores, list[tuple[str, str, float, float]], list[tuple[str, str, float, float]]
]:
    """Scan `paths` and score the clusters against labels (doc_id or file stem -> cluster).

    Returns the scan, the scores, and the false merges and misses, each pair with its exact
    similarity and containment, highest similarity first.
    """
    config = config or DedupConfig()
    result = scan(paths, config, progress=progress, jobs=jobs)
    predicted = {m.document.doc_id: str(c.cluster_id) for c in result.clusters for m in c.members}
    truth = match_labels(labels, [d.doc_id for d in result.extracted])
    scores = score(predicted, truth)
    fingerprinter = Fingerprinter(config)
    bodies = {d.doc_id: d.body for d in result.extracted}

    def explained(pairs: list[tuple[str, str]]) -> list[tuple[str, str, float, float]]:
        rows = []
        for left, right in pairs:
            verdict = verify(
                fingerprinter.fingerprint(bodies[left]),
                fingerprinter.fingerprint(bodies[right]),
                config,
            )
            rows.append((left, right, verdict.similarity, verdict.containment))
        return sorted(rows, key=lambda row: (-row[2], row[0], row[1]))

    return result, scores, explained(scores.false_merges), explained(scores.misses)


def _exclusion(document: Document, fingerprint: Fingerprint) -> str | None:
    if document.mojibake:
        return MOJIBAKE
    if fingerprint.size == 0:
        return NO_BODY
    return None


def _record_of(document: Document) -> str:
    return document.doc_id.partition("#")[2] and f"record {document.doc_id.partition('#')[2]}"


def _skip(result: ScanResult, skip: Skip) -> None:
    where = f"{skip.path} ({skip.detail})" if skip.detail else skip.path
    logger.warning("%s: %s (skipped)", where, skip.reason)
    result.skipped.append(skip)


def _banded_pairs(
    signatures: list[Signature], config: DedupConfig, result: ScanResult
) -> list[tuple[int, int]]:
    if not signatures:
        return []
    matrix = np.stack(signatures)
    keys = band_keys(matrix, bands=config.lsh_bands, rows=config.rows)
    result.index_bytes = matrix.nbytes + keys.nbytes
    return [(int(i), int(j)) for i, j in candidate_pairs(keys)]


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
        self._index = LSHIndex(
            self._fingerprinter.hasher, bands=self.config.lsh_bands, rows=self.config.rows
        )
        self._fingerprints: dict[str, Fingerprint] = {}
        self._signatures: dict[str, Signature | None] = {}
        self._lock = threading.Lock()

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the index to a file, atomically; no pickle (see `dedup.storage`)."""
        with self._lock:
            ids = list(self._fingerprints)
            empty = np.zeros(self.config.num_perm, dtype=np.uint32)
            signatures = (
                np.stack([s if (s := self._signatures[i]) is not None else empty for i in ids])
                if ids
                else np.zeros((0, self.config.num_perm), dtype=np.uint32)
            )
            shingles, shingle_offsets = _flatten([self._fingerprints[i].shingles for i in ids])
            numbers, number_offsets = _flatten([self._fingerprints[i].numbers for i in ids])
            data = IndexData(
                self.config, ids, signatures, shingles, shingle_offsets, numbers, number_offsets
            )
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
        number_offsets = data.number_offsets.astype(np.int64)
        indexed = []
        for row, doc_id in enumerate(data.doc_ids):
            shingles = data.shingles[offsets[row] : offsets[row + 1]]
            numbers = data.numbers[number_offsets[row] : number_offsets[row + 1]]
            dedup._fingerprints[doc_id] = Fingerprint(shingles, numbers)
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
        fingerprint = self._page_fingerprint(text, url)
        with self._lock:
            if doc_id in self._fingerprints:
                raise DuplicateIdError(doc_id)
            matches, signature = self._matches(fingerprint)
            self._fingerprints[doc_id] = fingerprint
            self._signatures[doc_id] = signature
            if signature is not None:
                self._index.insert(doc_id, signature)
        return matches

    def query(self, text: str, *, url: str | None = None) -> list[Match]:
        """The near-duplicates of a page already indexed, best first; indexes nothing."""
        fingerprint = self._page_fingerprint(text, url)
        with self._lock:
            return self._matches(fingerprint)[0]

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._fingerprints

    def __len__(self) -> int:
        return len(self._fingerprints)

    def _page_fingerprint(self, text: str, url: str | None) -> Fingerprint:
        if not isinstance(text, str):
            raise InputError(f"text must be a str (a decoded page), got {type(text).__name__}")
        kind: PageKind = "html" if looks_like_html(text) else "text"
        page = RawPage(doc_id="", path="", text=text, kind=kind, encoding="utf-8", url=url)
        return self._fingerprinter.fingerprint(extract_page(page).body)

    def _matches(self, fingerprint: Fingerprint) -> tuple[list[Match], Signature | None]:
        if fingerprint.size == 0:
            return [], None
        signature = self._fingerprinter.hasher.sign(fingerprint.shingles)
        matches = []
        for other in self._index.query(signature):
            verdict = verify(fingerprint, self._fingerprints[other], self.config)
            if verdict.is_copy:
                matches.append(Match(other, verdict.similarity, verdict.containment))
        matches.sort(key=lambda m: (-m.similarity, -m.containment, m.doc_id))
        return matches, signature


def _flatten(arrays: list[ShingleIds]) -> tuple[ShingleIds, npt.NDArray[np.uint64]]:
    offsets = np.zeros(len(arrays) + 1, dtype=np.uint64)
    np.cumsum([a.size for a in arrays], out=offsets[1:])
    flat = np.concatenate(arrays) if arrays else np.zeros(0, np.uint32)
    return flat.astype(np.uint32), offsets


__all__ = ["DedupError", "Deduplicator", "Fingerprinter", "scan"]
