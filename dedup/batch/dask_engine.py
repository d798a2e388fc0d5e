"""The batch scan on a Dask cluster: the same stages as the local engine, distributed.

What runs where:
- the client lists the files once and cuts them into partitions of about equal bytes, at
  most `PARTITION_BYTES` of input each, so that what a task holds does not grow with the
  corpus;
- workers read, extract, fingerprint and sign a partition each (the local engine's
  `process_chunk`) and write the results to files in their local folder (`Part`): a
  worker's memory holds the partitions in flight, not every partition it made;
- band keys are read back from those files as (bucket, page) rows; a Dask DataFrame
  shuffle on the key brings equal keys together, so no process ever holds every band key;
  each shuffled partition pairs its buckets (the local engine's banding rules);
- the same for anchors (the containment candidates of `dedup.batch.anchors`): a shuffle on
  the anchor, pairs counted per partition, a shuffle on the pair to sum the counts;
- the candidate pairs, once each, stay on the workers (a shuffle on the pair); the client
  reads them a partition at a time to label each page with its connected group of
  candidates (8 bytes a page, never every pair at once); a shuffle on that label brings each
  group's documents and fingerprints (read back from the files; each page's once, only
  pages in a pair) and its pairs to one partition, where the groups are verified and cut
  into clusters (the local engine's `cluster_groups`): shingles and bodies cross the
  network once;
- each cluster comes back to the client as its members' rows (position, similarity,
  relation), which the client makes into clusters of its documents (`assemble`) and writes
  the report.
The client gathers the extracted documents a partition at a time into a temporary store
(`dedup.batch.spill`), as the local engine does: it holds per page only the documents'
metadata, and never a verified pair or a fingerprint. The workers' files are removed when
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
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar, overload

import numpy as np
import numpy.typing as npt
import pandas as pd

from dedup._arrays import component_labels, unique_pairs
from dedup.batch.anchors import enough_shared, sharing_pairs
from dedup.batch.banding import bucket_pairs
from dedup.batch.clustering import Clustering, GroupClusters, assemble, cluster_groups
from dedup.batch.skips import exclusion, record_of
from dedup.batch.spill import PageStore, StoreSpaceError, check_space
from dedup.batch.workers import ChunkResult, process_chunk
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
# results and the shuffles' files (measured: 4.6 at 100,000 of `make bench`'s pages; more
# where articles have many copies, as the pairs grow with them: 9 at 300,000).
WORKER_BYTES_PER_INPUT_BYTE = 5.0
# Folders of a scan's results on the workers start with this (and the scan's own token).
WORKER_PREFIX = "dedup-scan-"

_Read = TypeVar("_Read")
_EMPTY = np.zeros(0, dtype=np.uint32)
_PAIRS_META = pd.DataFrame({"left": np.zeros(0, np.int64), "right": np.zeros(0, np.int64)})
_BANDS_META = pd.DataFrame({"bucket": np.zeros(0, np.uint64), "doc": np.zeros(0, np.int64)})
_ANCHORS_META = pd.DataFrame(
    {"anchor": np.zeros(0, np.uint64), "doc": np.zeros(0, np.int64), "count": np.zeros(0, np.int64)}
)
_SHARING_META = pd.DataFrame(
    {
        "left": np.zeros(0, np.int64),
        "right": np.zeros(0, np.int64),
        "shared": np.zeros(0, np.int64),
        "fewer": np.zeros(0, np.int64),
    }
)
_GROUPED_PAIRS_META = pd.DataFrame(
    {"group": np.zeros(0, np.int64), "left": np.zeros(0, np.int64), "right": np.zeros(0, np.int64)}
)
_PAGES_META = pd.DataFrame(
    {
        "group": np.zeros(0, np.int64),
        "doc": np.zeros(0, np.int64),
        "document": pd.Series([], dtype=object),
        "shingles": pd.Series([], dtype=object),
        "numbers": pd.Series([], dtype=object),
    }
)
_CLUSTERS_META = pd.DataFrame({"clusters": pd.Series([], dtype=object)})
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
) -> list[list[InputFile]]:
    """Consecutive runs of files of about equal total size, in input order: `parts` of
    them, or more when a part would hold over `most_bytes`."""
    sizes = [_size(item) for item in inputs]
    target = max(1, sum(sizes) // max(1, parts))
    if most_bytes is not None:
        target = min(target, max(1, most_bytes))
    partitions: list[list[InputFile]] = [[]]
    filled = 0
    for item, size in zip(inputs, sizes, strict=True):
        if filled >= target and partitions[-1]:
            partitions.append([])
            filled = 0
        partitions[-1].append(item)
        filled += size
    return [part for part in partitions if part]


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
    partitions: list[list[InputFile]],
    config: DedupConfig,
    result: ScanResult,
    store: PageStore,
) -> Clustering:
    """Run the distributed stages; fill `result` with the documents and skips, and return
    the clustering of the kept pages (`result.documents`). Documents come back one partition
    at a time into `store`, clusters as their members' rows: the client holds per page only
    its metadata. The workers' files are removed before this returns or raises."""
    scan = WORKER_PREFIX + uuid.uuid4().hex
    handles: list[Any] = []
    try:
        handles = client.map(
            _process, partitions, range(len(partitions)), config=config, scan=scan, pure=False
        )
        parts: list[Part] = client.gather(handles)
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
    partition of groups at a time, then the pages in no candidate pair as clusters of one.

    The candidate pairs stay on the workers, a shuffled partition each; the client reads
    them a partition at a time to label each page with its connected group (8 bytes a page,
    never every pair at once). A shuffle on that label brings each group's pages' documents
    and fingerprints (each page's once, only pages in a pair) and its pairs to one
    partition, where the groups are verified and clustered as the local engine does
    (`cluster_groups`): bodies and shingles cross the network once, whatever the pairs, and
    only the clusters' member rows come back."""
    candidates = _candidate_pairs(client, handles, offsets)
    labels = _group_labels(offsets[-1], candidates)
    if (labels >= 0).any():
        yield from _clustered_in_workers(
            client, handles, offsets, candidates, labels=labels, config=config
        )
    client.cancel(candidates)
    alone = ((np.array([page]), _NO_PAIRS) for page in np.flatnonzero(labels < 0).tolist())
    yield cluster_groups(alone, documents, [], config)  # a page alone reads no fingerprint


# Candidate pairs read before they are joined into the groups found so far (64 MB): the
# labelling costs a pass over every page's label each time.
_PAIRS_AT_ONCE = 1 << 22


def _group_labels(count: int, candidates: list[Any]) -> npt.NDArray[np.int64]:
    """Each page's connected group of candidates (`component_labels`: its first page), -1
    for a page in no candidate pair; from the pairs' partitions read one at a time, each
    block of pairs joined into the groups found so far through their first pages."""
    labels = np.arange(count, dtype=np.int64)
    paired = np.zeros(count, dtype=bool)
    blocks: list[npt.NDArray[np.int64]] = []
    held = 0
    for number, future in enumerate(candidates):
        frame = future.result()
        block = frame[["left", "right"]].to_numpy(dtype=np.int64).reshape(-1, 2)
        del frame
        paired[block.ravel()] = True
        blocks.append(block)
        held += len(block)
        if held >= _PAIRS_AT_ONCE or number == len(candidates) - 1:
            pairs = np.concatenate(blocks)
            blocks, held = [], 0
            # Two groups joined by a pair are one: their first pages' labels are joined.
            joined = component_labels(count, labels[pairs[:, 0]], labels[pairs[:, 1]])
            labels = joined[labels]
            del pairs, joined
    labels[~paired] = -1  # in no pair: never verified, its files stay home
    return labels


def _clustered_in_workers(
    client: Any,
    handles: list[Any],
    offsets: list[int],
    candidates: list[Any],
    *,
    labels: npt.NDArray[np.int64],
    config: DedupConfig,
) -> Iterator[GroupClusters]:
    """`cluster_groups` of the candidates' groups, on the workers, a partition at a time."""
    import dask.dataframe as dd
    from dask.delayed import delayed

    shared_labels = client.scatter(labels, broadcast=True)
    pages = _part_frames(handles, offsets, _pages_frame, _PAGES_META, shared_labels)
    pairs = dd.from_delayed(
        [delayed(_grouped_pairs_frame)(future, shared_labels) for future in candidates],
        meta=_GROUPED_PAIRS_META,
        verify_meta=False,
    )
    parts = len(handles)
    clustered = dd.map_partitions(
        _cluster_frame,
        pages.shuffle(on="group", npartitions=parts),
        pairs.shuffle(on="group", npartitions=parts),
        config=config,
        meta=_CLUSTERS_META,
        align_dataframes=False,
    )
    futures = client.compute(clustered.to_delayed())
    for future in futures:
        frame = future.result()
        future.release()
        for encoded in frame["clusters"]:
            yield pickle.loads(base64.b64decode(encoded))


def _candidate_pairs(client: Any, handles: list[Any], offsets: list[int]) -> list[Any]:
    """Every candidate pair, from the band keys and the anchors, once each: futures of the
    partitions of a shuffle on the pair, held by the workers (16 bytes a pair)."""
    import dask
    import dask.dataframe as dd

    dask.config.set({"dataframe.convert-string": False})
    buckets = _part_frames(handles, offsets, _band_frame, _BANDS_META)
    banded = buckets.shuffle(on="bucket").map_partitions(_pairs_frame, meta=_PAIRS_META)
    anchored = _anchored_pairs(handles, offsets)
    found = (
        dd.concat([banded, anchored])
        .shuffle(on=["left", "right"], npartitions=len(handles))
        .map_partitions(_unique_pairs_frame, meta=_PAIRS_META)
    )
    futures: list[Any] = client.compute(found.to_delayed())
    return futures


def _anchored_pairs(handles: list[Any], offsets: list[int]) -> Any:
    """The containment candidates, as the local engine's `anchor_pairs` makes them: a
    shuffle on the anchor brings each anchor's pages together (a partition pairs whole
    buckets, so stock anchors are known as such), each partition counts its rows per pair,
    and a shuffle on the pair brings a pair's counts together to be summed and judged."""
    rows = _part_frames(handles, offsets, _anchor_frame, _ANCHORS_META)
    sharing = rows.shuffle(on="anchor").map_partitions(_sharing_frame, meta=_SHARING_META)
    return sharing.shuffle(on=["left", "right"]).map_partitions(_enough_frame, meta=_PAIRS_META)


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
        stored = store.add_documents(documents)
        result.extracted.extend(stored)
        result.files_read += files_read
        for document, reason in zip(stored, reasons, strict=True):
            if reason:
                excluded.append(Skip(document.path or document.doc_id, reason, record_of(document)))
            else:
                result.documents.append(document)
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
    `malloc_trim`, as Dask trims its workers): the bodies freed between the metadata kept
    would otherwise stay in the process, about 0.4 KB a page at 30,000 pages."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: its allocator returns memory its own way
        return


