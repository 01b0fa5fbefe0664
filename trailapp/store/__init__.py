"""The store: every SQL statement of the service lives in this package.

One Store owns the database file. Reads run on pooled read-only connections, each
request in its own snapshot. Writes go through exactly one connection at a time,
across threads (a lock) and across processes (an flock on a lock file beside the
database). That keeps SQLite 3.40's WAL-reset bug (two connections writing or
checkpointing at once can lose committed data) out of reach: read connections
never checkpoint (wal_autocheckpoint=0, query_only) and only the writer does, inside
its lock. See docs/operations.md for the deployment that keeps it so. open_store()
picks this store or the PostgreSQL one (store/postgres/) from TRAILAPP_DATABASE.

Longer than 300 lines because the SQLite store's connections, locks, backup and
restore belong together in one class.
"""

from __future__ import annotations

import fcntl
import os
import queue
import shutil
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..errors import StoreBusy
from . import cql
from .bounds import BoundsIndex
from .challenges import ChallengeReads, ChallengeWrites
from .contributions import ContributionReads, ContributionWrites
from .features import FeatureReads, FeatureWrites
from .organisers import OrganiserReads, OrganiserWrites
from .place_images import PlaceImageReads, PlaceImageWrites
from .protection import ProtectionReads, ProtectionWrites
from .report import ReportReads
from .schema import migrations
from .survey import SurveyReads, SurveyWrites
from .sync import SyncReads, SyncWrites
from .texts import FeatureTexts
from .twins import TwinReads, TwinWrites
from .workshops import WorkshopReads, WorkshopWrites

__all__ = ["Store", "Reader", "Writer", "StoreBusy", "open_store"]

#: How much of the database file each read connection maps into memory (address space,
#: not RAM: the kernel's page cache backs it and is shared by every connection).
READ_MMAP_BYTES = 2**30


class Reader(FeatureReads, ContributionReads, SyncReads, OrganiserReads, PlaceImageReads,
             WorkshopReads, SurveyReads, ReportReads, ProtectionReads,
             TwinReads, ChallengeReads):
    """Read queries inside one snapshot (see Store.reader)."""

    def __init__(self, conn: sqlite3.Connection, bounds: BoundsIndex | None = None,
                 texts: FeatureTexts | None = None):
        self.conn = conn
        self.bounds = bounds
        self.texts = texts
        self.snapshot = True  # version() is read once: a snapshot does not change


