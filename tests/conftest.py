"""Shared fixtures: the repository's samples and, when present beside the clone, ../shared."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "samples"
SHARED = REPO.parent / "shared"
SEEDS = SHARED / "seeds"

# The planted clusters of samples/: each press release and its re-posts.
PLANTED = [
    {
        "jiangnan_daily/2025/0312/charging-plan.txt",
        "cnews_tw/20250312/ev-charging.txt",
        "mirror_spam/news/show-1288.txt",
        "hdzk_company/news/2025-charging.txt",
    },
    {
        "jiangnan_daily/2025/0405/spring-tea.txt",
        "cnews_tw/20250406/tea-export.txt",
        "beichuan_news/a/2025-04-06-tea.txt",
    },
    {
        "beichuan_news/a/2025-05-20-rice.txt",
        "hdzk_company/news/2025-rice-variety.txt",
        "mirror_spam/news/show-1502.txt",
    },
]
DISTINCT = {
    "jiangnan_daily/2025/0308/supercharger.txt",
    "cnews_tw/20250315/folk-festival.txt",
    "beichuan_news/a/2025-06-01-kindergarten.txt",
    "hdzk_company/news/2025-edge-controller.txt",
    "mirror_spam/news/show-1733.txt",
}


@pytest.fixture
def seeds_dir() -> Path:
    if not SEEDS.is_dir():
        pytest.skip(f"the real seed pages are not beside this clone ({SEEDS} is absent)")
    return SEEDS


@pytest.fixture
def umask() -> Iterator[None]:
    """The process's umask is 022 for the test, which may set another, and is restored."""
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def seed_path(prefix: str) -> Path:
    if not SEEDS.is_dir():
        pytest.skip(f"the real seed pages are not beside this clone ({SEEDS} is absent)")
    return next(SEEDS.glob(f"{prefix}_*.txt"))


# `make fuzz` sets DEDUP_FUZZ=1: the same properties, with many more examples.
from hypothesis import settings  # noqa: E402

# The default suite is deterministic (the same examples every run); `make fuzz` explores.
settings.register_profile("default", deadline=None, derandomize=True)
settings.register_profile("fuzz", max_examples=3000, deadline=None)
settings.load_profile("fuzz" if os.environ.get("DEDUP_FUZZ") else "default")
