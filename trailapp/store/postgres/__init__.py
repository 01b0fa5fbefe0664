"""The PostgreSQL + PostGIS store: the same Store interface as the embedded SQLite one
(trailapp/store/__init__.py), for deployments where several app servers share one
database (docs/operations.md, "Moving to PostgreSQL").

Writes keep SQLite's semantics exactly: one write transaction at a time, now across
every server, by an advisory lock taken as the transaction begins (the services'
read-check-write steps, such as an idempotency key or a rate limit, rely on it). Reads
run in REPEATABLE READ READ ONLY transactions (one snapshot per request, as SQLite's
WAL readers have) on pooled connections, and never wait for the writer. The change
log is numbered at commit (schema.py, m003_sync), so sync cursors never skip a
change that committed late, whoever wrote it.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
import psycopg_pool

from ...errors import StoreBusy
from .. import Reader as SqliteReader
from .. import Writer as SqliteWriter
from .. import worker_memory
from . import schema
from .connection import Connection, configure
from .overrides import PgReads, PgWrites

__all__ = ["PgStore"]

#: The advisory lock every write transaction holds (one writer, as in SQLite).
WRITE_LOCK = 7_461_000


class PgReader(PgReads, SqliteReader):
    """The store's read queries on PostgreSQL (PgReads: those written again for it)."""


class PgWriter(PgWrites, PgReads, SqliteWriter):
    """The store's writes on PostgreSQL."""


class PgStore:
    """Owns the connection pool to one PostgreSQL database."""

    dialect = "postgresql"

    def __init__(self, url: str, busy_timeout_ms: int = 5000, pool_size: int = 10,
                 memory_bytes: int = 0):
        self.url = url
        self.memory_bytes = memory_bytes
        self.busy_timeout_ms = busy_timeout_ms
        self.pool_size = pool_size
        self._pid = os.getpid()
        self._pool: psycopg_pool.ConnectionPool | None = None
        self._lock = threading.Lock()
        # The worker's in-memory bounds and rendered features (store/bounds.py, texts.py)
        self.bounds, self.texts = worker_memory(self.reader, memory_bytes)

    # -- connections -------------------------------------------------------------

    def _configure(self, conn: psycopg.Connection[Any]) -> None:
        configure(conn)
        conn.execute("SET TIME ZONE 'UTC'")
        conn.execute(f"SET lock_timeout = {int(self.busy_timeout_ms)}")

    def _connections(self) -> psycopg_pool.ConnectionPool:
        """The pool, made on first use (and again in a forked worker, which must not
        use its parent's sockets)."""
        if self._pool is None or os.getpid() != self._pid:
            with self._lock:
                if self._pool is None or os.getpid() != self._pid:
                    self._pid = os.getpid()
                    self.bounds, self.texts = worker_memory(self.reader, self.memory_bytes)
                    self._pool = psycopg_pool.ConnectionPool(
                        self.url, min_size=1, max_size=self.pool_size, open=True,
                        kwargs={"autocommit": True}, configure=self._configure,
                        timeout=max(self.busy_timeout_ms / 1000, 1.0),
                        name="trailapp")
        return self._pool

    @contextmanager
    def _connection(self) -> Iterator[Connection]:
        try:
            with self._connections().connection() as raw:
                yield Connection(raw)
        except psycopg_pool.PoolTimeout as exc:
            raise StoreBusy(self.busy_timeout_ms / 1000) from exc

    # -- public ------------------------------------------------------------------

    def initialise(self) -> list[str]:
        """Apply pending migrations (under the migration lock); return their names.

        A database that cannot be reached stops the start here with PostgreSQL's own
        reason (no such database, refused password…), not a pool timeout."""
        try:
            psycopg.connect(self.url, connect_timeout=10).close()
        except psycopg.OperationalError as exc:
            reason = str(exc).strip().splitlines()[-1] if str(exc).strip() else repr(exc)
            raise RuntimeError(f"cannot open the PostgreSQL database: {reason}") from None
        with self._connection() as conn:
            conn.execute("BEGIN")
            try:
                names = schema.apply(conn)
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        return names

    @contextmanager
    def writer(self) -> Iterator[PgWriter]:
        """One write transaction, alone among every server's, committed on success."""
        with self._connection() as conn:
            conn.execute("BEGIN")
            try:
                try:
                    conn.execute(f"SELECT pg_advisory_xact_lock({WRITE_LOCK})")
                except psycopg.errors.LockNotAvailable as exc:
                    raise StoreBusy(self.busy_timeout_ms / 1000) from exc
                yield PgWriter(conn)
                conn.execute("COMMIT")
            except BaseException:
                if conn.raw.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                    conn.execute("ROLLBACK")
                raise

    @contextmanager
    def reader(self) -> Iterator[PgReader]:
        """A read-only snapshot: every query inside sees the same committed state."""
        with self._connection() as conn:
            # One round trip: the snapshot begins and its version is read at once (the
            # version is asked of almost every read: the ETag, the worker's memory).
            try:
                cur = conn.raw.cursor()
                cur.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; "  # type: ignore[arg-type]
                            + PgReader._VERSION_SQL)
                cur.nextset()
                reader = PgReader(conn, self.bounds, self.texts)
                reader.keep_version(cur.fetchone())
                yield reader
            finally:
                if conn.raw.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                    conn.execute("ROLLBACK")

    def version_seq(self) -> int:
        """The content version (last numbered change), read without a snapshot."""
        with self._connection() as conn:
            row = conn.execute("SELECT max(seq) FROM changes").fetchone()
        return row[0] or 0

    def checkpoint(self) -> None:
        """After an erasure: VACUUM the tables that held contributors' data, so that
        erased rows' space is reclaimed rather than left as dead tuples."""
        with self._connection() as conn:
            conn.execute("VACUUM contributions, media, reports, survey_fixes, "
                         "survey_tracks, features, changes, passport_links")

    def backup(self, destination: Any) -> None:
        raise RuntimeError("on PostgreSQL, back up with pg_dump or the provider's "
                           "backups (docs/operations.md); `flask backup` writes SQLite files")

    def restore_from(self, backup: Any) -> int:
        raise RuntimeError("on PostgreSQL, restore with pg_restore (docs/operations.md)")

    def integrity_check(self) -> str:
        """'ok' when the database answers and every migration is applied."""
        with self._connection() as conn:
            missing = schema.pending(conn)
        return "ok" if not missing else f"migrations not applied: {', '.join(missing)}"

    def close_readers(self) -> None:
        """Nothing to do: the pool keeps its connections."""

    def close(self) -> None:
        """Close the pool (tests and CLI commands call this)."""
        if self._pool is not None and os.getpid() == self._pid:
            self._pool.close()
        self._pool = None
