"""The batch scan on a Dask cluster: the same stages as the local engine, distributed.

What runs where:
- the client lists the files once and cuts them into partitions of about equal bytes, at
  most `PARTITION_BYTES` of input each, so that what a task holds does not grow with the
  corpus;
- workers read, extract, fingerprint and sign a partition each (the local engine's
  `process_chunk`) and write the results to files in their local folder (`Part`): a
  worker's memory holds the partitions in flight, not every partition it made;
- the candidates' connected groups are found as the local engine finds them, from links
  that join them, not from every candidate pair (those grow with the square of an
  article's copies): band buckets are read back from those files as (bucket, page) rows, a
  Dask DataFrame shuffle on the bucket brings each bucket's rows together, and each member
  is joined to its bucket's first; the client joins these links, a partition at a time,
  into each page's band group (8 bytes a page);
- anchors (the containment candidates of `dedup.batch.anchors`) go through a shuffle on the
  anchor, with each page's band group: there an anchor held by too many pages is set aside
  as common, and the pages holding an anchor in different band groups are paired and
  counted; a shuffle on the pair sums the counts, and the pairs sharing enough join the
  band groups, on the client, into the groups of candidates;
- a shuffle on that label brings each group's pages (documents, fingerprints, signatures
  and anchors, read back from the files; only pages in a group) to one partition, where its
  candidate pairs are made again from its own pages (`dedup.batch.candidates`), verified,
  and cut into clusters (the local engine's `cluster_groups`): no pair list crosses the
  network, and shingles and bodies cross it once;
- each cluster comes back to the client as its members' rows (position, similarity,
  relation), which the client makes into clusters of its documents (`assemble`) and writes
  the report.
The client gathers the extracted documents a partition at a time into a temporary store
(`dedup.batch.spill`), as the local engine does: it holds per page a few numbers (its rows
in the store, its cluster's columns), never a document's metadata, a verified pair or a
fingerprint; the files to read go to the workers as data, a partition each, not as tasks'
arguments. The workers' files are removed when
the scan ends, fails or is interrupted.

Results do not depend on the engine: the same input gives the same report bytes.
"""

from __future__ import annotations

import base64
import ctypes
import logging
import os
import pickle
import shutil
import uuid
from array import array
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar, overload

import numpy as np
import numpy.typing as npt
import pandas as pd

from dedup._arrays import component_labels, ranges, spanning_pairs
from dedup.batch.anchors import COMMON_ANCHOR, enough_shared
from dedup.batch.candidates import StoredCandidates
from dedup.batch.clustering import (
    Clustering,
    GroupClusters,
    GroupIndex,
    assemble,
    cluster_groups,
)
from dedup.batch.skips import exclusion, record_of
from dedup.batch.spill import PageStore, StoreSpaceError, check_space
from dedup.batch.workers import group_runs, process_chunk
from dedup.config import DedupConfig
from dedup.errors import DedupError
from dedup.fingerprint.bands import band_keys
from dedup.fingerprint.fingerprinter import Fingerprinter
from dedup.fingerprint.shingle import Fingerprint
from dedup.models import Document, ScanResult, Skip
from dedup.readers import InputFile
from dedup.readers.files import input_size

logger = logging.getLogger(__name__)

# Input bytes per partition, at most: a task's memory (a partition's pages while they are
# processed, its rows in a shuffle) then stays the same whatever the corpus (about 1,600 of
# the benchmark's text pages, 30 to 60 MB in flight).
PARTITION_BYTES = 4 * 1024 * 1024
# A worker's folder at its fullest, per byte of its share of the inputs: its partitions'
# results and the shuffles' files (measured: 3.4 at 100,000 of `make bench`'s pages, 3.5 at
# 300,000 with 16.5 copies an article: no pair of copies is shuffled; the rest is margin).
WORKER_BYTES_PER_INPUT_BYTE = 5.0
# Folders of a scan's results on the workers start with this (and the scan's own token).
WORKER_PREFIX = "dedup-scan-"

