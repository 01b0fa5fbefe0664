"""Apps for tests: settings that keep every file under a test's folder, test places and
trails in the geodata schema, and an app served over real HTTP on loopback."""

from __future__ import annotations

import atexit
import json
import os
import shutil
import threading
from pathlib import Path
from typing import Any

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
    (DELETE, sequences restarted) and handed to later tests: far cheaper than a new
    database each (CREATE DATABASE copies PostGIS's tables, ~0.4 s here). Each reset
    and each copy is one round trip of SQL (or one COPY per table holding rows), since
    the suite does some three thousand of them."""

    def __init__(self) -> None:
        self.cluster = None
        self.by_folder: dict[str, str] = {}
        self.free: list[str] = []
        self.tables: list[str] = []
        self.sequences: list[str] = []
        self.admin = None  # a connection to the cluster's postgres database
        self.connections: dict[str, Any] = {}  # the harness's own, one per database
        self.snapshots: dict[str, tuple[list[tuple[str, bytes]], list[tuple[str, int]]]] = {}

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
                self.sequences = [r[0] for r in conn.execute(
                    "SELECT sequencename FROM pg_sequences WHERE schemaname = 'public' "
                    "ORDER BY sequencename")]
            self.admin = psycopg.connect(self.cluster.url(), autocommit=True)
        return self.cluster

    def url_for(self, folder: Path) -> str:
        key = str(Path(folder).resolve())
        cluster = self._start()
        if key not in self.by_folder:
            self.by_folder[key] = (self.free.pop() if self.free else
                                   cluster.new_database(template="template_trailapp"))
        return cluster.url(self.by_folder[key])

    def _emptying(self) -> str:
        """The SQL that empties a database: every table, no triggers, and every
        sequence back at its start."""
        return ("SET session_replication_role = replica; BEGIN; "
                + "".join(f'DELETE FROM "{t}"; ' for t in self.tables)
                + "".join(f'ALTER SEQUENCE "{q}" RESTART; ' for q in self.sequences))

    def _snapshot(self, source_url: str, name: str):
        """Every row of a closed source database, read once (a source instance is built
        once and then only copied from, until its folder is released)."""
        if name not in self.snapshots:
            import psycopg
            with psycopg.connect(source_url) as src:
                counts = src.execute(" UNION ALL ".join(
                    f"SELECT '{t}', count(*) FROM \"{t}\"" for t in self.tables)).fetchall()
                blocks = []
                for table, n in counts:
                    if n:
                        with src.cursor().copy(
                                f'COPY "{table}" TO STDOUT (FORMAT binary)') as out:
                            blocks.append((table, b"".join(bytes(b) for b in out)))
                values = src.execute(
                    "SELECT sequencename, last_value FROM pg_sequences "
                    "WHERE schemaname = 'public' AND last_value IS NOT NULL").fetchall()
            self.snapshots[name] = (blocks, values)
        return self.snapshots[name]

    def copy(self, source: Path, target: Path) -> None:
        """Copy every row of source's database into target's (both closed)."""
        source_url = self.url_for(source)
        target_url = self.url_for(target)
        blocks, values = self._snapshot(source_url, self.by_folder[str(Path(source).resolve())])
        dst = self._connection(target_url, self.by_folder[str(Path(target).resolve())])
        dst.execute(self._emptying() + "COMMIT")
        with dst.transaction():
            dst.execute("SET LOCAL session_replication_role = replica")  # no triggers
            for table, data in blocks:
                with dst.cursor().copy(f'COPY "{table}" FROM STDIN (FORMAT binary)') as into:
                    into.write(data)
            if values:
                dst.execute("SELECT " + ", ".join(
                    f"setval('\"{q}\"', {int(v)})" for q, v in values))

    def _connection(self, url: str, name: str):
        """The harness's own connection to a database, kept open: a new connection
        is a new server process."""
        if name not in self.connections:
            import psycopg
            self.connections[name] = psycopg.connect(url, autocommit=True)
        return self.connections[name]

    def release_under(self, folder: Path) -> None:
        """Empty the databases of folders inside folder and keep them for later tests."""
        root = str(Path(folder).resolve())
        mine = [k for k in self.by_folder if k == root or k.startswith(root + os.sep)]
        if not mine:
            return
        for key in mine:
            name = self.by_folder.pop(key)
            self.snapshots.pop(name, None)
            conn = self._connection(self.cluster.url(name), name)
            self.admin.execute(  # what the test left open (the harness's own stays)
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                f"WHERE datname = '{name}' AND pid <> {conn.info.backend_pid}")
            # DELETE, not TRUNCATE: a test's tables are small, and TRUNCATE makes new
            # files for every table and index. No triggers while emptying.
            conn.execute(self._emptying() + "INSERT INTO sync_state (key, value) "
                         "VALUES ('floor', 0); COMMIT")
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

