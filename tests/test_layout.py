"""The architecture stays easy to see: these fail when a layer leaks or a document
falls behind the code."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from openapi_spec_validator import validate

from trailapp import config
from trailapp.cli import COMMANDS
from trailapp.domain import COLLECTION_IDS
from trailapp.http.openapi import build_document

pytestmark = pytest.mark.store_independent  # reads the source tree and the OpenAPI document only

PACKAGE = Path(__file__).resolve().parent.parent / "trailapp"
DOCS = PACKAGE.parent / "docs"
FLASK_ALLOWED = {"__init__.py", "cli.py"}
SQL = re.compile(r"\b(SELECT\s.+\sFROM|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|"
                 r"CREATE\s+(TABLE|INDEX|TRIGGER|VIRTUAL)|PRAGMA\s)", re.I | re.S)


def _modules():
    return sorted(PACKAGE.rglob("*.py"))


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def _below_http():
    return [p for p in _modules() if p.relative_to(PACKAGE).parts[0] != "http"
            and str(p.relative_to(PACKAGE)) not in FLASK_ALLOWED]


def _outside_store():
    return [p for p in _modules() if p.relative_to(PACKAGE).parts[0] != "store"]


@pytest.mark.parametrize("path", _below_http(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_only_the_http_layer_imports_flask(path):
    rel = path.relative_to(PACKAGE)
    flaskish = {n for n in _imports(path) if n.startswith("flask")}
    assert not flaskish, f"{rel} imports {flaskish}; pass values in from the HTTP layer"


@pytest.mark.parametrize("path", _outside_store(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_sql_lives_only_in_the_store(path):
    rel = path.relative_to(PACKAGE)
    tree = ast.parse(path.read_text(encoding="utf-8"))
    strings = [n.value for n in ast.walk(tree)
               if isinstance(n, ast.Constant) and isinstance(n.value, str)]
    found = [s for s in strings if SQL.search(s)]
    assert not found, f"{rel} holds SQL: {found[:1]}"


def test_store_builds_sql_from_constants_only():
    """No SQL f-string in the store interpolates a function's parameter directly:
    values from callers are bound as ? parameters; only fragments made inside the
    store (column names, constant clauses) are interpolated."""
    for path in (PACKAGE / "store").glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for func in ast.walk(tree):
            if not isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            params = {a.arg for a in func.args.args + func.args.kwonlyargs} - {"self"}
            for node in ast.walk(func):
                if not isinstance(node, ast.JoinedStr):
                    continue
                literal = "".join(p.value for p in node.values if isinstance(p, ast.Constant))
                if not re.search(r"SELECT|INSERT|UPDATE|DELETE|CREATE|PRAGMA|WHERE", literal):
                    continue  # not SQL (for example a search expression bound as a value)
                for part in node.values:
                    if isinstance(part, ast.FormattedValue):
                        names = {n.id for n in ast.walk(part.value) if isinstance(n, ast.Name)}
                        assert not names & params, (
                            f"{path.name}:{func.name} interpolates {names & params} into SQL")


def test_every_route_is_in_the_openapi_document(app):
    doc = build_document(app)
    documented = {(path, method.upper()) for path, item in doc["paths"].items()
                  for method in item}
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.endpoint.startswith("dashboard."):
            continue  # organiser pages (HTML forms) and their files, not the API
        path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)
        # The items routes are documented once per collection (a typed path each).
        paths = [path.replace("{collectionId}", c) for c in COLLECTION_IDS] \
            if path.startswith("/collections/{collectionId}/items") else [path]
        for method in rule.methods - {"OPTIONS"}:
            for one in paths:
                assert (one, method) in documented, f"{method} {one} is not in /api"


def test_openapi_document_is_valid_and_self_contained(app):
    doc = build_document(app)
    validate(doc)  # OpenAPI 3.0 validator
    assert doc["openapi"] == "3.0.3"
    refs = re.findall(r'"\$ref":\s*"([^"]+)"', str(doc).replace("'", '"'))
    assert refs and all(r.startswith("#/") for r in refs)


def test_every_setting_is_documented():
    text = (DOCS / "operations.md").read_text(encoding="utf-8")
    missing = [key for key in config.DEFAULTS if f"TRAILAPP_{key}" not in text]
    assert not missing, f"settings missing from docs/operations.md: {missing}"


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c.name)
def test_every_cli_command_has_help(command):
    assert command.help and len(command.help.strip()) > 20


def test_every_query_parameter_is_in_the_api_guide(app):
    text = (DOCS / "api.md").read_text(encoding="utf-8")
    doc = build_document(app)
    names = {p["name"] for item in doc["paths"].values() for op in item.values()
             for p in op.get("parameters", []) if p["in"] == "query"}
    missing = sorted(n for n in names if f"`{n}`" not in text)
    assert not missing, f"query parameters missing from docs/api.md: {missing}"

