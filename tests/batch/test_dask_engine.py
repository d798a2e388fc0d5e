"""The Dask engine on a real LocalCluster of two worker processes: the local engine's bytes."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

pytest.importorskip("dask.dataframe", reason="the Dask engine needs: pip install 'dedup[dask]'")
distributed = pytest.importorskip("distributed")

from dedup.batch.dask_engine import partition_by_size  # noqa: E402
from dedup.cli import main  # noqa: E402
from dedup.readers import InputFile  # noqa: E402

from ..conftest import REPO, SAMPLES  # noqa: E402
from ..test_robustness import build_hostile_folder  # noqa: E402


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    # Its HTTP server on a free port: the default, 8787, may be taken by another cluster on
    # the machine, and the warning that says so is an error here.
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    ) as cluster:
        yield cluster.scheduler_address


def reports(folder: Path, tmp_path: Path, scheduler: str, *extra: str) -> tuple[bytes, bytes, str]:
    runner = CliRunner()
    outputs = []
    for engine in (["--engine", "local"], ["--engine", "dask", "--scheduler", scheduler]):
        out = tmp_path / f"{engine[1]}.csv"
        docs = tmp_path / f"{engine[1]}-docs.csv"
        result = runner.invoke(
            main,
            [
                "scan",
                str(folder),
                "--all",
                "-o",
                str(out),
                "--docs-out",
                str(docs),
                *engine,
                *extra,
            ],
        )
        assert result.exit_code == 0, result.stderr
        outputs.append((out.read_bytes() + docs.read_bytes(), result.stderr))
    return outputs[0][0], outputs[1][0], outputs[1][1]


def test_samples_give_the_same_report_bytes(
    scheduler: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(REPO)
    local, dask, stderr = reports(Path("samples"), tmp_path, scheduler)
    assert local == dask
    assert "15 files read" in stderr


def test_a_larger_messier_folder_gives_the_same_report_bytes(
    scheduler: str, tmp_path: Path
) -> None:
    from ..syndication import build_gate
    from .test_quality_gate import our_articles

    folder = tmp_path / "in"
    build_gate(folder / "gate", our_articles())
    build_hostile_folder(folder / "hostile")
    local, dask, stderr = reports(folder, tmp_path, scheduler, "--max-bytes", "65536")
    assert local == dask
    assert "dedup: skipped: " in stderr


def test_an_account_carried_inside_a_longer_page_is_found_as_locally(
    scheduler: str, tmp_path: Path
) -> None:
    # A witness's account carried inside a round-up three times its length: no LSH band
    # pairs them (checked below), only their shared anchors do (the containment candidates),
    # on both engines.
    import numpy as np

    from dedup.batch.banding import candidate_pairs
    from dedup.batch.workers import process_chunk
    from dedup.config import DedupConfig
    from dedup.fingerprint.bands import band_keys
    from dedup.fingerprint.fingerprinter import Fingerprinter
    from dedup.readers import list_inputs

    from .test_copy_classes import BULLETIN, REPORT, SAME_EVENT, TOLL, write

    folder = tmp_path / "in"
    folder.mkdir()
    around = REPORT.replace(BULLETIN, "")
    toll = TOLL.format(dead=5, missing=3, houses=120, loss=2.4)
    write(folder, "account.txt", SAME_EVENT, "2023-08-03 20:00")
    write(folder, "bulletin.txt", BULLETIN, "2023-08-03 18:00")  # the same event, no copy
    write(folder, "roundup.txt", "\n".join([around, SAME_EVENT, toll]), "2023-08-04 09:00")
    config = DedupConfig()
    chunk = process_chunk(list_inputs([folder])[0], Fingerprinter(config))
    keys = band_keys(np.stack(chunk.signatures), bands=config.lsh_bands, rows=config.rows)
    assert candidate_pairs(keys).size == 0
    local, dask, _ = reports(folder, tmp_path, scheduler)
    assert local == dask
    report = dask.decode("utf-8").split("cluster_id,doc_id")[0]  # the clusters, not the docs
    sizes = {row.split(",")[2]: row.split(",")[1] for row in report.splitlines()[1:]}
    assert sizes == {"account.txt": "2", "roundup.txt": "2", "bulletin.txt": "1"}


def test_a_photo_story_and_a_report_showing_one_of_its_photos_stay_apart_as_locally(
    scheduler: str, tmp_path: Path
) -> None:
    from ..photos import REPORT, REPOSTED, STORY
    from .test_copy_classes import write

    folder = tmp_path / "in"
    folder.mkdir()
    write(folder, "story.txt", STORY, "2023-08-04 21:00")
    write(folder, "report.txt", REPORT, "2023-08-05 09:00")
    write(folder, "story-repost.txt", REPOSTED, "2023-08-05 10:00")
    local, dask, _ = reports(folder, tmp_path, scheduler)
    assert local == dask
    report = dask.decode("utf-8").split("cluster_id,doc_id")[0]  # the clusters, not the docs
    sizes = {row.split(",")[2]: row.split(",")[1] for row in report.splitlines()[1:]}
    assert sizes == {"story.txt": "2", "story-repost.txt": "2", "report.txt": "1"}


def test_the_client_keeps_bodies_in_its_store_and_removes_it(
    scheduler: str, tmp_path: Path
) -> None:
    import dedup
    from dedup.batch.pipeline import scan_on_dask
    from dedup.batch.spill import PREFIX, StoredDocument

    with dedup.scan([SAMPLES], jobs=1) as local:
        expected = {d.doc_id: d.body for d in local.extracted}
    with scan_on_dask([SAMPLES], scheduler=scheduler, tmp_dir=tmp_path) as result:
        assert all(isinstance(d, StoredDocument) for d in result.extracted)
        assert {d.doc_id: d.body for d in result.extracted} == expected
        assert [p.name.startswith(PREFIX) for p in tmp_path.iterdir()] == [True]
    assert list(tmp_path.iterdir()) == []


def worker_scans(client: object) -> list[str]:
    """The scans' folders in the workers' local folders."""
    listings = client.run(lambda dask_worker: os.listdir(dask_worker.local_directory))  # type: ignore[attr-defined]
    return sorted(name for names in listings.values() for name in names if "dedup-scan" in name)


@pytest.mark.parametrize(
    "error", [RuntimeError("lost"), KeyboardInterrupt()], ids=["failure", "ctrl-c"]
)
def test_the_workers_files_go_when_the_scan_ends_fails_or_is_interrupted(
    scheduler: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: BaseException
) -> None:
    from dedup.batch import dask_engine
    from dedup.batch.pipeline import scan_on_dask

    held: list[list[str]] = []
    gather = dask_engine._gather_documents

    def gather_then_fail(client: object, *args: object) -> None:
        held.append(worker_scans(client))
        gather(client, *args)  # type: ignore[arg-type]
        if len(held) > 1:
            raise error

    monkeypatch.setattr(dask_engine, "_gather_documents", gather_then_fail)
    with distributed.Client(scheduler) as client:
        with scan_on_dask([SAMPLES], scheduler=scheduler, tmp_dir=tmp_path) as result:
            assert result.duplicate_clusters
        assert worker_scans(client) == []
        with pytest.raises(type(error)):
            scan_on_dask([SAMPLES], scheduler=scheduler, tmp_dir=tmp_path)
        assert worker_scans(client) == []
    # The partitions were on the workers' disks while the client gathered them: one scan's
    # folder in each worker's local folder.
    assert all(folders and len(set(folders)) == 1 for folders in held)
    assert list(tmp_path.iterdir()) == []  # and the client's store is gone too


def test_a_worker_that_cannot_see_a_part_asks_the_part_s_worker(scheduler: str) -> None:
    # On a cluster of several machines a worker does not see another's folder: it reads the
    # part through a task on the part's worker. Shown here by making one worker blind.
    from dedup.batch import dask_engine
    from dedup.config import DedupConfig
    from dedup.readers import list_inputs

    def blind(dask_worker: object) -> None:
        from dedup.batch import dask_engine

        dask_engine._sees_before = dask_engine._sees  # type: ignore[attr-defined]
        dask_engine._sees = lambda folder: False

    def sighted(dask_worker: object) -> None:
        from dedup.batch import dask_engine

        dask_engine._sees = dask_engine._sees_before  # type: ignore[attr-defined]

    scan = dask_engine.WORKER_PREFIX + "blind-test"
    with distributed.Client(scheduler) as client:
        owner, reader = sorted(client.scheduler_info()["workers"])
        items = list_inputs([SAMPLES])[0]
        part = client.submit(
            dask_engine._process, items, 0, DedupConfig(), scan, workers=[owner], pure=False
        ).result()
        client.run(blind, workers=[reader])
        try:
            read = client.submit(
                dask_engine._read_part,
                part,
                dask_engine._band_frame,
                0,
                DedupConfig(),
                workers=[reader],
                allow_other_workers=False,
                pure=False,
            ).result()
            seen = client.run(lambda dask_worker: dask_engine._sees("/"), workers=[reader])
            expected = dask_engine._band_frame(
                part, 0, DedupConfig()
            )  # read here, where the folder is seen
        finally:
            client.run(sighted, workers=[reader])
            client.run(dask_engine._remove_scan, scan)
    assert list(seen.values()) == [False]  # the reader was blind while it read
    assert part.kept > 0 and read.equals(expected)


def test_a_worker_folder_too_small_is_refused_before_reading(scheduler: str) -> None:
    from dedup.batch.dask_engine import check_worker_space
    from dedup.batch.spill import StoreSpaceError

    with (
        distributed.Client(scheduler) as client,
        pytest.raises(StoreSpaceError, match=r"a Dask worker's local folder: .* --local-directory"),
    ):
        check_worker_space(client, 10**18)


def test_partitions_keep_input_order_and_balance_bytes(tmp_path: Path) -> None:
    items = []
    for number, size in enumerate([100, 100, 100, 1000, 50, 50, 50, 50]):
        path = tmp_path / f"{number}.txt"
        path.write_bytes(b"x" * size)
        items.append(InputFile(str(path), path.name))
    parts = partition_by_size(items, 3)
    assert [item for part in parts for item in part] == items
    assert 2 <= len(parts) <= 4
    capped = partition_by_size(items, 1, most_bytes=200)
    assert [item for part in capped for item in part] == items
    # A part closes once it holds 200 bytes: 100+100, 100+1000, then the four of 50.
    assert [len(part) for part in capped] == [2, 2, 4]


def test_missing_dask_is_a_clear_message(monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    real_import = builtins.__import__

    def no_dask(name: str, *args: object, **kwargs: object) -> object:
        if name.startswith("dask"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(builtins, "__import__", no_dask)
    result = CliRunner().invoke(main, ["scan", str(SAMPLES), "--engine", "dask"])
    assert result.exit_code == 1 and "pip install 'dedup[dask]'" in result.stderr


def test_fsspec_urls_on_the_cluster(
    scheduler: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(REPO)
    runner = CliRunner()
    local = runner.invoke(main, ["scan", "samples"])
    url = runner.invoke(
        main, ["scan", f"file://{SAMPLES}", "--engine", "dask", "--scheduler", scheduler]
    )
    assert url.exit_code == 0, url.stderr
    strip = lambda text: [line.split(",", 4)[:3] for line in text.splitlines()]  # noqa: E731
    assert strip(url.stdout) == strip(local.stdout)  # same clusters, members and ids


class Ready:
    """A computed partition, as the client reads the workers' futures."""

    def __init__(self, frame: Any) -> None:
        self.frame = frame

    def result(self) -> Any:
        return self.frame

    def release(self) -> None:
        pass


