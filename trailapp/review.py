"""What organisers see and do when they review young people's contributions: the queue,
one contribution in full with its history, and decisions by name. The organisers' API
and the dashboard are two thin adapters over this module.

Who may see and decide what is settled by `policy` before anything is read or changed.
"""

from __future__ import annotations

import json
from typing import Any

from . import audit, i18n, moderation, policy, questions, text, translation_rules, workshops
from .auth import Organiser
from .domain import EXCHANGE_KINDS, TEXT_LIMITS
from .errors import ApiError, NotFound
from .features import place_ref
from .store import Reader, Store

DECISIONS = ("approve", "reject", "withdraw", "restore", "redact")
WITHDRAWN = "withdrawn by an organiser"
_VIEW_FIELDS = (
    "id", "kind", "status", "municipality", "place_id", "lang", "title", "body",
    "pseudonym", "age_band", "consent_by", "consent_notice_version", "consent_at",
    "people_in_media", "people_consented", "starts_at", "ends_at", "time_zone",
    "meeting_point", "capacity", "rejection_reason", "hidden_reason", "created",
    "decided_at", "decided_by")


def item_view(reader: Reader, row: dict[str, Any]) -> dict[str, Any]:
    """What a moderator sees of a contribution (all of it, flags and reports too)."""
    out = {k: row[k] for k in _VIEW_FIELDS}
    out["flags"] = json.loads(row["flags"])
    # The exchange: flags that block approval until redacted, and a reply's question.
    out["approve_blocked_by"] = (text.blocking(out["flags"])
                                 if row["kind"] in EXCHANGE_KINDS else [])
    out["parent_id"] = row.get("parent_id")
    out["question"] = questions.context(reader, row)
    out["original"] = translation_rules.context(reader, row)  # what a translation translates
    out["sdg_targets"] = json.loads(row.get("sdg_targets") or "[]")
    out["workshop"] = workshops.name_of(reader, row.get("workshop_id"))
    out["report_count"] = row.get("report_count", reader.report_count(row["id"]))
    out["reports"] = reader.reports_of(row["id"])
    place = reader.feature_row("places", row["place_id"])
    out["place"] = {**place_ref(row["place_id"]),
                    "geometry": json.loads(place["geometry"]) if place and place["geometry"]
                    else None}
    out["media"] = [{"kind": m["kind"], "type": m["media_type"], "href": f"/media/{m['file']}",
                     "thumbnail": f"/media/{m['thumb_file']}" if m["thumb_file"] else None,
                     "width": m["width"], "height": m["height"], "duration_s": m["duration_s"]}
                    for m in reader.media_of(row["id"])]
    return out


def queue(store: Store, who: Organiser | None, *, municipality: str | None = None,
          status: str | None = "pending", kind: str | None = None,
          flagged: bool | None = None, reported: bool | None = None, limit: int = 50,
          offset: int = 0, workshop: str | None = None) -> dict[str, Any]:
    """The moderation queue, oldest first, in the municipalities the organiser may see
    (with `workshop`, only what was sent with that workshop's code)."""
    scope = policy.scope(who, municipality)
    with store.reader() as reader:
        rows, total = reader.queue(scope, status, kind, flagged, reported, limit, offset,
                                   workshop)
        return {"items": [item_view(reader, row) for row in rows], "total": total}


def _reachable(reader: Reader, who: Organiser | None, contribution_id: str
               ) -> dict[str, Any]:
    what = f"contribution {contribution_id!r}"
    row = reader.contribution(contribution_id)
    policy.decide_contribution(who, row, what)
    if row is None:  # policy refused it already; this keeps the type plain
        raise NotFound(f"There is no {what}.")
    return row


def contribution(store: Store, who: Organiser | None, contribution_id: str,
                 history: bool = False) -> dict[str, Any]:
    """One contribution in full (404 unless the organiser may act on it); with
    `history`, its audit entries newest first under "history"."""
    with store.reader() as reader:
        row = _reachable(reader, who, contribution_id)
        view = item_view(reader, row)
        if history:
            view["history"] = audit.entries(reader, who, contribution_id, 100,
                                            municipalities=[row["municipality"]])
        return view


def decide(store: Store, who: Organiser | None, action: str, contribution_id: str, *,
           actor: str, sdg_targets: list[str] | None = None, reason: str | None = None,
           template: str | None = None, title: str | None = None,
           body: str | None = None, content_notes: list[str] | None = None
           ) -> dict[str, Any]:
    """One decision by name; the contribution as a moderator sees it afterwards."""
    policy.signed_in(who)
    if action == "approve":
        moderation.approve(store, contribution_id, who, sdg_targets, actor=actor,
                           content_notes=content_notes)
    elif action == "reject":
        moderation.reject(store, contribution_id, reason, who, template, actor=actor)
    elif action == "withdraw":
        why = (reason or "").strip()[:TEXT_LIMITS["withdraw_reason"]] or WITHDRAWN
        moderation.withdraw(store, contribution_id, who, why, actor=actor)
    elif action == "restore":
        moderation.restore(store, contribution_id, who, actor=actor)
    elif action == "redact":
        moderation.redact(store, contribution_id, who, title, body, actor=actor)
    else:
        raise ValueError(f"no decision {action!r}")
    return contribution(store, who, contribution_id)


def bulk(store: Store, who: Organiser | None, action: str, ids: list[str], *, actor: str,
         reason: str | None = None, template: str | None = None) -> list[dict[str, Any]]:
    """The same decision for many contributions, each on its own: a result per id."""
    results = []
    for contribution_id in dict.fromkeys(ids):
        try:
            after = decide(store, who, action, contribution_id, actor=actor, reason=reason,
                           template=template)
            results.append({"id": contribution_id, "status": 200, "state": after["status"]})
        except ApiError as exc:
            results.append({"id": contribution_id, "status": exc.status,
                            "error": exc.description})
    return results


def text_edits(item: dict[str, Any], title: str | None, body: str | None
               ) -> dict[str, str]:
    """The fields of a redaction form that really change the text (line ends and
    surrounding spaces as a browser sends them do not count)."""
    edits = {"title": title, "body": body}
    return {k: v for k, v in edits.items()
            if v is not None and v.replace("\r\n", "\n").strip() != item[k]}


def place_names(store: Store, place_ids: set[str], lang: str) -> dict[str, str]:
    """Names of places in a language (with the usual fallback), by id."""
    with store.reader() as reader:
        rows = {pid: reader.feature_row("places", pid) for pid in place_ids}
    return {pid: i18n.pick(json.loads(row["record"])["texts"].get("name"), lang)[0] or pid
            for pid, row in rows.items() if row}


def audit_log(store: Store, who: Organiser | None, object_id: str | None = None,
              limit: int = 100) -> list[dict[str, Any]]:
    """The audit log of the organiser's municipalities, newest first."""
    organiser = policy.signed_in(who)
    with store.reader() as reader:
        return audit.entries(reader, organiser, object_id, limit)
