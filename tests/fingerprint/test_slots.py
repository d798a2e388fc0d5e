"""Slots: one frame filled for different places, told from copies with light edits."""

from __future__ import annotations

from dedup.fingerprint.slots import compare_slots, fill_differently

from ..notices import notice, reposted


def test_one_notice_issued_by_two_districts_fills_its_slots_for_different_places() -> None:
    found = compare_slots(notice("青林"), notice("石河", day=4, hour=20), ngram=5)
    assert found.left_places == ("青林",) and found.right_places == ("石河",)
    values = {(slot.left_value, slot.right_value) for slot in found.slots}
    assert ("青林", "石河") in values
    assert ("3", "4") in values  # 8月3日15时 against 8月4日20时: a figure in the same place
    assert found.differ


def test_a_repost_with_light_edits_names_no_place_apart() -> None:
    # The re-post names another district once: a place named once is no slot value.
    found = compare_slots(notice("青林"), reposted(notice("青林")), ngram=5)
    assert not found.left_places and not found.right_places and not found.differ


def test_a_report_adding_its_own_place_names_a_place_apart_on_one_side_only() -> None:
    report = (
        notice("青林") + "石河区的防汛压力同样不小，石河区气象台预计未来三天仍有大到暴雨，"
        "石河区已提前转移沿河群众两千余人。"
    )
    found = compare_slots(notice("青林"), report, ngram=5)
    assert found.right_places == ("石河",) and not found.left_places
    assert not found.differ


def test_an_updated_figure_alone_is_no_different_place() -> None:
    found = compare_slots(notice("青林"), notice("青林", hour=18), ngram=5)
    assert not found.differ and not found.slots


def test_places_named_apart_without_a_differing_slot_are_not_enough() -> None:
    # Two different notices that share no frame: places apart, but no slot between shared words.
    other = "石河区文旅局发布消息，石河区博物馆将于下月起延长开放时间，周末开放至晚上九点。"
    found = compare_slots(notice("青林"), other, ngram=5)
    assert found.left_places and found.right_places and not found.differ


def test_the_quick_test_finds_what_the_whole_comparison_finds() -> None:
    report = notice("青林") + "石河区的防汛压力同样不小，石河区已提前转移沿河群众两千余人。"
    other = "石河区文旅局发布消息，石河区博物馆将于下月起延长开放时间，周末开放至晚上九点。"
    bodies = [
        notice("青林"),
        notice("石河", day=4, hour=20),
        reposted(notice("青林")),
        notice("青林", hour=18),
        report,
        other,
    ]
    found = {
        (a, b): fill_differently(left, right)
        for a, left in enumerate(bodies)
        for b, right in enumerate(bodies)
    }
    assert found == {
        (a, b): compare_slots(left, right).differ
        for a, left in enumerate(bodies)
        for b, right in enumerate(bodies)
    }
    assert found[0, 1] and found[1, 0] and not found[0, 5]
