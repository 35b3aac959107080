"""MiniLean's import graph: no cycles, project modules imported at the top of each file.

The graph is read statically (``ast``), counting every import: at module level, inside
functions and under ``if TYPE_CHECKING:`` alike, so that a cycle cannot hide behind a deferred
import. ``from pkg import name`` is an edge to ``pkg.name`` when that is a module, else to
``pkg``.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[3]
PACKAGE = "lean_gym.backends.minilean"
PACKAGE_DIR = REPO_ROOT / Path(*PACKAGE.split("."))


def _modules() -> dict[str, Path]:
    modules = {}
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        parts = list(path.relative_to(REPO_ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join(parts)] = path
    return modules


MODULES = _modules()


def _target(name: str) -> str | None:
    """The project module an import of ``name`` loads (its longest module prefix)."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _imports(module: str, path: Path) -> list[tuple[str, int, bool]]:
    """``(imported module, line, at module level)`` for every project import in ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top_level = {id(node) for node in tree.body}
    for node in tree.body:  # `if TYPE_CHECKING:` / `try:` blocks at the top count as top level
        if isinstance(node, (ast.If, ast.Try)):
            top_level.update(id(child) for child in ast.walk(node))
    found = []
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = module if path.name == "__init__.py" else module.rpartition(".")[0]
                for _ in range(node.level - 1):
                    package = package.rpartition(".")[0]
                base = f"{package}.{base}" if base else package
            names = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base
                for alias in node.names
            ]
        for name in names:
            target = _target(name)
            if target is not None and target != module:
                found.append((target, node.lineno, id(node) in top_level))
    return found


GRAPH = {module: _imports(module, path) for module, path in MODULES.items()}


def _cycles() -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    edges = {m: sorted({t for t, _, _ in imports}) for m, imports in GRAPH.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for v in edges:
        if v not in index:
            visit(v)
    return components


def test_the_walker_sees_the_package() -> None:
    assert f"{PACKAGE}.elab.core" in MODULES and f"{PACKAGE}.tactics.session" in MODULES
    # Edges that must exist: the walker is not vacuous.
    assert any(t == f"{PACKAGE}.elab.core" for t, _, _ in GRAPH[f"{PACKAGE}.elab.builtins"])
    assert any(t == f"{PACKAGE}.tactics.session" for t, _, _ in GRAPH[f"{PACKAGE}.tactics.basic"])


def test_the_walker_finds_a_planted_cycle() -> None:
    """The cycle finder on a graph with a known cycle (the walker's own check)."""
    saved = dict(GRAPH)
    try:
        GRAPH[f"{PACKAGE}.expr"] = [*GRAPH[f"{PACKAGE}.expr"], (f"{PACKAGE}.pretty", 1, False)]
        # pretty imports expr (directly and through others): the planted edge closes a cycle.
        assert any({f"{PACKAGE}.expr", f"{PACKAGE}.pretty"} <= set(c) for c in _cycles())
    finally:
        GRAPH.clear()
        GRAPH.update(saved)


def test_no_import_cycle_in_minilean() -> None:
    assert _cycles() == []


def test_project_modules_are_imported_at_the_top() -> None:
    """Deferred imports are for heavy third-party modules (z3), not for MiniLean's own."""
    deferred = [
        f"{MODULES[m].relative_to(REPO_ROOT)}:{line} imports {target}"
        for m, imports in GRAPH.items()
        for target, line, top in imports
        if not top
    ]
    assert deferred == []


@pytest.mark.parametrize("module", [f"{PACKAGE}.repl_server", f"{PACKAGE}.backend"])
def test_loading_minilean_does_not_import_z3(module: str) -> None:
    code = f"import sys, {module}; print('z3' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO_ROOT,
        check=True,
    )
    assert out.stdout.strip() == "False"
