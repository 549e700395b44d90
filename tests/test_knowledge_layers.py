"""The reading package in layers: the document model, the readers on it, the dispatcher on them.

A reader that imports the module choosing readers (and that module importing
the reader back, even lazily inside a function) makes a cycle: a newcomer
cannot change one without reading all of them. The import graph is the
project's own (`test_layering`: every import at any depth, relative ones
resolved), whose cycle check covers this package too.
"""

from __future__ import annotations

from test_layering import import_graph

MODEL = "knowledge.model"
DISPATCHER = "knowledge.documents"
READERS = {"knowledge.text", "knowledge.markdown", "knowledge.pdf", "knowledge.docx", "knowledge.html"}


def test_the_document_model_imports_nothing_of_the_project() -> None:
    assert import_graph()[MODEL] == set()


def test_readers_use_the_model_and_never_the_dispatcher() -> None:
    graph = import_graph()
    for reader in READERS:
        assert DISPATCHER not in graph[reader], reader
        assert MODEL in graph[reader] or "knowledge.text" in graph[reader], reader
    assert graph[DISPATCHER] >= READERS
