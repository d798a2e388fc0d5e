"""The pages of docs/ on the crawler integrations name what the code has, and nothing else."""

from __future__ import annotations

import re
from importlib import import_module

import pytest

from ..conftest import REPO

SCRAPY_PAGE = REPO / "docs" / "scrapy.md"
SETTING = re.compile(r"\bDEDUP_[A-Z_]+\b")
PYTHON_BLOCK = re.compile(r"```python\n(.*?)```", re.DOTALL)


def test_the_scrapy_page_documents_every_setting_and_only_those() -> None:
    pytest.importorskip("scrapy", reason="the pipeline needs Scrapy: pip install 'dedup[scrapy]'")
    from dedup.contrib.scrapy import PIPELINE_SETTINGS, config_settings

    documented = set(SETTING.findall(SCRAPY_PAGE.read_text(encoding="utf-8")))
    read = {*PIPELINE_SETTINGS, *config_settings().values()}
    assert documented == read


def test_the_settings_snippet_names_the_pipeline_class() -> None:
    pytest.importorskip("scrapy", reason="the pipeline needs Scrapy: pip install 'dedup[scrapy]'")
    snippet = next(
        block
        for block in PYTHON_BLOCK.findall(SCRAPY_PAGE.read_text(encoding="utf-8"))
        if "ITEM_PIPELINES" in block
    )
    settings: dict[str, object] = {}
    exec(snippet, {}, settings)
    assert len(settings) == 3  # the three lines the page promises
    (path,) = settings["ITEM_PIPELINES"]  # type: ignore[misc]
    module, _, name = path.rpartition(".")
    assert callable(getattr(import_module(module), name).from_crawler)
