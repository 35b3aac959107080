"""Imports point one way: no cycle in lean_gym's import graph, no heavy import at start-up.

The graph is read from the source (``ast``), not from a running interpreter: every ``import``
statement of a lean_gym module counts, at the top of the file or inside a function, since an
import deferred into a function is how a cycle hides. Importing ``a.b.c`` runs the ``__init__``
of ``a`` and ``a.b`` first, so those are edges too, except for packages the importing module is
itself inside (they are already being initialised when it runs).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import lean_gym

PACKAGE_ROOT = Path(lean_gym.__file__).resolve().parent
MINILEAN = "lean_gym.backends.minilean"


def module_files() -> dict[str, Path]:
    """Every module of the lean_gym package by dotted name (packages by their ``__init__``)."""
    modules = {}
    for path in sorted(PACKAGE_ROOT.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE_ROOT.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return modules


def _imported_names(tree: ast.AST, module: str, is_package: bool) -> Iterator[str]:
    """Dotted names imported anywhere in ``tree`` (relative imports resolved)."""
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = package.split(".")
                base_parts = base_parts[: len(base_parts) - (node.level - 1)]
                base = ".".join([*base_parts, node.module] if node.module else base_parts)
            else:
                base = node.module or ""
            yield base
            for alias in node.names:
                yield f"{base}.{alias.name}"


def import_graph() -> dict[str, set[str]]:
    """Module -> the lean_gym modules its import statements run."""
    modules = module_files()
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        is_package = path.name == "__init__.py"
        for imported in _imported_names(tree, name, is_package):
            if imported not in modules:
                continue  # a name inside a module (``from m import f``) or not lean_gym
            parts = imported.split(".")
            for i in range(1, len(parts) + 1):
                target = ".".join(parts[:i])
                inside = name == target or name.startswith(target + ".")
                if target in modules and target != name and not inside:
                    graph[name].add(target)
            if imported != name:
                graph[name].add(imported)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0

    def visit(node: str) -> None:
        nonlocal counter
        index[node] = low[node] = counter
        counter += 1
        stack.append(node)
        on_stack.add(node)
        for succ in sorted(graph[node]):
            if succ not in index:
                visit(succ)
                low[node] = min(low[node], low[succ])
            elif succ in on_stack:
                low[node] = min(low[node], index[succ])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def _in_minilean(module: str) -> bool:
    return module == MINILEAN or module.startswith(MINILEAN + ".")


def test_no_import_cycle_outside_minilean() -> None:
    outside = [c for c in cycles(import_graph()) if not all(_in_minilean(m) for m in c)]
    assert outside == [], "import cycles:\n" + "\n".join(" <-> ".join(c) for c in outside)


def test_no_import_cycle_in_minilean() -> None:
    inside = [c for c in cycles(import_graph()) if all(_in_minilean(m) for m in c)]
    assert inside == [], "import cycles:\n" + "\n".join(" <-> ".join(c) for c in inside)


def test_the_cycle_finder_sees_cycles_and_deferred_imports() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert cycles(graph) == [["a", "b", "c"]]
    tree = ast.parse("def f():\n    from lean_gym.errors import BackendError\n")
    assert "lean_gym.errors" in set(_imported_names(tree, "lean_gym.x", False))
    relative = ast.parse("from ..types import Goal\nfrom . import base\n")
    names = set(_imported_names(relative, "lean_gym.envs.step", False))
    assert {"lean_gym.types", "lean_gym.types.Goal", "lean_gym.envs.base"} <= names


def test_the_graph_knows_the_package() -> None:
    graph = import_graph()
    assert "lean_gym.types" in graph["lean_gym"]
    assert "lean_gym.integrity" in graph["lean_gym.backends.base"]
    # integrity depends on the checker protocol it defines, not on the backend module
    assert not any(m.startswith("lean_gym.backends") for m in graph["lean_gym.integrity"])


def test_import_lean_gym_imports_no_torch_transformers_or_z3() -> None:
    code = (
        "import sys, lean_gym\n"
        "heavy = [m for m in ('torch', 'transformers', 'z3') if m in sys.modules]\n"
        "print(heavy)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"
