"""Load geodata files (GeoJSON, GPX, KML/KMZ) into the store, all or nothing (the
rules each record must meet are in records.py).

Every file is read and checked before anything is written; any fault anywhere
stops the whole load with a list naming file, feature and fault. Re-loading the
same files changes nothing (an unchanged feature is not written again).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import audit, moderation
from . import records as schema
from .domain import PROTECTION_LEVELS
from .errors import InvalidGeodata
from .formats import Options, Problems, finish_partial, read_gpx, read_kml
from .i18n import LANGS
from .publishing import publish
from .store import Store
from .times import now_rfc3339

MAX_FILE_BYTES = 50 * 1024 * 1024
@dataclass
class LoadReport:
    """What a load did."""

    files: list[str] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # edited by an organiser; not overwritten


# -- GeoJSON ---------------------------------------------------------------------


def read_geojson(data: bytes, source: str, problems: Problems) -> list[dict[str, Any]]:
    """Records from a GeoJSON FeatureCollection (or single Feature) in our schema."""
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        problems.add(source, None, f"not valid UTF-8 JSON ({exc})")
        return []
    if isinstance(doc, dict) and doc.get("type") == "Feature":
        doc = {"type": "FeatureCollection", "features": [doc]}
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection" or not isinstance(
            doc.get("features"), list):
        problems.add(source, None, "expected a GeoJSON FeatureCollection")
        return []
    if "crs" in doc:
        problems.add(source, None, "a 'crs' member is not allowed (RFC 7946 uses WGS84 lon/lat)")
    records = []
    for index, feature in enumerate(doc["features"]):
        record = schema.record_from_feature(feature, source, index, problems)
        if record is not None:
            records.append(record)
    return records


def gpx_line(data: bytes, trail: dict[str, Any], accuracy: str,
             source: str = "upload") -> dict[str, Any]:
    """A stored trail record with its line replaced by a GPX file's single track."""
    problems = Problems()
    options = Options(municipality=trail["municipality"], accuracy=accuracy,
                      trail_id=trail["id"])
    tracks = [r for r in read_gpx(data, source, problems, options)
              if r["collection"] == "trails"]
    if not problems.items and len(tracks) != 1:
        problems.add(source, None, "a trail's GPX file needs exactly one track or route")
    if not problems.items:
        finish_partial(tracks[0], source, options, problems)
    if problems.items:
        raise InvalidGeodata("; ".join(problems.items),
                             errors=[{"message": p} for p in problems.items])
    merged = _merge(trail, tracks[0])
    check = Problems()
    schema.check_record(merged, source, check)
    if check.items:
        raise InvalidGeodata("; ".join(check.items), errors=[{"message": p} for p in check.items])
    return merged


def read_file(path: Path, problems: Problems, options: Options) -> list[dict[str, Any]]:
    """Records from one file, by its extension."""
    source = str(path)
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            problems.add(source, None, f"file is larger than {MAX_FILE_BYTES // 2**20} MiB")
            return []
        data = path.read_bytes()
    except OSError as exc:
        problems.add(source, None, f"cannot read file ({exc.strerror})")
        return []
    suffix = path.suffix.lower()
    if suffix in (".geojson", ".json"):
        return read_geojson(data, source, problems)
    if suffix == ".gpx":
        records = read_gpx(data, source, problems, options)
    elif suffix in (".kml", ".kmz"):
        records = read_kml(data, source, problems, options)
    else:
        problems.add(source, None, "unknown file type (use .geojson, .json, .gpx, .kml or .kmz)")
        return []
    for record in records:
        finish_partial(record, source, options, problems)
        schema.check_record(record, source, problems)
    return records


def expand(paths: list[Path]) -> list[Path]:
    """Files named, and the geodata files inside folders named, in a stable order."""
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            out += sorted(p for p in path.iterdir()
                          if p.suffix.lower() in (".geojson", ".gpx", ".kml", ".kmz"))
        else:
            out.append(path)
    return out


