from __future__ import annotations

import dataclasses
import re

import pytest

from dedup import ConfigError, DedupConfig, DedupError


def test_defaults_are_valid_and_bands_favour_recall() -> None:
    config = DedupConfig()
    assert config.lsh_bands * config.rows <= config.num_perm
    # 32 bands of 4 rows: a pair at Jaccard 0.5 becomes a candidate ~87% of the time.
    assert 1 - (1 - 0.5**config.rows) ** config.lsh_bands > 0.85


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("threshold", 1.5, "threshold must be in (0, 1], got 1.5"),
        ("threshold", 0, "threshold must be in (0, 1], got 0"),
        ("containment", -0.1, "containment must be in (0, 1]"),
        ("num_perm", 8, "num_perm must be an integer from 16 to 1024, got 8"),
        ("ngram", 0, "ngram must be an integer from 1 to 20"),
        ("tokenizer", "bpe", "tokenizer must be one of char, jieba, got 'bpe'"),
        ("bands", 500, "bands must be an integer from 1 to 128"),
        ("seed", True, "seed must be an integer"),
    ],
    ids=str,
)
def test_bad_values_are_refused_with_a_message_naming_them(
    field: str, value: object, message: str
) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        DedupConfig(**{field: value})  # type: ignore[arg-type]


def test_config_error_is_a_dedup_error_and_a_value_error() -> None:
    assert issubclass(ConfigError, DedupError)
    assert issubclass(ConfigError, ValueError)


def test_config_is_frozen_and_keyword_only() -> None:
    config = DedupConfig()
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.threshold = 0.5  # type: ignore[misc]
    with pytest.raises(TypeError):
        DedupConfig(0.5)  # type: ignore[misc]


def test_explicit_bands_set_rows() -> None:
    assert DedupConfig(bands=16).rows == 8
