"""The batch: `scan` files into clusters (here or on Dask), and feed files to a crawler index."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from dedup._arrays import unique_pairs
from dedup.batch.anchors import AnchorTable
from dedup.batch.banding import bucket_links
from dedup.batch.candidates import StoredCandidates
from dedup.batch.clustering import GroupIndex, cluster_documents
from dedup.batch.reference import DatasketchLSH
from dedup.batch.skips import ALREADY_INDEXED, exclusion, log_skip, record_of
from dedup.batch.spill import (
    PageStore,
    StoredDocuments,
    check_space,
    input_bytes,
    stored_anchors,
    stored_figures,
    stored_fingerprints,
    stored_signatures,
)
from dedup.batch.workers import (
    ChunkResult,
    ChunkRows,
    cluster_all,
    default_jobs,
    process_all,
    process_chunk,
    process_into_rows,
)
from dedup.config import DedupConfig
from dedup.errors import InputError
from dedup.fingerprint.bands import band_keys
from dedup.fingerprint.fingerprinter import Fingerprinter
from dedup.fingerprint.shingle import Fingerprint
from dedup.fingerprint.signature import MinHasher, Signature
from dedup.models import Document, Match, ScanResult, Skip
from dedup.readers import InputFile, list_inputs
from dedup.readers.files import NOT_FOUND, spooled_stdin

if TYPE_CHECKING:
    from dedup.index.deduplicator import Deduplicator

logger = logging.getLogger(__name__)

Progress = Callable[[int, int], None]


def scan(
    paths: Iterable[str | os.PathLike[str]],
    config: DedupConfig | None = None,
    *,
    progress: Progress | None = None,
    jobs: int | None = None,
    reference: bool = False,
    keep_index: bool = False,
    follow_links: bool = False,
    tmp_dir: str | os.PathLike[str] | None = None,
) -> ScanResult:
    """Read every file under `paths` and cluster the copies of each article.

    Files and records that cannot be read, decoded, or yield no article body are skipped
    with a logged warning and listed in ``ScanResult.skipped``. The result is deterministic:
    the same files give the same clusters, in the same order.

    ``keep_index=True`` also returns the pages as a crawler index (``ScanResult.index``).
    ``jobs`` worker processes read, extract and sign the files, then verify and cluster the
    groups of candidates (default: every core; 1 runs in this process); the result does not
    depend on it. ``reference=True`` signs with
    datasketch's own MinHash and finds candidates with its MinHashLSH, one document at a
    time: slower, for audits; it gives the same clusters.

    Example:
        >>> result = dedup.scan(["samples/"])  # doctest: +SKIP
        >>> [c.size for c in result.duplicate_clusters]  # doctest: +SKIP
        [4, 3, 3]

    A path ``-`` reads one stream from standard input (its format detected as a file's).
    A link inside a folder to a file outside the folders given is skipped unless
    ``follow_links``.

    The documents, shingle ids, signatures and LSH band keys wait in a temporary store under
    `tmp_dir` (default: the system's temporary folder), so memory holds a few numbers a page
    (and its anchors until they are paired); a document is read back when asked for, a
    cluster made from columns when read. The store is
    removed when the scan fails or is interrupted, by ``result.close()`` (or leaving
    ``with result:``), and at the latest when the result is garbage collected.

    Raises:
        StoreSpaceError: `tmp_dir` has too little free space for the store (estimated
            from the inputs' size) before anything is read.
    """
    paths = list(paths)
    config = config or DedupConfig()
    _check_cross_lingual(config)
    with spooled_stdin(paths) as stdin:
        return _scan(
            paths,
            config,
            progress=progress,
            jobs=jobs,
            reference=reference,
            keep_index=keep_index,
            stdin=stdin,
            follow_links=follow_links,
            tmp_dir=tmp_dir,
        )


def _scan(
    paths: list[str | os.PathLike[str]],
    config: DedupConfig,
    *,
    progress: Progress | None,
    jobs: int | None,
    reference: bool,
    keep_index: bool,
    stdin: str | None,
    follow_links: bool = False,
    tmp_dir: str | os.PathLike[str] | None = None,
) -> ScanResult:
    result = ScanResult(clusters=[], documents=[])
    with _stage(result, "list"):
        inputs, problems = list_inputs(paths, stdin=stdin, follow_links=follow_links)
    if problems and not inputs:
        # One problem, one message: the error, not a warning before it.
        raise _nothing_to_read(problems)
    check_space(None if tmp_dir is None else os.fspath(tmp_dir), input_bytes(inputs))
    for problem in problems:
        _skip(result, problem)
    with _spilling(result, tmp_dir) as store:
        workers = default_jobs() if jobs is None else max(1, jobs)
        anchors = _read_into(
            result, store, inputs, config, progress=progress, jobs=workers, reference=reference
        )
        del inputs  # the listing (two strings a file) is not needed past reading
        _cluster_into(result, store, anchors, config, jobs=workers, reference=reference)
        _join_translations(result, config)
        if keep_index:
            with _stage(result, "index"):
                result.index = _crawler_index(result, store, config)
    return result


@contextmanager
def _spilling(result: ScanResult, tmp_dir: str | os.PathLike[str] | None) -> Iterator[PageStore]:
    """A temporary store for the scan's pages, handed to `result` (which removes it when
    closed); on a failure or Ctrl-C it goes at once, not when the process ends."""
    store = PageStore(tmp_dir)
    result.extracted = StoredDocuments(store)
    result.documents = StoredDocuments(store, clustered=True)
    try:
        yield store
    except BaseException:
        store.close()
        raise
    result.closer = store.close
    result.store_folder = store.path
    result.spilled_bytes = store.disk_bytes


def _read_into(
    result: ScanResult,
    store: PageStore,
    inputs: Sequence[InputFile],
    config: DedupConfig,
    *,
    progress: Progress | None,
    jobs: int,
    reference: bool,
) -> AnchorTable:
    """Read and sign the inputs into `result` and `store`: the documents go to `store`, with
    the fingerprints, signatures and LSH band keys of the pages clustered; per page, only
    the anchors stay in memory until clustering."""
    anchors = AnchorTable()  # a sample of each page's shingles that finds passages
    excluded: list[Skip] = []
    done = 0

    def collect(chunk: ChunkRows) -> None:
        nonlocal done
        for skip in chunk.skips:
            _skip(result, skip)
        excluded.extend(chunk.excluded)
        stored = store.add_document_rows(chunk.documents)
        store.cluster(stored[row] for row in chunk.clustered)
        store.add_page_rows(chunk.pages)
        if chunk.clustered:
            signatures = chunk.pages.signature_array()
            store.band_keys.extend(band_keys(signatures, bands=config.lsh_bands, rows=config.rows))
            anchors.extend(chunk.pages.anchor_arrays())
        result.files_read += chunk.files_read
        done += chunk.files
        if progress is not None:
            progress(done, len(inputs))

    with _stage(result, "read+extract+sign"):
        process_into_rows(inputs, config, jobs=jobs, reference=reference, on_chunk=collect)
    for skip in excluded:
        _skip(result, skip)
    return anchors


def _cluster_into(
    result: ScanResult,
    store: PageStore,
    anchors: AnchorTable,
    config: DedupConfig,
    *,
    jobs: int,
    reference: bool,
) -> None:
    """Candidates from the stored band keys and the anchors, verified and clustered into
    `result` by `jobs` worker processes."""
    fingerprints = stored_fingerprints(store)
    if reference:
        with _stage(result, "lsh"):
            hasher = MinHasher(config.num_perm, config.seed)
            lsh = DatasketchLSH(hasher, bands=config.lsh_bands, rows=config.rows)
            banded = _candidate_pairs(lsh, stored_signatures(store))
            candidates = banded | set(_as_tuples(anchors.pairs()))
        with _stage(result, "verify+cluster"):
            clustering = cluster_documents(result.documents, fingerprints, candidates, config)
    else:
        with _stage(result, "lsh"):
            # What the LSH holds per page: its band keys (on disk, read a band at a time).
            result.index_bytes = store.band_keys.size
            groups = _candidate_groups(store, anchors, config)
        with _stage(result, "verify+cluster"):
            store.flush()  # workers read the store's files
            clustering = cluster_all(
                result.documents,
                fingerprints,
                groups,
                config,
                jobs=jobs,
                figures=stored_figures(store),
            )
    result.clusters = clustering.clusters
    result.split_pairs, result.kept_apart = clustering.split_pairs, clustering.kept_apart


def _candidate_groups(store: PageStore, anchors: AnchorTable, config: DedupConfig) -> GroupIndex:
    """The connected groups of candidate pairs, found from links that join them (a few a
    page), each group's pairs made again from its pages' stored signatures and anchors
    when it is verified."""
    anchor_links, common = anchors.links()
    links = _union(bucket_links(store.band_keys), anchor_links)
    del anchor_links
    pairs_of = StoredCandidates(
        stored_signatures(store), stored_anchors(store), common, config.lsh_bands, config.rows
    )
    return GroupIndex.of(store.pages, links, pairs_of)


def _crawler_index(result: ScanResult, store: PageStore, config: DedupConfig) -> Deduplicator:
    """A Deduplicator holding the scanned pages, each cluster's original (earliest) first so
    that the index names it as its copies' original too."""
    # Imported here: a scan without keep_index (the CLI's) does not load the crawler index.
    from dedup.index.deduplicator import Deduplicator

    dedup = Deduplicator(config)
    position = {document.doc_id: row for row, document in enumerate(result.documents)}
    for cluster in result.clusters:
        for member in sorted(cluster.members, key=lambda m: not m.is_original):
            row = position[member.document.doc_id]
            dedup.add_fingerprint(
                member.document.doc_id,
                store.fingerprint(row),
                store.signature(row),
                body=member.document.body,
            )
    return dedup


def scan_on_dask(
    paths: Iterable[str | os.PathLike[str]],
    config: DedupConfig | None = None,
    *,
    scheduler: str | None = None,
    workers: int | None = None,
    tmp_dir: str | os.PathLike[str] | None = None,
) -> ScanResult:
    """`scan` on a Dask cluster (``pip install "dedup[dask]"``): the scheduler at
    `scheduler`, or a LocalCluster of `workers` processes (default: every core). Gives the
    same result as `scan`; see `dedup.batch.dask_engine` for what runs where. The workers
    keep their partitions' results in files in their local folders (a LocalCluster's under
    `tmp_dir`) until the scan ends, and verify and cluster the groups of candidates; the
    client keeps the documents' bodies in a temporary store under `tmp_dir`, as `scan` does
    (close the result to remove it).

    Raises:
        StoreSpaceError: `tmp_dir` or a worker's local folder has too little free space
            for its part of the scan's results, before anything is read.
    """
    from dedup.batch.dask_engine import (
        PARTITION_BYTES,
        check_worker_space,
        dask_client,
        partition_by_size,
        scan_partitions,
    )

    config = config or DedupConfig()
    _check_cross_lingual(config)
    result = ScanResult(clusters=[], documents=[])
    with _stage(result, "list"):
        inputs, problems = list_inputs(paths)
    result.skipped.extend(problems)
    if problems and not inputs:
        raise _nothing_to_read(problems)
    read_bytes = input_bytes(inputs)
    check_space(None if tmp_dir is None else os.fspath(tmp_dir), read_bytes)
    count = workers or default_jobs()
    with _spilling(result, tmp_dir) as store:
        with _stage(result, "dask"), dask_client(scheduler, count, tmp_dir) as client:
            check_worker_space(client, read_bytes)
            partitions = partition_by_size(inputs, parts=4 * count, most_bytes=PARTITION_BYTES)
            del inputs
            clustering = scan_partitions(client, partitions, config, result, store)
        for skip in result.skipped:
            log_skip(skip)
        result.clusters = clustering.clusters
        result.split_pairs, result.kept_apart = clustering.split_pairs, clustering.kept_apart
        _join_translations(result, config)
    return result


def _check_cross_lingual(config: DedupConfig) -> None:
    """Before any work: `cross_lingual` without the encoder says what to install."""
    if config.cross_lingual:
        from dedup.xling.encoder import require_encoder

        require_encoder()


def _join_translations(result: ScanResult, config: DedupConfig) -> None:
    """With `cross_lingual`, the step after clustering: translated articles joined."""
    if config.cross_lingual:
        from dedup.batch.crosslingual import join_translations  # numpy-only; encoder lazy

        with _stage(result, "cross-lingual"):
            result.clusters = join_translations(result.clusters, config.timezone)


def extract_file(
    path: str | os.PathLike[str], config: DedupConfig | None = None
) -> tuple[list[Document], list[Skip]]:
    """What extraction makes of one file: its documents (one per record) and its skips."""
    config = config or DedupConfig()
    if not Path(path).is_file():
        raise InputError(f"{NOT_FOUND}; check the path", str(path))
    chunk = process_chunk([InputFile(str(path), Path(path).name)], Fingerprinter(config))
    return chunk.documents, chunk.skips


def index_files(
    dedup: Deduplicator,
    paths: Iterable[str | os.PathLike[str]],
    *,
    add: bool,
    jobs: int | None = None,
    progress: Progress | None = None,
    id_prefix: str | None = None,
    follow_links: bool = False,
) -> tuple[list[tuple[str, list[Match]]], list[Skip]]:
    """Read every file under `paths` and look each page up in a Deduplicator, adding it too
    when `add` is true: the pages' ids with their matches, and the skips. A path ``-`` reads
    one stream from standard input.

    A page's id is its URL when it has one (a record's ``url``, a WARC record's target, an
    HTML page's canonical URL), else its path as given (``crawl/siteA/news/1.txt``,
    ``feed.jsonl#7``), so ids stay unique across runs on different folders; with
    `id_prefix` the prefix followed by the path relative to the folder given. A page whose id
    is already indexed is skipped: as ``already in the index`` when it is the same page, as
    ``another page holds this id`` when it is not.
    """
    paths = list(paths)
    with spooled_stdin(paths) as stdin:
        return _index_files(
            dedup,
            paths,
            add=add,
            jobs=jobs,
            progress=progress,
            stdin=stdin,
            id_prefix=id_prefix,
            follow_links=follow_links,
        )


def _index_files(
    dedup: Deduplicator,
    paths: list[str | os.PathLike[str]],
    *,
    add: bool,
    jobs: int | None,
    progress: Progress | None,
    stdin: str | None,
    id_prefix: str | None,
    follow_links: bool = False,
) -> tuple[list[tuple[str, list[Match]]], list[Skip]]:
    results: list[tuple[str, list[Match]]] = []
    skipped: list[Skip] = []
    listed, problems = list_inputs(paths, stdin=stdin, follow_links=follow_links)
    skipped.extend(problems)
    if problems and not listed:
        raise _nothing_to_read(problems)
    inputs = [_named_for_index(item, id_prefix) for item in listed]
    done = 0

    def collect(chunk: ChunkResult) -> None:
        nonlocal done
        skipped.extend(chunk.skips)
        batch: list[tuple[str, Fingerprint, Signature | None]] = []
        bodies: list[str] = []
        batched: dict[str, Fingerprint] = {}
        held: list[tuple[str, Fingerprint, Document]] = []
        for document, fingerprint, signature in zip(
            chunk.documents, chunk.fingerprints, chunk.signatures, strict=True
        ):
            reason = exclusion(document, fingerprint)
            page_id = _index_id(document, id_prefix)
            if reason:
                skipped.append(Skip(document.path or document.doc_id, reason, record_of(document)))
            elif add and page_id in batched:
                same = np.array_equal(batched[page_id].shingles, fingerprint.shingles)
                skipped.append(_id_taken(document, page_id, same=same))
            elif add and page_id in dedup:
                held.append((page_id, fingerprint, document))
            else:
                batch.append((page_id, fingerprint, signature))
                bodies.append(document.body)
                batched[page_id] = fingerprint
        if held:
            answers = dedup.query_fingerprints(
                [fingerprint for _, fingerprint, _ in held],
                bodies=[document.body for _, _, document in held],
            )
            for (page_id, _, document), matches in zip(held, answers, strict=True):
                same = any(m.doc_id == page_id and m.similarity >= SAME_PAGE for m in matches)
                skipped.append(_id_taken(document, page_id, same=same))
        # One batch per chunk: a few round trips for the lot on a shared index. Another
        # process may add one of these ids meanwhile: that page is skipped, not an error.
        refused: list[str] = []
        answers = (
            dedup.add_fingerprints(batch, refused=refused, bodies=bodies)
            if add
            else dedup.query_fingerprints(
                [fingerprint for _, fingerprint, _ in batch], bodies=bodies
            )
        )
        paths = {_index_id(d, id_prefix): d.path for d in chunk.documents}
        skipped.extend(Skip(paths.get(doc_id) or doc_id, ALREADY_INDEXED) for doc_id in refused)
        turned_away = set(refused)
        results.extend(
            (doc_id, matches)
            for (doc_id, _, _), matches in zip(batch, answers, strict=True)
            if doc_id not in turned_away
        )
        done += chunk.files
        if progress is not None:
            progress(done, len(inputs))

    workers = default_jobs() if jobs is None else max(1, jobs)
    process_all(inputs, dedup.config, jobs=workers, on_chunk=collect)
    for skip in skipped:
        log_skip(skip)
    return results, skipped


ANOTHER_PAGE = "another page holds this id in the index"
# Estimated similarity at which a page under an indexed id is that same page again.
SAME_PAGE = 0.9


def _named_for_index(item: InputFile, id_prefix: str | None) -> InputFile:
    """The file with the ids `index_files` gives its pages: the path as given (unique across
    runs on different folders), or `id_prefix` and the path relative to the folder given."""
    if id_prefix is not None:
        return replace(item, doc_id=id_prefix + item.doc_id)
    if item.source is not None:  # standard input: its pages are stdin, stdin#ID
        return item
    return replace(item, doc_id=item.path if "://" in item.path else Path(item.path).as_posix())


def _index_id(document: Document, id_prefix: str | None) -> str:
    """A page's id in an index: its URL when it has one, else its path-based id."""
    return document.url if document.url and id_prefix is None else document.doc_id


def _id_taken(document: Document, page_id: str, *, same: bool) -> Skip:
    where = document.path or document.doc_id
    if same:
        return Skip(where, ALREADY_INDEXED, page_id if page_id != where else "")
    return Skip(
        where,
        ANOTHER_PAGE,
        f"{page_id}: ids are URLs or paths as given; tell runs apart with --id-prefix",
    )


def _nothing_to_read(problems: list[Skip]) -> InputError:
    first = problems[0]
    hint = "; check the path" if first.reason == NOT_FOUND else ""
    return InputError(first.reason + hint, first.path)


def _skip(result: ScanResult, skip: Skip) -> None:
    log_skip(skip)
    result.skipped.append(skip)


def _union(*pairs: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Sorted unique (i, j) rows of several pair arrays: as arrays, not as sets of tuples."""
    return unique_pairs(np.concatenate(pairs))


def _as_tuples(pairs: npt.NDArray[np.int64], block: int = 1 << 16) -> Iterator[tuple[int, int]]:
    """The pairs as Python tuples, a block at a time (a list of them all would cost about a
    hundred bytes a pair on top of the array), sharing one int object per document."""
    numbers = list(range(int(pairs.max()) + 1)) if pairs.size else []
    for start in range(0, len(pairs), block):
        part = pairs[start : start + block]
        lefts = map(numbers.__getitem__, part[:, 0].tolist())
        yield from zip(lefts, map(numbers.__getitem__, part[:, 1].tolist()), strict=True)


def _candidate_pairs(index: DatasketchLSH, signatures: Sequence[Signature]) -> set[tuple[int, int]]:
    pairs: set[tuple[int, int]] = set()
    for position in range(len(signatures)):
        signature, key = signatures[position], str(position)
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


__all__ = [
    "ALREADY_INDEXED",
    "extract_file",
    "index_files",
    "scan",
    "scan_on_dask",
]
