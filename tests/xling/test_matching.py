"""The translation rule on vectors made by hand: no encoder needed."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from dedup.xling import encoder
from dedup.xling.encoder import DIMENSIONS, Bodies
from dedup.xling.matching import align, match_translations, with_counterparts

# Each sentence is named "s<axis> <text>": its vector points along that axis, plus a shared
# event axis (0) so that different stories about one event are near one another.
EVENT = 0


def fake_encode(sentences: Sequence[str]) -> np.ndarray:
    rows = np.zeros((len(sentences), DIMENSIONS), dtype=np.float32)
    for row, sentence in enumerate(sentences):
        rows[row, EVENT] = 0.8
        rows[row, int(sentence.split()[0][1:])] = 1.0
    normalized: np.ndarray = rows / np.linalg.norm(rows, axis=1, keepdims=True)
    return normalized


@pytest.fixture(autouse=True)
def _hand_made_vectors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(encoder, "encode_sentences", fake_encode)


def body(*axes: int, numbers: Sequence[str] = ()) -> str:
    """A body of one sentence a line, each along its axis (with a number when given)."""
    figures = list(numbers) + [""] * len(axes)
    return "\n".join(f"s{axis} sentence {figures[i]}".strip() for i, axis in enumerate(axes))


STORY_A = tuple(range(10, 18))
STORY_B = tuple(range(20, 28))
# Another report of event A: it tells some of A's facts, in its own order.
SAME_EVENT = (17, 30, 15, 31, 12, 32, 33, 10)


def test_a_translation_aligns_in_order_and_a_same_event_story_does_not() -> None:
    bodies = Bodies([body(*STORY_A), body(*STORY_A), body(*SAME_EVENT)])
    bodies.whole([0, 1, 2])
    same = align(bodies.vectors(0), bodies.vectors(1), bodies.sentences[0], bodies.sentences[1])
    assert same.aligned == 8 and same.score == 1.0 and same.is_translation
    other = align(bodies.vectors(0), bodies.vectors(2), bodies.sentences[0], bodies.sentences[2])
    assert other.aligned == 1  # four shared sentences, but told in the opposite order
    assert not other.is_translation


def test_a_translation_cut_short_still_aligns() -> None:
    bodies = Bodies([body(*STORY_A), body(*STORY_A[:5])])
    bodies.whole([0, 1])
    found = align(bodies.vectors(0), bodies.vectors(1), bodies.sentences[0], bodies.sentences[1])
    assert found.score == 1.0 and found.longer_share == 5 / 8 and found.is_translation


def test_numbers_that_differ_within_aligned_sentences_veto_the_pair() -> None:
    figures = ("120 million", "35%", "2019", "4,800")
    bodies = Bodies(
        [
            body(*STORY_A[:4], numbers=figures),
            body(*STORY_A[:4], numbers=("1.2亿", "35%", "2019", "4800")),
            body(*STORY_A[:4], numbers=("51 billion", "62%", "2017", "9,000")),
        ]
    )
    bodies.whole([0, 1, 2])
    vectors, text = bodies.vectors, bodies.sentences
    agreeing = align(vectors(0), vectors(1), text[0], text[1])
    assert (agreeing.agreeing, agreeing.differing, agreeing.is_translation) == (4, 0, True)
    differing = align(vectors(0), vectors(2), text[0], text[2])
    assert (differing.differing, differing.is_translation) == (4, False)


def test_translations_are_matched_and_a_same_event_story_is_not() -> None:
    bodies = Bodies([body(*STORY_A), body(*STORY_A), body(*SAME_EVENT), body(*STORY_B)])
    links = match_translations(bodies, ["en", "zh", "en", "zh"], [None] * 4)
    assert [(link.left, link.right) for link in links] == [(0, 1)]
    assert links[0].score == 1.0


def test_the_same_event_story_stays_alone_when_the_translation_is_missing() -> None:
    bodies = Bodies([body(*SAME_EVENT), body(*STORY_A)])
    assert match_translations(bodies, ["en", "zh"], [None] * 2) == []


def test_two_translations_of_one_article_both_join_it_each_by_its_own_alignment() -> None:
    bodies = Bodies([body(*STORY_A), body(*STORY_A), body(*STORY_A[:6]), body(*SAME_EVENT)])
    links = match_translations(bodies, ["en", "zh", "zh", "zh"], [None] * 4)
    assert [(link.left, link.right) for link in links] == [(0, 1), (0, 2)]


def test_only_candidates_are_encoded_whole() -> None:
    bodies = Bodies([body(*STORY_A), body(*STORY_A), body(*STORY_B)])
    match_translations(bodies, ["en", "zh", ""], [None] * 3)
    assert bodies.encoded == 16  # the two candidates whole; the third not even its lead
    assert len(bodies.vectors(2)) == 0


def test_one_language_alone_has_no_translation() -> None:
    bodies = Bodies([body(*STORY_A), body(*STORY_A)])
    assert match_translations(bodies, ["zh", "zh"], [None] * 2) == []
    assert bodies.encoded == 0


def test_articles_published_weeks_apart_are_not_matched() -> None:
    day = 86400.0
    bodies = Bodies([body(*STORY_A), body(*STORY_A)])
    assert match_translations(bodies, ["en", "zh"], [0.0, 2 * day])
    assert not match_translations(bodies, ["en", "zh"], [0.0, 30 * day])
    assert match_translations(bodies, ["en", "zh"], [0.0, None])


def test_only_articles_with_a_counterpart_in_the_window_are_worth_encoding() -> None:
    day = 86400.0
    languages = ["zh", "zh", "en", "zh", "", "fr"]
    instants = [0.0, 20 * day, 2 * day, None, 0.0, 40 * day]
    # zh at day 0 has en at day 2; zh at day 20 has none within a week (fr is at day 40);
    # the undated zh pairs with every dated article of another language; "" is unread.
    assert with_counterparts(languages, instants) == [True, False, True, True, False, True]
    assert with_counterparts(["zh", "zh"], [None, None]) == [False, False]
