"""The layout rules of the project, checked on the source tree.

- no import cycle between project modules (every import counts: module level, inside a
  function, under ``TYPE_CHECKING``);
- no module over 600 lines in ``optimizer/``, ``outputs/`` or ``regions/``;
- at most 8 modules at the top of ``optimizer/``; the public API stays on the package;
- ``docs/model.md`` names every function that builds constraints, so the formulation cannot
  fall behind the code.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("optimizer", "regions", "outputs")
MAX_LINES = 600
MAX_TOP_MODULES = 8
CONSTRAINT_CALLS = {"addConstraint", "LpConstraint"}
"""Calls that add a row to a PuLP problem."""


def modules(root: Path, packages=PACKAGES) -> dict[str, Path]:
    """Dotted module name → file, for every ``.py`` of the packages (tool scripts left out)."""
    found = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            rel = path.relative_to(root)
            if "tools" in rel.parts:
                continue
            parts = list(rel.with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = path
    return found


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """Project modules that ``name`` imports anywhere in its file."""
    is_package = path.name == "__init__.py"
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".") if is_package else name.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            candidates = [target, *(f"{target}.{a.name}" for a in node.names)]
        elif isinstance(node, ast.Import):
            candidates = [a.name for a in node.names]
        else:
            continue
        out.update(c for c in candidates if c in known and c != name)
    return out


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
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
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def import_graph(root: Path, packages=PACKAGES) -> dict[str, set[str]]:
    """Module → the project modules it imports."""
    found = modules(root, packages)
    return {name: imports_of(name, path, set(found)) for name, path in found.items()}


def constraint_builders(root: Path) -> set[str]:
    """Functions in ``optimizer/`` that add constraints: named ``add_*``, or calling PuLP's
    ``addConstraint``/``LpConstraint``, or the phased builder's ``lp.row``."""
    names = set()
    for path in (root / "optimizer").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            if node.name.startswith("add_") and node.name != "add_cost":
                names.add(node.name)
                continue
            for call in ast.walk(node):
                if not isinstance(call, ast.Call):
                    continue
                func = call.func
                called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                owner = getattr(getattr(func, "value", None), "id", "")
                if called in CONSTRAINT_CALLS or (called == "row" and owner == "lp"):
                    names.add(node.name)
                    break
    return names


# -- the rules on the project ----------------------------------------------------------------
def test_no_import_cycle_between_project_modules():
    assert cycles(import_graph(ROOT)) == []


def test_no_module_over_600_lines():
    long = {
        str(path.relative_to(ROOT)): n
        for path in modules(ROOT).values()
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}


def test_optimizer_top_level_is_small_and_keeps_the_public_api():
    top = sorted(p.name for p in (ROOT / "optimizer").glob("*.py"))
    assert len(top) <= MAX_TOP_MODULES, top
    import optimizer

    for name in ("solve", "regret", "sweep", "break_even", "monte_carlo", "hindcast",
                 "alternatives", "reality_gap", "why_this_state", "load_scenario", "Result",
                 "build_model", "from_cost_matrix", "make_executor"):  # fmt: skip
        assert callable(getattr(optimizer, name)), name


def test_model_doc_names_every_constraint_builder():
    doc = (ROOT / "docs" / "model.md").read_text(encoding="utf-8")
    named = set(re.findall(r"`([A-Za-z_][A-Za-z0-9_]*)`", doc))
    builders = constraint_builders(ROOT)
    # the builders known today: the check below must see them all
    assert {"add_siting", "add_markets", "add_labor_limits", "add_minerals", "split"} <= builders
    assert sorted(builders - named) == []


# -- the checks themselves, on hand-made trees ------------------------------------------------
def _write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def test_cycle_check_sees_lazy_and_type_checking_imports(tmp_path):
    _write(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/a.py": "def f():\n    from .b import g\n",
            "pkg/b.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg.a import f\n",
            "pkg/c.py": "from . import a\n",
        },
    )
    assert cycles(import_graph(tmp_path, ("pkg",))) == [["pkg.a", "pkg.b"]]


def test_cycle_check_passes_a_layered_tree(tmp_path):
    _write(
        tmp_path,
        {
            "pkg/__init__.py": "from .top import run\n",
            "pkg/low.py": "X = 1\n",
            "pkg/sub/__init__.py": "",
            "pkg/sub/mid.py": "from ..low import X\n",
            "pkg/top.py": "from .sub.mid import X\ndef run():\n    return X\n",
        },
    )
    graph = import_graph(tmp_path, ("pkg",))
    assert graph["pkg.sub.mid"] == {"pkg.low"}
    assert cycles(graph) == []


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("def add_rows(m):\n    pass\n", {"add_rows"}),
        ("def helper(p):\n    p.addConstraint(x <= 1)\n", {"helper"}),
        ("def helper(lp):\n    lp.row(('k',), [], 0.0)\n", {"helper"}),
        ("def reads(table):\n    return table.row(3)\n", set()),
    ],
)
def test_builder_check_finds_functions_that_add_rows(tmp_path, source, expected):
    _write(tmp_path, {"optimizer/m.py": source})
    assert constraint_builders(tmp_path) == expected
