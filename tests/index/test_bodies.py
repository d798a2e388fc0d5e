"""What the index keeps of a body for the slot check: nothing, or the text compressed."""

from __future__ import annotations

import zlib

import pytest

from dedup.index.bodies import NONE, BodyTable, body_text, kept_body

from ..notices import notice


@pytest.mark.parametrize(
    ("body", "below_utf8"),
    [
        (notice("青林"), True),
        # Beyond GB2312, and a supplementary character: GB18030 holds them all.
        (notice("青林") + " Ω ① 𠀀 ㎡ 臺北市、臺北市", True),
        (notice("青林") + "\udc80", False),  # a lone surrogate: kept as UTF-8
    ],
    ids=["chinese", "rare-characters", "surrogate"],
)
def test_a_kept_body_gives_back_the_text(body: str, below_utf8: bool) -> None:
    kept = kept_body(body)
    utf8 = zlib.compress(body.encode("utf-8", "surrogatepass"))
    assert kept and len(kept) < len(body.encode("utf-8", "surrogatepass"))
    assert (len(kept) < len(utf8)) is below_utf8
    assert body_text(kept) == body


def test_a_body_naming_no_place_twice_keeps_nothing() -> None:
    assert kept_body("据气象台消息，明天有大到暴雨，请注意防范。") == NONE
    assert kept_body("") == NONE and kept_body(None) == NONE


def test_a_body_showing_a_photo_credit_is_kept() -> None:
    from ..photos import REPORT

    assert body_text(kept_body(REPORT)) == REPORT


def test_a_body_kept_as_utf8_is_read_too_and_damage_is_refused() -> None:
    body = notice("石河")
    assert body_text(zlib.compress(body.encode("utf-8"))) == body
    with pytest.raises(ValueError, match="not a kept body"):
        body_text(b"\x01not zlib")


def test_a_body_table_keeps_rows_through_removal() -> None:
    table = BodyTable()
    kept = [kept_body(notice("青林")), NONE, kept_body(notice("石河"))]
    for body in kept:
        table.append(body)
    assert table.texts([0, 1, 2]) == [notice("青林"), "", notice("石河")]
    import numpy as np

    survivors = table.kept(np.array([False, True, True]))
    assert survivors.texts([0, 1]) == ["", notice("石河")]
    data, ends = survivors.arrays()
    assert BodyTable(data, ends)[1] == kept[2]
