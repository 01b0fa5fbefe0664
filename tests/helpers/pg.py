"""A throwaway PostgreSQL + PostGIS cluster for tests and benchmarks: initdb in a
temporary folder (as the unprivileged `postgres` user when run as root, since
PostgreSQL refuses to run as root), a Unix socket in that folder and no TCP port, so
nothing is set up by hand and nothing outlives the run. Databases are made from a
migrated template (CREATE DATABASE … TEMPLATE), far cheaper than migrating each.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import quote

BIN = Path("/usr/lib/postgresql/15/bin")
POSTGIS_CONTROL = Path("/usr/share/postgresql/15/extension/postgis.control")
USER = "trailapp"


def available() -> str | None:
    """None when a cluster can be made here; otherwise why not."""
    if not (BIN / "initdb").exists():
        return f"PostgreSQL 15 is not installed ({BIN} missing): make test installs it"
    if not POSTGIS_CONTROL.exists():
        return "PostGIS 3 is not installed (postgresql-15-postgis-3): make test installs it"
    return None


class Cluster:
    """One PostgreSQL server in a temporary folder, reachable by its socket only."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="trailapp-pg-"))
        self.data = self.folder / "data"
        self._as: list[str] = []
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chown(self.folder, owner.pw_uid, owner.pw_gid)
            self._as = ["runuser", "-u", "postgres", "--"]
        self._count = 0

    def _run(self, *args: str) -> None:
        subprocess.run([*self._as, *args], check=True, capture_output=True, cwd=self.folder)

    def start(self) -> Cluster:
        self._run(str(BIN / "initdb"), "-D", str(self.data), "-U", USER, "--auth=trust",
                  "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")
        options = (f"-k {self.folder} -c listen_addresses='' -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off "
                   "-c max_connections=300 -c shared_buffers=128MB "
                   # Loaded once by the server rather than by each new connection: a
                   # test's app opens new connections, and each loaded PostGIS anew.
                   "-c shared_preload_libraries=postgis-3")
        self._run(str(BIN / "pg_ctl"), "-D", str(self.data), "-o", options, "-w",
                  "-l", str(self.folder / "log"), "start")
        return self

    def url(self, database: str = "postgres") -> str:
        return f"postgresql:///{database}?host={quote(str(self.folder))}&user={USER}"

    def execute(self, sql: str, database: str = "postgres") -> None:
        import psycopg
        with psycopg.connect(self.url(database), autocommit=True) as conn:
            conn.execute(sql)

    def new_database(self, template: str | None = None) -> str:
        """A new empty database (or a copy of template), and its URL."""
        self._count += 1
        name = f"t{os.getpid()}_{self._count}"
        self.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
        return name

    def stop(self) -> None:
        subprocess.run([*self._as, str(BIN / "pg_ctl"), "-D", str(self.data), "-m",
                        "immediate", "stop"], capture_output=True, cwd=self.folder)
        shutil.rmtree(self.folder, ignore_errors=True)
