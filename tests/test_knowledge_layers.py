"""The reading package in layers: the document model, the readers on it, the dispatcher on them.

A reader that imports the module choosing readers (and that module importing
the reader back, even lazily inside a function) makes a cycle: a newcomer
cannot change one without reading all of them. Every import is collected,
at any depth, relative ones resolved.
"""

from __future__ import annotations

import ast
from pathlib import Path

KNOWLEDGE = Path(__file__).resolve().parent.parent / "knowledge"
MODEL = "knowledge.model"
DISPATCHER = "knowledge.documents"
READERS = {"knowledge.text", "knowledge.markdown", "knowledge.pdf", "knowledge.docx", "knowledge.html"}


def module_name(path: Path) -> str:
    parts = path.relative_to(KNOWLEDGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, name: str, known: set[str]) -> set[str]:
    """The package's modules that `path` imports anywhere (top level, in functions, type-only)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [base] + [f"{base}.{alias.name}" for alias in node.names]
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target not in (name, "knowledge"):
                found.add(target)
    return found


def import_graph() -> dict[str, set[str]]:
    paths = {module_name(p): p for p in KNOWLEDGE.rglob("*.py")}
    known = set(paths)
    return {name: imports_of(path, name, known) for name, path in paths.items()}


def strongly_connected(graph: dict[str, set[str]]) -> list[set[str]]:
    """Tarjan's components with more than one module: each is an import cycle."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(component)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycle_in_the_reading_package() -> None:
    assert strongly_connected(import_graph()) == []


def test_the_document_model_imports_nothing_of_the_package() -> None:
    assert import_graph()[MODEL] == set()


def test_readers_use_the_model_and_never_the_dispatcher() -> None:
    graph = import_graph()
    for reader in READERS:
        assert DISPATCHER not in graph[reader], reader
    assert graph[DISPATCHER] >= READERS


def test_a_cycle_is_found() -> None:
    assert strongly_connected({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [{"a", "b", "c"}]