# ---------------------------------------------------------------- tasks run on the workers


def _process(items: list[InputFile], number: int, config: DedupConfig, scan: str) -> Part:
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
    _save_arrays(folder, "bands", {"buckets": _buckets(chunk, kept, config)})
    return Part(worker.address, folder, len(kept))


def _buckets(chunk: ChunkResult, kept: list[int], config: DedupConfig) -> npt.NDArray[np.uint64]:
    """The kept pages' band buckets, shape (pages, bands): one id per (band, key), the band
    put into the key so equal keys of different bands never meet."""
    if not kept:
        return np.zeros((0, config.lsh_bands), dtype=np.uint64)
    signatures = np.stack([chunk.signatures[row] for row in kept])
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


def _band_frame(part: Part, offset: int) -> pd.DataFrame:
    buckets = _load_arrays(part, "bands")["buckets"]
    docs = np.repeat(np.arange(offset, offset + part.kept, dtype=np.int64), buckets.shape[1])
    return pd.DataFrame({"bucket": buckets.ravel(), "doc": docs})


def _pairs_frame(frame: pd.DataFrame) -> pd.DataFrame:
    if frame.empty:
        return _PAIRS_META.copy()
    found = []
    for _, group in frame.groupby("bucket", sort=False):
        if len(group) > 1:
            found.append(bucket_pairs(np.sort(group["doc"].to_numpy())))
    if not found:
        return _PAIRS_META.copy()
    pairs = np.concatenate(found)
    return pd.DataFrame({"left": pairs[:, 0], "right": pairs[:, 1]})


