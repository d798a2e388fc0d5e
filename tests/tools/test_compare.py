"""Explaining a pair: a copy across scripts, and two articles of one site that are not."""

from __future__ import annotations

from dedup.batch.pipeline import extract_file
from dedup.models import Document
from dedup.tools.compare import compare

from ..conftest import SAMPLES
from ..pages import CHARGING


def document(relative: str) -> Document:
    (found,), _ = extract_file(SAMPLES / relative)
    return found


def test_a_traditional_copy_is_explained_as_a_copy() -> None:
    original, copy = document(CHARGING), document("cnews_tw/20250312/ev-charging.txt")
    comparison = compare(original, copy)
    assert comparison.is_copy and comparison.similarity == 1.0
    assert comparison.left_in_right == comparison.right_in_left == 1.0
    assert comparison.passages and "threshold" in comparison.rule
    # Passages are shown as each body has them: Simplified on one side, Traditional on the other.
    assert comparison.passages[0].left != comparison.passages[0].right


def test_another_article_on_the_same_site_is_not_a_copy() -> None:
    comparison = compare(document(CHARGING), document("jiangnan_daily/2025/0308/supercharger.txt"))
    assert not comparison.is_copy and comparison.similarity < 0.1
    assert "numbers disagree" in comparison.rule
    assert comparison.numbers_only_left and comparison.numbers_only_right


def test_a_notice_of_another_district_is_explained_by_its_slots() -> None:
    from ..notices import notice

    issued = Document(doc_id="a", body=notice("青林"))
    other = Document(doc_id="b", body=notice("石河", day=4, hour=20))
    comparison = compare(issued, other)
    assert not comparison.is_copy and comparison.similarity >= 0.7
    assert "different places" in comparison.rule and "青林" in comparison.rule
    assert comparison.slots.differ and comparison.relation is None


def test_a_report_showing_one_photo_of_a_photo_story_is_explained_by_its_captions() -> None:
    from ..photos import REPORT, STORY

    comparison = compare(Document(doc_id="a", body=REPORT), Document(doc_id="b", body=STORY))
    assert not comparison.is_copy and comparison.right_in_left >= 0.55
    assert "B is a photo story (4 photos" in comparison.rule
    assert "A shows 1 of its photos" in comparison.rule
    assert comparison.captions.carried_only and comparison.relation is None