_Read = TypeVar("_Read")
_EMPTY = np.zeros(0, dtype=np.uint32)
_LINKS_META = pd.DataFrame({"left": np.zeros(0, np.int64), "right": np.zeros(0, np.int64)})
_BANDS_META = pd.DataFrame({"bucket": np.zeros(0, np.uint64), "doc": np.zeros(0, np.int64)})
_ANCHORS_META = pd.DataFrame(
    {
        "anchor": np.zeros(0, np.uint64),
        "doc": np.zeros(0, np.int64),
        "count": np.zeros(0, np.int64),
        "band": np.zeros(0, np.int64),
    }
)
_SHARING_META = pd.DataFrame(
    {
        "left": np.zeros(0, np.int64),
        "right": np.zeros(0, np.int64),
        "shared": np.zeros(0, np.int64),
        "fewer": np.zeros(0, np.int64),
    }
)
_PAGES_META = pd.DataFrame(
    {
        "group": np.zeros(0, np.int64),
        "doc": np.zeros(0, np.int64),
        "document": pd.Series([], dtype=object),
        "shingles": pd.Series([], dtype=object),
        "numbers": pd.Series([], dtype=object),
        "signature": pd.Series([], dtype=object),
        "anchors": pd.Series([], dtype=object),
    }
)
_NO_PAIRS = np.zeros((0, 2), dtype=np.int64)


@dataclass(frozen=True, slots=True)
class Part:
    """A partition's results, in files in `folder` on the disk of the worker at `worker`:
    its documents and skips (for the client), and its kept pages' fingerprints, band
    buckets and anchors (for the shuffles), read back a partition at a time."""

    worker: str
    folder: str
    kept: int  # pages clustered (the others are excluded: too short, no body)


