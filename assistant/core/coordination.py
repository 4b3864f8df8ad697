"""What several service processes share about the index: who builds the next generation, and
which generation is live.

One process at a time builds a generation (:class:`SharedLock` named ``ingest``), whether the
ingest was started by the CLI or by ``/admin/reingest`` on any node; the live generation's
number is a :class:`GenerationPointer` every process polls. Both come in two kinds, chosen by
the settings:

- no ``WEGWIJZER_REDIS_URL``: files in the data folder. The lock is an ``flock`` (released by
  the kernel when its process dies, also after kill -9); the pointer a JSON file replaced
  atomically. That covers the processes of one machine.
- with ``WEGWIJZER_REDIS_URL``: keys in Redis, for processes on several machines. The lock is a
  key with a 30-second expiry that its holder renews every 10 seconds, so a killed holder frees
  it within half a minute; the pointer a plain key, written after the file.

The same lock keeps a Telegram bot token polled by exactly one process (``telegram-polling``).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import socket
import tempfile
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit, urlunsplit

import redis

from assistant.base.errors import IngestBusyError, SharedStateError
from assistant.base.settings import Settings

log = logging.getLogger("wegwijzer.coordination")

LOCK_TTL_S = 30
RENEW_EVERY_S = 10


# An outage must cost a request about a second, not the operating system's TCP timeout.
REDIS_TIMEOUTS: dict[str, float] = {"socket_connect_timeout": 1.0, "socket_timeout": 1.0}


class SharedStoreUnavailable(SharedStateError):
    """Redis (or another rate limit storage) named by the settings did not answer at start-up
    (a :class:`SharedStateError`: ``wegwijzer`` prints its one line and exits with code 2)."""


def redacted(url: str) -> str:
    """``url`` without its password (``redis://:secret@host`` → ``redis://:***@host``), for messages."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparseable URL>"
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    port = f":{parts.port}" if parts.port else ""
    return urlunsplit((parts.scheme, f"{user}:***@{host}{port}", parts.path, parts.query, parts.fragment))


def unavailable(url: str, what: str, reason: object) -> SharedStoreUnavailable:
    """The one-line start-up error for ``url`` (redacted) that ``what`` needs."""
    return SharedStoreUnavailable(
        f"{what} at {redacted(url)} is not reachable ({reason}): start it, or correct or unset the setting "
        "(WEGWIJZER_REDIS_URL / WEGWIJZER_RATE_LIMIT_STORAGE)."
    )


def redis_client(url: str) -> Any:
    """A client for ``url`` with short timeouts, checked with PING now: raises
    :class:`SharedStoreUnavailable` when Redis does not answer."""
    client = redis.Redis.from_url(url, **REDIS_TIMEOUTS)
    try:
        client.ping()
    except (redis.RedisError, OSError) as exc:
        client.close()
        raise unavailable(url, "Redis", type(exc).__name__) from exc
    return client


def write_json_atomically(path: Path, data: Mapping[str, Any]) -> None:
    """Write ``data`` so that readers see the old file or the new one, never a part: a
    temporary file in the same folder, flushed to disk, then ``os.replace``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=2)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    with contextlib.suppress(OSError):  # the rename itself on disk (not every filesystem allows this)
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


class SharedLock(Protocol):
    """A named lock that at most one process holds."""

    def acquire(self) -> bool:
        """Take the lock if it is free (never waits); True when this process holds it now."""
        ...

    def release(self) -> None: ...


class FileLock:
    """``flock`` on ``<data_dir>/<name>.lock``; the file also says who holds it (for messages)."""

    def __init__(self, path: Path):
        self.path = path
        self._fd: int | None = None

    def acquire(self) -> bool:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, json.dumps({"host": socket.gethostname(), "pid": os.getpid()}).encode())
        self._fd = fd
        return True

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


class RedisLock:
    """A Redis key held with an expiry and renewed by a daemon thread while held."""

    def __init__(self, client: Any, key: str):
        self._lock = client.lock(key, timeout=LOCK_TTL_S, blocking=False, thread_local=False)
        self._stop = threading.Event()
        self._renewer: threading.Thread | None = None

    def acquire(self) -> bool:
        if not self._lock.acquire(blocking=False):
            return False
        self._stop.clear()
        self._renewer = threading.Thread(target=self._renew, name=f"renew {self._lock.name}", daemon=True)
        self._renewer.start()
        return True

    def _renew(self) -> None:
        while not self._stop.wait(RENEW_EVERY_S):
            try:
                self._lock.reacquire()
            except Exception:  # lost (expired, Redis restarted): the holder finds out on release
                log.exception("lost the shared lock %s", self._lock.name)
                return

    def release(self) -> None:
        self._stop.set()
        if self._renewer is not None:
            self._renewer.join(timeout=5)
        with contextlib.suppress(Exception):  # already expired: nothing to give back
            self._lock.release()


def shared_lock(settings: Settings, name: str) -> SharedLock:
    """The lock ``name`` of this deployment (Redis when configured, else a file in the data folder)."""
    if settings.redis_url:
        return RedisLock(redis_client(settings.redis_url), f"{settings.collection}:lock:{name}")
    return FileLock(settings.data_dir / f"{name}.lock")


@contextlib.contextmanager
def ingest_lock(settings: Settings) -> Iterator[None]:
    """Held while an ingest builds a generation; :class:`IngestBusyError` when another holds it."""
    lock = shared_lock(settings, "ingest")
    if not lock.acquire():
        raise IngestBusyError("another ingest is running (one index generation is built at a time); try again later")
    try:
        yield
    finally:
        lock.release()


class GenerationPointer:
    """The live generation's number: a JSON file (always) and, with Redis, a key (the one that
    counts across machines). Readers never see a half-written value: the file is replaced
    atomically, the key set in one command."""

    def __init__(self, path: Path, redis: Any | None = None, key: str = ""):
        self.path = path
        self.redis = redis
        self.key = key

    @classmethod
    def of(cls, settings: Settings, path: Path, name: str) -> GenerationPointer:
        if settings.redis_url:
            return cls(path, redis_client(settings.redis_url), f"{name}:generation")
        return cls(path)

    def read(self) -> int:
        """The live generation (0 when none was ever switched to, or the pointer is unreadable)."""
        if self.redis is not None:
            try:
                value = self.redis.get(self.key)
            except Exception as exc:  # Redis away: the file this machine last wrote or read
                log.error("generation pointer %s unreadable in Redis (%s): using %s", self.key, exc, self.path)
            else:
                if value is not None:
                    return int(value)
        return self._read_file()

    def _read_file(self) -> int:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            return int(data["generation"])
        except FileNotFoundError:
            return 0
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.error(
                "index pointer %s is unreadable (%s): reading no generation until the next ingest", self.path, exc
            )
            return 0

    def clear(self) -> None:
        """No generation is live any more (a reset store)."""
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        if self.redis is not None:
            self.redis.delete(self.key)

    def write(self, data: dict[str, Any]) -> None:
        write_json_atomically(self.path, data)
        if self.redis is not None:
            self.redis.set(self.key, int(data["generation"]))