def _anchor_frame(part: Part, offset: int) -> pd.DataFrame:
    """A row per anchor of each kept page: the anchor, the page, its anchor count."""
    arrays = _load_arrays(part, "anchors")
    ends = arrays["ends"]
    counts = np.diff(np.concatenate([[0], ends])).astype(np.int64)
    docs = np.arange(offset, offset + part.kept, dtype=np.int64)
    return pd.DataFrame(
        {
            "anchor": arrays["values"].astype(np.uint64),
            "doc": np.repeat(docs, counts),
            "count": np.repeat(counts, counts),
        }
    )


def _sharing_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Per pair of pages sharing anchors of this partition: how many they share, and the
    fewer of their anchor counts."""
    if frame.empty:
        return _SHARING_META.copy()
    docs = frame["doc"].to_numpy()
    left, right = sharing_pairs(frame["anchor"].to_numpy(), docs)
    if not left.size:
        return _SHARING_META.copy()
    pages, first = np.unique(docs, return_index=True)
    counts = frame["count"].to_numpy()[first]
    fewer = np.minimum(counts[np.searchsorted(pages, left)], counts[np.searchsorted(pages, right)])
    rows = pd.DataFrame({"left": left, "right": right, "fewer": fewer})
    counted = rows.groupby(["left", "right"], sort=False).agg(
        shared=("fewer", "size"), fewer=("fewer", "first")
    )
    return counted.reset_index().astype(np.int64)


def _unique_pairs_frame(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.drop_duplicates(ignore_index=True)


def _grouped_pairs_frame(pairs: pd.DataFrame, labels: npt.NDArray[np.int64]) -> pd.DataFrame:
    """Candidate pairs with their group's label."""
    left = pairs["left"].to_numpy(dtype=np.int64)
    return pd.DataFrame({"group": labels[left], "left": left, "right": pairs["right"]})


