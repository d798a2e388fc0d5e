"""Scoring clusters against labels: the figures, and labels that cannot be used."""

from __future__ import annotations

from pathlib import Path

import pytest

from dedup import InputError
from dedup.tools.evaluate import match_labels, read_labels, score


def test_scores_of_a_clustering_that_misses_one_member() -> None:
    scores = score(
        {"a": "1", "b": "1", "c": "2", "d": "3"}, {"a": "x", "b": "x", "c": "x", "d": "y"}
    )
    assert (scores.true_pairs, scores.predicted_pairs) == (3, 1)
    assert scores.pairwise_precision == 1.0 and scores.pairwise_recall == pytest.approx(1 / 3)
    assert scores.pairwise_f1 == pytest.approx(0.5)
    assert scores.bcubed_recall == pytest.approx(2 / 3) and scores.ari == pytest.approx(1 / 3)
    assert scores.false_merges == [] and scores.misses == [("a", "c"), ("b", "c")]


def test_a_perfect_clustering_scores_one_everywhere() -> None:
    truth = {"a": "x", "b": "x", "c": "y"}
    scores = score({"a": "1", "b": "1", "c": "2"}, truth)
    assert (scores.pairwise_f1, scores.bcubed_precision, scores.bcubed_recall, scores.ari) == (
        1.0,
        1.0,
        1.0,
        1.0,
    )


def test_labels_may_name_a_file_stem_and_unknown_ones_are_refused() -> None:
    doc_ids = ["site/a.html", "site/b.txt#3"]
    assert match_labels({"a": "1", "site/b.txt#3": "1"}, doc_ids) == {
        "site/a.html": "1",
        "site/b.txt#3": "1",
    }
    with pytest.raises(InputError, match="not among the scanned"):
        match_labels({"typo": "1"}, doc_ids)


@pytest.mark.parametrize(
    ("content", "message"),
    [("id,group\na,1\n", "doc_id and cluster"), ("doc_id,cluster\na,1\na,2\n", "a second time")],
    ids=["header", "twice"],
)
def test_unusable_labels_say_which_line_or_what_is_missing(
    tmp_path: Path, content: str, message: str
) -> None:
    labels = tmp_path / "labels.csv"
    labels.write_text(content, "utf-8")
    with pytest.raises(InputError, match=message):
        read_labels(str(labels))
