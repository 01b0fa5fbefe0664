"""SQL for the exact records of protected places (issue 14): organisers only.

A place's organiser row is its published row with the record replaced by the exact one
when the place is protected; a place only organisers may see has no published row.
"""

from __future__ import annotations

import sqlite3
from typing import Any


class ProtectionReads:
    """Organisers' reads of places and trails, protected places with their exact record."""

    conn: sqlite3.Connection
    feature_row: Any  # FeatureReads
    records: Any  # FeatureReads

    def protected_row(self, place_id: str) -> dict[str, Any] | None:
        """The exact record of a protected place, or None."""
        row = self.conn.execute(
            "SELECT id, municipality, protection, record, created, updated "
            "FROM protected_places WHERE id = ?", [place_id]).fetchone()
        return dict(row) if row else None

    def organiser_row(self, collection: str, feature_id: str) -> dict[str, Any] | None:
        """The stored row of a place or trail as organisers see it (the exact record of
        a protected place, and places only organisers may see), or None."""
        row = self.feature_row(collection, feature_id)
        exact = self.protected_row(feature_id) if collection == "places" else None
        if exact is None:
            return row
        return {**(row or {"collection": "places", "id": feature_id, "kind": None,
                           "accuracy": None, "geometry": None, "geom_type": None,
                           "content_hash": None}),
                "municipality": exact["municipality"], "record": exact["record"],
                "created": (row or exact)["created"], "updated": exact["updated"]}

    def organiser_records(self, collection: str | None = None) -> list[dict[str, Any]]:
        """Every place's and trail's record as organisers see it (see organiser_row)."""
        exact = {} if collection not in (None, "places") else {
            r["id"]: dict(r) for r in self.conn.execute(
                "SELECT id, record, created, updated FROM protected_places")}
        out = []
        for row in self.records(collection):
            if row["collection"] == "places" and row["id"] in exact:
                row = {**row, **exact.pop(row["id"]), "collection": "places"}
            out.append(row)
        out += [{**r, "collection": "places"} for r in exact.values()]
        return sorted(out, key=lambda r: (r["collection"], r["id"]))


class ProtectionWrites:
    """Keeping a protected place's exact record (mixed into the store's Writer)."""

    conn: sqlite3.Connection

    def keep_protected(self, row: dict[str, Any]) -> None:
        """Insert or replace a protected place's exact record."""
        self.conn.execute(
            "INSERT INTO protected_places (id, municipality, protection, record, created, "
            "updated) VALUES (:id, :municipality, :protection, :record, :updated, :updated) "
            "ON CONFLICT (id) DO UPDATE SET municipality = excluded.municipality, "
            "protection = excluded.protection, record = excluded.record, "
            "updated = excluded.updated", row)

    def drop_protected(self, place_id: str) -> bool:
        """Forget a place's exact record (it is exact again, or deleted)."""
        return self.conn.execute("DELETE FROM protected_places WHERE id = ?",
                                 [place_id]).rowcount > 0
