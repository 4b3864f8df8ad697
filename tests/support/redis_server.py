"""A throw-away Redis server for the tests: ``redis-server`` on a free loopback port, no persistence.

The session fixture :func:`redis_url` starts one for the whole run and yields its URL
(``redis://127.0.0.1:<port>/0``); import it into a test module to use it::

    from support.redis_server import redis_url  # noqa: F401  (the fixture)

:class:`RedisServer` starts and stops one by hand (a test that takes Redis away mid-way).
Without the binary the tests skip, naming the script that installs it.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis

INSTALL_HINT = "redis-server is not installed: run scripts/install_system_packages.sh (or apt-get install redis-server)"
START_TIMEOUT_S = 20.0


def redis_binary() -> str | None:
    return shutil.which("redis-server") or next(
        (p for p in ("/usr/bin/redis-server", "/usr/local/bin/redis-server") if Path(p).exists()), None
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class RedisServer:
    """One ``redis-server`` process in ``folder``: :meth:`start` waits until it answers PING."""

    def __init__(self, folder: Path, binary: str | None = None):
        self.folder = folder
        self.binary = binary or redis_binary()
        if not self.binary:
            raise FileNotFoundError(INSTALL_HINT)
        self.port = _free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.log = folder / "redis.log"

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        self.folder.mkdir(parents=True, exist_ok=True)
        command = [
            str(self.binary),
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ]
        command += ["--dir", str(self.folder), "--daemonize", "no"]
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(command, cwd=self.folder, stdout=out, stderr=subprocess.STDOUT)
        client = redis.Redis(host="127.0.0.1", port=self.port, socket_connect_timeout=0.5, socket_timeout=0.5)
        deadline = time.monotonic() + START_TIMEOUT_S
        try:
            while True:
                if self.process.poll() is not None:
                    raise RuntimeError(f"redis-server exited with {self.process.returncode}: {self._log_tail()}")
                try:
                    if client.ping():
                        return self
                except redis.RedisError:
                    pass
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(
                        f"redis-server did not answer PING in {START_TIMEOUT_S:.0f} s: {self._log_tail()}"
                    )
                time.sleep(0.05)
        finally:
            client.close()

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)

    def _log_tail(self) -> str:
        try:
            return self.log.read_text(errors="replace")[-800:]
        except OSError:
            return "(no log)"


@contextmanager
def redis_server(folder: Path) -> Iterator[RedisServer]:
    """A running :class:`RedisServer`, stopped at the end; skips the test without the binary."""
    if not redis_binary():
        pytest.skip(INSTALL_HINT)
    server = RedisServer(folder).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URL of one Redis server for the whole test session (``redis://127.0.0.1:<port>/0``)."""
    with redis_server(tmp_path_factory.mktemp("redis")) as server:
        yield server.url
