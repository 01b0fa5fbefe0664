"""The one helper that builds WHERE clauses: constant SQL fragments, values bound.

    w = Where().add("f.collection = ?", "places").when(municipality, "f.municipality = ?")
    conn.execute(f"SELECT ... WHERE {w.sql}", w.params)

A fragment is always a constant written in the store; a value from a request only ever
travels as a bound parameter. tests/test_layout.py checks that no store function puts
one of its parameters into SQL text.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any


class Where:
    """Conditions joined with AND, and their parameters in order."""

    def __init__(self) -> None:
        self.clauses: list[str] = []
        self.params: list[Any] = []

    def add(self, clause: str, *params: Any) -> Where:
        """Always add this condition (with as many parameters as it has '?')."""
        self.clauses.append(clause)
        self.params.extend(params)
        return self

    def when(self, value: Any, clause: str) -> Where:
        """Add the condition with `value` bound, unless value is None."""
        return self if value is None else self.add(clause, value)

    def when_in(self, values: Iterable[Any] | None, clause: str) -> Where:
        """Add a condition on a list of values, bound as one JSON array (for
        `x IN (SELECT value FROM json_each(?))`), unless values is None."""
        return self if values is None else self.add(clause, json.dumps(list(values)))

    @property
    def sql(self) -> str:
        """The conditions as SQL ('1 = 1' when there are none)."""
        return " AND ".join(self.clauses) or "1 = 1"
