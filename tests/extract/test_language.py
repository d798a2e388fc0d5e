"""The language of a body: Chinese by its script, other languages by the bundled model."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dedup
from dedup.batch.report import clusters_frame
from dedup.extract.language import _language_by_script, detect_language


@pytest.mark.parametrize(
    ("body", "lang"),
    [
        ("江州市发布充电基础设施三年行动方案", "zh"),
        ("江州市發佈充電基礎設施三年行動方案", "zh"),
        ("四川醫(yī)用口罩企業(yè)增至18家", "zh"),  # pinyin residue of a spam mirror
        ("市场调研", "zh"),  # four characters
        ("GDP增长5.2% CPI上涨0.3% PMI回升", "zh"),  # acronyms are not English
        (
            "Home | News | About us | Contact | Login | Register\n"
            "江州市发布充电基础设施三年行动方案，到2027年底建成公共充电桩五万个\n"
            "Copyright 2025 All rights reserved | Privacy policy",
            "zh",
        ),
        ("Flood waters recede in the river valley", "en"),
        ("The city council approved a three-year plan for public charging stations.", "en"),
        ("Le conseil municipal a adopté un plan de trois ans pour les bornes.", "fr"),
        ("市議会は充電設備の三か年計画を承認した。", "ja"),
        ("시의회는 충전소 3개년 계획을 승인했다", "ko"),
    ],
    ids=[
        "simplified",
        "traditional",
        "pinyin-annotated",
        "four-characters",
        "acronyms",
        "english-navigation",
        "english-headline",
        "english-sentence",
        "french",
        "japanese",
        "korean",
    ],
)
def test_the_language_of_a_body(body: str, lang: str) -> None:
    assert detect_language(body) == lang


@pytest.mark.parametrize("body", ["", "2025-03-12 09:30", "— 12 —"], ids=["empty", "date", "dash"])
def test_a_body_without_letters_has_no_language(body: str) -> None:
    assert detect_language(body) == ""


def test_every_report_row_carries_its_language(tmp_path: Path) -> None:
    (tmp_path / "zh.txt").write_text(
        "江州市发布充电基础设施三年行动方案\n\n" + "江州市今天发布充电基础设施三年行动方案。" * 5,
        encoding="utf-8",
    )
    (tmp_path / "en.txt").write_text(
        "City adopts a charging plan\n\n"
        + "The city adopted a three-year plan for public charging stations today. " * 5,
        encoding="utf-8",
    )
    result = dedup.scan([tmp_path], jobs=1)
    frame = clusters_frame(result.clusters, include_singletons=True)
    languages = dict(zip(frame["doc_id"], frame["lang"], strict=True))
    assert languages == {"zh.txt": "zh", "en.txt": "en"}


def _scripts_by_patterns(sample: str) -> str:
    """The script rule written plainly with regular expressions: what the table lookup in
    `_language_by_script` must give."""
    han = len(re.sub(r"[^\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+", "", sample))
    kana = len(re.sub(r"[^\u3040-\u30ff]+", "", sample))
    hangul = len(re.sub(r"[^\uac00-\ud7af]+", "", sample))
    words = len(re.findall(r"(?<![A-Za-z])[A-Z]*[a-z][A-Za-z]*", sample))
    if not han and not hangul:
        return ""
    if kana and kana * 10 >= han and kana + han > words:
        return "ja"
    if hangul and hangul > words and hangul >= han:
        return "ko"
    return "zh" if han and han >= words else ""


_SCRIPT_TEXT = st.text(
    st.one_of(
        st.sampled_from("江州發佈市场のかカ시의회 GDPgdpAbcXYZ é,.。\n\ud800\uffff"),
        st.characters(),
    ),
    max_size=60,
)


@settings(max_examples=500, deadline=None)
@given(_SCRIPT_TEXT)
def test_scripts_are_counted_as_the_plain_patterns_count_them(sample: str) -> None:
    assert _language_by_script(sample) == _scripts_by_patterns(sample)