@contextmanager
def dask_client(
    scheduler: str | None, workers: int, tmp_dir: str | os.PathLike[str] | None = None
) -> Iterator[Any]:
    """A client of the given scheduler, or of a LocalCluster of worker processes whose
    local folders (their results, the shuffles' files) are under `tmp_dir`."""
    from distributed import Client, LocalCluster  # untyped

    for noisy in ("distributed", "bokeh", "tornado"):
        logging.getLogger(noisy).setLevel(logging.ERROR)
    if scheduler:
        with _connect(Client, scheduler) as client:
            yield client
        return
    folder = None if tmp_dir is None else os.fspath(tmp_dir)
    with (
        LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            local_directory=folder,
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


SCHEDULER_TIMEOUT = 10  # seconds to reach a scheduler before saying it cannot be reached


def _connect(client_class: Any, scheduler: str) -> Any:
    """A client of the scheduler, or a DedupError that names it and says what to do."""
    try:
        return client_class(scheduler, timeout=SCHEDULER_TIMEOUT)
    except (OSError, TimeoutError, ValueError) as error:
        raise DedupError(
            f"cannot reach the Dask scheduler at {scheduler} ({type(error).__name__}: "
            f"{str(error).splitlines()[0] if str(error) else 'no answer'}); start one with "
            "`dask scheduler` (and `dask worker ADDRESS`), check the address, or leave out "
            "--scheduler to run local workers"
        ) from error


def partition_by_size(
    inputs: Sequence[InputFile], parts: int, *, most_bytes: int | None = None
) -> list[Sequence[InputFile]]:
    """Consecutive runs of files of about equal total size, in input order: `parts` of
    them, or more when a part would hold over `most_bytes`. Each is a slice of `inputs`
    (of a `Listing`, a compact one)."""
    sizes = array("q", (_size(item) for item in inputs))
    target = max(1, sum(sizes) // max(1, parts))
    if most_bytes is not None:
        target = min(target, max(1, most_bytes))
    starts = [0]
    filled = 0
    for number, size in enumerate(sizes):
        if filled >= target and number > starts[-1]:
            starts.append(number)
            filled = 0
        filled += size
    ends = [*starts[1:], len(sizes)]
    return [inputs[start:end] for start, end in zip(starts, ends, strict=True) if end > start]


def check_worker_space(client: Any, input_bytes: int) -> None:
    """Refuse to start when a worker's local folder has too little free space for its share
    of the results and the shuffles' files (`WORKER_BYTES_PER_INPUT_BYTE` per byte of its
    share of the inputs).

    Raises:
        StoreSpaceError: naming the worker and how to give it another folder.
    """
    workers = max(1, len(client.scheduler_info()["workers"]))
    try:
        client.run(_check_space_here, input_bytes // workers)
    except StoreSpaceError as error:
        raise StoreSpaceError(
            f"a Dask worker's local folder: {error} (a worker's folder is its "
            "--local-directory; with local workers, --tmp-dir)"
        ) from None


def scan_partitions(
    client: Any,
    partitions: list[Sequence[InputFile]],
    config: DedupConfig,
    result: ScanResult,
    store: PageStore,
) -> Clustering:
    """Run the distributed stages; fill `result` with the documents and skips, and return
    the clustering of the kept pages (`result.documents`). The partitions are sent to the
    workers and the list emptied. Documents come back one partition at a time into `store`,
    clusters as their members' rows: the client holds no page's metadata nor its members,
    a few numbers a page. The workers' files are removed before this returns or raises."""
    scan = WORKER_PREFIX + uuid.uuid4().hex
    handles: list[Any] = []
    try:
        # Each partition's files go to a worker as data, not in the task graph (a million
        # paths in one graph is a hundred megabytes that the scheduler holds), and leave
        # the client with it.
        listed = client.scatter(partitions, hash=False)
        count = len(partitions)
        partitions.clear()
        handles = client.map(_process, listed, range(count), config=config, scan=scan, pure=False)
        parts: list[Part] = client.gather(handles)
        del listed  # released once their partitions are processed
        offsets = np.concatenate([[0], np.cumsum([p.kept for p in parts])]).astype(np.int64)
        _gather_documents(client, parts, result, store)
        groups = _clustered_groups(client, handles, offsets.tolist(), config, result.documents)
        clustering = assemble(result.documents, groups, config)
    finally:
        client.cancel(handles)
        # A worker that fails here must not hide the error that ended the scan.
        client.run(_remove_scan, scan, on_error="ignore")
    return clustering


def _clustered_groups(
    client: Any,
    handles: list[Any],
    offsets: list[int],
    config: DedupConfig,
    documents: Sequence[Document],
) -> Iterator[GroupClusters]:
    """What each connected group of candidates (bands and anchors) is cut into, a shuffled
    partition of groups at a time, then the pages in no group as clusters of one.

    The groups are found as the local engine finds them (`_candidate_groups`), from links
    that join them rather than from every candidate pair, which grow with the square of an
    article's copies: each band bucket's members joined to its first, then the pairs of
    pages sharing enough anchors that join two groups of those links. The client joins the
    links a partition at a time into each page's group label (8 bytes a page). A shuffle on
    that label brings each group's pages (document, fingerprint, signature, anchors) to one
    partition, where its candidate pairs are made again from its own pages
    (`StoredCandidates`), verified and clustered (`cluster_groups`): no pair list crosses
    the network, and only the clusters' member rows come back."""
    count = offsets[-1]
    band_links = _band_links(client, handles, offsets, config)
    bands = _joined_labels(np.arange(count, dtype=np.int64), band_links)
    anchor_links, common = _anchor_links(client, handles, offsets, bands)
    labels = _joined_labels(bands, anchor_links)
    del bands
    labels[np.bincount(labels, minlength=count)[labels] < 2] = -1  # alone: never verified
    if (labels >= 0).any():
        yield from _clustered_in_workers(
            client, handles, offsets, labels=labels, common=common, config=config
        )
    alone = ((np.array([page]), _NO_PAIRS) for page in np.flatnonzero(labels < 0).tolist())
    yield cluster_groups(alone, documents, [], config)  # a page alone reads no fingerprint


# Links read before they are joined into the groups found so far (8 MB, and about five
# times that while they are joined): the labelling costs a pass over every page's label
# each time. A page has a band link in each partition that shuffled one of its buckets
# (up to one a band), so there are more band links than pages.
_LINKS_AT_ONCE = 1 << 19


def _joined_labels(labels: npt.NDArray[np.int64], links: list[Any]) -> npt.NDArray[np.int64]:
    """Each page's connected group (`component_labels`: its first page) of the groups
    `labels` joined by the links, read a partition at a time from the futures `links` (each
    released once read), each block of links joined into the groups found so far through
    their first pages."""
    count = labels.size
    blocks: list[npt.NDArray[np.int64]] = []
    held = 0
    for number, future in enumerate(links):
        frame = future.result()
        future.release()
        blocks.append(frame[["left", "right"]].to_numpy(dtype=np.int64).reshape(-1, 2))
        held += len(blocks[-1])
        del frame
        if held >= _LINKS_AT_ONCE or number == len(links) - 1:
            pairs = np.concatenate(blocks)
            blocks, held = [], 0
            # Two groups joined by a link are one: their first pages' labels are joined.
            joined = component_labels(count, labels[pairs[:, 0]], labels[pairs[:, 1]])
            labels = joined[labels]
            del pairs, joined
    return labels


def _band_links(
    client: Any, handles: list[Any], offsets: list[int], config: DedupConfig
) -> list[Any]:
    """Futures of the band links (`bucket_links`: each bucket's members joined to its
    first), a partition of a shuffle on the bucket each, held by the workers."""
    _plain_strings()
    buckets = _part_frames(handles, offsets, _band_frame, _BANDS_META, config)
    links = buckets.shuffle(on="bucket", npartitions=len(handles)).map_partitions(
        _links_frame, meta=_LINKS_META
    )
    futures: list[Any] = client.compute(links.to_delayed())
    return futures


def _anchor_links(
    client: Any, handles: list[Any], offsets: list[int], bands: npt.NDArray[np.int64]
) -> tuple[list[Any], npt.NDArray[np.uint32]]:
    """Futures of the pairs of pages sharing enough anchors (`AnchorTable.links`) that are
    in different groups of `bands` (a pair within one joins nothing; the group's pairs are
    made again when it is verified), and the anchors too common to pair on, sorted.

    A shuffle on the anchor brings each anchor's holders together: there it is known as
    common, or its holders in different band groups are paired and counted; a shuffle on
    the pair brings a pair's counts together to be summed and judged."""
    import dask.dataframe as dd
    from dask.delayed import delayed

    _plain_strings()
    shared_bands = client.scatter(bands, broadcast=True)
    rows = _part_frames(handles, offsets, _anchor_frame, _ANCHORS_META, shared_bands)
    shuffled = rows.shuffle(on="anchor", npartitions=len(handles))
    sharing = [delayed(_sharing, nout=2)(part) for part in shuffled.to_delayed()]
    pairs = dd.from_delayed([found for found, _ in sharing], meta=_SHARING_META, verify_meta=False)
    enough = pairs.shuffle(on=["left", "right"], npartitions=len(handles)).map_partitions(
        _enough_frame, meta=_LINKS_META
    )
    links = enough.to_delayed()
    futures = client.compute([*links, *(common for _, common in sharing)])
    commons = [future.result() for future in futures[len(links) :]]
    # Released, not cancelled: a cancel would cancel the links' tasks, which depend on them.
    for future in [*futures[len(links) :], shared_bands]:
        future.release()
    common = np.sort(np.concatenate(commons)) if commons else _EMPTY
    return futures[: len(links)], common.astype(np.uint32)


def _clustered_in_workers(
    client: Any,
    handles: list[Any],
    offsets: list[int],
    *,
    labels: npt.NDArray[np.int64],
    common: npt.NDArray[np.uint32],
    config: DedupConfig,
) -> Iterator[GroupClusters]:
    """`cluster_groups` of the groups labelled in `labels`, on the workers, a shuffled
    partition of groups at a time."""
    from dask.delayed import delayed

    shared_labels = client.scatter(labels, broadcast=True)
    shared_common = client.scatter(common, broadcast=True)
    pages = _part_frames(handles, offsets, _pages_frame, _PAGES_META, shared_labels)
    shuffled = pages.shuffle(on="group", npartitions=len(handles))
    clustered = [
        delayed(_cluster_part)(part, shared_common, config) for part in shuffled.to_delayed()
    ]
    futures: list[Any] = client.compute(clustered)
    try:
        while futures:
            found: GroupClusters = futures[0].result()
            futures.pop(0).release()
            yield found
    finally:
        client.cancel([*futures, shared_labels, shared_common])  # those not taken yet


def _plain_strings() -> None:
    """Keep the frames' text columns as Python objects (not Arrow strings) in shuffles."""
    import dask

    dask.config.set({"dataframe.convert-string": False})


def _part_frames(
    handles: list[Any],
    offsets: list[int],
    read: Callable[..., pd.DataFrame],
    meta: pd.DataFrame,
    *args: Any,
) -> Any:
    """A Dask DataFrame of `read`'s frame of each part (at its first page's position), each
    read from the part's files when the shuffle that takes it runs: the tasks depend on the
    parts' handles, so they run where the files are, and none is held longer than it is
    used."""
    import dask.dataframe as dd
    from dask.delayed import delayed

    frames = [
        delayed(_read_part)(handle, read, offset, *args)
        for handle, offset in zip(handles, offsets[: len(handles)], strict=True)
    ]
    return dd.from_delayed(frames, meta=meta, verify_meta=False)


def _gather_documents(client: Any, parts: list[Part], result: ScanResult, store: PageStore) -> None:
    """Each partition's documents (bodies into `store`) and skips into `result`, in input
    order, one partition at a time (the next one asked for while this one is stored)."""
    excluded: list[Skip] = []
    tasks = _one_ahead(client, parts, _documents_and_skips)
    for task in tasks:
        documents, skips, files_read, reasons = task.result()
        result.skipped.extend(skips)
        rows = store.add_documents(documents)
        result.files_read += files_read
        for document, reason in zip(documents, reasons, strict=True):
            if reason:
                excluded.append(Skip(document.path or document.doc_id, reason, record_of(document)))
        store.cluster(row for row, reason in zip(rows, reasons, strict=True) if not reason)
        del documents, skips
        _return_freed_memory()
    result.skipped.extend(excluded)


def _one_ahead(
    client: Any, parts: list[Part], read: Callable[..., Any], *args: list[Any]
) -> Iterator[Any]:
    """Futures of `read` on each part's worker, in order; each asked for when the one before
    it is taken, so that one waits ready while the client works on the other."""
    upcoming = None
    for number in range(len(parts)):
        current = upcoming
        if current is None:
            current = _on_owner(client, parts[number], read, *(a[number] for a in args))
        upcoming = None
        if number + 1 < len(parts):
            following = parts[number + 1]
            upcoming = _on_owner(client, following, read, *(a[number + 1] for a in args))
        yield current
        current.release()


def _on_owner(client: Any, part: Part, read: Callable[..., Any], *args: Any) -> Any:
    return client.submit(
        read, part, *args, workers=[part.worker], allow_other_workers=False, pure=False
    )


def _return_freed_memory() -> None:
    """Give the memory freed by a partition's documents back to the system (glibc's
    `malloc_trim`, as Dask trims its workers): the documents freed once stored would
    otherwise stay in the process, about 0.4 KB a page at 30,000 pages."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: its allocator returns memory its own way
        return


# ---------------------------------------------------------------- tasks run on the workers


def _process(items: Sequence[InputFile], number: int, config: DedupConfig, scan: str) -> Part:
    """Process a partition and keep its results in files in this worker's local folder."""
    from distributed import get_worker

    worker = get_worker()
    chunk = process_chunk(items, Fingerprinter(config))
    reasons = [exclusion(d, f) for d, f in zip(chunk.documents, chunk.fingerprints, strict=True)]
    kept = [row for row, reason in enumerate(reasons) if reason is None]
    folder = os.path.join(worker.local_directory, scan, str(number))
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "documents"), "wb") as file:
        pickle.dump(
            (chunk.documents, chunk.skips, chunk.files_read, reasons),
            file,
            protocol=pickle.HIGHEST_PROTOCOL,
        )
    _save_arrays(folder, "prints", _flat_prints([chunk.fingerprints[row] for row in kept]))
    _save_arrays(folder, "anchors", _flat([chunk.anchors[row] for row in kept]))
    signatures = [chunk.signatures[row] for row in kept]
    stacked = np.stack(signatures) if signatures else np.zeros((0, config.num_perm), np.uint32)
    _save_arrays(folder, "signatures", {"signatures": stacked.astype(np.uint32)})
    return Part(worker.address, folder, len(kept))


def _buckets(signatures: npt.NDArray[np.uint32], config: DedupConfig) -> npt.NDArray[np.uint64]:
    """The pages' band buckets, shape (pages, bands): one id per (band, key), the band put
    into the key so equal keys of different bands never meet."""
    if not signatures.shape[0]:
        return np.zeros((0, config.lsh_bands), dtype=np.uint64)
    keys = band_keys(signatures, bands=config.lsh_bands, rows=config.rows)
    band_ids = np.arange(keys.shape[1], dtype=np.uint64)[np.newaxis, :]
    return keys * np.uint64(0x100000001B3) + band_ids


def _flat(arrays: list[npt.NDArray[np.uint32]], name: str = "") -> dict[str, np.ndarray]:
    """Arrays as one flat array and each one's end in it."""
    ends = np.cumsum([a.size for a in arrays], dtype=np.int64)
    flat = np.concatenate(arrays).astype(np.uint32) if arrays else _EMPTY
    return {f"{name}values": flat, f"{name}ends": ends}


def _flat_prints(fingerprints: list[Fingerprint]) -> dict[str, np.ndarray]:
    return {
        **_flat([f.shingles for f in fingerprints], "shingles_"),
        **_flat([f.numbers for f in fingerprints], "numbers_"),
    }


def _save_arrays(folder: str, name: str, arrays: dict[str, np.ndarray]) -> None:
    np.savez(os.path.join(folder, name + ".npz"), allow_pickle=False, **arrays)


def _load_arrays(part: Part, name: str) -> dict[str, np.ndarray]:
    with np.load(os.path.join(part.folder, name + ".npz")) as loaded:
        return {key: loaded[key] for key in loaded.files}


def _unflat(values: np.ndarray, ends: np.ndarray) -> list[np.ndarray]:
    starts = np.concatenate([[0], ends]).astype(np.int64)[:-1]
    return [values[start:end] for start, end in zip(starts.tolist(), ends.tolist(), strict=True)]


def _read_part(part: Part, read: Callable[..., _Read], *args: Any) -> _Read:
    """`read` of a part's files: here when this worker sees its folder (the part's worker
    or another on the same machine), else as a task on the part's worker."""
    if _sees(part.folder):
        return read(part, *args)
    from distributed import worker_client

    with worker_client() as client:
        return _on_owner(client, part, read, *args).result()  # type: ignore[no-any-return]


def _sees(folder: str) -> bool:
    """Whether this worker can read a part's folder (it is on the same machine)."""
    return os.path.isdir(folder)


def _band_frame(part: Part, offset: int, config: DedupConfig) -> pd.DataFrame:
    """A row per band of each kept page: its bucket, the page."""
    buckets = _buckets(_load_arrays(part, "signatures")["signatures"], config)
    docs = np.repeat(np.arange(offset, offset + part.kept, dtype=np.int64), buckets.shape[1])
    return pd.DataFrame({"bucket": buckets.ravel(), "doc": docs})


def _links_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The links of a shuffled partition's buckets (each bucket's rows all here): each
    member joined to its bucket's first (`bucket_links`), cut to a link a page of the
    groups they make."""
    if frame.empty:
        return _LINKS_META.copy()
    buckets = frame["bucket"].to_numpy()
    docs = frame["doc"].to_numpy(dtype=np.int64)
    order = np.lexsort((docs, buckets))  # a bucket's members in page order
    buckets, docs = buckets[order], docs[order]
    starts = np.flatnonzero(np.r_[True, buckets[1:] != buckets[:-1]])
    firsts = docs[np.repeat(starts, np.diff(np.r_[starts, docs.size]))]
    joined = firsts != docs
    return _spanning_frame(firsts[joined], docs[joined])


def _spanning_frame(left: npt.NDArray[np.int64], right: npt.NDArray[np.int64]) -> pd.DataFrame:
    """Links joining each page to the first page of its group (`spanning_pairs`) of the
    pages joined by `left`-`right`: the same groups, at most one link a page."""
    pages, numbers = np.unique(np.concatenate([left, right]), return_inverse=True)
    spanning = spanning_pairs(pages.size, numbers.reshape(2, -1).T)
    return pd.DataFrame({"left": pages[spanning[:, 0]], "right": pages[spanning[:, 1]]})


def _anchor_frame(part: Part, offset: int, bands: npt.NDArray[np.int64]) -> pd.DataFrame:
    """A row per anchor of each kept page: the anchor, the page, its anchor count and its
    band group."""
    arrays = _load_arrays(part, "anchors")
    ends = arrays["ends"]
    counts = np.diff(np.concatenate([[0], ends])).astype(np.int64)
    docs = np.arange(offset, offset + part.kept, dtype=np.int64)
    return pd.DataFrame(
        {
            "anchor": arrays["values"].astype(np.uint64),
            "doc": np.repeat(docs, counts),
            "count": np.repeat(counts, counts),
            "band": np.repeat(bands[docs], counts),
        }
    )


def _sharing(frame: pd.DataFrame) -> tuple[pd.DataFrame, npt.NDArray[np.uint32]]:
    """A shuffled partition's anchors (each anchor's holders all here): per pair of holders
    in different band groups, how many of these anchors they share and the fewer of their
    anchor counts; and the anchors held by more than `COMMON_ANCHOR` pages, which pair no
    one. Pairs within a band group are not listed: they join nothing, and copies of one
    article, all in one band group, would list a pair per two copies and shared anchor."""
    if frame.empty:
        return _SHARING_META.copy(), _EMPTY
    order = np.lexsort((frame["doc"], frame["band"], frame["anchor"]))
    anchors = frame["anchor"].to_numpy()[order]
    docs = frame["doc"].to_numpy(dtype=np.int64)[order]
    bands = frame["band"].to_numpy(dtype=np.int64)[order]
    counts = frame["count"].to_numpy(dtype=np.int64)[order]
    size = anchors.size
    new_anchor = np.r_[True, anchors[1:] != anchors[:-1]]
    anchor_starts = np.flatnonzero(new_anchor)
    holders = np.diff(np.r_[anchor_starts, size])
    run_starts = np.flatnonzero(new_anchor | np.r_[True, bands[1:] != bands[:-1]])
    # Each holder pairs with the holders of the later band groups of its anchor.
    run_ends = np.repeat(np.r_[run_starts[1:], size], np.diff(np.r_[run_starts, size]))
    anchor_ends = np.repeat(anchor_starts + holders, holders)
    rows = np.where(np.repeat(holders > COMMON_ANCHOR, holders), 0, anchor_ends - run_ends)
    common = anchors[anchor_starts[holders > COMMON_ANCHOR]].astype(np.uint32)
    others = ranges(run_ends, rows)
    if not others.size:
        return _SHARING_META.copy(), common
    one, other = np.repeat(docs, rows), docs[others]
    listed = pd.DataFrame(
        {
            "left": np.minimum(one, other),
            "right": np.maximum(one, other),
            "fewer": np.minimum(np.repeat(counts, rows), counts[others]),
        }
    )
    counted = listed.groupby(["left", "right"], sort=False).agg(
        shared=("fewer", "size"), fewer=("fewer", "first")
    )
    return counted.reset_index().astype(np.int64), common


def _enough_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The pairs of a shuffled partition (each pair's counts all here) that share enough."""
    if frame.empty:
        return _LINKS_META.copy()
    summed = frame.groupby(["left", "right"], sort=False).agg(
        shared=("shared", "sum"), fewer=("fewer", "first")
    )
    keep = enough_shared(summed["shared"].to_numpy(), summed["fewer"].to_numpy())
    return summed.index[keep].to_frame(index=False).astype(np.int64)


