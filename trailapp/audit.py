"""The audit log: every decision and edit on record (who, when, what, before, after).

Entries are appended in the same write transaction as the change they describe; the
store's triggers refuse to change or delete them, except blanking a young person's
erased words. Reading the log is scoped to the organiser's municipalities.
"""

from __future__ import annotations

import json
from typing import Any

from .auth import Organiser
from .store import Reader, Writer
from .times import now_rfc3339


def record(writer: Writer, by: Organiser | None, action: str, object_type: str,
           object_id: str, municipality: str | None, before: Any, after: Any,
           actor: str = "system") -> None:
    """Append one entry to the audit log (inside the change's own transaction)."""
    writer.add_audit({
        "at": now_rfc3339(), "organiser_id": by.id if by else None,
        "organiser": by.username if by else actor, "action": action,
        "object_type": object_type, "object_id": object_id, "municipality": municipality,
        "before": json.dumps(before, ensure_ascii=False),
        "after": json.dumps(after, ensure_ascii=False)})


def entries(reader: Reader, who: Organiser, object_id: str | None = None,
            limit: int = 100, municipalities: list[str] | None = None
            ) -> list[dict[str, Any]]:
    """Entries newest first, in the organiser's municipalities (an admin sees all), with
    `before` and `after` decoded."""
    scope = municipalities if municipalities is not None else (
        None if who.is_admin else who.scope())
    return [_decoded(e) for e in reader.audit_entries(scope, object_id, limit)]


def _decoded(entry: dict[str, Any]) -> dict[str, Any]:
    entry["before"] = json.loads(entry["before"]) if entry["before"] else None
    entry["after"] = json.loads(entry["after"]) if entry["after"] else None
    return entry


def changes(entry: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    """What a decoded entry changed: (field, before, after) for each changed field."""
    before, after = entry["before"], entry["after"]
    old = before if isinstance(before, dict) else {}
    if not isinstance(after, dict):
        return []
    return [(k, old.get(k), value) for k, value in after.items() if old.get(k) != value]
