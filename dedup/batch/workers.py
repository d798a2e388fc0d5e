"""Files -> documents, fingerprints and signatures, in chunks, here or in worker processes;
then groups of candidates -> clusters, in worker processes too.

Everything per file happens in a worker (reading, decoding, extraction, normalization,
shingles, signatures); the parent gets compact results back, in input order, and does the
part that needs every document at once (LSH). Each connected group of candidates is then
verified and cut into clusters in a worker again (`cluster_all`), the parent numbering the
clusters. Results do not depend on the number of workers.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, fields
from typing import Any, TypeVar, cast, overload

import numpy as np
import numpy.typing as npt

from dedup.batch.budget import (
    OverTime,
    clock,
    install_timer,
    limit_memory,
    over_memory,
    over_time,
    remove_timer,
)
from dedup.batch.clustering import (
    Clustering,
    GroupClusters,
    GroupIndex,
    assemble,
    cluster_groups,
)
from dedup.batch.pool import WORKER_DIED, pooled
from dedup.batch.skips import exclusion, record_of
from dedup.batch.spill import DocumentRows, PageRows
from dedup.config import DedupConfig
from dedup.extract import extract_page
from dedup.fingerprint.anchors import anchors_of, is_anchor
from dedup.fingerprint.fingerprinter import Fingerprinter
from dedup.fingerprint.shingle import Fingerprint, ShingleIds
from dedup.fingerprint.signature import mix32
from dedup.models import Document, Skip, internal_error
from dedup.readers import FieldMap, InputFile, RawPage, read_pages
from dedup.readers.files import prefetch

CHUNK = 128  # files per task: large enough to amortise the round trip, small for balance


@dataclass(slots=True)
class ChunkResult:
    """What a chunk of files gave, in input order."""

    documents: list[Document] = field(default_factory=list)
    fingerprints: list[Fingerprint] = field(default_factory=list)
    signatures: list[npt.NDArray[np.uint32]] = field(default_factory=list)
    # Each page's anchors, taken here so that the parent, which every page waits for, does
    # not mix every page's shingles again.
    anchors: list[ShingleIds] = field(default_factory=list)
    # Each page's figures (`dedup.fingerprint.normalize.figures`), found while its text was
    # folded for its fingerprint: verification compares those of most pages it clusters.
    figures: list[frozenset[str]] = field(default_factory=list)
    skips: list[Skip] = field(default_factory=list)
    files: int = 0
    files_read: int = 0

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        # Sent from a worker as plain tuples and a few flat arrays: pickling thousands of
        # dataclasses and small arrays one by one costs both processes a lot of time.
        shingles, shingle_offsets = _flatten([f.shingles for f in self.fingerprints])
        numbers, number_offsets = _flatten([f.numbers for f in self.fingerprints])
        anchors, anchor_offsets = _flatten(self.anchors)
        signatures = np.stack(self.signatures) if self.signatures else None
        packed = (
            [tuple(getattr(d, name) for name in _DOCUMENT_FIELDS) for d in self.documents],
            (
                shingles,
                shingle_offsets,
                numbers,
                number_offsets,
                signatures,
                anchors,
                anchor_offsets,
                # One string for the chunk's: a figure holds neither a space nor a line break.
                "\n".join(" ".join(sorted(figures)) for figures in self.figures),
            ),
            [(s.path, s.reason, s.detail) for s in self.skips],
            self.files,
            self.files_read,
        )
        return (_unpack, packed)


_DOCUMENT_FIELDS = tuple(f.name for f in fields(Document))


def _flatten(arrays: list[npt.NDArray[np.uint32]]) -> tuple[npt.NDArray[np.uint32], list[int]]:
    offsets = [0]
    for array in arrays:
        offsets.append(offsets[-1] + array.size)
    flat = np.concatenate(arrays) if arrays else np.zeros(0, dtype=np.uint32)
    return flat, offsets


@dataclass(frozen=True, slots=True)
class ChunkRows:
    """A chunk's result as a `dedup.batch.spill.PageStore` writes it, made in the worker
    that read the chunk: what crosses to the parent is a few byte strings, which it writes
    as they are, not thousands of objects that both processes take apart and build again.

    Every document (`documents`), and the pages of those that are clustered (`pages`, the
    documents' rows in `clustered`); the others' skips (`excluded`: `exclusion`)."""

    documents: DocumentRows
    clustered: list[int]
    pages: PageRows
    excluded: list[Skip]
    skips: list[Skip]
    files: int
    files_read: int

    @classmethod
    def of(cls, chunk: ChunkResult) -> ChunkRows:
        reasons = [
            exclusion(document, fingerprint)
            for document, fingerprint in zip(chunk.documents, chunk.fingerprints, strict=True)
        ]
        clustered = [row for row, reason in enumerate(reasons) if not reason]
        return cls(
            DocumentRows.of(chunk.documents),
            clustered,
            PageRows.of(
                [chunk.fingerprints[row] for row in clustered],
                [chunk.signatures[row] for row in clustered],
                [chunk.anchors[row] for row in clustered],
                [chunk.figures[row] for row in clustered],
            ),
            [
                Skip(document.path or document.doc_id, reason, record_of(document))
                for document, reason in zip(chunk.documents, reasons, strict=True)
                if reason
            ],
            chunk.skips,
            chunk.files,
            chunk.files_read,
        )


def _unpack(
    documents: list[tuple[Any, ...]],
    arrays: tuple[Any, ...],
    skips: list[tuple[str, str, str]],
    files: int,
    files_read: int,
) -> ChunkResult:
    shingles, shingle_offsets, numbers, number_offsets, signatures, anchors, anchor_offsets = (
        arrays[:7]
    )
    figures: str = arrays[7]
    return ChunkResult(
        documents=[Document(*values) for values in documents],
        fingerprints=[
            Fingerprint(
                shingles[shingle_offsets[i] : shingle_offsets[i + 1]],
                numbers[number_offsets[i] : number_offsets[i + 1]],
            )
            for i in range(len(documents))
        ],
        signatures=list(signatures) if signatures is not None else [],
        anchors=[anchors[anchor_offsets[i] : anchor_offsets[i + 1]] for i in range(len(documents))],
        figures=[frozenset(line.split()) for line in figures.split("\n")] if documents else [],
        skips=[Skip(*values) for values in skips],
        files=files,
        files_read=files_read,
    )


def process_chunk(
    items: Sequence[InputFile], fingerprinter: Fingerprinter, *, reference: bool = False
) -> ChunkResult:
    """Read, extract, fingerprint and sign the pages of some files.

    A page that makes any of this fail unexpectedly becomes an ``internal error`` skip,
    and one over its time or memory budget (`dedup.batch.budget`) a skip saying so: one
    page must not cost the scan every other page.
    """
    result = ChunkResult(files=len(items))
    items = list(items)  # each file made once: a listing makes it again each time it is read
    prefetch(items)
    unsigned: list[int] = []  # rows signed together at the end
    for group in _read_ahead(items, fingerprinter.config, result):
        # Each stage over the whole group in turn, results (and skips) kept in order.
        extracted = [
            page if isinstance(page, Skip) else _extract(page, fingerprinter.config)
            for page in group
        ]
        for outcome in extracted:
            if isinstance(outcome, Skip):
                result.skips.append(outcome)
            elif _fingerprint(outcome, fingerprinter, reference, result):
                unsigned.append(len(result.documents) - 1)
    if unsigned:
        _sign_together(result, unsigned, fingerprinter)
    return result


# Pages are read a group at a time, then extracted, then fingerprinted: a quarter less time
# a page than reading, extracting and fingerprinting each in turn (the code and tables of
# each stage stay in the processor's caches). A group ends at this many pages or
# characters, whichever comes first, so that large pages are not all held at once.
READ_AHEAD_PAGES = 64
READ_AHEAD_CHARS = 1 << 22


def _read_ahead(
    items: Sequence[InputFile], config: DedupConfig, result: ChunkResult
) -> Iterator[list[RawPage | Skip]]:
    """The pages and skips of the files, in order, a group at a time; counts the files
    that gave a page in `result`."""
    fields = FieldMap(config.field_names)
    group: list[RawPage | Skip] = []
    chars = 0
    for item in items:
        read_any = False
        for page in _pages_of(item, fields, config):
            group.append(page)
            if isinstance(page, RawPage):
                read_any = True
                chars += len(page.text)
            if len(group) >= READ_AHEAD_PAGES or chars >= READ_AHEAD_CHARS:
                yield group
                group, chars = [], 0
        result.files_read += read_any
    if group:
        yield group


def _pages_of(item: InputFile, fields: FieldMap, config: DedupConfig) -> Iterator[RawPage | Skip]:
    pages = read_pages(item, fields, max_bytes=config.max_bytes)
    while True:
        try:
            with clock():
                page = next(pages, None)
        except OverTime:  # the rest of this file is lost with its reader, not the scan
            yield over_time(item.path, config)
            return
        except MemoryError:
            yield over_memory(item.path, config)
            return
        except Exception as error:  # noqa: BLE001 - the rest of this file is lost, not the scan
            yield internal_error(item.path, error)
            return
        if page is None:
            return
        yield page


# Pages of at most this many shingles (most: a news article has a few hundred) are signed
# together once their chunk is read (`MinHasher.sign_many`, three times faster than one by
# one); a longer one is signed at once, within its page's time budget.
SIGNED_TOGETHER = 20_000
_UNSIGNED = np.zeros(0, dtype=np.uint32)  # a row's place until `_sign_together` fills it


@dataclass(slots=True)
class _Extracted:
    """A page's document, and the part of its time budget that extracting it took."""

    page: RawPage
    document: Document
    seconds: float


def _extract(page: RawPage, config: DedupConfig) -> _Extracted | Skip:
    started = time.monotonic()
    try:
        with clock():
            document = extract_page(page)
    except BaseException as error:  # noqa: BLE001 - OverTime too: the page is skipped
        return _page_skip(page, config, error)
    return _Extracted(page, document, time.monotonic() - started)


def _fingerprint(
    extracted: _Extracted, fingerprinter: Fingerprinter, reference: bool, result: ChunkResult
) -> bool:
    """Add the page's results to `result` (or its skip); True when its signature and
    anchors are left for `_sign_together`."""
    hasher = fingerprinter.hasher
    document = extracted.document
    signature, anchors = _UNSIGNED, _UNSIGNED
    try:
        with clock(spent=extracted.seconds):  # what extraction left of the page's budget
            fingerprint, figures = fingerprinter.fingerprint_with_figures(document.body)
            alone = reference or fingerprint.shingles.size > SIGNED_TOGETHER
            if alone:
                signature = (hasher.sign_reference if reference else hasher.sign)(
                    fingerprint.shingles
                )
                anchors = anchors_of(fingerprint.shingles)
    except BaseException as error:  # noqa: BLE001 - OverTime too: the page is skipped
        result.skips.append(_page_skip(extracted.page, fingerprinter.config, error))
        return False
    result.documents.append(document)
    result.fingerprints.append(fingerprint)
    result.signatures.append(signature)
    result.anchors.append(anchors)
    result.figures.append(figures)
    return not alone


def _page_skip(page: RawPage, config: DedupConfig, error: BaseException) -> Skip:
    """The skip of a page that ran over its budget or failed; other exceptions (Ctrl-C,
    exit) are raised again."""
    record = page.doc_id.partition("#")[2]
    detail = record and f"record {record}"
    if isinstance(error, OverTime):
        return over_time(page.path, config, detail)
    if isinstance(error, MemoryError):
        return over_memory(page.path, config, detail)
    if isinstance(error, Exception):
        return internal_error(page.path, error, detail)
    raise error


def _sign_together(result: ChunkResult, rows: list[int], fingerprinter: Fingerprinter) -> None:
    """The signatures and anchors of the given rows, all at once; should that fail (it
    concerns no page in particular), each page is signed alone, and one that fails again
    is skipped."""
    try:
        shingles, offsets = _flatten([result.fingerprints[row].shingles for row in rows])
        mixed = mix32(shingles)
        bounds = np.asarray(offsets, dtype=np.int64)
        signatures = fingerprinter.hasher.sign_many(mixed, bounds)
        chosen = is_anchor(mixed)
        anchors = shingles[chosen]
        # Each page's anchors: the chosen shingles between its offsets.
        ends = np.concatenate([[0], np.cumsum(chosen)])[bounds].tolist()
    except Exception:  # noqa: BLE001 - a MemoryError too: signed one by one instead
        _sign_alone(result, rows, fingerprinter)
        return
    for index, row in enumerate(rows):
        result.signatures[row] = signatures[index]
        result.anchors[row] = anchors[ends[index] : ends[index + 1]]


def _sign_alone(result: ChunkResult, rows: list[int], fingerprinter: Fingerprinter) -> None:
    failed = []
    for row in rows:
        shingles = result.fingerprints[row].shingles
        try:
            result.signatures[row] = fingerprinter.hasher.sign(shingles)
            result.anchors[row] = anchors_of(shingles)
        except Exception as error:  # noqa: BLE001 - this page is skipped, the scan goes on
            failed.append(row)
            document = result.documents[row]
            path, record = document.path or document.doc_id, document.doc_id.partition("#")[2]
            detail = record and f"record {record}"
            config = fingerprinter.config
            result.skips.append(
                over_memory(path, config, detail)
                if isinstance(error, MemoryError)
                else internal_error(path, error, detail)
            )
    for row in reversed(failed):
        del result.documents[row], result.fingerprints[row]
        del result.signatures[row], result.anchors[row], result.figures[row]


def process_all(
    inputs: Sequence[InputFile],
    config: DedupConfig,
    *,
    jobs: int,
    reference: bool = False,
    on_chunk: Callable[[ChunkResult], None],
) -> None:
    """Process every file, handing each chunk's result to `on_chunk` in input order (a
    chunk whose worker died comes in parts, a file at a time)."""
    _process(inputs, config, _as_result, jobs=jobs, reference=reference, on_chunk=on_chunk)


def process_into_rows(
    inputs: Sequence[InputFile],
    config: DedupConfig,
    *,
    jobs: int,
    reference: bool = False,
    on_chunk: Callable[[ChunkRows], None],
) -> None:
    """`process_all`, each chunk's result handed over as the rows a store writes (made
    where the chunk was processed)."""
    _process(inputs, config, ChunkRows.of, jobs=jobs, reference=reference, on_chunk=on_chunk)


_Made = TypeVar("_Made")


def _as_result(chunk: ChunkResult) -> ChunkResult:
    return chunk


def _process(
    inputs: Sequence[InputFile],
    config: DedupConfig,
    made: Callable[[ChunkResult], _Made],
    *,
    jobs: int,
    reference: bool,
    on_chunk: Callable[[_Made], None],
) -> None:
    """Process every file, handing what `made` makes of each chunk's result to `on_chunk`
    in input order; `made` runs where the chunk was processed."""
    chunks = _Chunks(inputs)
    if jobs <= 1 or len(chunks) <= 1:
        fingerprinter = Fingerprinter(config)
        timed = install_timer(config)
        try:
            for chunk in chunks:
                on_chunk(made(process_chunk(chunk, fingerprinter, reference=reference)))
        finally:
            if timed:
                remove_timer()
        return
    context = _context()

    def new_pool(workers: int) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            max_workers=workers,
            mp_context=context,
            initializer=_start_worker,
            initargs=(config, reference, made, os.getpid()),
        )

    def lost(item: InputFile) -> list[_Made]:
        return [made(_lost(item))]

    # A task's result is a list: a chunk whose worker died comes in parts, a file a part.
    for parts in pooled(chunks, jobs, new_pool=new_pool, work=_work, joined=_chained, dead=lost):
        for part in parts:
            on_chunk(part)


