"""The batch scan on a Dask cluster: the same stages as the local engine, distributed.

What runs where:
- the client lists the files once and cuts them into partitions of about equal bytes;
- workers read, extract, fingerprint and sign a partition each (the local engine's
  `process_chunk`), and keep the results;
- each worker turns its pages' signatures into band keys; a Dask DataFrame shuffle on the
  key brings equal keys together, so no process ever holds every band key; each shuffled
  partition pairs its buckets (the local engine's banding rules);
- the same for anchors (the containment candidates of `dedup.batch.anchors`): a shuffle on
  the anchor, pairs counted per partition, a shuffle on the pair to sum the counts;
- candidate pairs meet both pages' fingerprints through two shuffle joins and are verified
  on the workers;
- only verified pairs (copies: few next to the pages) come back to the client, which
  computes the connected groups with union-find, builds the clusters around their
  representatives (the local engine's `build_clusters`) and writes the report.
The client gathers the extracted documents and the fingerprints of pages in a verified pair a
partition at a time into a temporary store (`dedup.batch.spill`), as the local engine does:
it holds per page only the documents' metadata. Workers still hold their partitions' results
in memory until the end (docs/performance.md says what that costs).

Results do not depend on the engine: the same input gives the same report bytes.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np
import pandas as pd

from dedup.batch.anchors import enough_shared, sharing_pairs
from dedup.batch.banding import bucket_pairs
from dedup.batch.clustering import build_clusters
from dedup.batch.skips import exclusion, record_of
from dedup.batch.spill import PageStore, stored_fingerprints
from dedup.batch.workers import ChunkResult, process_chunk
from dedup.config import DedupConfig
from dedup.errors import DedupError
from dedup.fingerprint.bands import band_keys
from dedup.fingerprint.fingerprinter import Fingerprinter
from dedup.fingerprint.shingle import Fingerprint
from dedup.models import Document, ScanResult, Skip
from dedup.readers import InputFile
from dedup.readers.files import input_size
from dedup.verdict import verify

logger = logging.getLogger(__name__)

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
_NO_ANCHORS = np.zeros(0, np.uint64)
_PRINTS_META = pd.DataFrame(
    {
        "doc": np.zeros(0, np.int64),
        "shingles": pd.Series([], dtype=object),
        "numbers": pd.Series([], dtype=object),
    }
)


@contextmanager
def dask_client(scheduler: str | None, workers: int) -> Iterator[Any]:
    """A client of the given scheduler, or of a LocalCluster of worker processes."""
    from distributed import Client, LocalCluster  # untyped

    for noisy in ("distributed", "bokeh", "tornado"):
        logging.getLogger(noisy).setLevel(logging.ERROR)
    if scheduler:
        with _connect(Client, scheduler) as client:
            yield client
        return
    with (
        LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
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


def partition_by_size(inputs: Sequence[InputFile], parts: int) -> list[list[InputFile]]:
    """Consecutive runs of files of about equal total size, in input order."""
    sizes = [_size(item) for item in inputs]
    target = max(1, sum(sizes) // max(1, parts))
    partitions: list[list[InputFile]] = [[]]
    filled = 0
    for item, size in zip(inputs, sizes, strict=True):
        if filled >= target and partitions[-1]:
            partitions.append([])
            filled = 0
        partitions[-1].append(item)
        filled += size
    return [part for part in partitions if part]


def scan_partitions(
    client: Any,
    partitions: list[list[InputFile]],
    config: DedupConfig,
    result: ScanResult,
    store: PageStore,
) -> tuple[Sequence[Fingerprint], list[tuple[int, int]]]:
    """Run the distributed stages; fill `result` with the documents and skips, and return
    the kept pages' fingerprints (for pages in a verified pair; an empty one otherwise) and
    the verified pairs, both by position among the kept pages. Documents and fingerprints
    come back one partition at a time into `store`: the client holds per page only its
    metadata."""
    import dask
    import dask.dataframe as dd

    dask.config.set({"dataframe.convert-string": False})
    chunks = client.map(_process, partitions, config=config, pure=False)
    kept_counts = client.gather(client.map(_kept_count, chunks, pure=False))
    offsets = np.concatenate([[0], np.cumsum(kept_counts)]).astype(np.int64).tolist()
    bands = client.map(_band_frame, chunks, offsets[:-1], config=config, pure=False)
    buckets = dd.from_delayed(bands, meta=_BANDS_META, verify_meta=False)
    banded = buckets.shuffle(on="bucket").map_partitions(_pairs_frame, meta=_PAIRS_META)
    anchored = _anchored_pairs(client, chunks, offsets)
    pairs = dd.concat([banded, anchored]).drop_duplicates()
    prints = dd.from_delayed(
        client.map(_prints_frame, chunks, offsets[:-1], pure=False),
        meta=_PRINTS_META,
        verify_meta=False,
    )
    left = prints.rename(columns={"doc": "left", "shingles": "ls", "numbers": "ln"})
    right = prints.rename(columns={"doc": "right", "shingles": "rs", "numbers": "rn"})
    joined = pairs.merge(left, on="left").merge(right, on="right")
    verified = joined.map_partitions(_verify_frame, config=config, meta=_PAIRS_META).compute()
    links = sorted(zip(verified["left"].tolist(), verified["right"].tolist(), strict=True))
    needed = sorted({doc for pair in links for doc in pair})
    excluded: list[Skip] = []
    for task in client.map(_documents_and_skips, chunks, pure=False):
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
    result.skipped.extend(excluded)
    _store_fingerprints(client, chunks, offsets, needed, store)
    return stored_fingerprints(store), links


def _anchored_pairs(client: Any, chunks: list[Any], offsets: list[int]) -> Any:
    """The containment candidates, as the local engine's `anchor_pairs` makes them: a
    shuffle on the anchor brings each anchor's pages together (a partition pairs whole
    buckets, so stock anchors are known as such), each partition counts its rows per pair,
    and a shuffle on the pair brings a pair's counts together to be summed and judged."""
    import dask.dataframe as dd

    rows = dd.from_delayed(
        client.map(_anchor_frame, chunks, offsets[:-1], pure=False),
        meta=_ANCHORS_META,
        verify_meta=False,
    )
    sharing = rows.shuffle(on="anchor").map_partitions(_sharing_frame, meta=_SHARING_META)
    return sharing.shuffle(on=["left", "right"]).map_partitions(_enough_frame, meta=_PAIRS_META)


