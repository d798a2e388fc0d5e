"""The local engine: chunks cross processes intact, and the number of workers changes nothing."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import dedup
from dedup import DedupConfig
from dedup.batch.skips import exclusion
from dedup.batch.spill import PageStore, StoredDocuments, stored_figures
from dedup.batch.workers import ChunkResult, ChunkRows, process_all, process_chunk
from dedup.fingerprint.fingerprinter import Fingerprinter
from dedup.fingerprint.normalize import figures
from dedup.readers import list_inputs

from ..conftest import SAMPLES


def test_a_chunk_result_survives_the_trip_between_processes() -> None:
    inputs, _ = list_inputs([SAMPLES])
    chunk = process_chunk(inputs[:4], Fingerprinter(DedupConfig()))
    back = pickle.loads(pickle.dumps(chunk))
    assert back.documents == chunk.documents and back.skips == chunk.skips
    assert (back.files, back.files_read) == (chunk.files, chunk.files_read)
    for ours, theirs in zip(chunk.fingerprints, back.fingerprints, strict=True):
        assert np.array_equal(ours.shingles, theirs.shingles)
        assert np.array_equal(ours.numbers, theirs.numbers)
    assert all(np.array_equal(a, b) for a, b in zip(chunk.signatures, back.signatures, strict=True))
    assert back.figures == chunk.figures == [figures(d.body) for d in chunk.documents]
    assert any(chunk.figures) and len(chunk.figures) == len(chunk.documents)


def test_two_workers_give_what_one_gives(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("dedup.batch.workers.CHUNK", 4)  # several chunks from samples/
    inputs, _ = list_inputs([SAMPLES])

    def run(jobs: int) -> list[ChunkResult]:
        chunks: list[ChunkResult] = []
        process_all(inputs, DedupConfig(), jobs=jobs, on_chunk=chunks.append)
        return chunks

    one, two = run(1), run(2)
    assert len(one) == len(two) > 1
    assert [c.documents for c in one] == [c.documents for c in two]
    assert [s.tobytes() for c in one for s in c.signatures] == [
        s.tobytes() for c in two for s in c.signatures
    ]


def _signed(chunk: ChunkResult) -> list[tuple[bytes, bytes]]:
    pairs = zip(chunk.signatures, chunk.anchors, strict=True)
    return [(signature.tobytes(), anchors.tobytes()) for signature, anchors in pairs]


def test_pages_signed_together_get_what_each_gets_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    from dedup.fingerprint.anchors import anchors_of

    inputs, _ = list_inputs([SAMPLES])
    together = process_chunk(inputs, Fingerprinter(DedupConfig()))
    hasher = Fingerprinter(DedupConfig()).hasher
    assert _signed(together) == [
        (hasher.sign(f.shingles).tobytes(), anchors_of(f.shingles).tobytes())
        for f in together.fingerprints
    ]
    monkeypatch.setattr("dedup.batch.workers.SIGNED_TOGETHER", 0)  # every page alone
    alone = process_chunk(inputs, Fingerprinter(DedupConfig()))
    assert alone.documents == together.documents and _signed(alone) == _signed(together)


def test_pages_are_signed_one_by_one_when_signing_them_together_fails(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    inputs, _ = list_inputs([SAMPLES])
    together = process_chunk(inputs, Fingerprinter(DedupConfig()))

    def fail(*args: object) -> None:
        raise MemoryError

    monkeypatch.setattr("dedup.fingerprint.signature.MinHasher.sign_many", fail)
    alone = process_chunk(inputs, Fingerprinter(DedupConfig()))
    assert alone.documents == together.documents and _signed(alone) == _signed(together)
    assert alone.skips == together.skips


def test_a_page_that_cannot_be_signed_alone_is_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    from dedup.fingerprint.signature import MinHasher

    inputs, _ = list_inputs([SAMPLES])
    together = process_chunk(inputs, Fingerprinter(DedupConfig()))
    sign = MinHasher.sign
    calls = []

    def fail_many(*args: object) -> None:
        raise MemoryError

    def fail_second(self: MinHasher, shingles: np.ndarray) -> np.ndarray:
        calls.append(shingles)
        if len(calls) == 2:  # the second page, signed alone
            raise ValueError("unlucky")
        return sign(self, shingles)

    monkeypatch.setattr(MinHasher, "sign_many", fail_many)
    monkeypatch.setattr(MinHasher, "sign", fail_second)
    alone = process_chunk(inputs, Fingerprinter(DedupConfig()))
    kept = [d for row, d in enumerate(together.documents) if row != 1]
    assert alone.documents == kept
    assert _signed(alone) == [s for row, s in enumerate(_signed(together)) if row != 1]
    [skip] = [s for s in alone.skips if s not in together.skips]
    assert skip.reason == "internal error: ValueError: unlucky"
    assert skip.path == together.documents[1].path


@pytest.mark.parametrize(
    ("pages", "chars"), [(1, 1 << 22), (3, 1 << 22), (64, 1), (64, 1 << 22)], ids=str
)
def test_reading_ahead_keeps_pages_and_skips_in_order(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, pages: int, chars: int
) -> None:
    # Pages between files that fail to read, and a file of records some of which fail.
    for path in sorted(SAMPLES.rglob("*.txt"))[:6]:
        (tmp_path / f"b-{path.name}").write_bytes(path.read_bytes())
    (tmp_path / "a-empty.txt").write_bytes(b"")
    (tmp_path / "c-image.png").write_bytes(b"\x89PNG\r\n" + bytes(range(256)))
    records = ['{"id": "1", "text": "一"}', "not json", '{"id": "1", "text": "二"}']
    (tmp_path / "d-records.jsonl").write_text("\n".join(records), "utf-8")
    inputs, _ = list_inputs([tmp_path])
    whole = process_chunk(inputs, Fingerprinter(DedupConfig()))
    monkeypatch.setattr("dedup.batch.workers.READ_AHEAD_PAGES", pages)
    monkeypatch.setattr("dedup.batch.workers.READ_AHEAD_CHARS", chars)
    grouped = process_chunk(inputs, Fingerprinter(DedupConfig()))
    assert grouped.documents == whole.documents and grouped.skips == whole.skips
    assert (grouped.files, grouped.files_read) == (whole.files, whole.files_read)
    assert len(whole.skips) >= 4 and whole.files_read == whole.files - 2


def test_a_worker_whose_parent_died_before_it_started_exits() -> None:
    # The parent killed while its pool was starting: the worker must not wait for work
    # (and hold the parent's output open) forever.
    code = (
        "import time\n"
        "from dedup import DedupConfig\n"
        "from dedup.batch.workers import _start_worker\n"
        "_start_worker(DedupConfig(), False, 0)\n"  # pid 0 is nobody's parent
        "time.sleep(60)\n"
    )
    completed = subprocess.run([sys.executable, "-c", code], timeout=30, check=False)
    assert completed.returncode == 1


def _every_group_clustered_here(monkeypatch: pytest.MonkeyPatch) -> None:
    """Groups of candidates go to workers one group a task, however few (the parent would
    cluster samples/ alone), and never through the parent's own path."""
    monkeypatch.setattr("dedup.batch.workers.PAGES_IN_WORKERS", 0)
    monkeypatch.setattr("dedup.batch.workers.PAGES_PER_TASK", 1)

    def refuse(*args: object) -> None:
        raise AssertionError("clustered in the parent")

    monkeypatch.setattr("dedup.batch.workers.cluster_here", refuse)


