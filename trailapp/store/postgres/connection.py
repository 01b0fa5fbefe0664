"""A psycopg connection that answers the store's SQL as sqlite3 does.

The store's modules (trailapp/store/*.py) write their SQL once, in the subset both
databases understand: `?` and `:name` parameters, rows read by name or position,
`cursor.rowcount`. This module carries that SQL to PostgreSQL unchanged in meaning:
parameters become psycopg's `%s` / `%(name)s` (translated once per statement text and
kept), rows come back as `Row` (a tuple that also answers by column name, like
sqlite3.Row), and Python's True/False are sent as 1/0 (the schema keeps SQLite's
integer flags). SQL functions that SQLite has and PostgreSQL lacks (json_each over a
JSON text, json_extract, strftime('…', 'now'), julianday, two-argument min/max) are
defined by the PostgreSQL migrations (schema.py); what cannot be written in the common
subset (spatial index, full-text search, aggregation into one row) is written again
for PostgreSQL in overrides.py.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import psycopg
from psycopg.adapt import Dumper
from psycopg.pq import Format


class Row(tuple):
    """A result row: a tuple that also answers row["column"] and dict(row)."""

    _names: tuple[str, ...] = ()

    def keys(self) -> tuple[str, ...]:
        return self._names

    def __getitem__(self, key: Any) -> Any:  # type: ignore[override]
        if isinstance(key, str):
            try:
                return tuple.__getitem__(self, self._names.index(key))
            except ValueError:
                raise IndexError(f"no column named {key}") from None
        return tuple.__getitem__(self, key)


@functools.lru_cache(maxsize=1024)
def _row_class(names: tuple[str, ...]) -> type[Row]:
    return type("Row", (Row,), {"_names": names, "__slots__": ()})


def _row_factory(cursor: psycopg.Cursor[Any]) -> Any:
    return _row_class(tuple(c.name for c in cursor.description or ()))


class _BoolAsInt(Dumper):
    """True/False as 1/0: the schema keeps SQLite's 0/1 integer flags."""

    oid = psycopg.adapters.types["int8"].oid
    format = Format.TEXT

    def dump(self, obj: bool) -> bytes:
        return b"1" if obj else b"0"


@functools.lru_cache(maxsize=4096)
def translate(sql: str) -> str:
    """The store's SQL with psycopg's placeholders: `?` → `%s`, `:name` → `%(name)s`,
    and every literal `%` doubled. Quoted strings and identifiers are copied as they
    are (but for the doubling, which psycopg undoes)."""
    out: list[str] = []
    i, n = 0, len(sql)
    while i < n:
        c = sql[i]
        if c in ("'", '"'):
            end = i + 1
            while end < n:
                if sql[end] == c:
                    if end + 1 < n and sql[end + 1] == c:
                        end += 2
                        continue
                    break
                end += 1
            out.append(sql[i:end + 1].replace("%", "%%"))
            i = end + 1
        elif c == "?":
            out.append("%s")
            i += 1
        elif c == "%":
            out.append("%%")
            i += 1
        elif c == ":" and i + 1 < n and (sql[i + 1].isalpha() or sql[i + 1] == "_") \
                and (i == 0 or sql[i - 1] != ":"):
            end = i + 1
            while end < n and (sql[end].isalnum() or sql[end] == "_"):
                end += 1
            out.append(f"%({sql[i + 1:end]})s")
            i = end
        else:
            out.append(c)
            i += 1
    return "".join(out)


class Cursor:
    """What the store reads of a cursor: rows by iteration or fetch, and rowcount."""

    def __init__(self, cur: psycopg.Cursor[Any]):
        self._cur = cur

    @property
    def rowcount(self) -> int:
        return self._cur.rowcount

    def fetchone(self) -> Any:
        return self._cur.fetchone() if self._cur.description else None

    def fetchall(self) -> list[Any]:
        return self._cur.fetchall() if self._cur.description else []

    def __iter__(self) -> Iterator[Any]:
        return iter(self.fetchall())


class Connection:
    """A psycopg connection with sqlite3's execute(): see the module docstring."""

    dialect = "postgresql"

    def __init__(self, conn: psycopg.Connection[Any]):
        self.raw = conn

    def execute(self, sql: str, params: Sequence[Any] | Mapping[str, Any] | None = None
                ) -> Cursor:
        cur = self.raw.cursor()
        if not params:  # psycopg reads no placeholders then: the SQL goes as it is
            cur.execute(sql)  # type: ignore[arg-type]
        else:
            cur.execute(translate(sql), params)  # type: ignore[arg-type]
        return Cursor(cur)

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """One statement for many rows, sent in one pipeline (psycopg's executemany):
        no round trip per row."""
        with self.raw.cursor() as cur:
            cur.executemany(translate(sql), rows)  # type: ignore[arg-type]


def configure(conn: psycopg.Connection[Any]) -> None:
    """Set up a new pooled connection: rows like sqlite3.Row, booleans as integers."""
    conn.row_factory = _row_factory
    conn.adapters.register_dumper(bool, _BoolAsInt)
