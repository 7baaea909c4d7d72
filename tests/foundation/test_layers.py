"""The import graph between ``app``'s packages (issue #16): no cycle, and the dossier's life wired in one place.

Every ``from app.X …`` / ``import app.X`` is an edge from the importing package to ``X`` — at module level and
inside functions alike (an import moved into a function to dodge a cycle is still a dependency), except
under ``if TYPE_CHECKING:`` (annotations only). Strongly connected components of that graph are cycles.

Routes are the top layer (routes → flows → services → models): a ``routes.py`` or ``pages.py`` module may
import any package's services and ``app.flows``, so its edges are not package edges; in exchange no other
module may import a routes module.

The dossier's life is wired in :mod:`app.flows` only: the dossier service says when things happen through
``app.dossiers.lifecycle.Lifecycle`` and never imports deadlines or tasks; nothing but flows (and deadlines'
own timer handler) hands deadlines to it as the listener.
"""
from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app"

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


ROUTES_LAYER = frozenset({"routes", "pages"})


def _modules():
    for path in APP.rglob("*.py"):
        rel = path.relative_to(APP.parent).with_suffix("").parts
        yield rel, _imports(ast.parse(path.read_text("utf-8")))


def _is_routes(rel: tuple[str, ...]) -> bool:
    return rel[-1] in ROUTES_LAYER or rel == ("app", "__init__")


def package_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = defaultdict(set)
    for rel, imports in _modules():
        if _is_routes(rel):
            continue
        source = "app" if len(rel) == 2 and rel[1] == "__init__" else rel[1]
        for target in imports:
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


def test_no_cycle_between_packages():
    assert cycles(package_graph()) == []


def test_the_dossier_package_knows_nothing_above_it():
    graph = package_graph()
    assert not graph["dossiers"] & {"deadlines", "tasks", "flows", "auth", "notifications", "reports",
                                     "applicant_notices", "satisfaction", "public"}, graph["dossiers"]
    assert "flows" not in set().union(*graph.values())  # only routes call flows


def test_nothing_below_the_routes_imports_a_routes_module():
    offenders = sorted(".".join(rel) + " → " + target for rel, imports in _modules() if not _is_routes(rel)
                       for target in imports if target.rsplit(".", 1)[-1] in ROUTES_LAYER)
    assert offenders == []


def _service_imports():
    """(module, imported module, names) of every ``from app.… import …`` outside routes, with its level."""
    for path in APP.rglob("*.py"):
        rel = path.relative_to(APP.parent).with_suffix("").parts
        if _is_routes(rel):
            continue
        tree = ast.parse(path.read_text("utf-8"))
        top = {id(node) for node in tree.body}
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("app."):
                yield rel, node.module, [a.name for a in node.names], id(node) in top


def test_services_import_at_module_level():
    """An import hidden in a function is a dependency the graph above would miss; services have none."""
    hidden = sorted(f"{'.'.join(rel)} → {module}" for rel, module, _names, top in _service_imports()
                    if rel[-1] == "service" and not top)
    assert hidden == []


#: Modules other than app.flows that may call a dossier-life service directly: none any more. A new one
#: means coordination moved out of flows.
DIRECT_LIFE_CALLS: set[tuple[str, str]] = set()
LIFE_SERVICES = ("dossiers", "tasks", "deadlines")


def test_only_flows_call_the_dossier_life_services():
    calls = set()
    for rel, module, names, _top in _service_imports():
        source, target = ".".join(rel), module.split(".")
        if rel == ("app", "flows") or len(target) < 2 or target[1] not in LIFE_SERVICES or target[1] == rel[1]:
            continue
        if target[-1] == "service" or "service" in names or (target[1] == "deadlines" and target[-1] != "models"):
            calls.add((source, module))
    assert calls == DIRECT_LIFE_CALLS, sorted(calls ^ DIRECT_LIFE_CALLS)


def test_the_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [frozenset({"a", "b", "c"})]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_schemas_only_declare():
    """A schema reads neither the database nor the clock: what a response shows is computed before the dump
    (``app.flows.shown``) with the request's ``now``, so every block of one answer is judged at one moment."""
    readers = {"app.extensions", "app.clock", "app.request_cache"}
    offenders = []
    for path in APP.rglob("schemas.py"):
        tree = ast.parse(path.read_text("utf-8"))
        top = {id(node) for node in tree.body}
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)) and id(node) not in top:
                offenders.append(f"{path.relative_to(APP.parent)}: import inside a function")
        offenders += [f"{path.relative_to(APP.parent)} → {target}" for target in _imports(tree)
                      if target in readers or target.endswith(".service") and target.split(".")[1] in LIFE_SERVICES]
    assert offenders == []
