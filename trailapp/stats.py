"""Figures and exports for the steering group: counts, time to decision, Agenda 2030
targets, and the approved content as CSV or GeoJSON (never personal data)."""

from __future__ import annotations

import csv
import io
import json
import statistics
from collections import Counter
from datetime import datetime
from typing import Any

from . import policy
from .auth import Organiser
from .domain import AGE_BANDS
from .small_numbers import Count, protect
from .store import Reader, Store
from .store.features import FeatureFilter

EXPORT_COLUMNS = ("id", "kind", "municipality", "place", "lang", "title", "body",
                  "pseudonym", "published", "sdg_targets", "starts_at", "ends_at",
                  "challenges_done_at_place")


def _hours(start: str, end: str) -> float:
    a = datetime.fromisoformat(start.replace("Z", "+00:00"))
    b = datetime.fromisoformat(end.replace("Z", "+00:00"))
    return (b - a).total_seconds() / 3600


def _summary(reader: Reader, municipalities: list[str]) -> dict[str, Any]:
    """Counts grouped every way the steering group asked for, decision times and
    Agenda 2030 targets, for the given municipalities."""
    raw = reader.contribution_stats(municipalities)
    decisions = raw.pop("decisions")
    decided = [_hours(d["created"], d["decided_at"]) for d in decisions if d["decided_at"]]
    targets: Counter[str] = Counter()
    for d in decisions:
        if d["status"] == "approved":
            targets.update(json.loads(d["sdg_targets"] or "[]"))
    return {
        "municipalities": municipalities,
        "total": len(decisions),
        **raw,
        "by_age_band": _age_bands(raw["by_age_band"], raw["by_municipality"]),
        "time_to_decision_hours": {
            "decided": len(decided),
            "median": round(statistics.median(decided), 2) if decided else None,
            "p90": round(sorted(decided)[int(0.9 * (len(decided) - 1))], 2) if decided
            else None,
        },
        "agenda_2030": {"4.7": targets.get("4.7", 0), "11.4": targets.get("11.4", 0)},
        "exchange": _exchange(reader, municipalities),
    }


def _age_bands(rows: list[dict[str, Any]], totals: list[dict[str, Any]]
               ) -> list[dict[str, Any]]:
    """Every age band of each municipality and status that has contributions, zero
    included, with the report's small-number rule (small_numbers.py): a count under 5
    is null with `hidden` "fewer than 5", and one that would give such a count away
    (by_municipality prints the total of the bands) is null with `hidden` "not shown"."""
    found = {(r["municipality"], r["status"], r["age_band"]): r["count"] for r in rows}
    values: dict[str, int] = {}
    relations: list[tuple[str, list[str]]] = []
    for t in totals:
        total = f"{t['municipality']}|{t['status']}"
        parts = [f"{total}|{band}" for band in AGE_BANDS]
        values[total] = t["count"]
        values.update({part: found.get((t["municipality"], t["status"], band), 0)
                       for part, band in zip(parts, AGE_BANDS, strict=True)})
        relations.append((total, parts))
    counts = protect(values, relations)
    out = []
    for t in totals:
        for band in AGE_BANDS:
            count = counts[f"{t['municipality']}|{t['status']}|{band}"]
            out.append({"municipality": t["municipality"], "age_band": band,
                        "status": t["status"], "count": count.value,
                        "hidden": None if count.value is not None else count.text()})
    return sorted(out, key=lambda r: (r["municipality"], r["age_band"], r["status"]))


def _exchange(reader: Reader, municipalities: list[str]) -> list[dict[str, Any]]:
    """Per active twin pair of these towns (issue 13): published questions, those with a
    published reply, and the median days from a question's publication to its first
    published reply (null when none is answered)."""
    pairs: dict[str, list[dict[str, Any]]] = {}
    for row in reader.question_threads(municipalities, "0000-01-01", "9999-12-31"):
        pairs.setdefault(row["twin_id"], []).append(row)
    out = []
    for twin_id, rows in pairs.items():
        days = [_hours(r["decided_at"], r["first_reply"]) / 24 for r in rows
                if r["first_reply"]]
        out.append({"twin": twin_id, "places": [rows[0]["place_id"], rows[0]["twin_place_id"]],
                    "questions": len(rows), "answered": len(days),
                    "median_days_to_first_reply": round(statistics.median(days), 2)
                    if days else None})
    return out


def _approved(reader: Reader, municipalities: list[str]) -> list[dict[str, Any]]:
    out = []
    for collection in ("stories", "activities"):
        for municipality in municipalities:
            joined, _ = reader.page(FeatureFilter(collection, municipality=municipality),
                                    "en", 10**9, 0)
            out += json.loads(f"[{joined}]")
    return out


def _challenges_done(reader: Reader, municipalities: list[str]) -> dict[str, Count]:
    """Challenges done (approved answers, all time) per place: a count of young people,
    so under 5 (zero included) it is hidden as in the report. Only the count: an
    answer's text is never published, so no export carries it."""
    done: dict[str, int] = {}
    for r in reader.challenges_done(municipalities, "0000-01-01", "9999-12-31"):
        done[r["place_id"]] = done.get(r["place_id"], 0) + r["n"]
    return protect(done, [])


def _done_at(done: dict[str, Count], place_id: str) -> Count:
    return done.get(place_id) or Count(None, "small")  # none done: zero, under 5


def _export_geojson(reader: Reader, municipalities: list[str]) -> str:
    """Approved stories and activities as one FeatureCollection; each also carries the
    challenges done at its place (`{"count", "hidden"}`, as in /moderation/stats)."""
    features = _approved(reader, municipalities)
    done = _challenges_done(reader, municipalities)
    for f in features:
        count = _done_at(done, f["properties"]["place"]["id"])
        f["properties"]["challenges_done_at_place"] = {
            "count": count.value, "hidden": None if count.value is not None else count.text()}
    return json.dumps({"type": "FeatureCollection", "features": features},
                      ensure_ascii=False)


def _export_csv(reader: Reader, municipalities: list[str]) -> str:
    """Approved stories and activities as CSV, one row each (spreadsheet-safe)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(EXPORT_COLUMNS)
    done = _challenges_done(reader, municipalities)
    for f in _approved(reader, municipalities):
        p = f["properties"]
        row = [f["id"], p["kind"], p["municipality"], p["place"]["id"], p["lang"],
               p.get("name", ""), p.get("description", ""), p["pseudonym"], p["published"],
               " ".join(p.get("sdg_targets", [])), p.get("starts_at", ""), p.get("ends_at", ""),
               _done_at(done, p["place"]["id"]).text()]
        writer.writerow([_cell(v) for v in row])
    return out.getvalue()


def _cell(value: Any) -> str:
    """A CSV cell that a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def summary(store: Store, who: Organiser | None, municipality: str | None = None
            ) -> dict[str, Any]:
    """The figures for one of the organiser's municipalities, or all of theirs."""
    scope = policy.scope(who, municipality)
    with store.reader() as reader:
        return _summary(reader, scope)


def export_csv(store: Store, who: Organiser | None, municipality: str | None = None) -> str:
    """Approved stories and activities as CSV (no personal data)."""
    scope = policy.scope(who, municipality)
    with store.reader() as reader:
        return _export_csv(reader, scope)


def export_geojson(store: Store, who: Organiser | None, municipality: str | None = None
                   ) -> str:
    """Approved stories and activities as one GeoJSON FeatureCollection."""
    scope = policy.scope(who, municipality)
    with store.reader() as reader:
        return _export_geojson(reader, scope)
