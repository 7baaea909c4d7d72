"""The import graph between ``app``'s packages (issue #16): no new cycle, and the known ones only shrink.

Every ``from app.X …`` / ``import app.X`` is an edge from the importing package to ``X`` — at module level and
inside functions alike (an import moved into a function to dodge a cycle is still a dependency), except
under ``if TYPE_CHECKING:`` (annotations only). Strongly connected components of that graph are cycles.

:data:`KNOWN_CYCLES` is the debt recorded in issue #16, each to be removed by the dossier ``flows`` module;
the test fails if a cycle appears that is not listed, if a listed cycle grows, and if one shrinks or goes
away without the list being updated (so the record stays true).
"""
from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app"

#: Cycles that exist today (issue #16): dossiers, deadlines and tasks call each other's services, and the
#: permission layer asks dossiers and tasks about rows (function-level imports in app/auth/scope.py).
KNOWN_CYCLES: list[frozenset[str]] = [frozenset({"auth", "deadlines", "dossiers", "tasks"})]


def _package(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "app"


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(tree: ast.AST):
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and _is_type_checking(node):
            stack.extend(node.orelse)
            continue
        if isinstance(node, ast.ImportFrom) and node.module and (node.module == "app" or node.module.startswith("app.")):
            yield from ([node.module] if node.module != "app" else [f"app.{a.name}" for a in node.names])
        elif isinstance(node, ast.Import):
            yield from (a.name for a in node.names if a.name.startswith("app."))
        stack.extend(ast.iter_child_nodes(node))


def package_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = defaultdict(set)
    for path in APP.rglob("*.py"):
        rel = path.relative_to(APP.parent).with_suffix("").parts
        source = "app" if len(rel) == 2 and rel[1] == "__init__" else rel[1]
        for target in _imports(ast.parse(path.read_text("utf-8"))):
            if _package(target) != source:
                graph[source].add(_package(target))
    return graph


def cycles(graph: dict[str, set[str]]) -> list[frozenset[str]]:
    """Strongly connected components with more than one package (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[frozenset[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.get(root, ()))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(frozenset(component))
    return found


def test_cycles_between_packages_are_only_the_recorded_ones():
    assert sorted(map(sorted, cycles(package_graph()))) == sorted(map(sorted, KNOWN_CYCLES))


def test_the_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [frozenset({"a", "b", "c"})]
    assert cycles({"a": {"b"}, "b": set()}) == []
