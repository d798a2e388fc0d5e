"""The package's layout holds: roles in layers, no import cycle, no reach into private names.

Every import of a dedup module is counted, at module level or inside a function (a lazy
import is still a dependency); only ``if TYPE_CHECKING:`` blocks, which never run, are not.
The layers are those of docs/design.md: a module imports its own package and the layers
below it, never a layer beside or above it; the ground modules import one another.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from .conftest import REPO

PACKAGE = REPO / "dedup"
# Lowest first. The ground is every top-level module not named here.
LAYERS = {
    "readers": 1,
    "extract": 2,
    "fingerprint": 3,
    "verdict": 4,
    "xling": 4,
    "index": 5,
    "batch": 6,
    "tools": 7,
    "contrib": 7,
    "cli": 8,
    "__main__": 9,
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def layer(module: str) -> int:
    parts = module.split(".")
    return LAYERS.get(parts[1], 0) if len(parts) > 1 else 0


def is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports(path: Path, known: set[str]) -> list[tuple[str, list[str]]]:
    """The dedup modules a file imports (resolved to modules, not names), with the names
    taken from each."""
    found: list[tuple[str, list[str]]] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.extend((alias.name, []) for alias in node.names if alias.name in known)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.split(".")[0] != "dedup":
                return
            for alias in node.names:
                submodule = f"{node.module}.{alias.name}"
                if submodule in known:
                    found.append((submodule, []))
                else:
                    found.append((node.module, [alias.name]))
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    return found


def graph() -> dict[str, dict[str, list[str]]]:
    known = modules()
    edges: dict[str, dict[str, list[str]]] = {}
    for name, path in known.items():
        targets: dict[str, list[str]] = {}
        for target, names in imports(path, set(known)):
            if target != name:
                targets.setdefault(target, []).extend(names)
        edges[name] = targets
    return edges


def test_no_import_cycle() -> None:
    edges = graph()
    state: dict[str, int] = {}  # 1 on the path being walked, 2 done
    path: list[str] = []

    def walk(module: str) -> None:
        state[module] = 1
        path.append(module)
        for target in sorted(edges.get(module, {})):
            if state.get(target) == 1:
                cycle = [*path[path.index(target) :], target]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if target in edges and not state.get(target):
                walk(target)
        path.pop()
        state[module] = 2

    for module in sorted(edges):
        if not state.get(module):
            walk(module)


def test_each_layer_imports_only_its_own_package_and_those_below() -> None:
    wrong = []
    for module, targets in graph().items():
        if module == "dedup":  # the front: re-exports from every layer, lazily
            continue
        own = module.split(".")[:2]
        for target in targets:
            same_package = target.split(".")[:2] == own
            both_ground = layer(target) == layer(module) == 0
            if not (same_package or both_ground or layer(target) < layer(module)):
                wrong.append(f"{module} imports {target}")
    assert wrong == []


def test_no_module_takes_another_modules_private_names() -> None:
    reaching = [
        f"{module} takes {name} from {target}"
        for module, targets in graph().items()
        for target, names in targets.items()
        for name in names
        if name.startswith("_") and not name.startswith("__")
    ]
    assert reaching == []


def test_the_layers_cover_every_package() -> None:
    packages = {path.parent.name for path in PACKAGE.glob("*/__init__.py")}
    assert packages <= set(LAYERS), "give a new package its layer here and in docs/design.md"