def _enough_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The pairs of a shuffled partition (each pair's counts all here) that share enough."""
    if frame.empty:
        return _PAIRS_META.copy()
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
    """The documents and fingerprints of the part's pages that are in a candidate pair, each
    with its group's label: the document pickled, the ids as little-endian bytes, both in
    base64."""
    groups = labels[offset : offset + part.kept]
    rows = np.flatnonzero(groups >= 0)
    if not rows.size:
        return _PAGES_META.copy()
    prints = _prints(part)
    documents = _kept_documents(part)
    return pd.DataFrame(
        {
            "group": groups[rows],
            "doc": rows + offset,
            "document": [_pickled(documents[row]) for row in rows.tolist()],
            "shingles": [_encode(prints[row].shingles) for row in rows.tolist()],
            "numbers": [_encode(prints[row].numbers) for row in rows.tolist()],
        }
    )


def _kept_documents(part: Part) -> list[Document]:
    documents, _, _, reasons = _documents_and_skips(part)
    return [d for d, reason in zip(documents, reasons, strict=True) if reason is None]


def _cluster_frame(pages: pd.DataFrame, pairs: pd.DataFrame, config: DedupConfig) -> pd.DataFrame:
    """A partition's groups verified and cut into clusters (`cluster_groups`, by the pages'
    positions among every kept page, as the local engine does), as one row: the pickled
    `GroupClusters`. A shuffle on the group brought every page and pair of each group
    here."""
    if pairs.empty:
        return _CLUSTERS_META.copy()
    pages = pages.sort_values("doc")
    docs = pages["doc"].to_numpy()
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
    groups = _groups_of(docs, pages["group"].to_numpy(), pairs)
    clustered = cluster_groups(groups, documents, fingerprints, config)
    encoded = base64.b64encode(pickle.dumps(clustered, protocol=pickle.HIGHEST_PROTOCOL))
    return pd.DataFrame({"clusters": [encoded.decode("ascii")]})


def _groups_of(
    docs: npt.NDArray[np.int64], page_groups: npt.NDArray[np.int64], pairs: pd.DataFrame
) -> Iterator[tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]]:
    """Each group's pages in order and its candidate pairs once each in order (as the local
    engine's `candidate_groups` gives them), `docs` being in order."""
    found = unique_pairs(pairs[["left", "right"]].to_numpy(dtype=np.int64))
    pair_groups = page_groups[np.searchsorted(docs, found[:, 0])]
    page_order = np.argsort(page_groups, kind="stable")
    pair_order = np.argsort(pair_groups, kind="stable")
    labels = np.unique(page_groups)
    page_bounds = [*np.searchsorted(page_groups[page_order], labels).tolist(), docs.size]
    pair_bounds = [*np.searchsorted(pair_groups[pair_order], labels).tolist(), len(found)]
    for number in range(labels.size):
        pages = docs[page_order[page_bounds[number] : page_bounds[number + 1]]]
        rows = pair_order[pair_bounds[number] : pair_bounds[number + 1]]
        yield pages, found[rows]


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