def shuffled(frame: Any, on: str, parts: int) -> list[Any]:
    """`frame` cut as a shuffle on the column `on` would: each value's rows in one part."""
    home = frame[on].to_numpy().astype("uint64") % parts
    return [frame[home == part].reset_index(drop=True) for part in range(parts)]


def test_the_workers_links_make_the_local_engine_s_groups_and_common_anchors() -> None:
    # Pages copied many times from a few articles (band buckets past LARGE_BUCKET, pairs by
    # the thousand) with stock anchors, in three parts, through the shuffles' partition
    # functions: the groups and the common anchors are the local engine's, and no pair of
    # one band group is listed, so copies in one band group list no pairs of each other.
    import numpy as np
    import pandas as pd

    from dedup._arrays import component_labels
    from dedup.batch import dask_engine
    from dedup.batch.anchors import AnchorTable, sharing_pairs
    from dedup.batch.banding import bucket_links
    from dedup.batch.candidates import StoredCandidates
    from dedup.batch.clustering import GroupIndex
    from dedup.config import DedupConfig
    from dedup.fingerprint.bands import band_keys

    from .test_candidates import BANDS, ROWS, copied_pages

    signatures, anchors = copied_pages(5)
    count = len(signatures)
    config = DedupConfig(num_perm=BANDS * ROWS, bands=BANDS)
    assert (config.lsh_bands, config.rows) == (BANDS, ROWS)
    keys = band_keys(signatures, bands=BANDS, rows=ROWS)
    table = AnchorTable()
    table.extend(anchors)
    local_links, local_common = table.links()
    expected = component_labels(count, *np.concatenate([bucket_links(keys), local_links]).T)

    buckets = dask_engine._buckets(signatures, config)
    rows = pd.DataFrame(
        {"bucket": buckets.ravel(), "doc": np.repeat(np.arange(count), buckets.shape[1])}
    )
    band_links = [dask_engine._links_frame(part) for part in shuffled(rows, "bucket", 3)]
    assert all(len(links) < count for links in band_links)  # at most a link a page each
    bands = dask_engine._joined_labels(np.arange(count), [Ready(f) for f in band_links])
    assert bands.tolist() == component_labels(count, *bucket_links(keys).T).tolist()

    counts = np.array([a.size for a in anchors])
    held = pd.DataFrame(
        {
            "anchor": np.concatenate(anchors).astype(np.uint64),
            "doc": np.repeat(np.arange(count), counts),
            "count": np.repeat(counts, counts),
            "band": np.repeat(bands, counts),
        }
    )
    parts = shuffled(held, "anchor", 3)
    sharing = [dask_engine._sharing(part) for part in parts]
    listed = pd.concat([found for found, _ in sharing], ignore_index=True)
    assert (bands[listed["left"]] != bands[listed["right"]]).all()
    every = [sharing_pairs(part["anchor"].to_numpy(), part["doc"].to_numpy()) for part in parts]
    assert len(listed) < sum(len(np.unique(np.stack(p, 1), axis=0)) for p in every) / 2
    enough = [dask_engine._enough_frame(part) for part in shuffled(listed, "left", 3)]
    labels = dask_engine._joined_labels(bands, [Ready(frame) for frame in enough])
    assert labels.tolist() == expected.tolist()
    common = np.sort(np.concatenate([found for _, found in sharing]))
    assert common.size and common.tolist() == local_common.tolist()

    # A partition's groups (by their labels) hold the local engine's pages and pairs.
    made = StoredCandidates(list(signatures), anchors, common, BANDS, ROWS)
    grouped = np.flatnonzero(np.bincount(labels)[labels] > 1)
    index = dask_engine._group_index(grouped, labels[grouped], made)
    local = GroupIndex.of(count, np.concatenate([bucket_links(keys), local_links]), made)
    wanted = [local[n] for n in np.flatnonzero(local.sizes() > 1).tolist()]
    assert len(index) == len(wanted)
    for number, (pages, pairs) in enumerate(wanted):
        got_pages, got_pairs = index[number]
        assert got_pages.tolist() == pages.tolist()
        assert got_pairs.tolist() == pairs.tolist()


