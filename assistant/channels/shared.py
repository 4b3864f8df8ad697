"""What the service processes of one deployment share: Redis, and the index generation they serve.

With ``WEGWIJZER_REDIS_URL`` set, every process counts its rate limits in that Redis
(:mod:`assistant.channels.ratelimit`) and keeps cached answers there
(:mod:`assistant.channels.web.cache_redis`), so a user gets the same limit and the same answer
whichever process a load balancer picks. Unset, each process keeps them itself.

A Redis that cannot be reached when a process starts is a configuration error: the process
stops with :class:`SharedStoreUnavailable`, one line naming the URL (never its password),
which ``wegwijzer`` prints and exits with code 2. Once running, an outage is not fatal:
each user of Redis says what it does then (rate limits allow, the cache misses).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit, urlunsplit

import redis

from assistant.base.errors import SharedStateError

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


def redis_client(url: str) -> redis.Redis:
    """A client for ``url`` with short timeouts, checked with PING now: raises
    :class:`SharedStoreUnavailable` when Redis does not answer."""
    client = redis.Redis.from_url(url, **REDIS_TIMEOUTS)
    try:
        client.ping()
    except (redis.RedisError, OSError) as exc:
        client.close()
        raise unavailable(url, "Redis", type(exc).__name__) from exc
    return client


def served_generation(assistant: Any) -> int:
    """The index generation ``assistant`` answers new questions from: its own ``generation``
    when it has one, else its store's (0 when unversioned, or for a stand-in without either).
    Read through attributes, so channels need not import the store."""
    for source in (assistant, getattr(assistant, "store", None)):
        value = getattr(source, "generation", None)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    return 0
