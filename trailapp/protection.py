"""Location protection of sensitive places (issue 14): what of a place's position is
public, and the rules for changing it.

A place's record keeps its exact position (read only by organisers, through the
store's organiser rows). What is published is `public_record(record)`:

- `exact`: the record as it is;
- `area`: the centre of the grid cell (of `protection_cell_m` metres, in the
  municipality's metric CRS) that holds the exact point. It is the same on every answer
  and for every point in the cell, so no series of queries, and no averaging of
  answers, narrows the place down below its cell;
- `hidden`: no position at all (null geometry), so no bbox, near or trail query finds it;
- `organisers`: not public (publishing removes it from the public side).

Everything that leaves the server (items, filters, distances, sync, packs, GPX,
exports, the stories and activities at the place, snapping, survey tasks) reads the
published row, so it sees only the public position.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any

from pyproj import Transformer
from shapely.geometry import shape

from . import domain
from .errors import Unprocessable

LEVELS = domain.PROTECTION_LEVELS
#: Positions of area centres are rounded to this many decimals (about 0.1 m).
CENTRE_DECIMALS = 6


def level(record: dict[str, Any]) -> str:
    """A record's protection level (`exact` when it has none)."""
    return record.get("protection") or "exact"


def is_public(record: dict[str, Any]) -> bool:
    """False for a place only organisers may see."""
    return level(record) != "organisers"


@lru_cache(maxsize=8)
def _transformers(crs: str) -> tuple[Transformer, Transformer]:
    return (Transformer.from_crs("OGC:CRS84", crs, always_xy=True),
            Transformer.from_crs(crs, "OGC:CRS84", always_xy=True))


def cell_centre(lon: float, lat: float, municipality: str, cell_m: float
                ) -> tuple[float, float]:
    """The centre (lon, lat) of the grid cell of side cell_m metres, in the
    municipality's metric CRS, that holds (lon, lat)."""
    forward, back = _transformers(domain.MUNICIPALITIES[municipality].metric_crs)
    x, y = forward.transform(lon, lat)
    cx = (math.floor(x / cell_m) + 0.5) * cell_m
    cy = (math.floor(y / cell_m) + 0.5) * cell_m
    clon, clat = back.transform(cx, cy)
    return round(clon, CENTRE_DECIMALS), round(clat, CENTRE_DECIMALS)


def cell_size(record: dict[str, Any]) -> float:
    """The cell side (metres) an `area` place was protected with."""
    value = record.get("protection_cell_m")
    return float(value) if isinstance(value, int | float) and value > 0 else \
        float(domain.PROTECTION_CELL_M)


def public_record(record: dict[str, Any]) -> dict[str, Any]:
    """The record as it may be published (a copy for a protected place): the public
    position, no attribute that locates it, and its protection named. Applying it to its
    own result changes nothing (an area's centre lies in its own cell)."""
    protection = level(record)
    if record.get("collection") != "places" or protection == "exact":
        return record
    public = {**record, "attrs": {k: v for k, v in record["attrs"].items()
                                  if k not in domain.LOCATING_ATTRS and k != "uncertainty_m"}}
    public["protection"] = protection
    if protection == "area" and record["geometry"] is not None:
        cell_m = cell_size(record)
        point = shape(record["geometry"]).representative_point()
        lon, lat = cell_centre(point.x, point.y, record["municipality"], cell_m)
        public["geometry"] = {"type": "Point", "coordinates": [lon, lat]}
        public["accuracy"] = "approximate"
        # Half the cell's diagonal: the place lies within this of the centre.
        public["attrs"]["uncertainty_m"] = math.ceil(cell_m * math.sqrt(2) / 2)
        public["protection_cell_m"] = cell_m
    else:
        public["geometry"] = None
        public["accuracy"] = "unknown"
        public.pop("protection_cell_m", None)
    return public


def check_change(before: dict[str, Any] | None, after: dict[str, Any],
                 reason: str | None) -> None:
    """Lowering a place's protection (towards `exact`) needs a written reason: 422
    naming `reason` otherwise."""
    if before is None:
        return
    if LEVELS.index(level(after)) < LEVELS.index(level(before)) and not (
            reason and reason.strip()):
        raise Unprocessable("reason", f"lowering this place's protection from "
                            f"{level(before)!r} to {level(after)!r} needs a written reason "
                            "(properties.protection_reason)")
