"""The scan's temporary store: the same results as in memory, and never left behind."""

from __future__ import annotations

import dataclasses
import os
import pickle
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner

import dedup
from dedup.batch import pipeline, spill
from dedup.batch.anchors import anchor_pairs
from dedup.batch.banding import candidate_pairs
from dedup.batch.clustering import cluster_documents
from dedup.batch.html_report import render_html
from dedup.batch.report import clusters_frame, documents_frame, render_csv
from dedup.batch.skips import exclusion
from dedup.batch.workers import process_chunk
from dedup.cli import main
from dedup.config import DedupConfig
from dedup.errors import DedupError
from dedup.fingerprint.anchors import anchors_of
from dedup.fingerprint.fingerprinter import Fingerprinter
from dedup.fingerprint.shingle import Fingerprint
from dedup.models import Document
from dedup.readers import list_inputs

from ..conftest import SAMPLES


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(spill.PREFIX))


def in_memory_clusters(folder: Path, config: DedupConfig) -> list[dedup.Cluster]:
    """The clusters as built with every body and fingerprint held in memory."""
    inputs, _ = list_inputs([folder])
    chunk = process_chunk(inputs, Fingerprinter(config))
    kept = [
        i
        for i, (d, f) in enumerate(zip(chunk.documents, chunk.fingerprints, strict=True))
        if not exclusion(d, f)
    ]
    documents = [chunk.documents[i] for i in kept]
    fingerprints = [chunk.fingerprints[i] for i in kept]
    signatures = np.stack([chunk.signatures[i] for i in kept])
    keys = pipeline.band_keys(signatures, bands=config.lsh_bands, rows=config.rows)
    pairs = {(int(i), int(j)) for i, j in candidate_pairs(keys)}
    anchored = anchor_pairs([anchors_of(f.shingles) for f in fingerprints])
    pairs |= {(int(i), int(j)) for i, j in anchored}
    return cluster_documents(documents, fingerprints, pairs, config).clusters


@pytest.mark.parametrize("jobs", [1, 2])
def test_spilled_scan_gives_the_in_memory_clusters_and_report_bytes(
    tmp_path: Path, jobs: int
) -> None:
    config = DedupConfig()
    expected = in_memory_clusters(SAMPLES, config)
    with dedup.scan([SAMPLES], config, jobs=jobs, tmp_dir=tmp_path) as result:
        assert leftovers(tmp_path)  # the store is in use, where it was asked to be
        assert result.clusters == expected
        for singletons in (False, True):
            spilled = render_csv(clusters_frame(result.clusters, include_singletons=singletons))
            memory = render_csv(clusters_frame(expected, include_singletons=singletons))
            assert spilled == memory
        plain = dataclasses.replace(result, clusters=expected)
        assert "".join(render_html(result)) == "".join(render_html(plain))
        bodies = {m.document.doc_id: m.document.body for c in expected for m in c.members}
        assert {d.doc_id: d.body for d in result.documents} == bodies
        assert render_csv(documents_frame(result))
    assert leftovers(tmp_path) == []


def test_a_stored_document_stands_for_its_plain_document(tmp_path: Path) -> None:
    document = Document("a/1.txt", "正文\ud800 body", path="a/1.txt", title="标题")
    store = spill.PageStore(tmp_path)
    (row,) = store.add_documents([document])
    stored = store.document(row)
    assert stored.body == document.body
    assert stored == document and document == stored
    assert hash(stored) == hash(document)
    assert pickle.loads(pickle.dumps(stored)) == document
    assert type(pickle.loads(pickle.dumps(stored))) is Document
    changed = dataclasses.replace(stored, title="另一个")
    assert type(changed) is Document and changed.body == document.body
    store.close()
    with pytest.raises(DedupError, match="closed"):
        _ = stored.body
    assert leftovers(tmp_path) == []


