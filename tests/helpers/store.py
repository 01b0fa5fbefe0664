"""Looking into the store from a test: the one count helper."""

from __future__ import annotations

import sqlite3

import psycopg

#: What either store raises when a constraint refuses a row.
INTEGRITY_ERRORS = (sqlite3.IntegrityError, psycopg.IntegrityError)


def count(store, table: str, **equal) -> int:
    """Rows of a table (constant names from the test), optionally where column = value."""
    where = " AND ".join(f"{column} = ?" for column in equal) or "1 = 1"
    with store.reader() as r:
        return r.conn.execute(f"SELECT count(*) FROM {table} WHERE {where}",  # noqa: S608
                              list(equal.values())).fetchone()[0]
