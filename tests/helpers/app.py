"""Apps for tests: settings that keep every file under a test's folder, test places and
trails in the geodata schema, and an app served over real HTTP on loopback."""

from __future__ import annotations

import json
import shutil
import threading
from pathlib import Path

from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parents[2]


GEODATA = ROOT / "geodata"


def settings_in(folder: Path, **extra) -> dict:
    """Test settings that keep every file (database, media, packs) inside folder."""
    return {"TESTING": True, "DATABASE": str(folder / "test.sqlite3"),
            "MEDIA_DIR": str(folder / "media"), "PACK_DIR": str(folder / "packs"),
            "SECRET_KEY": "test-only", **extra}


def copy_instance(source: Path, target: Path) -> Path:
    """Copy a closed test instance (database, media, packs, erasure log: every file
    settings_in(source) made) into target, so that settings_in(target) opens the same
    state. A file copy is far cheaper than building the state again for each test; the
    source's store must be closed first (its WAL is then folded into the file)."""
    shutil.copytree(source, target, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("*.write-lock", "*-shm"))
    return target


def write_geojson(path: Path, features: list[dict]) -> Path:
    """Write a FeatureCollection file and return its path."""
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}),
                    encoding="utf-8")
    return path


def place(fid: str, lon: float | None, lat: float | None, municipality: str = "bollnas",
          **props) -> dict:
    """A test place feature in the geodata schema (ids start with test- : not real data)."""
    geometry = None if lon is None else {"type": "Point", "coordinates": [lon, lat]}
    base = {"collection": "places", "municipality": municipality, "kind": "test-site",
            "name_en": f"Test place {fid}", "name_sv": f"Testplats {fid}",
            "accuracy": "unknown" if geometry is None else "exact",
            "source": "synthetic test data"}
    base.update(props)
    return {"type": "Feature", "id": fid, "geometry": geometry, "properties": base}


def trail(fid: str, coords: list[list[float]] | None, municipality: str = "bollnas",
          **props) -> dict:
    """A test trail feature (synthetic)."""
    geometry = None if coords is None else {"type": "LineString", "coordinates": coords}
    base = {"collection": "trails", "municipality": municipality, "kind": "trail",
            "name_en": f"Test trail {fid}", "accuracy": "unknown" if coords is None else "exact",
            "source": "synthetic test data"}
    base.update(props)
    return {"type": "Feature", "id": fid, "geometry": geometry, "properties": base}


class ServedApp:
    """A running HTTP server for an app on 127.0.0.1 and a free port."""

    def __init__(self, app) -> None:
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> ServedApp:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.thread.join(5)

