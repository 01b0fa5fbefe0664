"""SQL for organisers' photos of places."""

from __future__ import annotations

import sqlite3
from typing import Any

_COLUMNS = ("id", "place_id", "municipality", "position", "file", "thumb_file", "bytes",
            "width", "height", "credit", "licence", "caption", "created", "created_by")


class PlaceImageReads:
    """Read queries on place photos (mixed into the store's Reader)."""

    conn: sqlite3.Connection

    def place_images(self, place_id: str) -> list[dict[str, Any]]:
        """A place's photos in the order they were added."""
        rows = self.conn.execute(
            "SELECT * FROM place_images WHERE place_id = ? ORDER BY position, id", [place_id])
        return [dict(r) for r in rows]

    def place_image(self, image_id: str) -> dict[str, Any] | None:
        """One place photo's row, or None."""
        row = self.conn.execute("SELECT * FROM place_images WHERE id = ?",
                                [image_id]).fetchone()
        return dict(row) if row else None

    def place_image_by_file(self, file: str) -> dict[str, Any] | None:
        """The place photo stored under this name (full size or thumbnail), or None."""
        row = self.conn.execute(
            "SELECT *, thumb_file = ? AS is_thumb FROM place_images "
            "WHERE file = ? OR thumb_file = ?", [file, file, file]).fetchone()
        return dict(row) if row else None

    def place_image_files(self) -> set[str]:
        """Every stored place photo file name (for the retention job's orphan sweep)."""
        rows = self.conn.execute("SELECT file, thumb_file FROM place_images")
        return {name for r in rows for name in r if name}


class PlaceImageWrites:
    """Writes of place photos (mixed into the store's Writer)."""

    conn: sqlite3.Connection

    def insert_place_image(self, row: dict[str, Any]) -> None:
        """Store one place photo's row, after the place's others."""
        position = self.conn.execute(
            "SELECT coalesce(max(position), -1) + 1 FROM place_images WHERE place_id = ?",
            [row["place_id"]]).fetchone()[0]
        values = {**row, "position": position}
        self.conn.execute(
            f"INSERT INTO place_images ({', '.join(_COLUMNS)}) "  # noqa: S608 - constant names
            f"VALUES ({', '.join('?' for _ in _COLUMNS)})", [values.get(c) for c in _COLUMNS])

    def delete_place_image(self, image_id: str) -> bool:
        """Remove one place photo's row; True when there was one."""
        return self.conn.execute("DELETE FROM place_images WHERE id = ?",
                                 [image_id]).rowcount > 0

    def delete_place_images_of(self, place_id: str) -> list[dict[str, Any]]:
        """Remove every photo of a place (the place is being deleted); their rows."""
        rows = [dict(r) for r in self.conn.execute(
            "SELECT * FROM place_images WHERE place_id = ?", [place_id])]
        self.conn.execute("DELETE FROM place_images WHERE place_id = ?", [place_id])
        return rows
