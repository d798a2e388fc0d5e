from __future__ import annotations

import threading
from pathlib import Path

import pytest

import dedup
from dedup import DedupConfig, Deduplicator, DuplicateIdError, InputError

from ..conftest import DISTINCT, PLANTED, SAMPLES
from ..pages import sample_text as page


def clusters_of(result: dedup.ScanResult) -> list[set[str]]:
    return [{m.document.doc_id for m in c.members} for c in result.duplicate_clusters]


@pytest.mark.parametrize("tokenizer", ["char", "jieba"])
def test_planted_clusters_come_out_exactly(tokenizer: str) -> None:
    result = dedup.scan([SAMPLES], DedupConfig(tokenizer=tokenizer))  # type: ignore[arg-type]
    assert sorted(clusters_of(result), key=sorted) == sorted(PLANTED, key=sorted)
    singletons = {c.representative.doc_id for c in result.clusters if c.size == 1}
    assert singletons == DISTINCT


def test_scan_is_deterministic_and_ordered() -> None:
    first, second = dedup.scan([SAMPLES]), dedup.scan([SAMPLES])
    assert first.clusters == second.clusters
    assert [c.size for c in first.clusters[:3]] == [4, 3, 3]
    assert first.clusters[0].original.doc_id == "jiangnan_daily/2025/0312/charging-plan.txt"


def test_seeds_002_003_004_stay_apart(seeds_dir: Path) -> None:
    result = dedup.scan([seeds_dir])
    cluster_of = {m.document.doc_id[:3]: c.cluster_id for c in result.clusters for m in c.members}
    assert len({cluster_of["002"], cluster_of["003"], cluster_of["004"]}) == 3
    assert len(result.documents) == 5


def test_scan_skips_bad_files_and_goes_on(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "image.txt").write_bytes(b"\x89PNG\x00\x00\x01\x02")
    (tmp_path / "nav.txt").write_text(
        "首页 | 新闻 | 财经 | 体育 | 娱乐\n京ICP备12345678号", "utf-8"
    )
    (tmp_path / "good.txt").write_bytes((SAMPLES / "cnews_tw/20250406/tea-export.txt").read_bytes())
    result = dedup.scan([tmp_path])
    assert [d.doc_id for d in result.documents] == ["good.txt"]
    reasons = {Path(s.path).name: s.reason for s in result.skipped}
    assert reasons["empty.txt"] == "empty file"
    assert "binary" in reasons["image.txt"]
    assert reasons["nav.txt"] == "no article body found"
    assert "image.txt" in caplog.text


def test_progress_reports_every_file() -> None:
    seen: list[tuple[int, int]] = []
    dedup.scan([SAMPLES], progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (15, 15)
    assert all(done <= total == 15 for done, total in seen)


def test_deduplicator_finds_copies_as_pages_arrive() -> None:
    dd = Deduplicator()
    assert (
        dd.add("https://jiangnan.example/1", page("jiangnan_daily/2025/0312/charging-plan.txt"))
        == []
    )
    assert (
        dd.add("https://other.example/2", page("jiangnan_daily/2025/0308/supercharger.txt")) == []
    )
    matches = dd.add("https://tw.example/3", page("cnews_tw/20250312/ev-charging.txt"))
    assert [m.doc_id for m in matches] == ["https://jiangnan.example/1"]
    assert matches[0].similarity == pytest.approx(1.0)
    partial = dd.query(page("hdzk_company/news/2025-charging.txt"))
    assert [m.doc_id for m in partial] == ["https://jiangnan.example/1", "https://tw.example/3"]
    assert partial[0].containment == pytest.approx(1.0) and partial[0].similarity < 0.7
    assert len(dd) == 3 and "https://tw.example/3" in dd and "https://x" not in dd


def test_query_does_not_index_and_duplicate_ids_are_refused() -> None:
    dd = Deduplicator()
    text = page("beichuan_news/a/2025-05-20-rice.txt")
    assert dd.query(text) == []
    assert len(dd) == 0
    dd.add("rice", text)
    with pytest.raises(DuplicateIdError, match="'rice' is already indexed"):
        dd.add("rice", text)
    with pytest.raises(InputError):
        dd.add("", text)


def test_pages_without_body_raise_and_are_never_indexed() -> None:
    dd = Deduplicator()
    for text in ("", "   \n", "首页 | 新闻 | 财经 | 体育 | 娱乐"):
        with pytest.raises(InputError, match="no article body"):
            dd.seen("nav", text)
        assert dd.query(text) == [] and dd.query_many([text]) == [[]]
    assert "nav" not in dd and len(dd) == 0


def test_deduplicator_is_safe_across_threads() -> None:
    dd = Deduplicator()
    text = page("jiangnan_daily/2025/0405/spring-tea.txt")
    errors: list[Exception] = []

    def worker(number: int) -> None:
        try:
            for item in range(10):
                dd.add(f"t{number}-{item}", text)
        except Exception as error:  # noqa: BLE001 - collected and asserted below
            errors.append(error)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors and len(dd) == 40
    assert len(dd.query(text)) == 40


def test_fast_path_gives_the_reference_clusters(tmp_path: Path) -> None:
    from ..syndication import build_gate
    from .test_quality_gate import our_articles

    build_gate(tmp_path, our_articles())
    fast = dedup.scan([tmp_path])
    reference = dedup.scan([tmp_path], reference=True)
    assert fast.clusters == reference.clusters
    assert dedup.scan([SAMPLES]).clusters == dedup.scan([SAMPLES], reference=True).clusters


def test_a_page_added_meanwhile_by_another_process_is_skipped_not_an_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from dedup.batch.pipeline import ALREADY_INDEXED, index_files

    folder = SAMPLES / "jiangnan_daily"
    dd = Deduplicator()
    first = "2025/0308/supercharger.txt"
    page_id = (folder / first).as_posix()  # the id index_files gives it: its path as given
    dd.add(page_id, page("jiangnan_daily/" + first))
    # The membership check before the batch says "not there", as when another process adds
    # the page between the check and the batch; the batch then finds it indexed.
    monkeypatch.setattr(Deduplicator, "__contains__", lambda self, doc_id: False)
    results, skipped = index_files(dd, [folder], add=True, jobs=1)
    refused = [skip.path for skip in skipped if skip.reason == ALREADY_INDEXED]
    assert [Path(path).relative_to(folder).as_posix() for path in refused] == [first]
    assert page_id not in [doc_id for doc_id, _ in results] and len(results) == 2
    with pytest.raises(DuplicateIdError):  # the library call itself still refuses loudly
        dd.add_many([("x", page("jiangnan_daily/2025/0308/supercharger.txt"))] * 2)