def test_a_stored_fingerprint_reads_back_equal_and_knows_its_size_unread(tmp_path: Path) -> None:
    fingerprints = [
        Fingerprint(np.array([1, 5, 9], dtype=np.uint32), np.array([7], dtype=np.uint32)),
        Fingerprint(np.zeros(0, dtype=np.uint32), np.zeros(0, dtype=np.uint32)),
    ]
    store = spill.PageStore(tmp_path)
    store.add_pages(fingerprints, [np.arange(4, dtype=np.uint32)] * 2)
    stored = spill.stored_fingerprints(store)
    assert len(stored) == 2 and stored[-1].size == 0
    assert [s.size for s in stored] == [3, 0]
    assert list(stored[0].shingles) == [1, 5, 9] and list(stored[0].numbers) == [7]
    assert stored[0].shingles.dtype == np.uint32
    copy = pickle.loads(pickle.dumps(stored[0]))
    assert type(copy) is Fingerprint and list(copy.shingles) == [1, 5, 9]
    assert list(spill.stored_signatures(store)[1]) == [0, 1, 2, 3]
    with pytest.raises(IndexError):
        stored[2]
    store.close()


def test_rows_written_after_a_read_are_read_back_too(tmp_path: Path) -> None:
    blobs = spill._Blobs(str(tmp_path / "blobs"))
    blobs.extend([b"", b"first"])
    assert [blobs.read(0), blobs.read(1)] == [b"", b"first"]
    blobs.extend([b"second", b""])
    blobs.extend([b"third"])
    assert [blobs.read(row) for row in range(5)] == [b"", b"first", b"second", b"", b"third"]
    assert blobs.read_part(4, 1, 3) == b"hir"
    blobs.close()


def test_a_store_of_empty_rows_reads_them_back(tmp_path: Path) -> None:
    blobs = spill._Blobs(str(tmp_path / "blobs"))
    blobs.extend([b"", b""])
    assert [blobs.read(0), blobs.read(1)] == [b"", b""]
    blobs.close()


@dataclasses.dataclass(frozen=True)
class _Wider:
    shingles: np.ndarray[Any, Any]
    weights: np.ndarray[Any, Any]
    lang: str | None


def test_records_keep_every_field_whatever_it_holds(tmp_path: Path) -> None:
    records = spill.Records(str(tmp_path / "records"), _Wider)
    written = [
        _Wider(np.array([3, 4], dtype=np.uint32), np.array([0.5]), "zh"),
        _Wider(np.array([], dtype=np.uint32), np.array([1.0, 2.0]), None),
    ]
    records.extend(written)
    for row, record in enumerate(written):
        back = records.read(row)
        assert back.lang == record.lang
        assert back.shingles.dtype == np.uint32
        assert np.array_equal(back.shingles, record.shingles)
        assert np.array_equal(back.weights, record.weights)
    with pytest.raises(TypeError, match="changed kind"):
        records.extend([_Wider(np.array([1], dtype=np.int64), np.array([1.0]), None)])
    records.close()


@dataclasses.dataclass(frozen=True, kw_only=True)
class _Named:
    lang: str
    shingles: np.ndarray[Any, Any]


def test_records_of_keyword_only_fields_read_back(tmp_path: Path) -> None:
    records = spill.Records(str(tmp_path / "records"), _Named)
    records.extend([_Named(lang="zh", shingles=np.array([3, 4], dtype=np.uint32))])
    back = records.read(0)
    assert back.lang == "zh" and list(back.shingles) == [3, 4]
    records.close()


def test_the_store_goes_when_clustering_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(pipeline, "cluster_all", broken)
    with pytest.raises(RuntimeError, match="boom"):
        dedup.scan([SAMPLES], jobs=1, tmp_dir=tmp_path)
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("jobs", [1, 2])
def test_the_store_goes_on_ctrl_c(tmp_path: Path, jobs: int) -> None:
    seen: list[str] = []

    def interrupt(done: int, total: int) -> None:
        seen.extend(leftovers(tmp_path))
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        dedup.scan([SAMPLES], jobs=jobs, tmp_dir=tmp_path, progress=interrupt)
    assert seen  # the store was there when the interrupt came
    assert leftovers(tmp_path) == []


