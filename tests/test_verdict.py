"""The copy rule: verdicts on measured pairs, one by one and over arrays, and relations."""

from __future__ import annotations

import numpy as np

from dedup.config import DedupConfig
from dedup.fingerprint.normalize import figures
from dedup.fingerprint.shingle import Fingerprint
from dedup.verdict import verify

CONFIG = DedupConfig(threshold=0.7, containment=0.9, min_containment_shingles=10)


def ids(values: range | list[int], numbers: range | list[int] | tuple[()] = ()) -> Fingerprint:
    return Fingerprint(
        np.array(sorted(set(values)), dtype=np.uint32),
        np.array(sorted(set(numbers)), dtype=np.uint32),
    )


def test_agreeing_numbers_lower_the_bar_and_disagreeing_ones_raise_it() -> None:
    # Jaccard 0.6: below the 0.7 threshold on words alone.
    left, right = range(0, 80), range(20, 100)
    assert not verify(ids(left), ids(right), CONFIG).is_copy
    assert verify(ids(left, range(10)), ids(right, range(10)), CONFIG).is_copy
    # A templated note: 0.82 Jaccard, different figures.
    note_a, note_b = range(0, 100), range(18, 100)
    assert verify(ids(note_a), ids(note_b), CONFIG).is_copy
    assert not verify(ids(note_a, range(10)), ids(note_b, range(10, 20)), CONFIG).is_copy
    assert verify(ids(note_a, range(10)), ids(range(0, 98), range(10, 20)), CONFIG).is_copy


def test_judging_many_pairs_at_once_is_judging_each() -> None:
    import itertools

    import numpy as np

    from dedup.verdict import judge, judge_many

    config = DedupConfig(number_agreement=0.9)  # above AGREEING_NUMBERS: both rules overlap
    grid = list(
        itertools.product(
            [0.0, 0.55, 0.6, 0.65, 0.7, 0.85, 0.9, 0.95],  # similarity
            [0.0, 0.74, 0.75, 0.8, 0.85, 1.0],  # containment
            [10, 29, 30, 500],  # shingles in the smaller body
            [None, 0.0, 0.5, 0.79, 0.8, 0.85, 0.9, 1.0],  # number agreement
        )
    )
    for tried in (config, CONFIG):
        columns = list(zip(*grid, strict=True))
        agreement = np.array([np.nan if a is None else a for a in columns[3]])
        together = judge_many(
            np.array(columns[0]), np.array(columns[1]), np.array(columns[2]), agreement, tried
        )
        alone = [judge(s, c, n, a, tried).is_copy for s, c, n, a in grid]
        assert together.tolist() == alone


def test_relations_of_many_copies_are_relation_of_each() -> None:
    import numpy as np

    from dedup.verdict import Verdict, relation_of, relations_of

    similarity = np.array([0.95, 0.7, 0.69, 0.4, 0.4, 0.4])
    sizes = np.array([300, 300, 500, 200, 300, 301])
    expected = [
        relation_of(Verdict(float(s), 1.0, True), 300, int(n), CONFIG)
        for s, n in zip(similarity, sizes, strict=True)
    ]
    assert relations_of(similarity, 300, sizes, CONFIG) == expected
    assert set(expected) == {"duplicate", "partial", "extended"}


def test_relation_of_is_relations_of_with_figures_changed_too() -> None:
    import itertools

    import numpy as np

    from dedup.verdict import Verdict, relation_of, relations_of

    bar = CONFIG.threshold - CONFIG.number_slack
    grid = list(
        itertools.product(
            [1.0, CONFIG.threshold, 0.69, bar, bar - 0.01, 0.3],  # similarity
            [100, 299, 300, 301, 599, 600, 601, 900],  # size against 300
            [False, True],  # figures changed
        )
    )
    alone = [
        relation_of(Verdict(s, 1.0, True), n, 300, CONFIG, figures_changed=c) for s, n, c in grid
    ]
    similarity, sizes, changed = (np.array(column) for column in zip(*grid, strict=True))
    together = relations_of(similarity, sizes, np.full(len(grid), 300), CONFIG, changed)
    assert together == alone
    assert set(alone) == {"duplicate", "updated", "partial", "extended", "quoted"}


