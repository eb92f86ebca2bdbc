"""The habits of the codebase, checked with the suite: ruff on everything, mypy on the engine and the
labs, and no import cycles in concgui.

Both read their settings from pyproject.toml, so a developer's editor and CI
agree on what they say.
"""

from __future__ import annotations

import ast
import importlib.util
import subprocess
import sys
from pathlib import Path
from typing import Iterable, Iterator

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _run(module: str, *args: str) -> subprocess.CompletedProcess:
    if importlib.util.find_spec(module) is None:
        pytest.skip(f"{module} is not installed (it is in the test extra)")
    return subprocess.run([sys.executable, "-m", module, *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)


def test_ruff_finds_nothing() -> None:
    p = _run("ruff", "check", "concgui", "tests", "benchmarks", "packaging", "dev.py")
    assert p.returncode == 0, p.stdout + p.stderr


def test_mypy_passes_on_the_engine_and_the_labs() -> None:
    p = _run("mypy")  # files and options: [tool.mypy] in pyproject.toml
    assert p.returncode == 0, p.stdout + p.stderr


# --- no import cycles ---------------------------------------------------------------------------


def _module_names(src: Path) -> dict[str, Path]:
    """Dotted name -> file of every module under ``src``/concgui (a package by its ``__init__``)."""
    out = {}
    for path in sorted((src / "concgui").rglob("*.py")):
        parts = list(path.relative_to(src).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or \
        (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _import_time_imports(nodes: Iterable[ast.AST]) -> Iterator[ast.Import | ast.ImportFrom]:
    """The import statements among ``nodes`` that run when the module is imported."""
    for node in nodes:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            continue  # runs when called, not when imported
        elif isinstance(node, ast.If) and _is_type_checking(node.test):
            yield from _import_time_imports(node.orelse)  # the body is for the type checker only
        else:
            yield from _import_time_imports(ast.iter_child_nodes(node))


def _imports_of(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The concgui modules that importing ``name`` imports directly."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]

    def known(dotted: str) -> str | None:  # the module itself, or the nearest enclosing one
        while dotted and dotted not in modules:
            dotted = dotted.rpartition(".")[0]
        return dotted or None

    found = set()
    for node in _import_time_imports(ast.parse(path.read_text(encoding="utf-8")).body):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        else:
            base = node.module or ""
            if node.level:  # relative: from the package, up level - 1
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, *([base] if base else [])])
            # "from pkg import mod" imports the module pkg.mod; "from mod import name", just mod
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
        for t in targets:
            m = known(t) if t == "concgui" or t.startswith("concgui.") else None
            if m is not None and m != name:
                found.add(m)
    return found


def import_graph(src: Path) -> dict[str, set[str]]:
    """Module -> the concgui modules it imports at import time, for the package under ``src``."""
    modules = _module_names(src)
    return {name: _imports_of(name, path, modules) for name, path in modules.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of ``graph`` as [a, b, ..., a], or None."""
    done: set[str] = set()
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt in path:
                return path[path.index(nxt):] + [nxt]
            if nxt not in done:
                cycle = visit(nxt)
                if cycle:
                    return cycle
        path.pop()
        done.add(node)
        return None

    for node in sorted(graph):
        if node not in done:
            cycle = visit(node)
            if cycle:
                return cycle
    return None


def test_no_module_level_import_cycle_in_concgui() -> None:
    """Importing a concgui module never leads back to it (imports in functions or for typing aside).

    A cycle makes the import order matter: whichever module is imported first
    is seen half-initialised by the other, and a name taken from it at import
    time may not exist yet.
    """
    graph = import_graph(ROOT)
    assert "concgui.engine.events" in graph["concgui.engine.runner"], "the import parser found nothing"
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_the_cycle_check_finds_a_cycle_and_ignores_imports_in_functions_and_for_typing(tmp_path: Path) -> None:
    pkg = tmp_path / "concgui"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from concgui.sub import b\n")
    (pkg / "sub" / "b.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .. import a\n"
                                      "def f():\n    import concgui.a\n")
    assert import_graph(tmp_path) == {"concgui": set(), "concgui.sub": set(), "concgui.a": {"concgui.sub.b"},
                                      "concgui.sub.b": set()}
    assert find_cycle(import_graph(tmp_path)) is None
    (pkg / "sub" / "b.py").write_text("try:\n    from ..a import x\nexcept ImportError:\n    pass\n")
    assert find_cycle(import_graph(tmp_path)) == ["concgui.a", "concgui.sub.b", "concgui.a"]
