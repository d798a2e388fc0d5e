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


SERVE_PAGE = REPO / "docs" / "serve.md"
ENDPOINT = re.compile(r"`(GET|POST|DELETE|PUT) (/[^`\s]*)`")
CURL = re.compile(r"^curl .*$", re.MULTILINE)
PLACEHOLDER = re.compile(r"\{[^}]*\}")


def served_routes() -> set[tuple[str, str]]:
    """(method, path) of every route of the service, path parameters as ``{}``."""
    pytest.importorskip("fastapi", reason="the service needs FastAPI: pip install 'dedup[serve]'")
    from dedup import Deduplicator
    from dedup.contrib.http import IndexKeeper, ServiceOptions, make_app

    app = make_app(IndexKeeper(Deduplicator(), None, 0), ServiceOptions()).app
    routes = {
        (method.upper(), PLACEHOLDER.sub("{}", path))
        for path, methods in app.openapi()["paths"].items()
        for method in methods
    }
    return routes | {("GET", "/openapi.json"), ("GET", "/docs")}


def test_the_serve_page_documents_every_endpoint_and_only_those() -> None:
    table = [  # the first cell of each row of the endpoints' table
        line.split("|")[1]
        for line in SERVE_PAGE.read_text(encoding="utf-8").splitlines()
        if line.startswith("| `")
    ]
    documented = {
        (method, PLACEHOLDER.sub("{}", path))
        for cell in table
        for method, path in ENDPOINT.findall(cell)
    }
    assert documented == served_routes()


def test_every_curl_example_reaches_an_endpoint() -> None:
    routes = served_routes()
    examples = CURL.findall(SERVE_PAGE.read_text(encoding="utf-8"))
    assert len(examples) >= 5
    for example in examples:
        method = "DELETE" if "-X DELETE" in example else "POST" if " -d " in example else "GET"
        path = re.search(r"localhost:8731(/\S*)", example).group(1)  # type: ignore[union-attr]
        path = re.sub(r"^/pages/.*", "/pages/{}", path)
        assert (method, path) in routes, example