def test_a_copy_at_least_twice_as_long_quotes_the_other() -> None:
    from dedup.verdict import Verdict, relation_of

    carried = Verdict(0.3, 0.95, True)
    assert relation_of(carried, 900, 300, CONFIG) == "quoted"
    assert relation_of(carried, 450, 300, CONFIG) == "extended"
    assert relation_of(carried, 300, 900, CONFIG) == "partial"


def test_changed_figures_make_an_update_of_the_same_text_only() -> None:
    from dedup.verdict import Verdict, figures_changed, relation_of

    toll = figures("台风已造成5人死亡，12人受伤，直接经济损失3.4亿元。")
    later = figures("台风已造成12人死亡，30人受伤，直接经济损失3.4亿元。")
    assert figures_changed(toll, later)
    assert not figures_changed(toll, toll | {"8"})  # a paragraph added, nothing changed
    same_text = Verdict(0.75, 0.8, True)
    assert relation_of(same_text, 300, 300, CONFIG, figures_changed=True) == "updated"
    assert relation_of(same_text, 300, 300, CONFIG) == "duplicate"
    cut_down = Verdict(0.3, 0.9, True)
    assert relation_of(cut_down, 100, 300, CONFIG, figures_changed=True) == "partial"


def test_dates_and_clock_times_are_not_figures() -> None:
    stated = figures("2023年8月2日14:30发布：截至08-02，全省转移群众1,200人，增长5.2%。")
    assert stated == {"1200", "5.2"}


def test_the_verdict_names_the_part_of_the_rule_that_decided() -> None:
    from dedup.verdict import BELOW_BARS, BY_CONTAINMENT, NUMBERS_DIFFER, TOO_SHORT, judge

    assert judge(0.3, 0.8, 200, None, DedupConfig()).decided_by == BY_CONTAINMENT
    assert judge(0.3, 0.8, 5, None, DedupConfig()).decided_by == TOO_SHORT
    assert judge(0.8, 0.9, 200, 0.4, DedupConfig()).decided_by == NUMBERS_DIFFER
    assert judge(0.2, 0.3, 200, None, DedupConfig()).decided_by == BELOW_BARS


def test_a_notice_filled_for_another_place_is_no_copy_once_its_slots_are_read() -> None:
    from dedup.fingerprint.fingerprinter import Fingerprinter
    from dedup.models import Document
    from dedup.verdict import SLOTS_DIFFER

    from .notices import notice, reposted

    config = DedupConfig()
    fingerprint = Fingerprinter(config).fingerprint
    issued = Document(doc_id="a", body=notice("青林"))
    for other, is_copy in (
        (Document(doc_id="b", body=notice("石河", day=4, hour=20)), False),
        (Document(doc_id="c", body=reposted(notice("青林"))), True),
    ):
        shingles_only = verify(fingerprint(issued.body), fingerprint(other.body), config)
        assert shingles_only.is_copy  # the frame is shared: the bars alone call both copies
        verdict = verify(fingerprint(issued.body), fingerprint(other.body), config, (issued, other))
        assert verdict.is_copy is is_copy
        assert (verdict.decided_by == SLOTS_DIFFER) is not is_copy


def test_a_report_showing_one_photo_of_a_photo_story_is_no_copy_of_it() -> None:
    from dedup.fingerprint.fingerprinter import Fingerprinter
    from dedup.models import Document
    from dedup.verdict import BY_CONTAINMENT, CAPTIONS_ONLY

    from .photos import REPORT, REPOSTED, STORY

    config = DedupConfig()
    fingerprint = Fingerprinter(config).fingerprint
    story = Document(doc_id="story", body=STORY)
    for other, is_copy in (
        (Document(doc_id="report", body=REPORT), False),
        (Document(doc_id="reposted", body=REPOSTED), True),
    ):
        # The captions repeat their background: the bars alone call the story contained.
        shingles_only = verify(fingerprint(story.body), fingerprint(other.body), config)
        assert shingles_only.is_copy and shingles_only.decided_by == BY_CONTAINMENT
        for first, second in ((story, other), (other, story)):
            verdict = verify(
                fingerprint(first.body), fingerprint(second.body), config, (first, second)
            )
            assert verdict.is_copy is is_copy
            assert (verdict.decided_by == CAPTIONS_ONLY) is not is_copy
