"""docs/cli.md is the commands' own --help: it cannot drift from the code."""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType

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