def test_the_cli_removes_the_store_after_its_reports(tmp_path: Path) -> None:
    store = tmp_path / "store"
    store.mkdir()
    out = tmp_path / "report.csv"
    result = CliRunner().invoke(
        main,
        [
            "scan",
            str(SAMPLES),
            "--tmp-dir",
            str(store),
            "-o",
            str(out),
            "--html",
            str(out) + ".html",
        ],
    )
    assert result.exit_code == 0, result.output
    assert out.read_text("utf-8").count("\n") > 5
    assert leftovers(store) == []


def test_the_cli_removes_the_store_when_strict_fails(tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_bytes(b"")
    shutil.copy(SAMPLES / "cnews_tw/20250406/tea-export.txt", tmp_path / "good.txt")
    store = tmp_path / "store"
    store.mkdir()
    result = CliRunner().invoke(
        main,
        [
            "scan",
            str(tmp_path / "good.txt"),
            str(tmp_path / "empty.txt"),
            "--strict",
            "--tmp-dir",
            str(store),
        ],
    )
    assert result.exit_code == 1
    assert leftovers(store) == []


def test_too_little_space_is_one_clear_line_before_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(spill.shutil, "disk_usage", lambda _: shutil._ntuple_diskusage(1, 1, 1000))  # type: ignore[attr-defined]
    read: list[object] = []
    monkeypatch.setattr(pipeline, "process_all", lambda *a, **k: read.append(a))
    result = CliRunner().invoke(main, ["scan", str(SAMPLES), "--tmp-dir", str(tmp_path)])
    assert result.exit_code == 1
    message = result.output.strip()
    assert len(message.splitlines()) == 1
    assert str(tmp_path) in message and "free" in message and "--tmp-dir" in message
    assert read == [] and leftovers(tmp_path) == []


def test_space_needed_grows_with_the_input(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    free = 200 * 1024 * 1024
    monkeypatch.setattr(
        spill.shutil, "disk_usage", lambda _: shutil._ntuple_diskusage(free, 0, free)
    )  # type: ignore[attr-defined]
    spill.check_space(str(tmp_path), 10 * 1024 * 1024)
    with pytest.raises(spill.StoreSpaceError, match="needs about"):
        spill.check_space(str(tmp_path), 100 * 1024 * 1024)


def test_a_missing_tmp_dir_is_refused_by_the_cli(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["scan", str(SAMPLES), "--tmp-dir", str(tmp_path / "no")])
    assert result.exit_code == 2
    assert "--tmp-dir" in result.output


def test_input_bytes_counts_local_files(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_bytes(b"x" * 1000)
    (tmp_path / "b.txt").write_bytes(b"y" * 24)
    inputs, _ = list_inputs([tmp_path])
    assert spill.input_bytes(inputs) == 1024
    assert os.path.exists(tmp_path / "a.txt")  # user files are only read


def test_band_keys_read_back_a_band_at_a_time_give_the_pairs_of_the_array(
    tmp_path: Path,
) -> None:
    rng = np.random.default_rng(5)
    keys = rng.integers(0, 40, size=(700, 6)).astype(np.uint64)
    store = spill.PageStore(tmp_path)
    try:
        # Chunks of several sizes, one of them empty.
        for start, end in ((0, 1), (1, 129), (129, 129), (129, 300), (300, 700)):
            store.band_keys.extend(keys[start:end])
        assert len(store.band_keys) == len(keys) and store.band_keys.bands == 6
        for band in range(6):
            assert store.band_keys.column(band).tolist() == keys[:, band].tolist()
        assert candidate_pairs(store.band_keys).tolist() == candidate_pairs(keys).tolist()
    finally:
        store.close()


def test_figures_read_back_as_given_and_only_when_every_page_has_them(tmp_path: Path) -> None:
    prints = [Fingerprint(np.array([1], dtype=np.uint32), np.zeros(0, dtype=np.uint32))] * 2
    signatures = [np.arange(4, dtype=np.uint32)] * 2
    store = spill.PageStore(tmp_path)
    store.add_pages(prints, signatures, figures=[frozenset({"1203", "3.5"}), frozenset()])
    stored = spill.stored_figures(store)
    assert stored is not None and list(stored) == [{"1203", "3.5"}, frozenset()]
    store.add_pages(prints, signatures)  # pages without their figures: none is trusted
    assert spill.stored_figures(store) is None
    store.close()
