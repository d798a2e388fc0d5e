from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import click
import pandas as pd
import pytest
from click.testing import CliRunner

from dedup import __version__
from dedup.cli import main

from .conftest import DISTINCT, PLANTED, REPO, SAMPLES

GOLDEN = Path(__file__).parent / "data" / "samples_report.csv"


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.chdir(REPO)
    return CliRunner()


def test_report_on_samples_matches_the_golden_file(runner: CliRunner) -> None:
    # Re-pin on purpose only: dedup scan samples -o tests/data/samples_report.csv
    result = runner.invoke(main, ["scan", "samples"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout_bytes == GOLDEN.read_bytes()


def test_summary_goes_to_stderr(runner: CliRunner) -> None:
    result = runner.invoke(main, ["scan", "samples"])
    assert result.stderr.startswith(
        "dedup: 15 files read, 0 skipped; 15 documents; 3 clusters holding 10 documents;"
    )
    assert "dedup:" not in result.stdout


def test_output_file_and_all(runner: CliRunner, tmp_path: Path) -> None:
    target = tmp_path / "clusters.csv"
    result = runner.invoke(main, ["scan", "samples", "--all", "-o", str(target)])
    assert result.exit_code == 0 and result.stdout == ""
    frame = pd.read_csv(target, keep_default_na=False)
    assert len(frame) == 15
    assert frame["cluster_id"].is_monotonic_increasing
    assert frame.groupby("cluster_id")["is_representative"].first().all()


def test_options_reach_the_config(runner: CliRunner) -> None:
    strict = runner.invoke(main, ["scan", "samples", "--threshold", "1.0", "--containment", "1.0"])
    assert strict.exit_code == 0
    frame = pd.read_csv(io.StringIO(strict.stdout), keep_default_na=False)
    assert set(frame["relation"]) <= {"original", "duplicate", "partial", "extended"}
    jieba = runner.invoke(main, ["scan", "samples", "--tokenizer", "jieba", "--ngram", "3"])
    assert jieba.exit_code == 0 and jieba.stdout.count("\n") == 11


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["scan", "samples", "--threshold", "1.5"], "threshold must be in (0, 1], got 1.5"),
        (["scan", "samples", "--tokenizer", "bpe"], "Invalid value for '--tokenizer'"),
        (["scan"], "Missing argument 'PATHS...'"),
    ],
    ids=["threshold", "tokenizer", "no-paths"],
)
def test_bad_usage_exits_2(runner: CliRunner, args: list[str], message: str) -> None:
    result = runner.invoke(main, args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_missing_input_exits_2_before_any_work(runner: CliRunner, tmp_path: Path) -> None:
    # A path that does not exist is a mistake in the command, like a bad option: exit 2.
    result = runner.invoke(main, ["scan", "samples", str(tmp_path / "nope")])
    assert result.exit_code == 2
    assert "no such file or folder; check the path" in result.stderr


def test_skipped_files_still_exit_0_and_are_counted(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "a.txt").write_bytes((SAMPLES / "beichuan_news/a/2025-05-20-rice.txt").read_bytes())
    result = runner.invoke(main, ["scan", str(tmp_path)])
    assert result.exit_code == 0
    assert "empty.txt: empty file (skipped)" in result.stderr
    assert "1 file read, 1 skipped;" in result.stderr
    assert "dedup: skipped: 1 empty file\n" in result.stderr


def test_report_path_among_inputs_is_refused(runner: CliRunner, tmp_path: Path) -> None:
    page = tmp_path / "a.txt"
    page.write_text("x")
    result = runner.invoke(main, ["scan", str(page), "-o", str(page)])
    assert result.exit_code == 2 and "is one of the inputs" in result.stderr
    assert page.read_text() == "x"


def test_version(runner: CliRunner) -> None:
    result = runner.invoke(main, ["--version"])
    assert result.exit_code == 0 and __version__ in result.stdout


def test_every_command_has_help(runner: CliRunner) -> None:
    commands: list[tuple[str, click.Command]] = [("", main)]
    commands += [(name, command) for name, command in main.commands.items()]
    for name, command in commands:
        assert command.help, f"command {name or 'dedup'} has no help"
        result = runner.invoke(main, [*([name] if name else []), "--help"])
        assert result.exit_code == 0 and "Usage:" in result.stdout


def test_python_m_dedup_runs_the_cli() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "dedup", "scan", str(SAMPLES / "cnews_tw")],
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO,
    )
    assert completed.returncode == 0
    assert completed.stdout.startswith("cluster_id,cluster_size,doc_id")
    assert "3 files read" in completed.stderr


