"""One rate limiter for every channel (web API, Telegram bot), on the ``limits`` library.

A :class:`RateLimiter` allows at most ``per_minute`` hits per key in any 60 seconds (a
moving window, so a burst at the end of one minute cannot be followed by another at the
start of the next). A limit of 0 or less turns it off. When a hit is refused the channel
gets the whole seconds to wait, and shows them its own way: the web answers 429 with
``Retry-After``, the bot a friendly message.

The counts live in a ``limits`` storage named by a URI, which :func:`storage_uri` alone
decides from the settings: an explicit ``WEGWIJZER_RATE_LIMIT_STORAGE`` wins; else, with
``WEGWIJZER_REDIS_URL`` set, that Redis, so every process of a deployment counts the same
user together; else ``memory://`` (one process, lost on restart). A channel opens one
storage for its limiters; each limiter keeps its counts apart under its own name.

A storage that does not answer when it is opened stops the process
(:class:`~assistant.channels.shared.SharedStoreUnavailable`, one line naming the URL). A
storage that fails later, while the service runs, *fails open*: the hit is allowed and an
error is logged (at most once a minute per limiter). Wegwijzer is a public guidance
service whose limits only protect its capacity, so a Redis outage should not turn every
visitor away; the body limits, timeouts and the answer threads still bound the load.
"""

from __future__ import annotations

import logging
import math
import time

from limits import RateLimitItemPerMinute
from limits import storage as limits_storage
from limits.errors import StorageError
from limits.storage import Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

from assistant import Settings
from assistant.channels.shared import REDIS_TIMEOUTS, unavailable

log = logging.getLogger("wegwijzer.ratelimit")

DEFAULT_STORAGE = "memory://"
REDIS_SCHEMES = ("redis", "rediss", "redis+unix", "redis+sentinel", "redis+cluster", "valkey", "valkeys")
OUTAGE_LOG_EVERY_S = 60.0


class RateLimited(Exception):
    """A limiter said no: retry after ``retry_after`` seconds; ``scope`` says which limit."""

    def __init__(self, retry_after: int, scope: str):
        super().__init__(f"rate limited ({scope}), retry after {retry_after} s")
        self.retry_after = retry_after
        self.scope = scope


class MemoryStorage(limits_storage.MemoryStorage):
    """``limits``' own ``memory://`` storage, except that it drops expired entries at most once
    a second, in the thread of a hit, instead of starting a timer thread 10 ms after nearly
    every hit (``MemoryStorage`` does: under load that thread start cost more CPU than the hit
    itself). The counts and their windows are the same: a hit is judged by its entries' own
    times, never by whether expired ones were dropped yet; dropping only bounds the memory."""

    SWEEP_EVERY_S = 1.0

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: str):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self._swept = time.monotonic()

    def _MemoryStorage__schedule_expiry(self) -> None:  # the parent's private hook, called on each hit
        now = time.monotonic()
        if now - self._swept >= self.SWEEP_EVERY_S:
            self._swept = now
            self._MemoryStorage__expire_events()  # type: ignore[attr-defined]


def storage(uri: str = DEFAULT_STORAGE) -> Storage:
    """A storage for the counts: in this process (``memory://``) or shared (``redis://…``),
    checked now: raises :class:`~assistant.channels.shared.SharedStoreUnavailable` when it
    does not answer. Its errors arrive wrapped as ``limits``' ``StorageError``."""
    scheme = uri.split("://", 1)[0].lower()
    options: dict[str, float | str | bool] = {"wrap_exceptions": True}
    if scheme in REDIS_SCHEMES:
        options.update(REDIS_TIMEOUTS)
    store = MemoryStorage(uri, wrap_exceptions=True) if scheme == "memory" else storage_from_string(uri, **options)
    if not isinstance(store, Storage):
        raise ValueError(f"rate limit storage {uri!r} is asynchronous; name its synchronous scheme")
    if not store.check():
        raise unavailable(uri, "The rate limit storage", "no answer to a health check")
    return store


def storage_uri(settings: Settings) -> str:
    """The storage every limiter of a process counts in: ``rate_limit_storage`` when set to
    something other than the default, else ``redis_url`` when set, else in memory."""
    explicit = str(getattr(settings, "rate_limit_storage", None) or DEFAULT_STORAGE)
    if explicit != DEFAULT_STORAGE:
        return explicit
    shared = getattr(settings, "redis_url", None)
    if shared:
        # limits names a Redis socket redis+unix://; redis-py (and WEGWIJZER_REDIS_URL) unix://
        return "redis+unix://" + shared[len("unix://") :] if shared.startswith("unix://") else str(shared)
    return DEFAULT_STORAGE


class RateLimiter:
    """At most ``per_minute`` hits per key in any 60 seconds; ``name`` separates its counts."""

    def __init__(self, per_minute: int, name: str, store: Storage | None = None):
        self.per_minute = per_minute
        self.name = name
        self.item = RateLimitItemPerMinute(per_minute) if per_minute > 0 else None
        self._limiter = MovingWindowRateLimiter(store or storage())
        self._outage_logged = -math.inf

    def _outage(self, exc: StorageError) -> None:
        """The storage failed: say so (at most once a minute) and let the hit through."""
        now = time.monotonic()
        if now - self._outage_logged >= OUTAGE_LOG_EVERY_S:
            self._outage_logged = now
            log.error(
                "rate limit storage failed (%s: %s); limit %r allows requests until it answers again",
                type(exc.storage_error).__name__,
                exc.storage_error,
                self.name,
            )

    def hit(self, key: str) -> int:
        """Count a hit for ``key``: 0 when it may go ahead, else the whole seconds until it may."""
        if self.item is None:
            return 0
        try:
            if self._limiter.hit(self.item, self.name, key):
                return 0
            reset, _ = self._limiter.get_window_stats(self.item, self.name, key)
        except StorageError as exc:
            self._outage(exc)
            return 0
        return max(1, math.ceil(reset - time.time()))

    def allows(self, key: str) -> bool:
        """Would a hit for ``key`` go ahead now? (Counts nothing; True when the storage fails.)"""
        if self.item is None:
            return True
        try:
            return bool(self._limiter.test(self.item, self.name, key))
        except StorageError as exc:
            self._outage(exc)
            return True

    def check(self, key: str, scope: str | None = None) -> None:
        """:meth:`hit`, raising :class:`RateLimited` (with ``scope``, default the name) when refused."""
        wait = self.hit(key)
        if wait:
            raise RateLimited(wait, scope or self.name)
