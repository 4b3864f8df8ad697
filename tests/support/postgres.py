"""A throw-away PostgreSQL server for the tests: Debian's binaries, a data folder in a
temporary directory, loopback only, trust authentication, gone at the end of the session.

Use the session fixture :func:`postgres_url` (``postgresql+psycopg://postgres@127.0.0.1:<port>/<db>``);
:func:`new_database` gives a test a database of its own on the same server. Without the
binaries the tests that ask for it are skipped, naming the script that installs them.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import make_url

INSTALL_HINT = (
    "PostgreSQL server binaries not found in /usr/lib/postgresql/*/bin/: run scripts/install_system_packages.sh"
)
DATABASE = "wegwijzer"
START_TRIES = 3  # a port found free may be taken by another process before the server binds it


def binaries() -> Path | None:
    """The ``bin`` folder of the newest PostgreSQL installed, if any."""
    found = [p.parent for p in Path("/usr/lib/postgresql").glob("*/bin/initdb")]
    return max(found, key=lambda p: int(re.sub(r"\D", "", p.parent.name) or 0), default=None)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _as_server_user(command: list[str]) -> list[str]:
    """``initdb`` and ``postgres`` refuse to run as root: as root, run them as ``postgres``."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def _run(command: list[str]) -> None:
    done = subprocess.run(_as_server_user(command), capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({done.returncode}): {done.stderr.strip() or done.stdout}")


def admin_dsn(url: str, database: str = "postgres") -> str:
    """The psycopg connection string of ``url``'s server, on ``database``."""
    parsed = make_url(url).set(drivername="postgresql", database=database)
    return parsed.render_as_string(hide_password=False)


def new_database(url: str) -> str:
    """A new, empty database on the server of ``url``; returns its URL (same form)."""
    name = f"test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin_dsn(url), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return make_url(url).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """URL of a database on a PostgreSQL server started for this test session."""
    bindir = binaries()
    if bindir is None:
        pytest.skip(INSTALL_HINT)
    root = Path(tempfile.mkdtemp(prefix="wegwijzer-pg-"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    data, log = root / "data", root / "server.log"
    _run([str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync"])
    port = 0
    try:
        for attempt in range(START_TRIES):
            port = free_port()
            options = (
                f"-c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories={root} "
                "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"  # throw-away: speed over safety
            )
            try:
                _run(
                    [str(bindir / "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-t", "60", "-o", options, "start"]
                )
                break
            except RuntimeError:
                if attempt == START_TRIES - 1:
                    raise RuntimeError(f"PostgreSQL did not start: {log.read_text(errors='replace')[-2000:]}") from None
        url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/{DATABASE}"
        with psycopg.connect(admin_dsn(url), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {DATABASE}")
        yield url
    finally:
        if (data / "postmaster.pid").exists():
            _run([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"])
        shutil.rmtree(root, ignore_errors=True)
