"""Parsing of query-string values (bbox, datetime, near, RFC 3339 instants).

Each parser takes the raw string and returns typed values, or raises ValueError
with a message that tells the client what is expected. Pydantic turns those into
400 responses naming the parameter.
"""

from __future__ import annotations

import math

from ..geo import check_lonlat_box
from ..times import parse_instant, rfc3339

__all__ = ["parse_bbox", "parse_bbox_numbers", "parse_point", "parse_instant", "rfc3339",
           "parse_datetime"]


def _numbers(raw: str, what: str) -> list[float]:
    try:
        values = [float(v) for v in raw.split(",")]
    except ValueError:
        raise ValueError(f"{what} must be comma-separated numbers") from None
    if not all(math.isfinite(v) for v in values):
        raise ValueError(f"{what} must be finite numbers")
    return values


def parse_bbox_numbers(raw: str) -> tuple[float, float, float, float]:
    """4 numbers (or 6 with heights, which are dropped), in any CRS (see bbox-crs)."""
    values = _numbers(raw, "bbox")
    if len(values) == 6:
        values = [values[0], values[1], values[3], values[4]]
    elif len(values) != 4:
        raise ValueError("bbox needs 4 numbers: minlon,minlat,maxlon,maxlat (or 6 with heights)")
    return values[0], values[1], values[2], values[3]


def parse_bbox(raw: str) -> tuple[float, float, float, float]:
    """'minlon,minlat,maxlon,maxlat' (or 6 numbers with heights) in WGS84."""
    return check_lonlat_box(*parse_bbox_numbers(raw))


def parse_point(raw: str) -> tuple[float, float]:
    """'lon,lat' in WGS84."""
    values = _numbers(raw, "near")
    if len(values) != 2:
        raise ValueError("near needs two numbers: longitude,latitude")
    lon, lat = values
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise ValueError("near must be longitude (-180..180),latitude (-90..90), in that order")
    return lon, lat


def parse_datetime(raw: str) -> tuple[str | None, str | None]:
    """OGC datetime: an instant, or an interval 'start/end' with '..' for open ends."""
    if "/" not in raw:
        instant = rfc3339(parse_instant(raw))
        return instant, instant
    start_raw, _, end_raw = raw.partition("/")
    if "/" in end_raw:
        raise ValueError("datetime interval has more than one '/'")
    start = None if start_raw in ("", "..") else parse_instant(start_raw)
    end = None if end_raw in ("", "..") else parse_instant(end_raw)
    if start is None and end is None:
        raise ValueError("datetime interval needs at least one end ('../..' is unbounded)")
    if start is not None and end is not None and start > end:
        raise ValueError("datetime interval starts after it ends")
    return (rfc3339(start) if start else None, rfc3339(end) if end else None)