def test_groups_clustered_in_workers_give_what_one_process_gives(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    one = dedup.scan([SAMPLES], jobs=1)
    _every_group_clustered_here(monkeypatch)
    two = dedup.scan([SAMPLES], jobs=2)
    assert len(one.duplicate_clusters) > 1
    assert two.clusters == one.clusters
    assert (two.split_pairs, two.kept_apart) == (one.split_pairs, one.kept_apart)


def _dying(groups: object) -> object:
    os._exit(1)


def test_a_group_whose_worker_dies_is_clustered_by_the_parent(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    one = dedup.scan([SAMPLES], jobs=1)
    _every_group_clustered_here(monkeypatch)
    monkeypatch.setattr("dedup.batch.workers._cluster_task", _dying)
    two = dedup.scan([SAMPLES], jobs=2)
    assert two.clusters == one.clusters
    assert (two.split_pairs, two.kept_apart) == (one.split_pairs, one.kept_apart)


def test_a_chunk_stored_from_its_rows_is_stored_as_from_its_documents(tmp_path: Path) -> None:
    pages = tmp_path / "pages"
    pages.mkdir()
    for path in sorted(SAMPLES.rglob("*.txt"))[:6]:
        (pages / path.name).write_bytes(path.read_bytes())
    (pages / "nav-only.html").write_text("<html><body><nav>首页</nav></body></html>", "utf-8")
    inputs, _ = list_inputs([pages])
    chunk = process_chunk(inputs, Fingerprinter(DedupConfig()))
    reasons = [exclusion(d, f) for d, f in zip(chunk.documents, chunk.fingerprints, strict=True)]
    clustered = [row for row, reason in enumerate(reasons) if not reason]
    assert 0 < len(clustered) < len(chunk.documents)  # a page left out, its document kept

    def picked(items: list[Any]) -> list[Any]:
        return [items[row] for row in clustered]

    plain, from_rows = PageStore(tmp_path), PageStore(tmp_path)
    try:
        stored = plain.add_documents(chunk.documents)
        plain.cluster(stored[row] for row in clustered)
        plain.add_pages(
            *map(picked, (chunk.fingerprints, chunk.signatures, chunk.anchors, chunk.figures))
        )
        rows = pickle.loads(pickle.dumps(ChunkRows.of(chunk)))  # as it comes from a worker
        stored = from_rows.add_document_rows(rows.documents)
        from_rows.cluster(stored[row] for row in rows.clustered)
        from_rows.add_page_rows(rows.pages)
        assert rows.clustered == clustered and rows.skips == chunk.skips
        assert [s.reason for s in rows.excluded] == [r for r in reasons if r]
        assert rows.pages.signature_array().tolist() == np.stack(picked(chunk.signatures)).tolist()
        assert [a.tolist() for a in rows.pages.anchor_arrays()] == [
            a.tolist() for a in picked(chunk.anchors)
        ]
        for store in (plain, from_rows):
            store.flush()
        for name in sorted(os.listdir(plain.path)):
            written = Path(plain.path, name).read_bytes()
            assert Path(from_rows.path, name).read_bytes() == written, name
        assert StoredDocuments(from_rows) == chunk.documents
        assert StoredDocuments(from_rows, clustered=True) == picked(chunk.documents)
        assert list(stored_figures(from_rows) or []) == picked(chunk.figures)
    finally:
        plain.close()
        from_rows.close()
