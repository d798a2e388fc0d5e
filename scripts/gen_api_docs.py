"""Write docs/api.md, the library reference, from the public names' own docstrings.

Every name in ``dedup.__all__`` is listed with its signature and docstring; a class also
with its public methods and properties. Run it (or ``make docs``) after changing the
public API; a test fails while the page and the code disagree, or a public name has no
docstring. Usage::

    python scripts/gen_api_docs.py [--check]
"""

from __future__ import annotations

import argparse
import inspect
import sys
from pathlib import Path
from typing import Any

import dedup

TARGET = Path(__file__).resolve().parent.parent / "docs" / "api.md"

HEADER = """# Library reference

Generated from the docstrings of every public name (`dedup.__all__`) by
`scripts/gen_api_docs.py` (`make docs`); do not edit by hand: a test fails when this page
and the code disagree. The command line: [cli.md](cli.md).
"""


def public_names() -> list[str]:
    """The names `import dedup` offers, in `__all__` order, the version string left out."""
    return [name for name in dedup.__all__ if name != "__version__"]


def members(cls: type) -> list[tuple[str, Any]]:
    """A class's public methods and properties defined by dedup, in source order."""
    found = []
    for name, value in vars(cls).items():
        if name.startswith("_"):
            continue
        target = value.__func__ if isinstance(value, classmethod | staticmethod) else value
        if inspect.isfunction(target) or isinstance(target, property):
            found.append((name, value))
    return found


def signature(name: str, value: Any) -> str:
    target = value.__func__ if isinstance(value, classmethod | staticmethod) else value
    if isinstance(target, property):
        return f"{name}  (property)"
    try:
        return f"{name}{inspect.signature(target)}"
    except (TypeError, ValueError):
        return name


def docstring(value: Any) -> str:
    target = value.__func__ if isinstance(value, classmethod | staticmethod) else value
    return inspect.cleandoc(target.__doc__ or "")


def render() -> str:
    """The page, as it should read."""
    sections = [HEADER]
    for name in public_names():
        value = getattr(dedup, name)
        kind = "class" if inspect.isclass(value) else "function"
        sections.append(f"## `{name}` ({kind})\n\n```python\n{signature(name, value)}\n```\n")
        sections.append(docstring(value) + "\n")
        if inspect.isclass(value):
            for member, attribute in members(value):
                sections.append(
                    f"### `{name}.{member}`\n\n```python\n{signature(member, attribute)}\n```\n"
                )
                sections.append(docstring(attribute) + "\n")
    return "\n".join(sections)


def undocumented() -> list[str]:
    """Public names and members without a docstring."""
    missing = []
    for name in public_names():
        value = getattr(dedup, name)
        if not docstring(value):
            missing.append(name)
        if inspect.isclass(value):
            missing += [f"{name}.{m}" for m, a in members(value) if not docstring(a)]
    return missing


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the page is stale")
    args = parser.parse_args(argv)
    page = render()
    if args.check:
        stale = not TARGET.exists() or TARGET.read_text(encoding="utf-8") != page
        print("docs/api.md is stale: run make docs" if stale else "docs/api.md is current")
        return 1 if stale else 0
    TARGET.write_text(page, encoding="utf-8")
    print(f"wrote {TARGET}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
