"""The house's structure, read from the code: layers, cycles, private names, dependencies.

Every ``import`` and ``from … import`` in ``src/frictionminer`` is read with :mod:`ast` —
at module level, inside functions and under ``if TYPE_CHECKING:`` alike, since each of them
is a dependency a reader has to follow — and turned into a graph of modules.  The layer
order is declared once, in :data:`LAYERS`; docs/architecture.md draws the same picture.
"""

from __future__ import annotations

import ast
import functools
import importlib.metadata
import re
import sys
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import module_map
from conftest import REPO

SRC = REPO / "src"
PACKAGE = "frictionminer"

LAYERS: dict[str, int] = {
    "errors": 0,
    "schema": 0,
    "progress": 0,  # events of long work; the command line draws them
    "settings": 1,
    "io": 2,
    "scale": 3,
    "engine": 4,
    "auditing": 5,
    "reporting": 5,
    "simulation": 5,  # beside reporting: it may use engine and io
    "api": 6,  # the library face: one function per command
    "cli": 7,  # the commands call the face
    "__init__": 8,  # re-exports the face lazily
    "__main__": 8,
}
"""Top-level module or subpackage of ``frictionminer`` → layer; lower layers never import
higher ones.  A module missing here fails :func:`test_every_module_has_a_layer`: place it."""

SETTINGS_MAY_IMPORT = ("settings", "errors", "schema")
"""settings/ is read by everything: beyond the stdlib and third-party packages it may use
only the error types and the schema."""


@dataclass(frozen=True)
class Import:
    """One imported module (and the names taken from it) at one line of one module."""

    importer: str
    target: str
    names: tuple[str, ...]
    line: int

    def __str__(self) -> str:
        names = f" ({', '.join(self.names)})" if self.names else ""
        return f"{self.importer}:{self.line} → {self.target}{names}"


