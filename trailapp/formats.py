"""Reading GPX and KML/KMZ files into records (GeoJSON has its own schema checks in
loader.py). XML is screened with defusedxml before any parser sees it: gpxpy would
expand entities, and fastkml's parse() turns on huge_tree and recover."""

from __future__ import annotations

import io
import json
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import defusedxml.ElementTree as SafeET
import gpxpy
from defusedxml import DefusedXmlException
from fastkml import kml

from . import domain
from .geo import GeometryError, check_in_municipality, parse_geometry
from .i18n import LANGS

MAX_KMZ_UNZIPPED = 50 * 1024 * 1024


class Problems:
    """Faults found while reading, each naming file and feature."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, source: str, feature: str | None, fault: str) -> None:
        where = f"{source}: feature {feature!r}" if feature is not None else source
        self.items.append(f"{where}: {fault}")


@dataclass
class Options:
    """Choices for GPX and KML, which carry less than our GeoJSON."""

    municipality: str | None = None  # else found from the coordinates
    lang: str | None = None          # language of names; else the municipality's own
    accuracy: str = "exact"          # a GPS track is a surveyed line
    trail_id: str | None = None      # id for the (single) track of a GPX file
    force: bool = False              # overwrite features an organiser has edited


def _screen_xml(data: bytes, source: str, problems: Problems) -> bool:
    """Refuse DTDs and entities before any other parser sees the bytes."""
    try:
        SafeET.fromstring(data, forbid_dtd=True)
    except DefusedXmlException:
        problems.add(source, None, "XML with a DTD or entities is refused (entity expansion)")
        return False
    except SafeET.ParseError as exc:
        problems.add(source, None, f"not well-formed XML ({exc})")
        return False
    return True


def slug(text: str) -> str:
    """A feature id from a name: lower-case ASCII letters, digits and hyphens."""
    table = str.maketrans({"å": "a", "ä": "a", "ö": "o", "é": "e", "ü": "u", "æ": "ae",
                           "ø": "o"})
    s = re.sub(r"[^a-z0-9]+", "-", text.lower().translate(table)).strip("-")
    return s[:90] or "unnamed"


def _partial(collection: str, fid: str, name: str | None, description: str | None,
             geometry: dict[str, Any], kind: str, options: Options) -> dict[str, Any]:
    """A record from GPX/KML: geometry and names; merged into a stored one if it exists."""
    return {
        "collection": collection, "id": fid, "municipality": options.municipality,
        "kind": kind, "accuracy": options.accuracy, "geometry": geometry,
        "texts": {"name": {"_": name}, "description": {"_": description}},
        "attrs": {}, "partial": True,
    }


def finish_partial(record: dict[str, Any], source: str, options: Options,
                    problems: Problems) -> None:
    """Find the municipality from the coordinates, the language, and the id prefix."""
    if record["municipality"] is None:
        try:
            geom = parse_geometry(record["geometry"])
        except GeometryError as exc:
            problems.add(source, record["id"], str(exc))
            return
        inside = [m for m in domain.MUNICIPALITIES.values()
                  if _all_inside(geom, m)]
        if len(inside) != 1:
            problems.add(source, record["id"], "cannot tell the municipality from the "
                         "coordinates; give --municipality")
            return
        record["municipality"] = inside[0].id
    m = domain.get(record["municipality"])
    lang = options.lang or (m.primary_lang if m else "en")
    for text_field in ("name", "description"):
        value = record["texts"][text_field].pop("_")
        record["texts"][text_field] = {code: (value if code == lang else None) for code in LANGS}
    if options.trail_id is None or record["collection"] != "trails":
        prefix = (record["municipality"] or "")[:3] + "-"
        if not record["id"].startswith(prefix):
            record["id"] = prefix + record["id"]


def _all_inside(geom: Any, m: domain.Municipality) -> bool:
    try:
        check_in_municipality(geom, m)
        return True
    except GeometryError:
        return False


def read_gpx(data: bytes, source: str, problems: Problems, options: Options
             ) -> list[dict[str, Any]]:
    """Trails from GPX tracks and routes, places from GPX waypoints."""
    if not _screen_xml(data, source, problems):
        return []
    try:
        doc = gpxpy.parse(data.decode("utf-8"))
    except (UnicodeDecodeError, gpxpy.gpx.GPXException) as exc:
        problems.add(source, None, f"not a readable GPX file ({exc})")
        return []
    records: list[dict[str, Any]] = []
    lines: list[tuple[str | None, str | None, list[list[list[float]]]]] = []
    for track in doc.tracks:
        parts = [[[p.longitude, p.latitude] for p in seg.points] for seg in track.segments]
        lines.append((track.name, track.description, [p for p in parts if p]))
    for route in doc.routes:
        lines.append((route.name, route.description,
                      [[[p.longitude, p.latitude] for p in route.points]]))
    if options.trail_id and len(lines) > 1:
        problems.add(source, None, "--trail-id needs a GPX file with exactly one track")
        return []
    for i, (name, description, parts) in enumerate(lines):
        fid = options.trail_id or slug(name or doc.name or Path(source).stem)
        if not parts:
            problems.add(source, fid, f"track {i} has no points")
            continue
        geometry = ({"type": "LineString", "coordinates": parts[0]} if len(parts) == 1
                    else {"type": "MultiLineString", "coordinates": parts})
        records.append(_partial("trails", fid, name or doc.name, description, geometry,
                                "trail", options))
    for wpt in doc.waypoints:
        if not wpt.name:
            problems.add(source, None, "a waypoint without a name cannot become a place")
            continue
        kind = slug(wpt.type) if wpt.type else "point-of-interest"
        records.append(_partial("places", slug(wpt.name), wpt.name, wpt.description,
                                {"type": "Point", "coordinates": [wpt.longitude, wpt.latitude]},
                                kind, options))
    return records


def read_kml(data: bytes, source: str, problems: Problems, options: Options
             ) -> list[dict[str, Any]]:
    """Places from KML Point placemarks, trails from LineString placemarks (KMZ too)."""
    if data[:2] == b"PK":
        data = _kmz_document(data, source, problems) or b""
        if not data:
            return []
    if not _screen_xml(data, source, problems):
        return []
    try:
        doc = kml.KML.from_string(data)
    except Exception as exc:  # fastkml raises many kinds; all mean "unreadable"
        problems.add(source, None, f"not a readable KML file ({exc})")
        return []
    records = []
    for placemark in _placemarks(doc):
        name = placemark.name
        if placemark.geometry is None:
            continue
        geometry = json.loads(json.dumps(placemark.geometry.__geo_interface__))
        geometry.pop("bbox", None)
        geometry["coordinates"] = _lists(geometry["coordinates"])
        extended = {e.name: e.value for e in (placemark.extended_data.elements
                                              if placemark.extended_data else [])
                    if getattr(e, "name", None)}
        collection = "trails" if geometry["type"] in ("LineString", "MultiLineString") \
            else "places"
        fid = extended.get("id") or placemark.id or slug(name or "")
        kind = extended.get("kind") or ("trail" if collection == "trails" else
                                        "point-of-interest")
        records.append(_partial(collection, fid, name, placemark.description, geometry,
                                kind, options))
    return records


def _lists(coords: Any) -> Any:
    if isinstance(coords, tuple | list) and coords and isinstance(coords[0], int | float):
        return [float(c) for c in coords]
    return [_lists(c) for c in coords]


def _placemarks(node: Any) -> list[Any]:
    found = []
    for child in getattr(node, "features", None) or []:
        if type(child).__name__ == "Placemark":
            found.append(child)
        found += _placemarks(child)
    return found


def _kmz_document(data: bytes, source: str, problems: Problems) -> bytes | None:
    """The main KML document of a KMZ archive, refusing zip bombs."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = [n for n in archive.namelist() if n.lower().endswith(".kml")]
            if not names:
                problems.add(source, None, "KMZ archive holds no .kml document")
                return None
            info = archive.getinfo("doc.kml" if "doc.kml" in names else names[0])
            if info.file_size > MAX_KMZ_UNZIPPED:
                problems.add(source, None, "KMZ document is too large when unzipped")
                return None
            with archive.open(info) as f:
                body = f.read(MAX_KMZ_UNZIPPED + 1)
            if len(body) > MAX_KMZ_UNZIPPED:
                problems.add(source, None, "KMZ document is too large when unzipped")
                return None
            return body
    except zipfile.BadZipFile:
        problems.add(source, None, "not a readable KMZ (zip) file")
        return None


# -- the load --------------------------------------------------------------------
