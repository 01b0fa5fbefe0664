"""CQL2 filters (OGC API - Features Part 3): parse, check against a collection's
queryables, and hand the store a small checked expression.

pygeofilter parses cql2-text and cql2-json; this module walks its AST and accepts only
what the service implements: comparisons (=, <>, <, <=, >, >=), LIKE, IN, IS NULL,
AND/OR/NOT on the queryables of domain.QUERYABLES, and S_INTERSECTS / S_WITHIN of the
geometry with a geometry literal. Anything else is a 400 that names the problem. The
result is a tree of tuples (hashable, so counts can be cached per filter):

    ("and", (e, ...)) ("or", (e, ...)) ("not", e) ("const", bool)
    ("cmp", op, a, b)                   op in = <> < <= > >=; a and b each
                                        ("prop", name, type) or ("val", type, value)
    ("like", name, glob, negated)       ("in", name, type, values, negated)
    ("null", name, negated)             ("spatial", "intersects"|"within", geojson text)

The store turns it into SQL with every value bound (trailapp/store/where.py).
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

from pygeofilter import ast, values
from pygeofilter.parsers.cql2_json import parse as parse_json
from pygeofilter.parsers.cql2_text import parse as parse_text

from . import crs as crs_module
from .domain import QUERYABLES, Crs, Queryable
from .errors import InvalidParameter
from .features import dumps
from .times import rfc3339

FILTER_LANGS = ("cql2-text", "cql2-json")
COMPARISONS = {ast.Equal: "=", ast.NotEqual: "<>", ast.LessThan: "<",
               ast.LessEqual: "<=", ast.GreaterThan: ">", ast.GreaterEqual: ">="}
FLIPPED = {"=": "=", "<>": "<>", "<": ">", "<=": ">=", ">": "<", ">=": "<="}
MAX_FILTER_NODES = 200


def queryables_schema(collection_id: str, self_url: str, title: str) -> dict[str, Any]:
    """The queryables of a collection as a JSON Schema (OGC API - Features Part 3)."""
    properties: dict[str, Any] = {}
    for q in QUERYABLES[collection_id]:
        if q.type == "geometry":
            prop: dict[str, Any] = {"format": "geometry-any", "x-ogc-role": "primary-geometry"}
        elif q.type == "date-time":
            prop = {"type": "string", "format": "date-time"}
        else:
            prop = {"type": q.type}
        if q.enum:
            prop["enum"] = list(q.enum)
        properties[q.name] = {"title": q.name, "description": q.description, **prop}
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": self_url,
            "type": "object", "title": title, "properties": properties,
            "additionalProperties": False}


def _bad(message: str) -> InvalidParameter:
    return InvalidParameter("filter", message)


def parse(text: str, filter_lang: str, collection_id: str, filter_crs: Crs) -> tuple:
    """The checked expression of a filter, or InvalidParameter naming what is wrong."""
    if filter_lang == "cql2-json":
        try:
            document = json.loads(text)
        except (ValueError, RecursionError):
            raise _bad("is not valid JSON (filter-lang is cql2-json)") from None
        try:
            node = parse_json(_bbox_literals_as_polygons(document))
        except Exception as error:  # noqa: BLE001 - the parser's many errors, all a 400
            raise _bad(f"cannot be read as cql2-json: {_first_line(error)}") from None
    else:
        try:
            node = parse_text(text)
        except Exception as error:  # noqa: BLE001 - lark's many errors, all a 400
            raise _bad(f"cannot be read as cql2-text: {_first_line(error)}") from None
    queryables = {q.name: q for q in QUERYABLES[collection_id]}
    return _Checker(queryables, filter_crs).expression(node)


def _first_line(error: Exception) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0][:200]


def _bbox_literals_as_polygons(node: Any) -> Any:
    """cql2-json {"bbox": [minx, miny, maxx, maxy]} as a polygon (pygeofilter 0.4 reads
    its four numbers in another order)."""
    if isinstance(node, list):
        return [_bbox_literals_as_polygons(v) for v in node]
    if not isinstance(node, dict):
        return node
    box = node.get("bbox")
    if set(node) == {"bbox"} and isinstance(box, list) and len(box) in (4, 6) \
            and all(isinstance(v, int | float) for v in box):
        minx, miny, maxx, maxy = (box[0], box[1], box[2], box[3]) if len(box) == 4 \
            else (box[0], box[1], box[3], box[4])
        return {"type": "Polygon", "coordinates": [[[minx, miny], [maxx, miny], [maxx, maxy],
                                                    [minx, maxy], [minx, miny]]]}
    return {k: _bbox_literals_as_polygons(v) for k, v in node.items()}


class _Checker:
    def __init__(self, queryables: dict[str, Queryable], filter_crs: Crs):
        self.queryables = queryables
        self.filter_crs = filter_crs
        self.nodes = 0

    def expression(self, node: Any) -> tuple:
        self.nodes += 1
        if self.nodes > MAX_FILTER_NODES:
            raise _bad(f"has more than {MAX_FILTER_NODES} terms")
        if isinstance(node, bool):
            return ("const", node)
        if isinstance(node, ast.Include):  # INCLUDE / EXCLUDE
            return ("const", not node.not_)
        if isinstance(node, ast.And | ast.Or):
            return ("and" if isinstance(node, ast.And) else "or",
                    (self.expression(node.lhs), self.expression(node.rhs)))
        if isinstance(node, ast.Not):
            return ("not", self.expression(node.sub_node))
        if type(node) in COMPARISONS:
            return self._comparison(COMPARISONS[type(node)], node.lhs, node.rhs)
        if isinstance(node, ast.Like):
            prop = self._property(node.lhs, ("string",), "LIKE")
            if not isinstance(node.pattern, str):
                raise _bad("LIKE needs a text pattern in quotes")
            if node.nocase:
                raise _bad("ILIKE (case-insensitive LIKE) is not supported; use LIKE")
            return ("like", prop.name, _glob(node.pattern), bool(node.not_))
        if isinstance(node, ast.In):
            prop = self._property(node.lhs, None, "IN")
            items = tuple(self._value(prop, v, "IN") for v in node.sub_nodes)
            if not items:
                raise _bad("IN needs at least one value")
            return ("in", prop.name, prop.type, items, bool(node.not_))
        if isinstance(node, ast.IsNull):
            prop = self._property(node.lhs, None, "IS NULL")
            return ("null", prop.name, bool(node.not_))
        if isinstance(node, ast.GeometryIntersects | ast.GeometryWithin):
            return self._spatial(node)
        if isinstance(node, ast.Attribute):
            raise _bad(f"the property {node.name!r} on its own is not a condition; compare "
                       "it with a value")
        if isinstance(node, ast.Function):
            raise _bad(f"the function {node.name!r} is not supported (no functions are)")
        if not isinstance(node, ast.Node):
            raise _bad(f"must be a condition, not {_describe(node)}")
        raise _bad(f"the operator {_operator(node)} is not supported; use =, <>, <, <=, >, "
                   ">=, LIKE, IN, IS NULL, AND, OR, NOT, S_INTERSECTS or S_WITHIN")

    def _property(self, node: Any, types: tuple[str, ...] | None, operator: str) -> Queryable:
        if isinstance(node, ast.Function):
            raise _bad(f"the function {node.name!r} is not supported (no functions are)")
        if not isinstance(node, ast.Attribute):
            raise _bad(f"{operator} needs a property on its left (see queryables)")
        prop = self.queryables.get(node.name)
        if prop is None:
            raise _bad(f"unknown property {node.name!r}; this collection's queryables are "
                       + ", ".join(sorted(self.queryables)))
        if prop.type == "geometry" and operator not in ("S_INTERSECTS", "S_WITHIN"):
            raise _bad("geometry can only be used with S_INTERSECTS or S_WITHIN")
        if types is not None and prop.type not in types:
            raise _bad(f"{operator} cannot be used on {prop.name!r}, which is a {prop.type}")
        return prop

    def _comparison(self, op: str, lhs: Any, rhs: Any) -> tuple:
        left, right = self._operand(lhs, op), self._operand(rhs, op)
        if _kind(left) != _kind(right):
            raise _bad(f"{op} compares {_said(left)} with {_said(right)}"
                       + _hint(left, right))
        return ("cmp", op, left, right)

    def _operand(self, node: Any, op: str) -> tuple:
        """("prop", name, type) or ("val", type, value) of one side of a comparison."""
        if isinstance(node, ast.Attribute | ast.Function):
            prop = self._property(node, None, op)
            return ("prop", prop.name, prop.type)
        if isinstance(node, datetime | date):
            if not isinstance(node, datetime):  # DATE('2026-01-01'): its start, in UTC
                node = datetime(node.year, node.month, node.day)
            return ("val", "date-time", rfc3339(node if node.tzinfo
                                                else node.replace(tzinfo=UTC)))
        if isinstance(node, bool):
            return ("val", "boolean", node)
        if isinstance(node, str):
            return ("val", "string", node)
        if isinstance(node, int | float):
            return ("val", "number", node)
        raise _bad(f"{op} needs properties or literal values, not {_operator(node)}")

    def _value(self, prop: Queryable, node: Any, operator: str) -> Any:
        """A literal of IN, checked against the property's type."""
        value = self._operand(node, operator)
        if value[0] != "val":
            raise _bad(f"{operator} on {prop.name!r} needs literal values, not a property")
        if _kind(value) != _kind(("prop", prop.name, prop.type)):
            raise _bad(f"{operator} compares {_said(('prop', prop.name, prop.type))} with "
                       f"{_said(value)}" + _hint(("prop", prop.name, prop.type), value))
        return value[2]

    def _spatial(self, node: Any) -> tuple:
        name = "S_INTERSECTS" if isinstance(node, ast.GeometryIntersects) else "S_WITHIN"
        lhs, rhs = node.lhs, node.rhs
        if name == "S_INTERSECTS" and not isinstance(lhs, ast.Attribute):
            lhs, rhs = rhs, lhs
        if not isinstance(lhs, ast.Attribute) or lhs.name != "geometry":
            raise _bad(f"{name} needs the property geometry first")
        self._property(lhs, ("geometry",), name)
        if isinstance(rhs, values.Envelope):  # cql2-text ENVELOPE(minx maxx miny maxy)
            geometry = {"type": "Polygon", "coordinates": [[
                [rhs.x1, rhs.y1], [rhs.x2, rhs.y1], [rhs.x2, rhs.y2], [rhs.x1, rhs.y2],
                [rhs.x1, rhs.y1]]]}
        elif isinstance(rhs, values.Geometry):
            geometry = json.loads(json.dumps(rhs.geometry))  # tuples to lists
        else:
            raise _bad(f"{name} needs a geometry literal second (WKT in cql2-text, GeoJSON "
                       "in cql2-json)")
        try:
            geometry = crs_module.to_crs84(geometry, self.filter_crs)
        except (TypeError, ValueError, IndexError):
            raise _bad(f"the geometry of {name} cannot be read") from None
        if not crs_module.geometry_is_valid(geometry):
            raise _bad(f"the geometry of {name} is empty or not a valid geometry")
        return ("spatial", "intersects" if name == "S_INTERSECTS" else "within",
                dumps(geometry))