def _scan_samples_with_clustering(body: str) -> subprocess.CompletedProcess[str]:
    """`dedup scan samples` in a fresh process whose clustering step runs ``body``."""
    code = (
        "import sys, dedup.batch.pipeline as pipeline\n"
        "def boom(*a, **k):\n"
        + "".join(f"    {line}\n" for line in body.splitlines())
        + "pipeline.cluster_all = boom\n"
        "sys.argv = ['dedup', 'scan', 'samples']\n"
        "from dedup.cli import run; run()\n"
    )
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, cwd=REPO
    )


def test_internal_errors_are_one_line_not_a_traceback() -> None:
    completed = _scan_samples_with_clustering("raise RuntimeError('kaput')")
    assert completed.returncode == 1
    assert "Traceback" not in completed.stderr
    assert "internal error: RuntimeError: kaput" in completed.stderr


def test_an_error_while_handling_ctrl_c_is_still_an_interrupt() -> None:
    # A failure raised while a Ctrl-C is being handled (a pool's shutdown, say) is still
    # the user's Ctrl-C, and the user is told so, not asked to report an internal error.
    completed = _scan_samples_with_clustering(
        "try:\n"
        "    raise KeyboardInterrupt\n"
        "except KeyboardInterrupt:\n"
        "    raise RuntimeError('cannot join thread before it is started')"
    )
    assert completed.returncode == 130
    assert completed.stderr == "dedup: interrupted; no report was written\n"


def test_docs_out_lists_every_extracted_document(runner: CliRunner, tmp_path: Path) -> None:
    docs = tmp_path / "docs.csv"
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_bytes(
        (SAMPLES / "cnews_tw/20250312/ev-charging.txt").read_bytes()
    )
    (tmp_path / "in" / "nav.txt").write_text("首页 | 新闻 | 财经 | 体育 | 娱乐", "utf-8")
    result = runner.invoke(main, ["scan", str(tmp_path / "in"), "--docs-out", str(docs)])
    assert result.exit_code == 0, result.stderr
    frame = pd.read_csv(docs, keep_default_na=False)
    assert list(frame["doc_id"]) == ["a.txt", "nav.txt"]
    assert list(frame["status"]) == ["unique", "no article body found"]
    assert list(frame["cluster_id"]) == ["1", ""]
    assert frame.loc[0, "site"] == "产经新闻网" and frame.loc[0, "body_length"] > 500
    assert {"site_key", "source", "pinyin_annotated", "mojibake"} <= set(frame.columns)


def test_show_prints_metadata_flags_and_body(runner: CliRunner) -> None:
    result = runner.invoke(main, ["show", "samples/mirror_spam/news/show-1288.txt"])
    assert result.exit_code == 0, result.stderr
    assert "published: 2025-03-13T08:15:02" in result.stdout
    assert "flags:     pinyin_annotated, spam_injected" in result.stdout
    assert "3月12日，江州市發展和改革委員會" in result.stdout
    assert "(yè)" not in result.stdout and "九游会" not in result.stdout


def test_show_one_record_of_a_jsonl_file(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "feed.jsonl"
    body = (SAMPLES / "beichuan_news/a/2025-05-20-rice.txt").read_text("utf-8")
    records = [{"id": "r1", "body": body}, {"id": "r2", "body": "另一篇文章" * 10 + "。"}]
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records), "utf-8")
    result = runner.invoke(main, ["show", f"{path}#r2", "--no-body"])
    assert result.exit_code == 0 and "doc_id:    feed.jsonl#r2" in result.stdout
    assert "feed.jsonl#r1" not in result.stdout
    missing = runner.invoke(main, ["show", f"{path}#nope"])
    assert missing.exit_code == 1 and "has no record 'nope'" in missing.stderr


