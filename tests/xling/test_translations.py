"""Translated copies end to end: the seeds, a few NTREX articles, the CLI, the crawler.

The encoder reads about 0.15 s of a long article on a 2-core machine: these tests encode
five seeds and a dozen NTREX articles; the full calibration is benchmarks/eval_ntrex.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

import dedup
from dedup import DedupConfig, Deduplicator
from dedup.cli import main
from dedup.errors import ConfigError
from dedup.tools.evaluate import score
from dedup.xling import encoder

from ..conftest import SEEDS
from ..ntrex import CHINESE, load, write_wrapped
from .conftest import needs_encoder, needs_ntrex, needs_seeds, ntrex_records, write_pages

# Three reports of the 2018 Indonesia tsunami by three outlets (hard negatives of one
# another) and a report on another subject, each with its Simplified and Traditional
# translations.
ARTICLES = {"reuters.218914", "euronews-en.153826", "scotsman.133758", "bbc.381680"}


@needs_encoder
@needs_seeds
def test_the_seeds_translation_joins_its_original_and_the_other_articles_stay_apart() -> None:
    result = dedup.scan([SEEDS], DedupConfig(cross_lingual=True), jobs=1)
    clusters = {
        member.document.doc_id[:3]: (cluster.cluster_id, member.relation)
        for cluster in result.clusters
        for member in cluster.members
    }
    assert clusters["000"][1] == "original"
    assert clusters["001"] == (clusters["000"][0], "translation")
    others = {clusters[seed][0] for seed in ("002", "003", "004")}
    assert len(others) == 3 and clusters["000"][0] not in others
    assert [m.document.lang for m in result.clusters[0].members] == ["zh", "en"]


@needs_encoder
@needs_seeds
def test_without_the_option_the_translation_is_a_singleton() -> None:
    result = dedup.scan([SEEDS], jobs=1)
    assert all(cluster.size == 1 for cluster in result.clusters)


@needs_encoder
@needs_ntrex
def test_ntrex_articles_join_their_two_translations_and_never_each_other(tmp_path: Path) -> None:
    records = ntrex_records(ARTICLES, {"en", "zh-Hans", "zh-Hant"})
    labels = write_pages(records, tmp_path)
    result = dedup.scan([tmp_path], DedupConfig(cross_lingual=True), jobs=1)
    predicted = {m.document.doc_id: str(c.cluster_id) for c in result.clusters for m in c.members}
    scores = score(predicted, labels)
    assert scores.false_merges == []
    assert scores.pairwise_f1 >= 0.95


def test_the_option_without_the_encoder_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(encoder, "encoder_available", lambda: False)
    (tmp_path / "a.txt").write_text("Some page.", encoding="utf-8")
    result = CliRunner().invoke(main, ["scan", str(tmp_path), "--cross-lingual"])
    assert result.exit_code != 0
    assert "pip install 'dedup[xling]'" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    with pytest.raises(ConfigError, match=r"dedup\[xling\]"):
        Deduplicator(DedupConfig(cross_lingual=True))


def test_the_shared_index_refuses_the_option_before_connecting() -> None:
    with pytest.raises(ConfigError, match="in-memory index only"):
        Deduplicator(DedupConfig(cross_lingual=True), storage="redis://127.0.0.1:1/0")


def test_the_option_is_not_kept_with_an_index() -> None:
    assert "cross_lingual" not in DedupConfig(cross_lingual=True).index_settings()
    assert DedupConfig(cross_lingual=True).index_settings() == DedupConfig().index_settings()
    with pytest.raises(ConfigError, match="cross_lingual"):
        DedupConfig(cross_lingual="yes")  # type: ignore[arg-type]


@needs_encoder
@needs_seeds
def test_the_crawler_finds_the_translation_in_memory() -> None:
    dd = Deduplicator(DedupConfig(cross_lingual=True))
    pages = {path.name[:3]: path.read_text(encoding="utf-8") for path in sorted(SEEDS.iterdir())}
    for seed in ("000", "002", "003"):
        assert dd.add(seed, pages[seed]) == []
    matches = dd.add("001", pages["001"])
    assert [(m.doc_id, m.relation) for m in matches] == [("000", "translation")]
    assert 0.45 <= matches[0].similarity <= 1
    assert dd.query(pages["004"]) == []
    dd.remove("000")
    assert [m.relation for m in dd.query(pages["001"])] == ["duplicate"]  # itself only


@needs_encoder
@needs_seeds
def test_compare_explains_the_cross_lingual_evidence() -> None:
    result = CliRunner().invoke(
        main,
        [
            "compare",
            str(next(SEEDS.glob("000_*"))),
            str(next(SEEDS.glob("001_*"))),
            "--cross-lingual",
        ],
    )
    assert result.exit_code == 0, result.stderr
    assert "languages: A zh, B en" in result.stdout
    assert "cross-lingual verdict: translations" in result.stdout


@needs_encoder
@needs_ntrex
def test_wrapped_translations_are_found_and_same_event_reports_stay_apart(tmp_path: Path) -> None:
    records = [r for r in load(("en", *CHINESE)) if r.article in ARTICLES]
    labels = write_wrapped(records, tmp_path)
    result = dedup.scan([tmp_path], DedupConfig(cross_lingual=True), jobs=1)
    predicted = {m.document.doc_id: str(c.cluster_id) for c in result.clusters for m in c.members}
    scores = score(predicted, labels)
    assert scores.false_merges == []
    assert scores.pairwise_recall == 1.0