def _prints(part: Part) -> list[Fingerprint]:
    arrays = _load_arrays(part, "prints")
    shingles = _unflat(arrays["shingles_values"], arrays["shingles_ends"])
    numbers = _unflat(arrays["numbers_values"], arrays["numbers_ends"])
    return [Fingerprint(s, n) for s, n in zip(shingles, numbers, strict=True)]


def _pages_frame(part: Part, offset: int, labels: npt.NDArray[np.int64]) -> pd.DataFrame:
    """What verifies the part's pages that are in a group, each with its group's label:
    the document pickled, the fingerprint's ids, the signature and the anchors as
    little-endian bytes, all in base64."""
    groups = labels[offset : offset + part.kept]
    rows = np.flatnonzero(groups >= 0)
    if not rows.size:
        return _PAGES_META.copy()
    prints = _prints(part)
    documents = _kept_documents(part)
    signatures = _load_arrays(part, "signatures")["signatures"]
    arrays = _load_arrays(part, "anchors")
    anchors = _unflat(arrays["values"], arrays["ends"])
    picked = rows.tolist()
    return pd.DataFrame(
        {
            "group": groups[rows],
            "doc": rows + offset,
            "document": [_pickled(documents[row]) for row in picked],
            "shingles": [_encode(prints[row].shingles) for row in picked],
            "numbers": [_encode(prints[row].numbers) for row in picked],
            "signature": [_encode(signatures[row]) for row in picked],
            "anchors": [_encode(anchors[row]) for row in picked],
        }
    )


