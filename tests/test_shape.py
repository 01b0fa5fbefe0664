"""The shape issue 9 gave the code: one home for each rule. These fail when the HTTP
layer reaches into the store, when a registry list is written a second time, when a
module grows long without saying why, or when an error lives outside errors.py."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

pytestmark = pytest.mark.store_independent  # reads the source tree only

PACKAGE = Path(__file__).resolve().parent.parent / "trailapp"


def _modules():
    return sorted(PACKAGE.rglob("*.py"))


HTTP = PACKAGE / "http"
SNAPSHOT_NAMES = {"reader", "writer"}


def _http_modules():
    return sorted(HTTP.rglob("*.py"))


@pytest.mark.parametrize("path", _http_modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_the_http_layer_never_reaches_into_the_store(path):
    """Routes open a snapshot and hand it to a service; they never query it themselves
    nor import the store (queries and their rules live in the services)."""
    rel = path.relative_to(PACKAGE)
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and (
                node.module == "store" or node.module.startswith("store.")):
            pytest.fail(f"{rel} imports the store ({node.module})")
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        owner = node.func.value
        owner_name = owner.id if isinstance(owner, ast.Name) else (
            owner.attr if isinstance(owner, ast.Attribute) else None)
        if owner_name in SNAPSHOT_NAMES:
            pytest.fail(f"{rel}:{node.lineno} queries the store ({owner_name}."
                        f"{node.func.attr}); move it into a service")
        if owner_name == "store" and node.func.attr != "reader":
            pytest.fail(f"{rel}:{node.lineno} calls store.{node.func.attr}; a service does")


def _string_lists(tree: ast.AST):
    """Every tuple, list or set literal of two or more strings, and every Literal[...]."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Tuple | ast.List | ast.Set):
            values = [e.value for e in node.elts
                      if isinstance(e, ast.Constant) and isinstance(e.value, str)]
            if len(values) >= 2:
                yield node.lineno, set(values)


LISTS = {
    "municipalities": {"bollnas", "lobatse"},
    "collections": {"places", "trails", "stories", "activities"},
    "languages": {"sv", "en", "tn"},
    "contribution statuses": {"pending", "approved", "rejected", "hidden"},
    "age bands": {"under-13", "13-15", "16-17", "18+"},
}


@pytest.mark.parametrize("path", [p for p in _modules() if p.name != "domain.py"],
                         ids=lambda p: str(p.relative_to(PACKAGE)))
def test_the_registry_lists_are_written_only_in_domain(path):
    """A second literal list of municipalities, collections, languages, statuses or age
    bands is a copy that the next new kind of content would have to find and extend:
    build it from trailapp.domain instead."""
    rel = path.relative_to(PACKAGE)
    for lineno, values in _string_lists(ast.parse(path.read_text(encoding="utf-8"))):
        for name, members in LISTS.items():
            shared = values & members
            if len(shared) >= 2 and len(shared) >= len(members) - 1:
                pytest.fail(f"{rel}:{lineno} lists the {name} {sorted(shared)} again; "
                            "use trailapp.domain")


MAX_LINES = 300


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_modules_stay_short_or_say_why(path):
    """Modules of more than ~300 lines are split along a seam a reader can name; the few
    that are not say why in their docstring ('Longer than 300 lines because ...')."""
    text = path.read_text(encoding="utf-8")
    lines = text.count("\n")
    if lines <= MAX_LINES:
        return
    docstring = ast.get_docstring(ast.parse(text)) or ""
    assert "Longer than 300 lines because" in docstring, (
        f"{path.relative_to(PACKAGE)} has {lines} lines: split it, or say why not")


def test_every_api_error_lives_in_errors_py():
    """One error hierarchy: subclasses of ApiError are declared in trailapp/errors.py."""
    from trailapp import errors

    names = {n for n in dir(errors)}
    for path in _modules():
        if path.name == "errors.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                bases = {b.id if isinstance(b, ast.Name) else getattr(b, "attr", "")
                         for b in node.bases}
                assert not bases & (names - {"annotations"}) or not any(
                    isinstance(getattr(errors, b, None), type)
                    and issubclass(getattr(errors, b), errors.ApiError) for b in bases), (
                    f"{path.relative_to(PACKAGE)} declares {node.name}, an ApiError: "
                    "move it to trailapp/errors.py")


TESTS = PACKAGE.parent / "tests"


@pytest.mark.parametrize("path", sorted(TESTS.rglob("*.py")), ids=lambda p: p.name)
def test_tests_build_from_helpers_not_from_each_other(path):
    """Shared builders live in tests/helpers/: a test module that imports another test
    module (or conftest) breaks when that one is reorganised, and hides where a builder
    lives."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            top = node.module.split(".")[0]
            assert not (top.startswith("test_") or top in ("conftest", "bench")), (
                f"{path.name} imports {node.module}; use tests/helpers/")
        if isinstance(node, ast.Import):
            for alias in node.names:
                top = alias.name.split(".")[0]
                assert not (top.startswith("test_") or top in ("conftest", "bench")), (
                    f"{path.name} imports {alias.name}; use tests/helpers/")