class Writer(Reader, FeatureWrites, ContributionWrites, SyncWrites, OrganiserWrites,
             PlaceImageWrites, WorkshopWrites, SurveyWrites, ProtectionWrites,
             TwinWrites, ChallengeWrites):
    """Reads and writes inside one BEGIN IMMEDIATE transaction (see Store.writer)."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn  # its version moves as it writes: no worker memory


class Store:
    """Owns every connection to one SQLite database file."""

    def __init__(self, path: str | os.PathLike[str], busy_timeout_ms: int = 5000,
                 memory_bytes: int = 0):
        self.path = str(path)
        self.memory_bytes = memory_bytes
        self.busy_timeout_ms = busy_timeout_ms
        self._lock_path = self.path + ".write-lock"
        self._thread_lock = threading.Lock()
        self._pid = os.getpid()
        self._writer_conn: sqlite3.Connection | None = None
        self._readers: queue.SimpleQueue[sqlite3.Connection] = queue.SimpleQueue()
        self.bounds, self.texts = worker_memory(self.reader, memory_bytes)

    # -- connections -------------------------------------------------------------

    def _connect(self, *, writer: bool) -> sqlite3.Connection:
        conn = sqlite3.connect(
            self.path, isolation_level=None, check_same_thread=False,
            timeout=self.busy_timeout_ms / 1000,
        )
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_ms)}")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA synchronous = FULL")
        # The exact spatial test of filters (store/cql.py).
        conn.create_function("trailapp_meets", 6, cql.meets, deterministic=True)
        if writer:
            conn.execute("PRAGMA journal_mode = WAL")
            # Erased contributions are overwritten with zeros, not left in free pages.
            conn.execute("PRAGMA secure_delete = ON")
        else:
            conn.execute("PRAGMA wal_autocheckpoint = 0")
            conn.execute("PRAGMA query_only = 1")
            # Read the database file through memory mapping rather than a read() per
            # page: with rows of a few KB a bbox touches a page per match, and at 100k
            # places the default 2 MB page cache keeps almost none of them.
            conn.execute(f"PRAGMA mmap_size = {READ_MMAP_BYTES}")
        return conn

    def _after_fork(self) -> None:
        """A forked worker must not reuse its parent's connections."""
        if os.getpid() != self._pid:
            self._pid = os.getpid()
            self._thread_lock = threading.Lock()
            self._writer_conn = None
            self._readers = queue.SimpleQueue()
            self.bounds, self.texts = worker_memory(self.reader, self.memory_bytes)

    @contextmanager
    def _write_lock(self) -> Iterator[None]:
        timeout = self.busy_timeout_ms / 1000
        if not self._thread_lock.acquire(timeout=timeout):
            raise StoreBusy(timeout)
        try:
            with open(self._lock_path, "a+") as lock_file:
                deadline = time.monotonic() + timeout
                while True:
                    try:
                        fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
                        break
                    except BlockingIOError:
                        if time.monotonic() >= deadline:
                            raise StoreBusy(timeout) from None
                        time.sleep(0.002)
                try:
                    yield
                finally:
                    fcntl.flock(lock_file, fcntl.LOCK_UN)
        finally:
            self._thread_lock.release()

    # -- public ------------------------------------------------------------------

    def initialise(self) -> list[str]:
        """Create the file if needed and apply pending migrations; return their names."""
        import sqlite_utils

        self._after_fork()
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        with self._write_lock():
            conn = self._writer()
            db = sqlite_utils.Database(conn)
            pending = [m.name for m in migrations.pending(db)]
            migrations.apply(db)
        return pending

    def _writer(self) -> sqlite3.Connection:
        if self._writer_conn is None:
            self._writer_conn = self._connect(writer=True)
        return self._writer_conn

    @contextmanager
    def writer(self) -> Iterator[Writer]:
        """One write transaction (BEGIN IMMEDIATE), committed durably on success."""
        self._after_fork()
        with self._write_lock():
            conn = self._writer()
            try:
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:  # another program holds the file
                raise StoreBusy(self.busy_timeout_ms / 1000) from exc
            try:
                yield Writer(conn)
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise

    @contextmanager
    def _borrowed(self) -> Iterator[sqlite3.Connection]:
        """A pooled read-only connection, given back afterwards (the one way to get one)."""
        self._after_fork()
        try:
            conn = self._readers.get_nowait()
        except queue.Empty:
            conn = self._connect(writer=False)
        try:
            yield conn
        finally:
            self._readers.put(conn)

    @contextmanager
    def reader(self) -> Iterator[Reader]:
        """A read-only snapshot: every query inside sees the same committed state."""
        with self._borrowed() as conn:
            conn.execute("BEGIN")
            try:
                yield Reader(conn, self.bounds, self.texts)
            finally:
                if conn.in_transaction:
                    conn.execute("COMMIT")

    def version_seq(self) -> int:
        """The content version (last change-log sequence), read without a snapshot."""
        with self._borrowed() as conn:
            row = conn.execute("SELECT seq FROM changes ORDER BY seq DESC LIMIT 1").fetchone()
        return row[0] if row else 0

    def checkpoint(self) -> None:
        """Copy the WAL into the database and truncate it (after an erasure, so
        that erased text does not linger in the WAL file). Best effort: a reader
        still using old frames keeps them until it finishes."""
        with self._write_lock():
            self._writer().execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def backup(self, destination: str | os.PathLike[str]) -> None:
        """An online backup: a consistent snapshot of the whole database, written with
        VACUUM INTO from a read transaction while the service keeps serving and
        writing. The file appears complete or not at all (written aside, then renamed).
        """
        self._after_fork()
        target = Path(destination)
        if target.exists():
            raise FileExistsError(f"{target} exists; backups never overwrite")
        target.parent.mkdir(parents=True, exist_ok=True)
        part = target.with_name(target.name + ".part")
        part.unlink(missing_ok=True)
        # A plain read-only connection (VACUUM INTO writes only the new file); it never
        # writes or checkpoints the live database.
        conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, isolation_level=None,
                               timeout=self.busy_timeout_ms / 1000)
        try:
            conn.execute("PRAGMA wal_autocheckpoint = 0")
            conn.execute("VACUUM INTO ?", [str(part)])
        finally:
            conn.close()
        check = sqlite3.connect(part)
        try:
            result = check.execute("PRAGMA integrity_check").fetchone()[0]
            check.execute("PRAGMA journal_mode = DELETE")
        finally:
            check.close()
        if result != "ok":
            part.unlink(missing_ok=True)
            raise RuntimeError(f"the backup failed its integrity check: {result}")
        with open(part, "rb") as f:
            os.fsync(f.fileno())
        os.replace(part, target)

    def restore_from(self, backup: str | os.PathLike[str]) -> int:
        """Replace the database with a backup (the service must be stopped), and move
        the change sequence far past every cursor, ETag and pack version issued before:
        sequence numbers are never reused, so an app's old cursor gets 410 and starts
        again from a pack. Returns the new oldest cursor."""
        self._after_fork()
        source = Path(backup)
        check = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        try:
            result = check.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            check.close()
        if result != "ok":
            raise RuntimeError(f"the backup fails its integrity check: {result}")
        with self._write_lock():
            self.close_readers()
            if self._writer_conn is not None:
                self._writer_conn.close()
                self._writer_conn = None
            target = Path(self.path)
            part = target.with_name(target.name + ".restore")
            shutil.copyfile(source, part)
            with open(part, "rb") as f:
                os.fsync(f.fileno())
            for suffix in ("-wal", "-shm"):
                Path(self.path + suffix).unlink(missing_ok=True)
            os.replace(part, target)
        self.initialise()  # migrations the backup may lack
        with self.writer() as writer:
            return writer.jump_change_sequence(1_000_000_000)

    def close_readers(self) -> None:
        """Close the pooled read connections (and forget the worker's memory: a
        restore replaces the file under it)."""
        self.bounds, self.texts = worker_memory(self.reader, self.memory_bytes)
        while True:
            try:
                self._readers.get_nowait().close()
            except queue.Empty:
                break

    def integrity_check(self) -> str:
        """SQLite's own integrity check; 'ok' when the file is sound."""
        with self.reader() as r:
            return r.integrity_check()

    def close(self) -> None:
        """Close every pooled connection (tests and CLI commands call this)."""
        self.close_readers()
        if self._writer_conn is not None:
            with self._write_lock():
                self._writer_conn.close()
                self._writer_conn = None


def worker_memory(open_reader: Any, memory_bytes: int
                  ) -> tuple[BoundsIndex, FeatureTexts | None]:
    """A worker's in-memory bounds (store/bounds.py) and rendered features
    (store/texts.py, none when memory_bytes is 0), fresh."""
    return BoundsIndex(open_reader), FeatureTexts(memory_bytes) if memory_bytes else None


def open_store(database: str, busy_timeout_ms: int = 5000, pool_size: int = 10,
               memory_bytes: int = 0) -> Any:
    """The store a TRAILAPP_DATABASE names: a postgresql:// URL opens the PostgreSQL +
    PostGIS store (store/postgres/), anything else is the SQLite file's path. Both have
    the same interface: reader(), writer(), initialise(), version_seq(), close()."""
    if database.startswith(("postgresql://", "postgres://")):
        from .postgres import PgStore
        return PgStore(database, busy_timeout_ms, pool_size, memory_bytes)
    return Store(database, busy_timeout_ms, memory_bytes)