def module_name(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@functools.cache
def modules() -> dict[str, Path]:
    """Every module of the package, by dotted name."""
    return {module_name(p): p for p in sorted((SRC / PACKAGE).rglob("*.py"))}


def _resolve(importer: str, node: ast.ImportFrom) -> str:
    """The absolute module a ``from`` import names (relative imports resolved)."""
    if node.level == 0:
        return node.module or ""
    is_package = modules()[importer].name == "__init__.py"
    base = importer.split(".")
    base = base if is_package else base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def _is_import_module(node: ast.Call) -> bool:
    """``importlib.import_module("frictionminer.x")`` with a literal name."""
    func = node.func
    called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    return (
        called == "import_module"
        and len(node.args) == 1
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
    )


def imports_of(name: str) -> Iterator[Import]:
    """Every import statement of one module, wherever it stands in the file."""
    tree = ast.parse(modules()[name].read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(name, alias.name, (), node.lineno)
        elif isinstance(node, ast.Call) and _is_import_module(node):
            target = node.args[0].value  # type: ignore[attr-defined]
            yield Import(name, target, (), node.lineno)
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(name, node)
            for alias in node.names:
                submodule = f"{target}.{alias.name}"
                if submodule in modules():  # `from pkg import module`: the module itself
                    yield Import(name, submodule, (), node.lineno)
                else:
                    yield Import(name, target, (alias.name,), node.lineno)


@functools.cache
def all_imports() -> tuple[Import, ...]:
    return tuple(imp for name in modules() for imp in imports_of(name))


def internal(imp: Import) -> bool:
    return imp.target == PACKAGE or imp.target.startswith(PACKAGE + ".")


def top(module: str) -> str:
    """``frictionminer.engine.rules`` → ``engine``; the package itself → ``__init__``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def graph() -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {name: set() for name in modules()}
    for imp in all_imports():
        if internal(imp) and imp.target in modules() and imp.target != imp.importer:
            edges[imp.importer].add(imp.target)
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges[v]):
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

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return sorted(found)


def upward_imports() -> list[Import]:
    return [
        imp
        for imp in all_imports()
        if internal(imp)
        and top(imp.importer) in LAYERS
        and top(imp.target) in LAYERS
        and LAYERS[top(imp.target)] > LAYERS[top(imp.importer)]
    ]


def private_imports() -> list[Import]:
    """``from other_module import _name`` between the package's modules."""
    return [
        imp
        for imp in all_imports()
        if internal(imp)
        and imp.target != imp.importer
        and any(n.startswith("_") and not n.startswith("__") for n in imp.names)
    ]


def settings_imports() -> list[Import]:
    return [
        imp
        for imp in all_imports()
        if top(imp.importer) == "settings"
        and internal(imp)
        and top(imp.target) not in SETTINGS_MAY_IMPORT
    ]


def report(found: list[Import] | list[list[str]]) -> str:
    return "\n".join(str(f) for f in found)


def test_the_graph_is_read() -> None:
    """The reader finds what is there: lazy and TYPE_CHECKING imports, relative imports."""
    names = set(modules())
    assert {PACKAGE, f"{PACKAGE}.cli.app", f"{PACKAGE}.engine.rules"} <= names
    edges = graph()
    # cli/app.py: `from frictionminer.cli import (audit, classify, …)` names modules
    assert {f"{PACKAGE}.cli.score", f"{PACKAGE}.cli.audit"} <= edges[f"{PACKAGE}.cli.app"]
    # cli/score.py imports reporting.score inside the command function
    assert f"{PACKAGE}.reporting.score" in edges[f"{PACKAGE}.cli.score"]
    # __init__.py imports the face only under TYPE_CHECKING (and lazily, by name)
    assert f"{PACKAGE}.api" in edges[PACKAGE]
    # simulate/__init__.py: importlib.import_module("frictionminer.simulation.api")
    assert f"{PACKAGE}.simulation.api" in edges[f"{PACKAGE}.simulation"]


def test_every_module_has_a_layer() -> None:
    unplaced = sorted({top(m) for m in modules()} - set(LAYERS))
    assert unplaced == [], f"place these in LAYERS (tests/test_architecture.py): {unplaced}"


def test_cycle_finder_finds_cycles() -> None:
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": {"e"}}
    assert cycles(edges) == [["a", "b", "c"]]  # d only leads into it; e imports itself
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycles() -> None:
    found = cycles(graph())
    assert found == [], "import cycles:\n" + report(found)


def test_no_upward_imports() -> None:
    found = upward_imports()
    assert found == [], "imports against the layer order:\n" + report(found)


def test_no_private_names_across_modules() -> None:
    found = private_imports()
    assert found == [], "private names imported from another module:\n" + report(found)


def test_settings_import_only_errors_and_schema() -> None:
    found = settings_imports()
    assert found == [], "settings/ imports beyond errors and schema:\n" + report(found)


# --------------------------------------------------------------------------- the map


def mapped_paths(block: str) -> set[str]:
    """Module paths (relative to src/frictionminer) named by the folder map's lines."""
    found: set[str] = set()
    folders: list[str] = []
    for line in block.splitlines()[3:]:  # marker, fence, "src/frictionminer/"
        if not line.startswith("  "):
            continue
        depth = (len(line) - len(line.lstrip())) // 2
        name = line.split()[0]
        folders = folders[: depth - 1]
        if name.endswith("/"):
            folders.append(name.rstrip("/"))
        else:
            found.add("/".join([*folders, name]))
    return found


def test_every_module_is_in_the_folder_map() -> None:
    page = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")
    listed = mapped_paths(module_map.current_block(page))
    actual = {str(p.relative_to(SRC / PACKAGE)) for p in modules().values()}
    assert sorted(actual - listed) == [], "run: python tests/module_map.py --write"
    assert sorted(listed - actual) == [], (
        "modules that are gone: python tests/module_map.py --write"
    )


def test_folder_map_is_current() -> None:
    """The map says what the docstrings say (regenerate: python tests/module_map.py --write)."""
    page = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")
    assert module_map.current_block(page) == module_map.block()


# --------------------------------------------------------------------------- dependencies


def _project() -> dict[str, Any]:
    return tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))