class _Chunks(Sequence[Sequence[InputFile]]):
    """The inputs in chunks of `CHUNK` files, each cut when asked for: a compact listing
    (`dedup.readers.files.Listing`) then stays the only copy of the files' names."""

    def __init__(self, inputs: Sequence[InputFile]) -> None:
        self._inputs = inputs

    def __len__(self) -> int:
        return (len(self._inputs) + CHUNK - 1) // CHUNK

    @overload
    def __getitem__(self, index: int) -> Sequence[InputFile]: ...
    @overload
    def __getitem__(self, index: slice) -> list[Sequence[InputFile]]: ...
    def __getitem__(self, index: int | slice) -> Sequence[InputFile] | list[Sequence[InputFile]]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if not -len(self) <= index < len(self):
            raise IndexError(index)
        start = (index % len(self)) * CHUNK
        return self._inputs[start : start + CHUNK]


def _chained(parts: list[list[_Made]]) -> list[_Made]:
    """One chunk's results made of its files' results, in order."""
    return list(itertools.chain.from_iterable(parts))


def _lost(item: InputFile) -> ChunkResult:
    """A file whose worker died reading it, twice: skipped (killed for its memory, most
    likely), the scan goes on."""
    detail = "killed, most likely by the system for its memory; the rest of the scan went on"
    return ChunkResult(skips=[Skip(item.path, WORKER_DIED, detail)], files=1)