def load(store: Store, paths: list[Path], options: Options | None = None,
         progress: Callable[[str, int, int], None] | None = None) -> LoadReport:
    """Read and check every file, then write everything in one transaction.
    `progress(phase, done, total)` hears of each file read and each feature written."""
    options = options or Options()
    problems = Problems()
    files = expand(paths)
    if not files:
        raise InvalidGeodata("no geodata files found in the paths given")
    records: list[tuple[str, dict[str, Any]]] = []
    seen: dict[tuple[str, str], str] = {}
    for number, path in enumerate(files, 1):
        if progress:
            progress("read", number - 1, len(files))
        for record in read_file(path, problems, options):
            key = (record["collection"], record["id"])
            if key in seen:
                problems.add(str(path), record["id"],
                             f"duplicate id (also in {seen[key]})")
                continue
            seen[key] = str(path)
            records.append((str(path), record))
    if problems.items:
        raise InvalidGeodata("; ".join(problems.items),
                             errors=[{"message": p} for p in problems.items])
    report = LoadReport(files=[str(p) for p in files])
    with store.writer() as writer:
        updated = now_rfc3339()  # inside the lock: commit order is timestamp order
        for number, (source, record) in enumerate(records, 1):
            if progress:
                progress("write", number, len(records))
            # The exact record of a protected place, which a file may update.
            existing = writer.organiser_row(record["collection"], record["id"])
            if existing is None and options.trail_id and record["collection"] == "trails":
                raise InvalidGeodata(  # raising inside the writer rolls the load back
                    f"{source}: feature {record['id']!r}: --trail-id names no stored trail; "
                    "load the trail's GeoJSON first or check the id")
            if record.pop("partial", False) and existing is not None:
                record = _merge(json.loads(existing["record"]), record)
                merge_problems = Problems()
                schema.check_record(record, source, merge_problems)
                if merge_problems.items:  # raising here rolls the whole load back
                    raise InvalidGeodata("; ".join(merge_problems.items))
            if existing is not None:
                _keep_protection(json.loads(existing["record"]), record)
            if existing is not None and not options.force and _edited_by_organiser(
                    writer, record, existing):
                report.kept.append(record["id"])  # an organiser's edit wins over the file
                continue
            changed = publish(writer, record, updated)
            if existing is None:
                report.created.append(record["id"])
            elif changed:
                report.updated.append(record["id"])
                if record["collection"] == "places":
                    moderation.republish_at(writer, record["id"])  # stories move with it
            else:
                report.unchanged.append(record["id"])
            if changed and existing is not None:  # a file changed published data
                audit.record(writer, None, "update", record["collection"][:-1],
                                 record["id"], record["municipality"],
                                 json.loads(existing["record"]),
                                 {k: v for k, v in record.items() if k != "partial"},
                                 actor="load-geodata")
    return report


ORGANISER_EDITS = ("create", "update", "upload-gpx")


def _keep_protection(stored: dict[str, Any], record: dict[str, Any]) -> None:
    """A file never lowers a place's protection: organisers set it (with a reason, on
    the audit log), and a file that does not name it keeps the stored one."""
    levels = PROTECTION_LEVELS
    old = stored.get("protection") or "exact"
    if levels.index(record.get("protection") or "exact") < levels.index(old):
        record["protection"] = old
    if record.get("protection") == old and "protection_cell_m" in stored:
        record["protection_cell_m"] = stored["protection_cell_m"]


def _edited_by_organiser(writer: Any, record: dict[str, Any], existing: dict[str, Any]
                         ) -> bool:
    """True when an organiser changed this feature through the API or dashboard and the
    file would now change it again (re-running a load must not undo a survey)."""
    entries = writer.audit_entries(None, record["id"], 20)
    edited = any(e["organiser_id"] is not None and e["action"] in ORGANISER_EDITS
                 and e["object_type"] == record["collection"][:-1] for e in entries)
    return edited and json.loads(existing["record"]) != {
        k: v for k, v in record.items() if k != "partial"}


def _merge(stored: dict[str, Any], partial: dict[str, Any]) -> dict[str, Any]:
    """A stored record with the geometry (and missing names) of a GPX/KML record."""
    merged = dict(stored)
    merged["geometry"] = partial["geometry"]
    merged["accuracy"] = partial["accuracy"]
    texts = {k: dict(v) for k, v in stored["texts"].items()}
    for text_field, values in partial["texts"].items():
        for lang, value in values.items():
            if value and not (texts.get(text_field) or {}).get(lang):
                texts.setdefault(text_field, {code: None for code in LANGS})[lang] = value
    merged["texts"] = texts
    return merged