def _glob(pattern: str) -> str:
    """A CQL2 LIKE pattern (% any text, _ one character, backslash escapes) as a GLOB
    pattern for SQLite (case-sensitive, as CQL2's LIKE is)."""
    out, escaped = [], False
    for ch in pattern:
        if escaped:
            out.append(f"[{ch}]" if ch in "*?[" else ch)
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == "%":
            out.append("*")
        elif ch == "_":
            out.append("?")
        elif ch in "*?[":
            out.append(f"[{ch}]")
        else:
            out.append(ch)
    if escaped:
        out.append("\\")
    return "".join(out)


def _kind(operand: tuple) -> str:
    """What can be compared with what: integers and numbers are both numbers."""
    type_ = operand[2] if operand[0] == "prop" else operand[1]
    return "number" if type_ == "integer" else type_


def _said(operand: tuple) -> str:
    if operand[0] == "prop":
        return f"{operand[1]!r} (a {operand[2]})"
    return f"{_describe(operand[2])} (a {operand[1]})"


def _hint(*operands: tuple) -> str:
    if any(_kind(o) == "date-time" for o in operands):
        return "; write times as TIMESTAMP('2026-01-01T00:00:00Z')"
    return ""


def _operator(node: Any) -> str:
    return type(node).__name__ if isinstance(node, ast.Node) else _describe(node)


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        return "a text"
    if isinstance(value, datetime | date):
        return "a timestamp"
    return type(value).__name__