def test_field_option_maps_record_fields(runner: CliRunner, tmp_path: Path) -> None:
    body = (SAMPLES / "beichuan_news/a/2025-05-20-rice.txt").read_text("utf-8")
    (tmp_path / "a.jsonl").write_text(
        json.dumps({"article_body": body}, ensure_ascii=False), "utf-8"
    )
    (tmp_path / "b.jsonl").write_text(
        json.dumps({"article_body": body}, ensure_ascii=False), "utf-8"
    )
    result = runner.invoke(main, ["scan", str(tmp_path), "--field", "text=article_body"])
    assert result.exit_code == 0 and "a.jsonl#1" in result.stdout and "b.jsonl#1" in result.stdout
    bad = runner.invoke(main, ["scan", str(tmp_path), "--field", "body"])
    assert bad.exit_code == 2 and "fields take ROLE=NAME" in bad.stderr


def test_eval_scores_samples_against_labels_by_stem(runner: CliRunner, tmp_path: Path) -> None:
    labels = tmp_path / "labels.csv"
    rows = ["doc_id,cluster"]
    for number, group in enumerate(PLANTED):
        rows += [f"{Path(doc_id).stem},{number}" for doc_id in sorted(group)]
    rows += [f"{doc_id},solo-{n}" for n, doc_id in enumerate(sorted(DISTINCT))]
    labels.write_text("\n".join(rows) + "\n", "utf-8")
    result = runner.invoke(main, ["eval", "samples", "--labels", str(labels)])
    assert result.exit_code == 0, result.stderr
    assert "documents scored: 15" in result.stdout
    assert (
        "pairwise  precision 1.0000  recall 1.0000  F1 1.0000  (12 true pairs, 12 found)"
        in result.stdout
    )
    assert "ARI       1.0000" in result.stdout
    assert "split pairs 0" in result.stdout
    assert "false merges: none" in result.stdout and "misses: none" in result.stdout


def test_eval_lists_misses_and_refuses_unknown_labels(runner: CliRunner, tmp_path: Path) -> None:
    labels = tmp_path / "labels.csv"
    labels.write_text(
        "doc_id,cluster\ncharging-plan,x\nsupercharger,x\n2025-rice-variety,y\n", "utf-8"
    )
    result = runner.invoke(main, ["eval", "samples", "--labels", str(labels)])
    assert result.exit_code == 0
    assert "misses: 1;" in result.stdout and "supercharger.txt" in result.stdout
    labels.write_text("doc_id,cluster\nno-such-page,x\n", "utf-8")
    bad = runner.invoke(main, ["eval", "samples", "--labels", str(labels)])
    assert bad.exit_code == 1 and "'no-such-page'" in bad.stderr


def test_compare_explains_a_pair_with_shared_passages(runner: CliRunner) -> None:
    result = runner.invoke(
        main,
        [
            "compare",
            "samples/jiangnan_daily/2025/0312/charging-plan.txt",
            "samples/cnews_tw/20250312/ev-charging.txt",
        ],
    )
    assert result.exit_code == 0, result.stderr
    assert "similarity (exact Jaccard of shingles): 1.000" in result.stdout
    assert "copies of one article" in result.stdout
    assert "A: 3月12日，江州市发展和改革委员会" in result.stdout
    assert "B: 3月12日，江州市發展和改革委員會" in result.stdout
    apart = runner.invoke(
        main,
        [
            "compare",
            "samples/jiangnan_daily/2025/0312/charging-plan.txt",
            "samples/jiangnan_daily/2025/0308/supercharger.txt",
        ],
    )
    assert apart.exit_code == 0 and "not copies" in apart.stdout


def test_config_options_map_onto_config_fields_of_the_same_name() -> None:
    import dataclasses

    from dedup.cli import _CONFIG_OPTIONS
    from dedup.config import DedupConfig

    names = {field.name for field in dataclasses.fields(DedupConfig)}
    option_fields = {field for field, _, _ in _CONFIG_OPTIONS} | {"fields", "cross_lingual"}
    assert option_fields <= names
    assert names - option_fields == {"min_containment_shingles"}


def test_jobs_1_and_jobs_2_write_identical_reports(runner: CliRunner, tmp_path: Path) -> None:
    source = tmp_path / "many"
    for copy in range(10):  # 150 files: three chunks, so two workers really share them
        for page in SAMPLES.rglob("*.txt"):
            target = source / f"c{copy}" / page.relative_to(SAMPLES)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(page.read_bytes())
    reports = []
    for jobs in ("1", "2"):
        out = tmp_path / f"report-{jobs}.csv"
        result = runner.invoke(main, ["scan", str(source), "--all", "--jobs", jobs, "-o", str(out)])
        assert result.exit_code == 0, result.stderr
        assert "150 files read" in result.stderr
        reports.append(out.read_bytes())
    assert reports[0] == reports[1]