def _names(specs: list[str]) -> set[str]:
    return {_normal(re.split(r"[<>=!~;\[ ]", s, maxsplit=1)[0]) for s in specs}


def _declared(group: str | None) -> set[str]:
    project = _project()
    if group is None:
        return _names(project["project"]["dependencies"])
    return _names(project["dependency-groups"][group])


def _optional() -> dict[str, set[str]]:
    """Extra → the distributions it adds (``pip install 'frictionminer[dask]'``)."""
    extras = _project()["project"].get("optional-dependencies", {})
    return {extra: _names(specs) for extra, specs in extras.items()}


def _normal(distribution: str) -> str:
    """PEP 503 normal form: ``MarkupSafe`` → ``markupsafe``, ``a_b`` → ``a-b``."""
    return re.sub(r"[-_.]+", "-", distribution).lower()


@functools.cache
def _distributions() -> dict[str, list[str]]:
    return importlib.metadata.packages_distributions()  # type: ignore[return-value]


def _distribution(module: str) -> str:
    """The installed distribution that provides a top-level import name."""
    return _normal(_distributions().get(module, [module])[0])


def third_party_imports() -> dict[str, set[str]]:
    """Distribution → the modules of src/ that import it."""
    found: dict[str, set[str]] = {}
    for imp in all_imports():
        root = imp.target.split(".")[0]
        if not root or internal(imp) or root in sys.stdlib_module_names:
            continue
        found.setdefault(_distribution(root), set()).add(imp.importer)
    return found


def test_runtime_dependencies_are_exactly_what_src_imports() -> None:
    """A package nothing imports is not a dependency; one that is imported must be declared
    (as a dependency, or in an optional extra)."""
    imported = set(third_party_imports())
    declared = _declared(None).union(*_optional().values())
    assert sorted(declared - imported) == [], "declared but never imported by src/"
    assert sorted(imported - declared) == [], "imported by src/ but not declared"


def _module_level_imports(name: str) -> Iterator[str]:
    """Top-level names imported when module ``name`` is imported: its module-level
    statements, not those inside functions or under ``if TYPE_CHECKING:``."""
    tree = ast.parse(modules()[name].read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Import):
            yield from (alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module.split(".")[0]


def test_optional_extras_are_imported_lazily_and_tested() -> None:
    """An extra's packages are imported only inside functions (``import frictionminer`` and
    every command work without them), only by the modules that need them, and are in the
    dev group so that the tests run them."""
    extras = _optional()
    assert set(extras) == {"dask", "database", "duckdb", "mysql"}
    optional = set().union(*extras.values())
    for name in modules():
        eager = {_distribution(root) for root in _module_level_imports(name)}
        assert not eager & optional, f"{name} imports {eager & optional} at module level"
    users = {module for dist in optional for module in third_party_imports().get(dist, set())}
    assert users == {
        "frictionminer.scale.dask_cluster",
        "frictionminer.io.database",
        "frictionminer.io.mysql",
    }
    assert optional <= _declared("dev")


def test_pm4py_only_reads_ocel_and_lazily() -> None:
    """pm4py (AGPL, ~2 s on import) is imported by one module, the OCEL reader, and only
    inside the function that reads a file, never at module level (tests/test_cli.py checks
    that no other command loads it)."""
    assert third_party_imports()["pm4py"] == {"frictionminer.io.ocel"}
    assert "pm4py" in _declared(None)
    tree = ast.parse(modules()["frictionminer.io.ocel"].read_text(encoding="utf-8"))
    top_level = [
        alias.name
        for node in tree.body
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    ]
    top_level += [n.module or "" for n in tree.body if isinstance(n, ast.ImportFrom)]
    assert not [name for name in top_level if name.split(".")[0] == "pm4py"]
