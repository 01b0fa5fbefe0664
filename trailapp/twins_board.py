"""What the dashboard's Twins page shows (issue 13): an organiser's twins grouped by
what they can do with each (accept a proposal waiting for their town, withdraw their
own, end an active one), both towns' paired places for two maps side by side, and the
places a proposal can choose from. Plain Python over twins.listing; the rules of each
step stay in twins.py and policy.py."""

from __future__ import annotations

import json
from typing import Any

from . import i18n, twins
from .auth import Organiser
from .domain import MUNICIPALITIES, TWIN_THEMES
from .store import Store

#: The groups of the page, in the order shown.
GROUPS = ("waiting", "proposed", "active", "ended")
#: How many ended twins the page lists (the audit log keeps them all).
ENDED_SHOWN = 20


def _name(names: dict[str, str] | None, lang: str, fallback: str) -> str:
    return i18n.pick(names, lang)[0] or fallback


def _group(twin: dict[str, Any], by: Organiser) -> str:
    if twin["status"] == "proposed":
        return "waiting" if by.may_act_on(twin["twin_municipality"]) else "proposed"
    return twin["status"]


def board(store: Store, by: Organiser, lang: str) -> dict[str, Any]:
    """The page: rows per group (numbered across the page), map points per town, the
    themes and the places a proposal may pair."""
    groups: dict[str, list[dict[str, Any]]] = {g: [] for g in GROUPS}
    maps: dict[str, list[dict[str, Any]]] = {m: [] for m in MUNICIPALITIES}
    for twin in twins.listing(store, by, None, None):
        groups[_group(twin, by)].append(twin)
    groups["ended"] = sorted(groups["ended"], key=lambda t: t["ended_at"] or "",
                             reverse=True)[:ENDED_SHOWN]
    number = 0
    for group in GROUPS:
        for twin in groups[group]:
            number += 1
            twin["number"] = number
            twin["theme_label"] = _name(i18n.LABELS[f"theme.{twin['theme']}"], lang,
                                        twin["theme"])
            twin["description"] = i18n.pick(twin["text"], lang)[0] or ""
            for side, town in (("place", twin["municipality"]),
                               ("twin_place", twin["twin_municipality"])):
                place = twin[side]
                place["town"] = town
                place["label"] = _name(place.get("name"), lang, place["id"])
                point = place.get("geometry")
                if group != "ended" and point and point["type"] == "Point":
                    maps[town].append({"lon": point["coordinates"][0],
                                       "lat": point["coordinates"][1],
                                       "number": number, "status": twin["status"],
                                       "label": f"{number}. {place['label']}"})
    return {"groups": groups, "maps": maps,
            "themes": [(t, _name(i18n.LABELS[f"theme.{t}"], lang, t)) for t in TWIN_THEMES],
            "choices": place_choices(store, lang),
            "own": by.scope()}


def place_choices(store: Store, lang: str) -> dict[str, list[tuple[str, str]]]:
    """Every public place per town as (id, name), by name: what a proposal may pair."""
    out: dict[str, list[tuple[str, str]]] = {m: [] for m in MUNICIPALITIES}
    with store.reader() as reader:
        rows = reader.records("places")
    for row in rows:
        record = json.loads(row["record"])
        if record["municipality"] in out:
            out[record["municipality"]].append(
                (record["id"], _name(record["texts"].get("name"), lang, record["id"])))
    return {m: sorted(places, key=lambda p: p[1].casefold()) for m, places in out.items()}
