"""Opening the state database: a SQLite file in the data directory, or a server by URL.

Both end with the schema at the head of the Alembic migrations shipped in ``migrations/``
(no alembic.ini: the config is built here). A SQLite file is checked first
(``PRAGMA quick_check``); a corrupt one is moved aside with one log line and a fresh one
started, since losing the state beats not starting. A SQLite file may be shared by several
processes on one machine: every connection waits for the write lock instead of failing
(``busy_timeout``), and writes take that lock when they begin.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import URL, Connection, Engine, create_engine, event, make_url, text
from sqlalchemy.exc import ArgumentError, DBAPIError

from assistant.base.errors import DataDirError

MIGRATIONS = Path(__file__).with_name("migrations")
# Execution option of the store's write transactions: on SQLite they begin with BEGIN IMMEDIATE.
WRITE_OPTION = "wegwijzer_write"
WRITE = {WRITE_OPTION: True}
BUSY_TIMEOUT_MS = 5000
# pg_advisory_xact_lock key of the schema upgrade: one process migrates, the others wait and
# then find the schema at head (the number is arbitrary, fixed).
MIGRATION_LOCK = 7_340_191_205

log = logging.getLogger("wegwijzer.state")
# Alembic says "Context impl …" at INFO every time a store opens; its warnings still show.
logging.getLogger("alembic").setLevel(logging.WARNING)


def _sqlite_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
    # No implicit BEGIN from the driver: transactions begin in _sqlite_begin, as SQLAlchemy asks.
    dbapi_connection.isolation_level = None
    dbapi_connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")  # another process writing: wait
    dbapi_connection.execute("PRAGMA synchronous=NORMAL")  # WAL: no fsync per commit, still crash-safe


def _sqlite_begin(conn: Connection) -> None:
    """A write takes the write lock at its start, so a read-modify-write (``append_turn``) is
    never interleaved with another's; a read begins deferred and, in WAL mode, blocks nobody."""
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(WRITE_OPTION) else "BEGIN")


def sqlite_engine(path: Path) -> Engine:
    """An engine on the SQLite file ``path`` (a pool of connections, one per thread in use)."""
    engine = create_engine(URL.create("sqlite+pysqlite", database=str(path)))
    event.listen(engine, "connect", _sqlite_connect)
    event.listen(engine, "begin", _sqlite_begin)
    return engine


def upgrade(engine: Engine) -> None:
    """Bring the schema to the head of the migrations in one transaction; on PostgreSQL under an
    advisory lock, so processes starting together take turns and the later ones find it done.
    (A database from before the migrations is adopted by the first one.)"""
    with engine.execution_options(**WRITE).begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS).replace("%", "%%"))
        config.attributes["connection"] = conn
        at = set(MigrationContext.configure(conn).get_current_heads())
        if at != set(ScriptDirectory.from_config(config).get_heads()):  # else nothing to do, nothing to log
            command.upgrade(config, "head")


def parse_url(url: str) -> URL:
    """``url`` as SQLAlchemy reads it; one it cannot read is a :class:`DataDirError` that does
    not repeat it (it may hold a password)."""
    try:
        return make_url(url)
    except ArgumentError as exc:
        raise DataDirError("The state database URL (WEGWIJZER_DATABASE_URL) is not a database URL.") from exc


def open_server(url: URL) -> Engine:
    """The database server at ``url`` (e.g. ``postgresql+psycopg://…``), migrated. Connections
    are checked before use, so a restarted server costs no failed request."""
    # An unreachable server fails the start within seconds, not after the TCP timeout.
    connect_args = {"connect_timeout": 10} if url.get_backend_name() == "postgresql" else {}
    try:
        engine = create_engine(
            url, pool_pre_ping=True, pool_size=5, max_overflow=10, pool_recycle=1800, connect_args=connect_args
        )
    except ArgumentError as exc:  # e.g. a driver that is not installed
        where = url.render_as_string(hide_password=True)
        raise DataDirError(f"The state database {where} cannot be opened: {exc}.") from exc
    try:
        upgrade(engine)
    except DBAPIError as exc:
        engine.dispose()
        where = engine.url.render_as_string(hide_password=True)
        why = (str(exc.orig).strip().splitlines() or [type(exc.orig).__name__])[0]
        raise DataDirError(f"The state database {where} cannot be opened: {why}.") from exc
    return engine


class _Corrupt(Exception):
    """The state database failed its integrity check."""


def _corrupt(exc: sqlite3.DatabaseError) -> bool:
    """Is the file damaged (not read-only, locked or full: those are not fixed by starting over)?"""
    name = getattr(exc, "sqlite_errorname", "")
    return (
        name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")) or "malformed" in str(exc) or "not a database" in str(exc)
    )


def _checked(path: Path) -> Engine:
    """The SQLite database at ``path``, checked, in WAL mode and migrated."""
    engine = sqlite_engine(path)
    try:
        raw = engine.raw_connection()
        try:  # outside a transaction: journal_mode cannot change inside one
            verdict = raw.driver_connection.execute("PRAGMA quick_check").fetchall()  # type: ignore[union-attr]
            if verdict != [("ok",)]:
                raise _Corrupt("; ".join(str(row[0]) for row in verdict[:3]))
            raw.driver_connection.execute("PRAGMA journal_mode=WAL")  # type: ignore[union-attr]
        finally:
            raw.close()
        upgrade(engine)
    except BaseException:
        engine.dispose()
        raise
    return engine


def open_sqlite(path: Path) -> Engine:
    """Open the SQLite state database; a corrupt one is moved aside (with its WAL files) and a
    fresh one started, with one log line that says where the old one went. Another failure
    (read-only file, full disk) is a :class:`DataDirError` naming the file."""
    try:
        return _checked(path)
    except _Corrupt as exc:
        why = str(exc)
    except (sqlite3.DatabaseError, DBAPIError) as exc:
        error = exc.orig if isinstance(exc, DBAPIError) else exc
        if not isinstance(error, sqlite3.DatabaseError) or not _corrupt(error):
            raise DataDirError(f"The state database {path} cannot be opened: {error}.") from exc
        why = str(error)
    stamp = time.strftime("%Y%m%dT%H%M%S")
    aside = path.with_name(f"{path.name}.corrupt-{stamp}")
    for suffix in ("", "-wal", "-shm"):
        part = path.with_name(path.name + suffix)
        if part.exists():
            part.replace(aside.with_name(aside.name + suffix))
    log.error(
        "state database %s is corrupt (%s): moved aside to %s; starting with an empty one "
        "(earlier conversations, answers and feedback are in the moved file)",
        path,
        why,
        aside,
    )
    return _checked(path)
