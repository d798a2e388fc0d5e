"""The translation rule on vectors made by hand: no encoder needed."""

from __future__ import annotations

import numpy as np

from dedup.xling.encoder import DIMENSIONS, Encoded
from dedup.xling.facts import Facts, facts_of
from dedup.xling.matching import alignment, is_translation, match_translations, with_counterparts

NO_FACTS = Facts(frozenset(), frozenset(), han=False)


def unit(*weights: tuple[int, float]) -> np.ndarray:
    vector = np.zeros(DIMENSIONS, dtype=np.float32)
    for axis, weight in weights:
        vector[axis] = weight
    return vector / np.linalg.norm(vector)


def article(*sentences: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    rows = np.stack(sentences)
    mean = rows.mean(axis=0)
    return mean / np.linalg.norm(mean), rows.astype(np.float16)


def encoded(*articles: tuple[np.ndarray, np.ndarray]) -> Encoded:
    return Encoded(np.stack([a[0] for a in articles]), [a[1] for a in articles])


# Two stories about one event share a topic axis (0); each sentence has its own axis too.
EVENT = (0, 1.0)
STORY_A = [unit(EVENT, (10 + i, 1.2)) for i in range(4)]
STORY_B = [unit(EVENT, (20 + i, 1.2)) for i in range(4)]


def test_alignment_is_high_for_the_same_sentences_and_survives_truncation() -> None:
    full = article(*STORY_A)[1]
    assert alignment(full, full[:2]) > 0.99  # a translation cut short still aligns
    assert alignment(full, article(*STORY_B)[1]) < 0.55
    assert alignment(full, full[:0]) == 0.0


def test_translations_are_matched_and_a_same_event_story_is_not() -> None:
    english_a, chinese_a = article(*STORY_A), article(*[s * 1.0 for s in STORY_A])
    english_b = article(*STORY_B)
    links = match_translations(
        encoded(english_a, chinese_a, english_b),
        ["en", "zh", "en"],
        [None, None, None],
        [NO_FACTS] * 3,
    )
    assert [(link.left, link.right) for link in links] == [(0, 1)]
    assert links[0].score > 0.99


def test_two_translations_of_one_article_both_join_it() -> None:
    original = article(*STORY_A)
    simplified = article(*STORY_A)
    traditional = article(*[unit(EVENT, (10 + i, 1.0), (40, 0.3)) for i in range(4)])
    links = match_translations(
        encoded(original, simplified, traditional),
        ["en", "zh", "zh"],
        [None] * 3,
        [NO_FACTS] * 3,
    )
    assert [(link.left, link.right) for link in links] == [(0, 1), (0, 2)]


def test_one_language_alone_has_no_translation() -> None:
    links = match_translations(
        encoded(article(*STORY_A), article(*STORY_A)), ["zh", "zh"], [None] * 2, [NO_FACTS] * 2
    )
    assert links == []


def test_articles_published_weeks_apart_are_not_matched() -> None:
    day = 86400.0
    both = encoded(article(*STORY_A), article(*STORY_A))
    assert match_translations(both, ["en", "zh"], [0.0, 2 * day], [NO_FACTS] * 2)
    assert not match_translations(both, ["en", "zh"], [0.0, 30 * day], [NO_FACTS] * 2)
    assert match_translations(both, ["en", "zh"], [0.0, None], [NO_FACTS] * 2)


def test_disagreeing_figures_veto_a_well_aligned_pair() -> None:
    chinese = facts_of("营收350亿元，净利润48亿元，员工12000人。")
    same = facts_of("Revenue 35 billion yuan, profit 4.8 billion, 12,000 staff.")
    other = facts_of("Revenue 51 billion yuan, profit 6.2 billion, 8,000 staff.")
    assert is_translation(0.8, 3, 3)
    both = encoded(article(*STORY_A), article(*STORY_A))
    assert match_translations(both, ["zh", "en"], [None] * 2, [chinese, same])
    assert not match_translations(both, ["zh", "en"], [None] * 2, [chinese, other])


def test_only_articles_with_a_counterpart_in_the_window_are_worth_encoding() -> None:
    day = 86400.0
    languages = ["zh", "zh", "en", "zh", "", "fr"]
    instants = [0.0, 20 * day, 2 * day, None, 0.0, 40 * day]
    # zh at day 0 has en at day 2; zh at day 20 has none within a week (fr is at day 40);
    # the undated zh pairs with every dated article of another language; "" is unread.
    assert with_counterparts(languages, instants) == [True, False, True, True, False, True]
    assert with_counterparts(["zh", "zh"], [None, None]) == [False, False]
