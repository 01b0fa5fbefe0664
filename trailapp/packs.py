"""Offline packs: one archive per municipality or surveyed trail, built once per
content version, for the app to install and then keep up to date with /sync.

A pack holds the trails, places, published stories and activities as GeoJSON in the
chosen languages, the exchange with the twin town (twins, questions, replies and
translations of both towns, and a summary of each twin place in twins/places.*),
their thumbnails (full media on request), a municipality's survey
tasks, attribution and licence texts, and a manifest: the pack's version, the sync
cursor it matches, and each file's size and SHA-256. Archives are deterministic (fixed
times, sorted names), so the same content always gives the same bytes and the same ETag.

On disk a pack is its zip without the media bytes (packfiles.py): media are read
from the media folder when the pack is downloaded, so the variants of a pack share
them. The folder is kept under a size bound, least recently used variants first.

Longer than 300 lines because building a pack is one sequence (contents, archive,
cache) that reads best in one file.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import i18n, packcache, packfiles, sync, twins
from .catalog import Catalog, ItemsQuery
from .domain import COLLECTIONS, MUNICIPALITIES, PACK_MEDIA
from .errors import Conflict, InvalidParameter, NotFound, ServiceUnavailable
from .features import dumps
from .media import MediaStore
from .packcache import Built
from .store import Reader, Store
from .store.features import FeatureFilter

TRAIL_CORRIDOR_M = 1000  # places this close to a trail's line go into its pack
MEDIA_CHOICES = PACK_MEDIA
#: ATTRIBUTION.txt and LICENCE.txt, in each language of the pack (Setswana falls back
#: to English until translated).
ATTRIBUTION: dict[str, str | None] = {
    "en": """Attribution

Heritage facts and coordinates come from the sources named in each feature
(properties.source and properties.additional_sources).

Hälsingeleden's stage list is derived from OpenStreetMap data,
© OpenStreetMap contributors, available under the Open Database License (ODbL) 1.0:
https://www.openstreetmap.org/copyright . If you share a database made from it,
share it under the ODbL too.

Coordinates taken from Wikipedia articles are under CC BY-SA 4.0.

Stories, activities, photos and sounds were made by young people of Bollnäs and
Lobatse and published with their consent; do not reuse them outside the app.
""",
    "sv": """Källor och upphov

Fakta om kulturarvet och koordinaterna kommer från källorna som anges i varje objekt
(properties.source och properties.additional_sources).

Hälsingeledens etapplista bygger på data från OpenStreetMap,
© OpenStreetMaps bidragsgivare, tillgänglig under Open Database License (ODbL) 1.0:
https://www.openstreetmap.org/copyright . Om du delar en databas som bygger på den
ska du dela den under ODbL också.

Koordinater från artiklar på Wikipedia är under CC BY-SA 4.0.

Berättelser, aktiviteter, bilder och ljud är gjorda av unga i Bollnäs och Lobatse och
publicerade med deras samtycke; använd dem inte utanför appen.
""",
    "tn": None,
}
LICENCE: dict[str, str | None] = {
    "en": """Licences

Data: see ATTRIBUTION.txt (ODbL 1.0 for OpenStreetMap-derived data; CC BY-SA 4.0 for
Wikipedia-derived coordinates). The trailapp software is MIT licensed.
""",
    "sv": """Licenser