def default_jobs() -> int:
    """All the cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _context() -> multiprocessing.context.BaseContext:
    # fork where there is one: workers start at once with dedup already imported, and are
    # children of this process, so they can tell when it dies (see _watch_parent).
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    return multiprocessing.get_context(method)


# This worker process's Fingerprinter and what it makes of a chunk's result to send it back,
# set by _start_worker.
_state: dict[str, object] = {}


def _start_worker(
    config: DedupConfig, reference: bool, made: Callable[[ChunkResult], Any], parent: int
) -> None:
    # Ctrl-C is the parent's to handle: it stops the pool and reports once, with no
    # traceback from every worker.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # The parent's pid comes from the parent: read here, it would be init's when the parent
    # was killed while this worker started, and the worker would then wait forever.
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
    install_timer(config)
    limit_memory(config)
    _state["fingerprinter"] = Fingerprinter(config)
    _state["reference"] = reference
    _state["made"] = made


def _watch_parent(parent: int) -> None:
    """Exit when the parent is gone (killed with SIGKILL, say): a worker waiting for work
    that will never come must not linger."""
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)


def _work(items: Sequence[InputFile]) -> list[Any]:
    fingerprinter = cast(Fingerprinter, _state["fingerprinter"])
    made = cast(Callable[[ChunkResult], Any], _state["made"])
    return [made(process_chunk(items, fingerprinter, reference=bool(_state["reference"])))]


# Pages of groups per task of `cluster_all` (a task closes once it holds that many): a
# task costs tens of milliseconds, its round trip well under one.
PAGES_PER_TASK = 256
# Fewer pages in groups of two or more than this are clustered in the parent: starting
# workers would cost more than they save.
PAGES_IN_WORKERS = 4 * PAGES_PER_TASK


def cluster_all(
    documents: Sequence[Document],
    fingerprints: Sequence[Fingerprint],
    groups: GroupIndex,
    config: DedupConfig,
    *,
    jobs: int,
    figures: Sequence[frozenset[str]] | None = None,
) -> Clustering:
    """The groups of candidates verified and cut into clusters in `jobs` worker processes,
    a few groups per task, then numbered here: `cluster_documents` of the groups' pairs.

    Workers are forked with the documents, fingerprints and groups as they are (a store's
    files are read where they are, so they must be flushed): where processes cannot be
    forked, or with few pages in groups, the groups are clustered here. A group whose worker
    dies twice is clustered here too. `figures`: each page's, as `cluster_groups` takes
    them."""
    context = _context()
    page_counts = groups.sizes()
    numbers = np.flatnonzero(page_counts > 1)
    grouped = int(page_counts[numbers].sum())
    if jobs <= 1 or context.get_start_method() != "fork" or grouped < PAGES_IN_WORKERS:
        return cluster_here(documents, fingerprints, groups, config, figures)
    tasks = _costliest_first(group_runs(numbers, page_counts), page_counts)
    # Pages without a candidate: nothing to verify, each its own cluster, made here.
    alone = (groups[n] for n in np.flatnonzero(page_counts == 1).tolist())

    def new_pool(workers: int) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            max_workers=workers,
            mp_context=context,
            initializer=_start_clustering,
            initargs=((documents, fingerprints, figures), config, groups, os.getpid()),
        )

    def here(number: int) -> GroupClusters:
        return cluster_groups([groups[number]], documents, fingerprints, config, figures)

    clustered = pooled(
        tasks,
        jobs,
        new_pool=new_pool,
        work=_cluster_task,
        joined=GroupClusters.joined,
        dead=here,
        # Every task in flight: a task's result is small, and a costly task waited for
        # first must not hold back the tasks behind it while the other worker idles.
        ahead=len(tasks),
    )
    # The workers are given their tasks (and the first task's clusters waited for) before
    # the pages alone are clustered here: the workers do not wait for them. The parts may
    # come in any order: `assemble` orders the clusters.
    first = list(itertools.islice(clustered, 1))
    singletons = cluster_groups(alone, documents, fingerprints, config, figures)
    # Taken as each task's clusters come back: they are never all held as rows.
    return assemble(documents, itertools.chain(first, [singletons], clustered), config)


def cluster_here(
    documents: Sequence[Document],
    fingerprints: Sequence[Fingerprint],
    groups: GroupIndex,
    config: DedupConfig,
    figures: Sequence[frozenset[str]] | None = None,
) -> Clustering:
    """`cluster_all` in this process, a task's groups at a time."""
    tasks = group_runs(np.arange(len(groups)), groups.sizes())
    every = (group for task in tasks for group in groups.groups(task))
    clustered = cluster_groups(every, documents, fingerprints, config, figures)
    return assemble(documents, [clustered], config)