def _kept_documents(part: Part) -> list[Document]:
    documents, _, _, reasons = _documents_and_skips(part)
    return [d for d, reason in zip(documents, reasons, strict=True) if reason is None]


def _cluster_part(
    pages: pd.DataFrame, common: npt.NDArray[np.uint32], config: DedupConfig
) -> GroupClusters:
    """A shuffled partition's groups (every page of each group is here) verified and cut
    into clusters (`cluster_groups`, by the pages' positions among every kept page), each
    group's candidate pairs made again from its own pages as the local engine does
    (`StoredCandidates`, `GroupIndex`)."""
    if pages.empty:
        return GroupClusters([], 0, 0)
    pages = pages.sort_values("doc")
    docs = pages["doc"].to_numpy(dtype=np.int64)
    documents = _ByPosition(
        docs, [pickle.loads(base64.b64decode(text)) for text in pages["document"]]
    )
    fingerprints = _ByPosition(
        docs,
        [
            Fingerprint(_decode(shingles), _decode(numbers))
            for shingles, numbers in zip(pages["shingles"], pages["numbers"], strict=True)
        ],
    )
    pairs_of = StoredCandidates(
        _ByPosition(docs, [_decode(text) for text in pages["signature"]]),
        _ByPosition(docs, [_decode(text) for text in pages["anchors"]]),
        common,
        config.lsh_bands,
        config.rows,
    )
    index = _group_index(docs, pages["group"].to_numpy(dtype=np.int64), pairs_of)
    tasks = group_runs(np.arange(len(index)), index.sizes())
    groups = (group for task in tasks for group in index.groups(task))
    return cluster_groups(groups, documents, fingerprints, config)