Data: se ATTRIBUTION.txt (ODbL 1.0 för data från OpenStreetMap; CC BY-SA 4.0 för
koordinater från Wikipedia). Programvaran trailapp har MIT-licens.
""",
    "tn": None,
}
MANIFEST_ATTRIBUTION: dict[str, str | None] = {
    "en": "See ATTRIBUTION.txt: © OpenStreetMap contributors (ODbL 1.0) for Hälsingeleden's "
          "stages; sources per feature.",
    "sv": "Se ATTRIBUTION.txt: © OpenStreetMaps bidragsgivare (ODbL 1.0) för Hälsingeledens "
          "etapper; källor per objekt.",
    "tn": None,
}


def in_languages(texts: dict[str, str | None], langs: tuple[str, ...]) -> str:
    """A text in each of langs (with the usual fallback), each version once."""
    out: list[str] = []
    for lang in langs:
        value, _ = i18n.pick(texts, lang)
        if value and value not in out:
            out.append(value)
    return "\n".join(out)


@dataclass(frozen=True)
class PackSpec:
    """Which pack, in which languages, with which media."""

    pack_id: str
    langs: tuple[str, ...] = i18n.LANGS
    media: str = "thumbnails"

    @classmethod
    def parse(cls, pack_id: str, lang: str | None, media: str | None) -> PackSpec:
        asked = set((lang or ",".join(i18n.LANGS)).split(","))
        bad = sorted(asked - set(i18n.LANGS))
        langs = tuple(code for code in i18n.LANGS if code in asked)  # one order: one file
        if bad or not langs:
            raise InvalidParameter("lang", "a comma-separated list of sv, en, tn")
        if (media or "thumbnails") not in MEDIA_CHOICES:
            raise InvalidParameter("media", f"one of {', '.join(MEDIA_CHOICES)}")
        return cls(pack_id, langs, media or "thumbnails")

    def file_name(self, municipality: str, version: int) -> str:
        """municipality~pack.langs.media.vN: the municipality first, so that every
        older file of a municipality can be found and removed (.head and .layout)."""
        return (f"{municipality}~{self.pack_id}.{'-'.join(self.langs)}.{self.media}"
                f".v{version}")


class Packs:
    """Builds and finds packs in a folder (a head and a layout per pack, version and
    variant), kept under cache_bytes (0: no bound)."""

    def __init__(self, folder: str | os.PathLike[str], media: MediaStore, catalog: Catalog,
                 cache_bytes: int = 0,
                 survey_tasks: Callable[[Reader, str, str], bytes] | None = None):
        self.folder, self.media, self.catalog = Path(folder), media, catalog
        self.cache_bytes, self.survey_tasks = cache_bytes, survey_tasks

    def available(self, reader: Reader, lang: str = "en") -> list[dict[str, Any]]:
        """The packs there are: every municipality, and every trail with a surveyed line,
        with titles in lang."""
        out = [{"id": m, "kind": "municipality", "municipality": m,
                "title": MUNICIPALITIES[m].name[lang]} for m in MUNICIPALITIES]
        for row in reader.records("trails"):
            record = json.loads(row["record"])
            if record["geometry"] is not None:
                name, _ = i18n.pick(record["texts"].get("name"), lang)
                out.append({"id": f"trail-{record['id']}", "kind": "trail",
                            "municipality": record["municipality"], "title": name})
        return out

    def _municipality_of(self, reader: Reader, pack_id: str) -> tuple[str, dict | None]:
        if pack_id in MUNICIPALITIES:
            return pack_id, None
        if pack_id.startswith("trail-"):
            row = reader.feature_row("trails", pack_id.removeprefix("trail-"))
            if row is not None:
                if row["geometry"] is None:
                    raise Conflict(f"Trail {row['id']!r} has no surveyed line yet, so there "
                                   "is no trail pack; use its municipality's pack.")
                return row["municipality"], row
        raise NotFound(f"There is no pack {pack_id!r}; see /packs.")

    def get(self, store: Store, spec: PackSpec) -> Built:
        """The pack for the current content, built now if this version has none yet."""
        for _ in range(3):
            try:
                return self._get(store, spec)
            except (FileNotFoundError, packfiles.Stale):
                continue  # a media file was erased while the pack was built: again
        raise ServiceUnavailable("The pack is being rebuilt; try again shortly.",
                                 headers={"Retry-After": "2"})

    def _get(self, store: Store, spec: PackSpec) -> Built:
        with store.reader() as reader:
            municipality, trail = self._municipality_of(reader, spec.pack_id)
            version = reader.municipality_version(municipality)
            base = self.folder / spec.file_name(municipality, version)
            built = packcache.load(base, version)
            if built is not None:
                return built
            files = self._contents(reader, spec, municipality, trail)
        built = self._write(spec, municipality, version, files)
        with store.reader() as reader:
            if reader.municipality_version(municipality) != version:
                # Content changed while building (an erasure may have purged the folder
                # meanwhile): what was built may hold it, so it must not stay on disk.
                packcache.remove(base)
        return built

    def open(self, store: Store, spec: PackSpec) -> tuple[Built, packfiles.PackReader]:
        """The current pack and a reader of its bytes; rebuilt if a media file it
        reads went or changed, or if its files went (purged or evicted) meanwhile."""
        for _ in range(3):
            built = self.get(store, spec)
            try:
                return built, packfiles.open_pack(packcache.head_path(built.base),
                                                  built.segments, self.media.root)
            except packfiles.Stale:
                packcache.remove(built.base)
            except FileNotFoundError:
                continue
        raise ServiceUnavailable("The pack is being rebuilt; try again shortly.",
                                 headers={"Retry-After": "2"})

    def _contents(self, reader: Reader, spec: PackSpec, municipality: str,
                  trail: dict | None) -> dict[str, bytes | Path]:
        seq, _ = reader.version()
        files: dict[str, bytes | Path] = {}
        place_ids: tuple[str, ...] | None = None
        if trail is not None:
            along = self.catalog.items(reader, ItemsQuery(
                collection=COLLECTIONS["places"], lang="en", limit=10**9, trail=trail["id"],
                within_m=TRAIL_CORRIDOR_M), seq)
            place_ids = tuple(f["id"] for f in json.loads(f"[{along.features}]"))
        media_names: set[str] = set()
        for collection in sync.COLLECTIONS:
            f = FeatureFilter(collection, municipality=municipality)
            if COLLECTIONS[collection].shared and trail is None:
                f = FeatureFilter(collection)  # both towns' exchange (issue 13)
            if trail is not None and collection == "trails":
                f = FeatureFilter(collection, ids=(trail["id"],))
            elif trail is not None and collection == "places":
                f = FeatureFilter(collection, ids=place_ids)
            elif trail is not None:
                f = FeatureFilter(collection, place_ids=place_ids)
            for lang in spec.langs:
                joined, count = reader.page(f, lang, 10**9, 0)
                if trail is not None and collection == "challenges":  # and the trail's own
                    own = tuple(sorted(reader.trail_challenge_ids().get(trail["id"], ())))
                    extra, _ = reader.page(FeatureFilter(collection, ids=own), lang,
                                           10**9, 0) if own else ("", 0)
                    joined = ",".join(part for part in (joined, extra) if part)
                files[f"{collection}.{lang}.geojson"] = (
                    '{"type":"FeatureCollection","features":[' + joined + "]}").encode()
                if collection != "trails" and lang == spec.langs[0]:  # media and photos
                    for feature in json.loads(f"[{joined}]"):
                        props = feature["properties"]
                        for item in [*props.get("media", []), *props.get("images", [])]:
                            if spec.media in ("thumbnails", "full") and item.get("thumbnail"):
                                media_names.add(item["thumbnail"].removeprefix("/media/"))
                            if spec.media == "full":
                                media_names.add(item["href"].removeprefix("/media/"))
        if trail is None:
            for lang in spec.langs:
                summary = twins.twin_places(reader, municipality, lang)
                files[f"twins/places.{lang}.geojson"] = (
                    '{"type":"FeatureCollection","features":[' + ",".join(
                        dumps(f) for f in summary) + "]}").encode()
                if spec.media != "none":
                    media_names.update(f["properties"]["thumbnail"].removeprefix("/media/")
                                       for f in summary if f["properties"]["thumbnail"])
        for name in sorted(media_names):
            path = self.media.path(name)
            if path.exists():
                files[f"media/{name}"] = path  # its bytes are read, never copied
        for lang in spec.langs if trail is None and self.survey_tasks else ():
            files[f"survey/tasks.{lang}.geojson"] = self.survey_tasks(reader, lang, municipality)
        files["ATTRIBUTION.txt"] = in_languages(ATTRIBUTION, spec.langs).encode()
        files["LICENCE.txt"] = in_languages(LICENCE, spec.langs).encode()
        manifest = {
            "pack": spec.pack_id, "municipality": municipality,
            "kind": "trail" if trail is not None else "municipality",
            "version": reader.municipality_version(municipality),
            "cursor": sync.cursor(seq), "languages": list(spec.langs), "media": spec.media,
            "media_note": "Files under media/ have the path of their href after /media/.",
            "attribution": in_languages(MANIFEST_ATTRIBUTION, spec.langs[:1]),
            "files": [_entry(name, data) for name, data in sorted(files.items())],
        }
        files["manifest.json"] = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
        return files

    def _write(self, spec: PackSpec, municipality: str, version: int,
               files: dict[str, bytes | Path]) -> Built:
        self.folder.mkdir(parents=True, exist_ok=True)
        base = self.folder / spec.file_name(municipality, version)
        fd, temp = tempfile.mkstemp(dir=self.folder, suffix=".part")
        layout_temp = Path(temp).with_suffix(".layoutpart")
        try:
            with os.fdopen(fd, "w+b") as head:
                segments = packfiles.write_zip(
                    head, files, lambda p: str(p.relative_to(self.media.root)))
            with packfiles.open_pack(Path(temp), segments, self.media.root) as reader:
                size, sha = packfiles.digest(reader.read)
            cursor_ = json.loads(files["manifest.json"])["cursor"]  # type: ignore[arg-type]
            layout_temp.write_text(json.dumps({"sha256": sha, "size": size, "cursor": cursor_,
                                               "segments": segments}))
            with packcache.folder_lock(self.folder):
                os.replace(temp, packcache.head_path(base))
                os.replace(layout_temp, packcache.layout_path(base))  # the layout commits
                packcache.mark_used(base)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            layout_temp.unlink(missing_ok=True)
            raise
        with packcache.folder_lock(self.folder):
            # Any pack of this municipality built from older content goes: it may hold a
            # story that was since withdrawn or erased.
            for old in self.folder.glob(f"{municipality}~*"):
                match = packcache.VERSION.search(old.name)
                if match and int(match.group(1)) < version:
                    old.unlink(missing_ok=True)
            if self.cache_bytes:
                packcache.evict(self.folder, self.cache_bytes, keep=base)
        return Built(base, sha, size, version, cursor_, segments)


def _entry(name: str, data: bytes | Path) -> dict[str, Any]:
    """A manifest line: a file's path in the pack, size and SHA-256."""
    if isinstance(data, bytes):
        return {"path": name, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    size, sha = packfiles.file_digest(data)
    return {"path": name, "bytes": size, "sha256": sha}