def copies_folder(folder: Path) -> None:
    """Articles copied dozens of times, cut short and retouched, and pages sharing a stock
    passage that more than `COMMON_ANCHOR` of them carry; all written here at random."""
    import random

    from dedup.batch.anchors import COMMON_ANCHOR

    from .test_copy_classes import write

    rng = random.Random(11)
    folder.mkdir()

    def text(length: int) -> str:
        sentences = []
        for _ in range(length // 20):
            sentences.append("".join(chr(0x4E00 + rng.randrange(3000)) for _ in range(19)) + "。")
        return "".join(sentences)

    stock = text(240)
    for article in range(3):
        body = text(900)
        for copy in range(45):
            kept = body[: int(len(body) * rng.uniform(0.35, 1.0))]
            retouched = list(kept)
            for _ in range(rng.randrange(6)):
                retouched[rng.randrange(len(retouched))] = chr(0x4E00 + rng.randrange(3000))
            write(folder, f"a{article}-{copy}.txt", "".join(retouched), "2023-08-03 10:00")
    for page in range(COMMON_ANCHOR + 20):
        write(folder, f"s{page}.txt", text(500) + "\n" + stock, "2023-08-04 10:00")


def test_many_copies_and_stock_passages_give_the_local_engine_s_groups_and_bytes(
    scheduler: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import numpy as np

    from dedup.batch import dask_engine, pipeline

    folder = tmp_path / "in"
    copies_folder(folder)
    found: dict[str, Any] = {}
    local_groups = pipeline._candidate_groups

    def keep_local(*args: Any) -> Any:
        found["local"] = index = local_groups(*args)
        return index

    in_workers = dask_engine._clustered_in_workers

    def keep_dask(*args: Any, **kwargs: Any) -> Any:
        found["dask"] = kwargs["labels"], kwargs["common"]
        return in_workers(*args, **kwargs)

    monkeypatch.setattr(pipeline, "_candidate_groups", keep_local)
    monkeypatch.setattr(dask_engine, "_clustered_in_workers", keep_dask)
    local, dask, _ = reports(folder, tmp_path, scheduler, "--jobs", "1")
    assert local == dask
    index = found["local"]
    labels, common = found["dask"]
    starts = index.page_starts
    grouped = np.flatnonzero(index.sizes() > 1)
    wanted = [index.pages[starts[n] : starts[n + 1]].tolist() for n in grouped]
    assert max(len(pages) for pages in wanted) >= 45
    got = [np.flatnonzero(labels == label).tolist() for label in np.unique(labels[labels >= 0])]
    assert got == wanted
    assert common.size and common.tolist() == index.pairs_of.common.tolist()