def _group_index(
    docs: npt.NDArray[np.int64], labels: npt.NDArray[np.int64], pairs_of: StoredCandidates
) -> GroupIndex:
    """The groups of the pages `docs` (in order) by their labels, in the order of their
    first page (a label is its group's first page)."""
    order = np.argsort(labels, kind="stable")
    sorted_labels = labels[order]
    starts = np.flatnonzero(np.r_[True, sorted_labels[1:] != sorted_labels[:-1]])
    return GroupIndex(docs[order], np.r_[starts, docs.size].astype(np.int64), pairs_of)


class _ByPosition(Sequence[_Read]):
    """Items by their position among every kept page, for the positions given (in order)."""

    def __init__(self, positions: npt.NDArray[np.int64], items: list[_Read]) -> None:
        self._at: dict[int, _Read] = dict(zip(positions.tolist(), items, strict=True))
        self._length = int(positions[-1]) + 1 if positions.size else 0

    def __len__(self) -> int:
        return self._length

    @overload
    def __getitem__(self, index: int) -> _Read: ...
    @overload
    def __getitem__(self, index: slice) -> list[_Read]: ...
    def __getitem__(self, index: int | slice) -> _Read | list[_Read]:
        if isinstance(index, slice):
            raise TypeError("positions of some pages only: no slices")
        return self._at[index]


def _documents_and_skips(part: Part) -> tuple[list[Document], list[Skip], int, list[str | None]]:
    with open(os.path.join(part.folder, "documents"), "rb") as file:
        found: tuple[list[Document], list[Skip], int, list[str | None]] = pickle.load(file)
    return found


def _check_space_here(share: int, dask_worker: Any) -> None:
    check_space(dask_worker.local_directory, share, WORKER_BYTES_PER_INPUT_BYTE)


def _remove_scan(scan: str, dask_worker: Any) -> None:
    """Remove a scan's folder from this worker's local folder."""
    shutil.rmtree(os.path.join(dask_worker.local_directory, scan), ignore_errors=True)


def _pickled(document: Document) -> str:
    return base64.b64encode(pickle.dumps(document, protocol=pickle.HIGHEST_PROTOCOL)).decode(
        "ascii"
    )


def _encode(ids: np.ndarray) -> str:
    return base64.b64encode(ids.astype("<u4").tobytes()).decode("ascii")


def _decode(text: Any) -> np.ndarray:
    return np.frombuffer(base64.b64decode(text), dtype="<u4").astype(np.uint32)


def _size(item: InputFile) -> int:
    try:
        return input_size(item.path)
    except OSError:
        return 0
