"""Write docs/cli.md, the command-line reference, from the commands' own --help.

Run it (or ``make docs``) after changing a command or an option; a test fails while the page
and the help disagree. Usage::

    python scripts/gen_cli_docs.py [--check]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import click

from dedup.cli import main

TARGET = Path(__file__).resolve().parent.parent / "docs" / "cli.md"
WIDTH = 100  # help wrapped at a fixed width, so the page does not depend on the terminal

HEADER = """# Command-line reference

Generated from the commands' own `--help` by `scripts/gen_cli_docs.py` (`make docs`); do
not edit by hand: a test fails when this page and the help disagree.

Standard input and output, output files and exit codes: [usage.md](usage.md).
"""


def commands(
    command: click.Command, name: str, parent: click.Context | None = None
) -> list[tuple[str, click.Context]]:
    """Every command under `command`, depth first in the order they are listed, with the
    context its help is rendered in."""
    settings = {"terminal_width": WIDTH, "max_content_width": WIDTH, **command.context_settings}
    context = click.Context(command, info_name=name, parent=parent, **settings)
    found = [(context.command_path, context)]
    if isinstance(command, click.Group):
        for sub_name in command.list_commands(context):
            sub = command.get_command(context, sub_name)
            if sub is not None:
                found += commands(sub, sub_name, context)
    return found


def render() -> str:
    """The page, as it should read."""
    sections = [HEADER]
    for path, context in commands(main, "dedup"):
        sections.append(f"## `{path}`\n\n```text\n{context.get_help().rstrip()}\n```\n")
    return "\n".join(sections)


def main_(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the page is stale")
    args = parser.parse_args(argv)
    page = render()
    if args.check:
        current = TARGET.read_text(encoding="utf-8") if TARGET.exists() else ""
        if current != page:
            print(f"{TARGET.name} is stale: run python scripts/gen_cli_docs.py", file=sys.stderr)
            return 1
        return 0
    TARGET.write_text(page, encoding="utf-8")
    print(f"wrote {TARGET}")
    return 0


if __name__ == "__main__":
    sys.exit(main_())