def cluster_pages(
    documents: Sequence[Document],
    fingerprints: Sequence[Fingerprint],
    links: list[tuple[int, int]],
    config: DedupConfig,
) -> Any:
    """Clusters from verified links, on the client: copies are few next to the pages (a
    handful per article), so union-find in one process is cheaper than label propagation
    over a DataFrame; the links of 10 million pages with 3 copies each fit in a few
    hundred megabytes."""
    return build_clusters(documents, fingerprints, links, config)


# ---------------------------------------------------------------- tasks run on the workers


def _process(items: list[InputFile], config: DedupConfig) -> ChunkResult:
    return process_chunk(items, Fingerprinter(config))


def _reasons(chunk: ChunkResult) -> list[str | None]:
    return [exclusion(d, f) for d, f in zip(chunk.documents, chunk.fingerprints, strict=True)]


def _kept(chunk: ChunkResult) -> list[int]:
    return [i for i, reason in enumerate(_reasons(chunk)) if reason is None]


def _kept_count(chunk: ChunkResult) -> int:
    return len(_kept(chunk))


def _band_frame(chunk: ChunkResult, offset: int, config: DedupConfig) -> pd.DataFrame:
    kept = _kept(chunk)
    if not kept:
        return _BANDS_META.copy()
    signatures = np.stack([chunk.signatures[i] for i in kept])
    keys = band_keys(signatures, bands=config.lsh_bands, rows=config.rows)
    # One bucket id per (band, key): the band goes into the key so equal keys of different
    # bands never meet.
    band_ids = np.arange(keys.shape[1], dtype=np.uint64)[np.newaxis, :]
    buckets = keys * np.uint64(0x100000001B3) + band_ids
    docs = np.repeat(np.arange(offset, offset + len(kept), dtype=np.int64), keys.shape[1])
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


