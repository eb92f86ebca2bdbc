"""The shape the README's "How it is built" promises, checked on the source itself.

- One module makes QThreads (:mod:`concgui.gui.qt_worker`): one thread
  lifecycle, one abandon-on-shutdown rule.
- The engine never names the GUI's step kinds: it runs serial, threads and
  processes runs and says where (``ran_on``); how the window arranged a run
  is the window's business.
- One module keeps a run's life (:mod:`concgui.gui.run_session`): no other
  module keeps batch state or drives the run driver.
"""

from __future__ import annotations

import ast
from pathlib import Path

import concgui

PACKAGE = Path(concgui.__file__).parent
QT_WORKER = PACKAGE / "gui" / "qt_worker.py"
RUN_SESSION = PACKAGE / "gui" / "run_session.py"


def _modules(under: Path = PACKAGE) -> list[Path]:
    return sorted(p for p in under.rglob("*.py") if "__pycache__" not in p.parts)


def _qthread_makers(path: Path) -> list[str]:
    """Where ``path`` subclasses QThread or calls ``QThread(...)``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            for base in node.bases:
                if isinstance(base, ast.Name) and base.id == "QThread" or \
                        isinstance(base, ast.Attribute) and base.attr == "QThread":
                    found.append(f"{path.name}:{node.lineno} class {node.name}(QThread)")
        elif isinstance(node, ast.Call):
            f = node.func
            if isinstance(f, ast.Name) and f.id == "QThread" or isinstance(f, ast.Attribute) and f.attr == "QThread":
                found.append(f"{path.name}:{node.lineno} QThread()")
    return found


def test_one_module_makes_qthreads():
    makers = {p: _qthread_makers(p) for p in _modules()}
    assert makers[QT_WORKER], "qt_worker.py should be where QThreads are made"
    elsewhere = [m for p, found in makers.items() if p != QT_WORKER for m in found]
    assert not elsewhere, f"QThreads made outside concgui/gui/qt_worker.py: {elsewhere}"


def _string_constants(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {id(n.body[0].value) for n in ast.walk(tree)
                  if isinstance(n, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                  and n.body and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)}
    return {n.value for n in ast.walk(tree)
            if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docstrings}


def test_the_engine_never_names_a_gui_step_kind():
    from concgui.scenarios import StepKind

    gui_words = {k.value for k in StepKind} - {"normal"}
    named = {p.name: _string_constants(p) & gui_words for p in _modules(PACKAGE / "engine")}
    assert not {name: words for name, words in named.items() if words}


def test_only_the_session_drives_the_run_driver():
    """Batch state and the driver's start calls live in run_session.py alone (the window asks the session)."""
    calls = ("run_here", "run_blocking_wait", "take_pending", "set_pull", "set_progress_hz")
    offenders = []
    for p in _modules(PACKAGE / "gui"):
        if p in (RUN_SESSION, PACKAGE / "gui" / "run_driver.py"):
            continue
        for node in ast.walk(ast.parse(p.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr in calls:
                offenders.append(f"{p.name}:{node.lineno} .{node.attr}")
    assert not offenders, offenders
