"""The language of a body: Chinese by its script, other languages by the bundled model."""

from __future__ import annotations

from pathlib import Path

import pytest

import dedup
from dedup.batch.report import clusters_frame
from dedup.extract.language import detect_language


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
