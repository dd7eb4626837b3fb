"""The layers of docs/architecture.md, kept true: who may import whom, and where SPARQL,
Cypher and SQL may be written.

    cli ─> graph_api.web ─> graph_api.answers ─> graph_api.store ─> ontology
     └───> graph_api.loading ─> ingest ─> ontology          ^ engines: store.oxigraph, store.neo4j

Every first-party import is spelled ``prl.…`` (the installed package).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TOPS = ("ingest", "graph_api", "ontology", "shapes", "sample")
ENGINES = ("prl.graph_api.store.oxigraph", "prl.graph_api.store.neo4j")


def modules() -> dict[str, Path]:
    found = {"prl.cli": ROOT / "cli.py"}
    for top in TOPS:
        for path in (ROOT / top).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(("prl", *parts))] = path
    return found


MODULES = modules()


def imports(path: Path) -> list[str]:
    """Every module a file imports, at any depth (relative imports resolved)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    name = next(m for m, p in MODULES.items() if p == path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1])
                base = f"{base}.{node.module}" if node.module else base
            out.append(base)
            out += [f"{base}.{a.name}" for a in node.names if f"{base}.{a.name}" in MODULES]
    return out


def within(module: str, *packages: str) -> bool:
    return any(module == p or module.startswith(p + ".") for p in packages)


# (importer, imported packages it must not reach)
RULES = [
    ("prl.ingest", ("prl.graph_api", "prl.cli")),
    ("prl.ontology", ("prl.ingest", "prl.graph_api", "prl.cli")),
    ("prl.graph_api.store", ("prl.graph_api.answers", "prl.graph_api.web", "prl.graph_api.loading", "prl.ingest", "prl.cli")),
    ("prl.graph_api.answers", ("prl.graph_api.web", "prl.graph_api.loading", "prl.ingest", *ENGINES)),
    ("prl.graph_api.web", ("prl.graph_api.loading", "prl.ingest", *ENGINES)),
    ("prl.graph_api.store.oxigraph", ("prl.graph_api.store.neo4j",)),
    ("prl.graph_api.store.neo4j", ("prl.graph_api.store.oxigraph",)),
]  # fmt: skip


@pytest.mark.parametrize("module", sorted(MODULES))
def test_dependencies_run_one_way(module):
    mine = imports(MODULES[module])
    for importer, forbidden in RULES:
        if within(module, importer):
            bad = [m for m in mine if within(m, *forbidden)]
            assert not bad, f"{module} imports {bad}: against the layers of docs/architecture.md"
    if within(module, "prl.graph_api.store") and not within(module, *ENGINES):
        # the store layer names an engine only where open_store picks one
        bad = [m for m in mine if within(m, *ENGINES)]
        assert module == "prl.graph_api.store" or not bad, f"{module} imports {bad}"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_first_party_imports_are_spelled_prl(module):
    bare = [m for m in imports(MODULES[module]) if m.split(".")[0] in (*TOPS, "cli")]
    assert not bare, f"{module} imports {bare}: write prl.{bare[0]}"


DRIVERS = {
    "neo4j": ("prl.graph_api.store.neo4j",),
    "sqlite3": ("prl.graph_api.store.oxigraph", "prl.ingest.statutes"),
}


@pytest.mark.parametrize("driver", sorted(DRIVERS))
def test_only_engines_talk_to_their_databases(driver):
    users = {m for m in MODULES if any(within(i, driver) for i in imports(MODULES[m]))}
    assert all(within(m, *DRIVERS[driver]) for m in users), sorted(users)


QUERY_TEXT = re.compile(
    r"\bMATCH\s*\(|\bMERGE\s*\(|\bUNWIND\s+\$|\bSELECT\b[^\n]*\b(WHERE|FROM)\b|"
    r"\bINSERT\s+(DATA|INTO)\b|\bCREATE\s+(TABLE|INDEX|CONSTRAINT)\b|\bDROP\s+(SILENT\s+)?GRAPH\b"
)
# statutes reads lawrefbook's db.sqlite3; validate_screen compiles the SHACL shapes to SPARQL
# run on a private in-memory pyoxigraph store of the graph being validated, not on a store
QUERY_HOMES = (*ENGINES, "prl.ingest.statutes", "prl.ingest.validate_screen")


def query_strings(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(n.body[0].value)
        for n in ast.walk(tree)
        if isinstance(n, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and n.body
        and isinstance(n.body[0], ast.Expr)
        and isinstance(n.body[0].value, ast.Constant)
    }
    return [
        n.value
        for n in ast.walk(tree)
        if isinstance(n, ast.Constant)
        and isinstance(n.value, str)
        and id(n) not in docstrings
        and QUERY_TEXT.search(n.value)
    ]


@pytest.mark.parametrize(
    "path",
    [p for m, p in sorted(MODULES.items()) if not within(m, *QUERY_HOMES)]
    + sorted((ROOT / "bench").glob("*.py")),
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_sparql_cypher_and_sql_live_in_the_engines(path):
    found = query_strings(path)
    assert not found, f"{path.relative_to(ROOT)} holds query text: {found[:2]}"
