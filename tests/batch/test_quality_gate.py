"""The quality gate: a fixed labelled corpus built by tests/syndication.py from the
articles we wrote for samples/, scored on every run. Its floors live in
tests/data/quality_floors.json with their history: raising them is an edit, lowering them
needs a history entry that says why, or this test fails."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import opencc
import pytest

import dedup
from dedup.batch.pipeline import extract_file
from dedup.tools.evaluate import Scores, score

from ..conftest import SAMPLES
from ..syndication import Article, build_gate

FLOORS = Path(__file__).parent.parent / "data" / "quality_floors.json"
SOURCES = [
    "jiangnan_daily/2025/0312/charging-plan.txt",
    "jiangnan_daily/2025/0405/spring-tea.txt",
    "beichuan_news/a/2025-05-20-rice.txt",
    "jiangnan_daily/2025/0308/supercharger.txt",
    "cnews_tw/20250315/folk-festival.txt",
    "beichuan_news/a/2025-06-01-kindergarten.txt",
    "hdzk_company/news/2025-edge-controller.txt",
    "mirror_spam/news/show-1733.txt",
]


def our_articles() -> list[Article]:
    to_simplified = opencc.OpenCC("t2s")
    articles = []
    for number, relative in enumerate(SOURCES):
        (document,), _ = extract_file(SAMPLES / relative)
        body = to_simplified.convert(document.body).split("\n")
        articles.append(
            Article(f"a{number}", to_simplified.convert(document.title or ""), body, "2025-05-01")
        )
    return articles


@pytest.fixture(scope="module")
def gate_scores(tmp_path_factory: pytest.TempPathFactory) -> Scores:
    folder = tmp_path_factory.mktemp("gate")
    labels = build_gate(folder, our_articles())
    result = dedup.scan([folder])
    assert not result.skipped
    predicted = {m.document.doc_id: str(c.cluster_id) for c in result.clusters for m in c.members}
    return score(predicted, labels)


def floors() -> dict[str, float]:
    ledger = json.loads(FLOORS.read_text("utf-8"))
    return dict(ledger["floors"])


def test_floors_are_never_lowered_silently() -> None:
    ledger = json.loads(FLOORS.read_text("utf-8"))
    history = ledger["history"]
    assert history[-1]["floors"] == ledger["floors"], "the floors must be the last history entry"
    for before, after in itertools.pairwise(history):
        lowered = [k for k, v in after["floors"].items() if v < before["floors"].get(k, 0)]
        if lowered:
            assert after.get("lowered_on_purpose"), (
                f"{after['date']} lowers {lowered} without a reason"
            )


def test_gate_precision_recall_and_no_false_merge(gate_scores: Scores) -> None:
    floor = floors()
    assert gate_scores.documents == 56
    assert gate_scores.pairwise_precision >= floor["pairwise_precision"], gate_scores.false_merges
    assert gate_scores.pairwise_recall >= floor["pairwise_recall"], gate_scores.misses
    assert gate_scores.ari >= floor["ari"]
    assert len(gate_scores.false_merges) <= floor["false_merges"]
