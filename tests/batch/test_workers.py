"""The local engine: chunks cross processes intact, and the number of workers changes nothing."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from dedup import DedupConfig
from dedup.batch.workers import ChunkResult, process_all, process_chunk
from dedup.fingerprint.fingerprinter import Fingerprinter
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
