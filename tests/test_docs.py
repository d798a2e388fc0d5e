"""The docs: the CLI reference is the commands' own --help; the README stays a front door;
links lead somewhere; the design map names every package."""

from __future__ import annotations

import importlib.util
import re
import sys
from types import ModuleType

import pytest

from .conftest import REPO


def generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "gen_cli_docs", REPO / "scripts" / "gen_cli_docs.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(spec.name, module)
    spec.loader.exec_module(module)
    return module


def test_cli_reference_matches_the_commands_help() -> None:
    page = (REPO / "docs" / "cli.md").read_text(encoding="utf-8")
    assert page == generator().render(), (
        "docs/cli.md differs from the commands' --help: run `make docs` "
        "(python scripts/gen_cli_docs.py) and commit docs/cli.md"
    )


def test_cli_reference_lists_every_command_and_option() -> None:
    from dedup.cli import main

    page = (REPO / "docs" / "cli.md").read_text(encoding="utf-8")
    for path, context in generator().commands(main, "dedup"):
        assert f"## `{path}`" in page
        for parameter in context.command.params:
            for option in getattr(parameter, "opts", []):
                if option.startswith("-"):
                    assert option in page, f"{path} {option} missing from docs/cli.md"


README_LIMIT = 12 * 1024  # the README is the front door; reference pages live in docs/
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def test_the_readme_stays_a_front_door() -> None:
    size = len((REPO / "README.md").read_bytes())
    assert size <= README_LIMIT, (
        f"README.md is {size} bytes, over {README_LIMIT}: move reference material to docs/"
    )


@pytest.mark.parametrize(
    "page", ["README.md", *sorted(f"docs/{p.name}" for p in (REPO / "docs").glob("*.md"))]
)
def test_relative_links_lead_somewhere(page: str) -> None:
    source = REPO / page
    targets = LINK.findall(source.read_text(encoding="utf-8"))
    missing = [
        target
        for target in targets
        if "://" not in target and not (source.parent / target).exists()
    ]
    assert missing == [], f"{page} links to missing files"


def test_the_design_map_names_every_package() -> None:
    design = (REPO / "docs" / "design.md").read_text(encoding="utf-8")
    for package in sorted(p.parent.name for p in (REPO / "dedup").glob("*/__init__.py")):
        assert f"  {package}/" in design, f"docs/design.md's map lacks dedup/{package}/"
