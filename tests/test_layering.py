"""The house's layering, drawn from every import in bot/, knowledge/ and embeddings/.

A newcomer should be able to change one part without reading the rest, so:
no import cycle anywhere (lazy and type-only imports included), the reports
domain never imports wording, a feature's handlers never reach into another
feature's handlers or up into the app, and no file grows past 600 lines.

Standard library only, so it runs before anything else is installed.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "knowledge", "embeddings")
MAX_LINES = 600


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def project_files() -> dict[str, Path]:
    return {module_name(p): p for package in PACKAGES for p in sorted((ROOT / package).rglob("*.py"))}


def imported_names(path: Path, name: str) -> Iterable[str]:
    """Every dotted name an import statement anywhere in `path` may load, relative ones resolved."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)


def imports_of(path: Path, name: str, known: set[str]) -> set[str]:
    """Project modules loaded by importing `path`'s imports: importing a.b.c also runs a.b's __init__."""
    found: set[str] = set()
    for target in imported_names(path, name):
        while target and target not in known:
            target = target.rpartition(".")[0]
        while target:
            # a package's __init__ is already running when one of its own modules imports a sibling
            if target != name and not name.startswith(target + "."):
                found.add(target)
            target = target.rpartition(".")[0]
            if target not in known:
                break
    return found


def import_graph() -> dict[str, set[str]]:
    files = project_files()
    known = set(files)
    return {name: imports_of(path, name, known) for name, path in files.items()}


def strongly_connected(graph: dict[str, set[str]]) -> list[frozenset[str]]:
    """Tarjan's components of more than one module: each is an import cycle."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[frozenset[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component: set[str] = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(frozenset(component))

    for start in sorted(graph):
        if start not in index:
            visit(start)
    return found


def is_within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def handler_reaches(name: str, target: str) -> bool:
    """True when a feature's handler module imports another handler module or the app."""
    if not is_within(name, "bot.handlers") or name in ("bot.handlers", "bot.handlers.common"):
        return False
    if is_within(target, "bot.app"):
        return True
    return is_within(target, "bot.handlers") and target not in ("bot.handlers", "bot.handlers.common")


def test_the_graph_sees_lazy_relative_and_package_imports() -> None:
    graph = import_graph()
    assert "bot.clock" in graph["bot.access"]
    assert "bot.reports.store" in graph["bot.reports"]
    assert "bot.reports" in graph["bot.storage"]  # importing bot.reports.schema runs bot.reports first
    assert "embeddings.engine" in graph["bot.search_service"]  # imported inside a function


def test_no_import_cycle_between_modules() -> None:
    cycles = strongly_connected(import_graph())
    assert not cycles, [sorted(c) for c in cycles]


def test_the_reports_domain_never_imports_wording() -> None:
    wrong = {
        (name, target)
        for name, targets in import_graph().items()
        if is_within(name, "bot.reports")
        for target in targets
        if is_within(target, "bot.messages") or is_within(target, "bot.text")
    }
    assert not wrong, sorted(wrong)


def test_a_feature_handler_imports_neither_another_handler_nor_the_app() -> None:
    wrong = {
        (name, target)
        for name, targets in import_graph().items()
        for target in targets
        if handler_reaches(name, target)
    }
    assert not wrong, sorted(wrong)


def line_count(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def test_no_file_is_over_600_lines() -> None:
    long_files = {
        name: line_count(path) for name, path in project_files().items() if line_count(path) > MAX_LINES
    }
    assert not long_files, long_files


def test_the_command_line_stays_out_of_the_app() -> None:
    assert "bot.cli" not in import_graph()["bot.app"]


def test_a_three_module_cycle_is_one_component() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert strongly_connected(graph) == [frozenset({"a", "b", "c"})]


def test_importing_a_submodule_also_loads_its_package(tmp_path: Path) -> None:
    path = tmp_path / "s.py"
    path.write_text("def f():\n    from p.q import r\n", encoding="utf-8")
    assert imports_of(path, "s", {"p", "p.q", "p.q.r", "s"}) == {"p", "p.q", "p.q.r"}
