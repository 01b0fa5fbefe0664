"""A checked CQL2 filter (see trailapp/filters.py) as a WHERE condition on features.

Every SQL fragment here is a constant of this module; every value of the filter (texts,
numbers, times, the property's JSON path, the geometry) is a bound parameter. A property
is read from its column where the features table has one, else from the rendered
feature in the language asked for. Spatial tests use the R*Tree to find candidates and
then meets() below, the exact test in shapely, as the bbox path does.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

#: Properties kept in a column of their own (indexed or cheap); the rest are read from
#: the rendered feature's properties.
COLUMNS = {"id": "f.id", "municipality": "f.municipality", "kind": "f.kind",
           "accuracy": "f.accuracy", "updated": "f.updated", "place": "f.place_id"}
OPERATORS = {"=": "=", "<>": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">="}
JSON_VALUE = {"sv": "json_extract(f.json_sv, ?)", "en": "json_extract(f.json_en, ?)",
              "tn": "json_extract(f.json_tn, ?)"}
SPATIAL = {"sqlite": ("(f.rowid IN (SELECT id FROM features_rtree WHERE minx <= ? AND "
                      "maxx >= ? AND miny <= ? AND maxy >= ?) AND trailapp_meets(?, ?, "
                      "f.geom_type, f.minx, f.miny, f.geometry))"),
           # PostGIS: the GiST index finds candidates, ST_Intersects/ST_Within is exact.
           "postgresql": ("(f.geom && ST_MakeEnvelope(?, ?, ?, ?, 4326) AND CASE ? WHEN "
                          "'intersects' THEN ST_Intersects(f.geom, ST_SetSRID("
                          "ST_GeomFromGeoJSON(?), 4326)) ELSE ST_Within(f.geom, ST_SetSRID("
                          "ST_GeomFromGeoJSON(?), 4326)) END)")}


def condition(expr: tuple, lang: str, dialect: str = "sqlite") -> tuple[str, list[Any]]:
    """The filter as one SQL condition and its parameters, in order, for the database
    named (sqlite or postgresql)."""
    params: list[Any] = []
    sql = _sql(expr, lang, params, dialect)
    return sql, params


def _value_sql(name: str, type_: str, lang: str, params: list[Any]) -> str:
    """The SQL that reads a property (its JSON path, if any, is bound); date-times as
    julian days, so that instants compare whatever their offsets and precision."""
    if name in COLUMNS:
        sql = COLUMNS[name]
    else:
        params.append(f"$.properties.{name}")
        sql = JSON_VALUE[lang]
    return f"julianday({sql})" if type_ == "date-time" else sql


def _operand_sql(operand: tuple, lang: str, params: list[Any]) -> str:
    """One side of a comparison: a property read, or a bound value."""
    if operand[0] == "prop":
        return _value_sql(operand[1], "string", lang, params)  # julianday added by caller
    value = operand[2]
    params.append(int(value) if isinstance(value, bool) else value)
    return "?"


def _sql(expr: tuple, lang: str, params: list[Any], dialect: str) -> str:
    kind = expr[0]
    if kind == "const":
        return "1 = 1" if expr[1] else "1 = 0"
    if kind in ("and", "or"):
        joiner = " AND " if kind == "and" else " OR "
        return "(" + joiner.join(_sql(e, lang, params, dialect) for e in expr[1]) + ")"
    if kind == "not":
        return "NOT (" + _sql(expr[1], lang, params, dialect) + ")"
    if kind == "cmp":
        _, op, left, right = expr
        dated = "date-time" in (left[2] if left[0] == "prop" else left[1],
                                right[2] if right[0] == "prop" else right[1])
        a, b = _operand_sql(left, lang, params), _operand_sql(right, lang, params)
        if dated:  # compared as instants, whatever their offsets and precision
            a, b = f"julianday({a})", f"julianday({b})"
        return f"{a} {OPERATORS[op]} {b}"
    if kind == "like":
        _, name, pattern, negated = expr
        left = _value_sql(name, "string", lang, params)
        if dialect == "postgresql":
            params.append(_glob_to_like(pattern))
            match = f"{left} LIKE ? ESCAPE '\\'"
        else:
            params.append(pattern)
            match = f"{left} GLOB ?"
        return f"NOT ({match})" if negated else match
    if kind == "in":
        _, name, type_, values, negated = expr
        left = _value_sql(name, type_, lang, params)
        params.append(json.dumps(list(values)))
        items = ("SELECT julianday(value) FROM json_each(?)" if left.startswith("julianday")
                 else "SELECT value FROM json_each(?)")
        return f"{left} {'NOT IN' if negated else 'IN'} ({items})"
    if kind == "null":
        _, name, negated = expr
        left = _value_sql(name, "string", lang, params)
        return f"{left} IS NOT NULL" if negated else f"{left} IS NULL"
    if kind == "spatial":
        _, relation, geometry = expr
        minx, miny, maxx, maxy = _literal(geometry).bounds
        if dialect == "postgresql":
            params.extend([minx, miny, maxx, maxy, relation, geometry, geometry])
        else:
            params.extend([maxx, minx, maxy, miny, relation, geometry])
        return SPATIAL[dialect]
    raise ValueError(f"not a filter expression: {kind!r}")  # filters.py makes only these


def _glob_to_like(pattern: str) -> str:
    """A GLOB pattern (as filters.py writes CQL2's LIKE: * and ?, a literal character
    as [c]) as a LIKE pattern with backslash escapes, for PostgreSQL."""
    out, i = [], 0
    while i < len(pattern):
        c = pattern[i]
        if c == "[" and i + 2 < len(pattern) and pattern[i + 2] == "]":
            c, i = pattern[i + 1], i + 2
            out.append("\\" + c if c in "%_\\" else c)
        elif c == "*":
            out.append("%")
        elif c == "?":
            out.append("_")
        else:
            out.append("\\" + c if c in "%_\\" else c)
        i += 1
    return "".join(out)


@lru_cache(maxsize=256)
def _literal(geometry: str) -> BaseGeometry:
    geom = shape(json.loads(geometry))
    shapely.prepare(geom)
    return geom


def meets(relation: str, literal: str, geom_type: str | None, x: float | None,
          y: float | None, geometry: str | None) -> int:
    """SQLite function trailapp_meets: 1 when the stored feature intersects (or lies
    within) the literal geometry. Points are tested on their coordinates alone."""
    try:
        area = _literal(literal)
        if geom_type is None or geometry is None:
            return 0
        if geom_type == "Point":
            test = shapely.intersects_xy if relation == "intersects" else shapely.contains_xy
            return int(bool(test(area, x, y)))
        feature = shape(json.loads(geometry))
        return int(area.intersects(feature) if relation == "intersects"
                   else feature.within(area))
    except Exception:  # noqa: BLE001 - an exception inside SQLite would be a 500
        return 0