def test_index_add_query_and_stats(runner: CliRunner, tmp_path: Path) -> None:
    index = str(tmp_path / "news.dedup")
    first = runner.invoke(main, ["index", "add", index, "samples/jiangnan_daily"])
    assert first.exit_code == 0, first.stderr
    assert "3 pages added" in first.stderr and "it holds 3 pages" in first.stderr
    second = runner.invoke(main, ["index", "add", index, "samples/cnews_tw"])
    frame = pd.read_csv(io.StringIO(second.stdout), keep_default_na=False)
    row = frame[frame["doc_id"] == "samples/cnews_tw/20250312/ev-charging.txt"].iloc[0]
    charging = "samples/jiangnan_daily/2025/0312/charging-plan.txt"
    assert (row["match_id"], row["relation"]) == (charging, "duplicate")
    again = runner.invoke(main, ["index", "add", index, "samples/cnews_tw"])
    assert "0 pages added" in again.stderr and "3 skipped" in again.stderr
    query = runner.invoke(main, ["index", "query", index, "samples/hdzk_company"])
    assert query.exit_code == 0
    frame = pd.read_csv(io.StringIO(query.stdout), keep_default_na=False)
    partial = frame[frame["doc_id"] == "samples/hdzk_company/news/2025-charging.txt"]
    assert set(partial["relation"]) == {"partial"}
    assert set(partial["original_id"]) == {charging}
    stats = runner.invoke(main, ["index", "stats", index])
    assert "pages:        6 (6 with an article body)" in stats.stdout
    missing = runner.invoke(main, ["index", "query", str(tmp_path / "none.dedup"), "samples"])
    assert missing.exit_code == 1 and "no such index" in missing.stderr
    unreachable = runner.invoke(main, ["index", "stats", "redis://127.0.0.1:1/0"])
    assert unreachable.exit_code == 1 and "check that Redis is running" in unreachable.stderr


def test_scan_save_index_makes_representatives_the_originals(
    runner: CliRunner, tmp_path: Path
) -> None:
    index = tmp_path / "scan.dedup"
    result = runner.invoke(main, ["scan", "samples", "--save-index", str(index)])
    assert result.exit_code == 0, result.stderr
    from dedup import Deduplicator

    dd = Deduplicator.load(index)
    assert len(dd) == 15
    (match, *_) = dd.query((SAMPLES / "mirror_spam/news/show-1288.txt").read_text("utf-8"))
    assert match.original_id == "jiangnan_daily/2025/0312/charging-plan.txt"


def test_index_add_and_a_saved_scan_keep_notices_of_two_districts_apart(
    runner: CliRunner, tmp_path: Path
) -> None:
    from dedup import Deduplicator

    from .notices import notice, reposted

    crawl = tmp_path / "crawl"
    crawl.mkdir()
    (crawl / "a-qinglin.txt").write_text(notice("青林"), "utf-8")
    (crawl / "b-shihe.txt").write_text(notice("石河", day=4, hour=20), "utf-8")
    (crawl / "c-repost.txt").write_text(reposted(notice("青林")), "utf-8")
    index = str(tmp_path / "notices.dedup")
    added = runner.invoke(main, ["index", "add", index, str(crawl), "--id-prefix", ""])
    assert added.exit_code == 0, added.stderr
    frame = pd.read_csv(io.StringIO(added.stdout), keep_default_na=False)
    matched = frame[frame["match_id"] != ""]
    assert list(zip(matched["doc_id"], matched["match_id"], strict=True)) == [
        ("c-repost.txt", "a-qinglin.txt")
    ]
    saved = tmp_path / "scan.dedup"
    scanned = runner.invoke(main, ["scan", str(crawl), "--save-index", str(saved)])
    assert scanned.exit_code == 0, scanned.stderr
    loaded = Deduplicator.load(saved)
    assert loaded.query(notice("东湖", day=5)) == []
    assert {m.doc_id for m in loaded.query(notice("青林"))} == {"a-qinglin.txt", "c-repost.txt"}
