"""The read-labelled pairs of benchmarks/real: well formed, and naming real corpus articles."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PAIRS = REPO / "benchmarks" / "real" / "pairs.jsonl"
CORPORA = REPO.parent / "shared" / "corpora"
LABELS = {"COPY", "EXCERPT", "SAME_EVENT", "TEMPLATE", "DIFFERENT"}


def rows() -> list[dict[str, object]]:
    with PAIRS.open(encoding="utf-8") as stream:
        return [json.loads(line) for line in stream if line.strip()]


def test_every_pair_has_a_label_a_reason_and_a_band() -> None:
    pairs = rows()
    assert len(pairs) >= 400
    assert len({(p["a"], p["b"]) for p in pairs}) == len(pairs)
    for pair in pairs:
        assert pair["label"] in LABELS, pair
        assert isinstance(pair["uncertain"], bool), pair
        assert pair["a"] != pair["b"], pair
        assert 0 < len(str(pair["reason"]).split()) <= 15, pair
        assert pair["band"], pair
    assert "text" not in pairs[0]  # ids and labels only: the texts stay in the corpora


def test_every_pair_names_articles_of_the_shared_corpora() -> None:
    if not CORPORA.exists():
        pytest.skip("needs ../shared/corpora beside the repository")
    known: set[str] = set()
    for path in CORPORA.glob("zh-*/*.jsonl"):
        with path.open(encoding="utf-8") as stream:
            known.update(json.loads(line)["id"] for line in stream)
    missing = [p for p in rows() if p["a"] not in known or p["b"] not in known]
    assert not missing, missing[:3]
