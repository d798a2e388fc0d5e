"""The library as a crawler meets it: empty pages, bytes, removal, batches, the README
snippet, and the API reference that cannot drift from the docstrings."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

from dedup import Deduplicator, InputError

from .conftest import REPO, SAMPLES

ORIGINAL = SAMPLES / "jiangnan_daily/2025/0312/charging-plan.txt"
COPY = SAMPLES / "cnews_tw/20250312/ev-charging.txt"
MIRROR = SAMPLES / "mirror_spam/news/show-1288.txt"
BIG5_COPY = SAMPLES / "cnews_tw/20250406/tea-export.txt"
TEA = SAMPLES / "jiangnan_daily/2025/0405/spring-tea.txt"


@pytest.mark.parametrize(
    "text", ["", "  \n ", "首页 | 新闻 | 财经 | 体育 | 娱乐"], ids=["empty", "blank", "nav"]
)
def test_a_page_without_body_raises_and_is_never_indexed(text: str) -> None:
    dd = Deduplicator()
    with pytest.raises(InputError, match="no article body"):
        dd.seen("id", text)
    with pytest.raises(InputError):
        dd.add_many([("ok", ORIGINAL.read_text("utf-8")), ("id", text)])
    assert "id" not in dd and "ok" not in dd and len(dd) == 0


def test_bytes_are_decoded_as_the_cli_decodes_files() -> None:
    dd = Deduplicator()
    assert dd.seen("tea", TEA.read_bytes()) is None
    raw = BIG5_COPY.read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    assert [m.doc_id for m in dd.query(raw)] == ["tea"]
    assert [m.doc_id for m in dd.add("big5", raw)] == ["tea"]


def test_removing_the_original_hands_the_group_to_the_next_page() -> None:
    dd = Deduplicator()
    dd.add("first", ORIGINAL.read_text("utf-8"))
    dd.add("second", COPY.read_bytes())
    dd.add("third", MIRROR.read_text("utf-8"))
    dd.remove("first")
    matches = dd.query(ORIGINAL.read_text("utf-8"))
    assert {m.doc_id for m in matches} == {"second", "third"}
    assert {m.original_id for m in matches} == {"second"}
    assert {m.original_id for m in dd.add("fourth", ORIGINAL.read_text("utf-8"))} == {"second"}


def test_query_many_takes_urls_and_bytes() -> None:
    dd = Deduplicator()
    dd.add("first", ORIGINAL.read_text("utf-8"))
    answers = dd.query_many(
        [COPY.read_bytes(), (MIRROR.read_text("utf-8"), "https://mirror.example/1288"), ""]
    )
    assert [[m.doc_id for m in found] for found in answers] == [["first"], ["first"], []]
    assert answers[1] == dd.query(MIRROR.read_text("utf-8"), url="https://mirror.example/1288")


def readme_snippets(page: str = "README.md") -> list[str]:
    text = (REPO / page).read_text("utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    # The in-process index's snippets, in order (the shared index's need a Redis server).
    return [
        block
        for block in blocks
        if ("Deduplicator" in block or "dd." in block) and "redis://" not in block
    ]


@pytest.mark.parametrize("page", ["README.md", "docs/crawler.md"])
def test_the_library_snippets_run_as_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, page: str
) -> None:
    snippets = readme_snippets(page)
    assert snippets and "from datetime import datetime" in snippets[0]
    (tmp_path / "samples").symlink_to(SAMPLES)
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {}
    for snippet in snippets:
        exec(compile(snippet, "README.md", "exec"), namespace)


def api_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "gen_api_docs", REPO / "scripts" / "gen_api_docs.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(spec.name, module)
    spec.loader.exec_module(module)
    return module


def test_every_public_name_has_a_docstring() -> None:
    assert api_generator().undocumented() == []


def test_api_reference_matches_the_docstrings() -> None:
    page = (REPO / "docs" / "api.md").read_text(encoding="utf-8")
    generator = api_generator()
    assert page == generator.render(), (
        "docs/api.md differs from the docstrings: run `make docs` "
        "(python scripts/gen_api_docs.py) and commit docs/api.md"
    )
    for name in generator.public_names():
        assert f"## `{name}`" in page