def _anchor_frame(chunk: ChunkResult, offset: int) -> pd.DataFrame:
    """A row per anchor of each kept page: the anchor, the page, its anchor count."""
    kept = _kept(chunk)
    anchors = [chunk.anchors[i] for i in kept]
    counts = np.array([a.size for a in anchors], dtype=np.int64)
    docs = np.arange(offset, offset + len(kept), dtype=np.int64)
    return pd.DataFrame(
        {
            "anchor": np.concatenate(anchors).astype(np.uint64) if anchors else _NO_ANCHORS,
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


def _enough_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The pairs of a shuffled partition (each pair's counts all here) that share enough."""
    if frame.empty:
        return _PAIRS_META.copy()
    summed = frame.groupby(["left", "right"], sort=False).agg(
        shared=("shared", "sum"), fewer=("fewer", "first")
    )
    keep = enough_shared(summed["shared"].to_numpy(), summed["fewer"].to_numpy())
    return summed.index[keep].to_frame(index=False).astype(np.int64)


def _prints_frame(chunk: ChunkResult, offset: int) -> pd.DataFrame:
    kept = _kept(chunk)
    return pd.DataFrame(
        {
            "doc": np.arange(offset, offset + len(kept), dtype=np.int64),
            "shingles": [_encode(chunk.fingerprints[i].shingles) for i in kept],
            "numbers": [_encode(chunk.fingerprints[i].numbers) for i in kept],
        }
    )


def _verify_frame(frame: pd.DataFrame, config: DedupConfig) -> pd.DataFrame:
    keep = [
        verify(
            Fingerprint(_decode(row.ls), _decode(row.ln)),
            Fingerprint(_decode(row.rs), _decode(row.rn)),
            config,
        ).is_copy
        for row in frame.itertuples(index=False)
    ]
    kept = frame.loc[keep, ["left", "right"]]
    return kept.astype(np.int64).reset_index(drop=True)


def _documents_and_skips(
    chunk: ChunkResult,
) -> tuple[list[Document], list[Skip], int, list[str | None]]:
    return chunk.documents, chunk.skips, chunk.files_read, _reasons(chunk)


def _fingerprints_of(
    chunk: ChunkResult, offset: int, wanted: list[int]
) -> list[tuple[int, Fingerprint]]:
    kept = _kept(chunk)
    return [(doc, chunk.fingerprints[kept[doc - offset]]) for doc in wanted]


def _store_fingerprints(
    client: Any, chunks: list[Any], offsets: list[int], needed: list[int], store: PageStore
) -> None:
    """Every kept page's fingerprint into `store`, by position, a partition at a time: the
    pages in a verified pair with their shingles, the others empty (never compared)."""
    starts = np.array(offsets[:-1])
    wanted: list[list[int]] = [[] for _ in chunks]
    for doc in needed:
        wanted[int(np.searchsorted(starts, doc, side="right")) - 1].append(doc)
    empty = Fingerprint(_EMPTY, _EMPTY)
    for number, chunk in enumerate(chunks):
        found: dict[int, Fingerprint] = {}
        if wanted[number]:
            task = client.submit(
                _fingerprints_of, chunk, offsets[number], wanted[number], pure=False
            )
            found = dict(task.result())
        positions = range(offsets[number], offsets[number + 1])
        store.add_pages([found.get(doc, empty) for doc in positions], [_EMPTY] * len(positions))


def _encode(ids: np.ndarray) -> str:
    return base64.b64encode(ids.astype("<u4").tobytes()).decode("ascii")


def _decode(text: Any) -> np.ndarray:
    return np.frombuffer(base64.b64decode(text), dtype="<u4").astype(np.uint32)


def _size(item: InputFile) -> int:
    try:
        return input_size(item.path)
    except OSError:
        return 0
