"""Apps for tests: settings that keep every file under a test's folder, test places and
trails in the geodata schema, and an app served over real HTTP on loopback."""

from __future__ import annotations

import atexit
import json
import os
import shutil
import threading
from pathlib import Path

from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parents[2]


GEODATA = ROOT / "geodata"


#: TRAILAPP_TEST_STORE=postgresql runs the suite on the PostgreSQL + PostGIS store:
#: each test folder gets a database of its own in a throwaway cluster (helpers/pg.py)
#: made for this test process. Unset, the suite runs on SQLite files.
TEST_STORE = os.environ.get("TRAILAPP_TEST_STORE", "sqlite")
ON_POSTGRES = TEST_STORE == "postgresql"


class _Databases:
    """One PostgreSQL database per test folder. A test's databases are emptied after it
    (TRUNCATE, sequences restarted) and handed to later tests: far cheaper than a new
    database each (CREATE DATABASE copies PostGIS's tables, ~0.4 s here)."""

    def __init__(self) -> None:
        self.cluster = None
        self.by_folder: dict[str, str] = {}
        self.free: list[str] = []
        self.tables: list[str] = []

    def _start(self):
        if self.cluster is None:
            from helpers.pg import Cluster, available
            why = available()
            if why:
                raise RuntimeError(why)
            self.cluster = Cluster().start()
            atexit.register(self.cluster.stop)
            self.cluster.execute('CREATE DATABASE "template_trailapp"')
            from trailapp.store import open_store
            store = open_store(self.cluster.url("template_trailapp"))
            store.initialise()
            store.close()
            import psycopg
            with psycopg.connect(self.cluster.url("template_trailapp")) as conn:
                self.tables = [r[0] for r in conn.execute(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND "
                    "tablename NOT IN ('spatial_ref_sys', 'schema_migrations') "
                    "ORDER BY tablename")]
        return self.cluster

    def url_for(self, folder: Path) -> str:
        key = str(Path(folder).resolve())
        cluster = self._start()
        if key not in self.by_folder:
            self.by_folder[key] = (self.free.pop() if self.free else
                                   cluster.new_database(template="template_trailapp"))
        return cluster.url(self.by_folder[key])

    def copy(self, source: Path, target: Path) -> None:
        """Copy every row of source's database into target's (both closed)."""
        import psycopg
        source_url = self.url_for(source)
        target_url = self.url_for(target)
        with psycopg.connect(source_url) as src, psycopg.connect(target_url) as dst:
            dst.execute("SET session_replication_role = replica")  # no triggers
            for table in self.tables:
                dst.execute(f'DELETE FROM "{table}"')
            for table in self.tables:
                with src.cursor().copy(f'COPY "{table}" TO STDOUT (FORMAT binary)') as out, \
                        dst.cursor().copy(f'COPY "{table}" FROM STDIN (FORMAT binary)') as into:
                    for block in out:
                        into.write(block)
            for seq, value in src.execute(
                    "SELECT sequencename, last_value FROM pg_sequences "
                    "WHERE schemaname = 'public' AND last_value IS NOT NULL").fetchall():
                dst.execute("SELECT setval(%s, %s)", [seq, value])

    def release_under(self, folder: Path) -> None:
        """Empty the databases of folders inside folder and keep them for later tests."""
        root = str(Path(folder).resolve())
        mine = [k for k in self.by_folder if k == root or k.startswith(root + os.sep)]
        if not mine:
            return
        import psycopg
        for key in mine:
            name = self.by_folder.pop(key)
            self.cluster.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                f"WHERE datname = '{name}' AND pid <> pg_backend_pid()")
            with psycopg.connect(self.cluster.url(name), autocommit=True) as conn:
                # DELETE, not TRUNCATE: a test's tables are small, and TRUNCATE makes
                # new files for every table and index. No triggers while emptying.
                conn.execute("SET session_replication_role = replica")
                with conn.transaction():
                    for table in self.tables:
                        conn.execute(f'DELETE FROM "{table}"')
                    for (seq,) in conn.execute(
                            "SELECT sequencename FROM pg_sequences WHERE schemaname = "
                            "'public' AND last_value IS NOT NULL").fetchall():
                        conn.execute(f'ALTER SEQUENCE "{seq}" RESTART')
                    conn.execute("INSERT INTO sync_state (key, value) VALUES ('floor', 0)")
            self.free.append(name)


DATABASES = _Databases()


def settings_in(folder: Path, **extra) -> dict:
    """Test settings that keep every file (database, media, packs) inside folder (on
    PostgreSQL, the database is the folder's own in the test cluster)."""
    database = DATABASES.url_for(folder) if ON_POSTGRES else str(folder / "test.sqlite3")
    return {"TESTING": True, "DATABASE": database,
            "MEDIA_DIR": str(folder / "media"), "PACK_DIR": str(folder / "packs"),
            "ERASURE_LOG": str(folder / "erasures.log"),
            "SECRET_KEY": "test-only", **extra}


def copy_instance(source: Path, target: Path) -> Path:
    """Copy a closed test instance (database, media, packs, erasure log: every file
    settings_in(source) made) into target, so that settings_in(target) opens the same
    state. A file copy is far cheaper than building the state again for each test; the
    source's store must be closed first (its WAL is then folded into the file)."""
    shutil.copytree(source, target, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("*.write-lock", "*-shm"))
    if ON_POSTGRES:
        DATABASES.copy(source, target)
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

