"""A page seen many times (a crawler's soft-404): each add returns the best `max_matches`
matches and the original, and verifies a bounded number of candidates, on every backend."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from dedup import DedupConfig, Deduplicator
from dedup.index.matching import Matcher
from dedup.models import Match

from ..pages import CHARGING
from ..pages import sample_text as page

MakeIndex = Callable[..., Deduplicator]


def test_a_page_seen_many_times_returns_the_best_matches_and_the_original(
    make_index: MakeIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    verified: list[int] = []
    matches, matches_batch = Matcher.matches, Matcher.matches_batch

    def counted(self: Matcher, sample: object, candidates: object, *rest: object) -> list[Match]:
        verified.append(len(candidates.doc_ids))  # type: ignore[attr-defined]
        return matches(self, sample, candidates, *rest)  # type: ignore[arg-type]

    def counted_batch(
        self: Matcher, samples: list[object], owners: object, candidates: object, *rest: object
    ) -> list[list[Match]]:
        verified.append(len(candidates.doc_ids) // max(1, len(samples)))  # type: ignore
        return matches_batch(self, samples, owners, candidates, *rest)  # type: ignore[arg-type]

    monkeypatch.setattr(Matcher, "matches", counted)
    monkeypatch.setattr(Matcher, "matches_batch", counted_batch)
    dd = make_index(DedupConfig(max_matches=3))
    text = page(CHARGING)
    dd.add("first", text)
    for number in range(1, 60):
        found = dd.add(f"copy-{number}", text)
        assert len(found) == min(number, 3) + (number > 3)  # the best three, the original
        assert "first" in {match.doc_id for match in found}
        assert all(match.original_id == "first" for match in found)
    # The candidates are the 2 × 3 pages added first; every copy is as good a match as
    # another (ties go by doc_id), then the original.
    assert [match.doc_id for match in dd.query(text)] == ["copy-1", "copy-2", "copy-3", "first"]
    assert max(verified) <= 2 * DedupConfig(max_matches=3).max_candidates


def test_the_original_is_returned_even_when_it_ranks_below_the_best() -> None:
    matcher = Matcher(DedupConfig(max_matches=2))
    ranked = [
        Match(f"p{number}", 1.0 - number / 100, 1.0, "duplicate", "p9") for number in range(12)
    ]
    assert [match.doc_id for match in matcher.capped(ranked)] == ["p0", "p1", "p9"]
    assert matcher.capped(ranked[:2]) == ranked[:2]


def test_the_match_cap_is_not_part_of_what_an_index_keeps() -> None:
    assert "max_matches" not in DedupConfig(max_matches=7).index_settings()


def test_a_saved_index_answers_with_the_match_cap_it_is_loaded_with(tmp_path: Path) -> None:
    text = page(CHARGING)
    dd = Deduplicator(DedupConfig(max_matches=2))
    dd.add_many([("first", text)] + [(f"copy-{number}", text) for number in range(5)])
    dd.save(tmp_path / "copies.dedup")
    assert len(Deduplicator.load(tmp_path / "copies.dedup").query(text)) == 6
    capped = Deduplicator.load(tmp_path / "copies.dedup", max_matches=2).query(text)
    assert [match.doc_id for match in capped] == ["copy-0", "copy-1", "first"]