def group_runs(
    numbers: npt.NDArray[np.int64], page_counts: npt.NDArray[np.int64]
) -> list[list[int]]:
    """The groups numbered `numbers`, in order, cut into tasks of about `PAGES_PER_TASK`
    pages (a task closes once it holds that many)."""
    tasks: list[list[int]] = [[]]
    pages = 0
    for number, count in zip(numbers.tolist(), page_counts[numbers].tolist(), strict=True):
        if pages >= PAGES_PER_TASK:
            tasks.append([])
            pages = 0
        tasks[-1].append(number)
        pages += count
    return tasks


def _costliest_first(tasks: list[list[int]], page_counts: npt.NDArray[np.int64]) -> list[list[int]]:
    """The tasks, those that will take longest first (a group's pairs grow as the square of
    its pages), so that no long task starts last while the other workers have nothing left
    to do. The clusters do not depend on the order: `assemble` orders them."""
    costs = [int((page_counts[task] ** 2).sum()) for task in tasks]
    order = sorted(range(len(tasks)), key=lambda n: -costs[n])
    return [tasks[n] for n in order]


def _start_clustering(
    pages: tuple[Sequence[Document], Sequence[Fingerprint], Sequence[frozenset[str]] | None],
    config: DedupConfig,
    groups: GroupIndex,
    parent: int,
) -> None:
    # Forked: the documents, fingerprints and groups are the parent's, not copies sent
    # through a pipe; a task is the numbers of its groups.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
    documents, fingerprints, figures = pages
    _state["clustering"] = (documents, fingerprints, config, groups, figures)


def _cluster_task(numbers: Sequence[int]) -> GroupClusters:
    documents, fingerprints, config, groups, figures = cast(
        tuple[
            Sequence[Document],
            Sequence[Fingerprint],
            DedupConfig,
            GroupIndex,
            Sequence[frozenset[str]] | None,
        ],
        _state["clustering"],
    )
    return cluster_groups(groups.groups(numbers), documents, fingerprints, config, figures)
