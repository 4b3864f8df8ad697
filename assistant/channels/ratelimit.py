"""One rate limiter for every channel (web API, Telegram bot), on the ``limits`` library.

A :class:`RateLimiter` allows at most ``per_minute`` hits per key in any 60 seconds (a
moving window, so a burst at the end of one minute cannot be followed by another at the
start of the next). A limit of 0 or less turns it off. When a hit is refused the channel
gets the whole seconds to wait, and shows them its own way: the web answers 429 with
``Retry-After``, the bot a friendly message.

The counts live in a ``limits`` storage named by a URI: ``memory://`` (the default: one
process, lost on restart) or a shared backend such as ``redis://host:6379`` once several
processes serve the same users (see the ``limits`` documentation for the schemes and the
client library each needs). A channel opens one storage for its limiters; each limiter
keeps its counts apart under its own name.
"""

from __future__ import annotations

import math
import time

from limits import RateLimitItemPerMinute
from limits.storage import Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

from assistant import Settings

DEFAULT_STORAGE = "memory://"


class RateLimited(Exception):
    """A limiter said no: retry after ``retry_after`` seconds; ``scope`` says which limit."""

    def __init__(self, retry_after: int, scope: str):
        super().__init__(f"rate limited ({scope}), retry after {retry_after} s")
        self.retry_after = retry_after
        self.scope = scope


def storage(uri: str = DEFAULT_STORAGE) -> Storage:
    """A storage for the counts: in this process (``memory://``) or shared (``redis://…``)."""
    store = storage_from_string(uri)
    if not isinstance(store, Storage):
        raise ValueError(f"rate limit storage {uri!r} is asynchronous; name its synchronous scheme")
    return store


def storage_uri(settings: Settings) -> str:
    """The storage the settings name (``rate_limit_storage``), else in memory."""
    return str(getattr(settings, "rate_limit_storage", None) or DEFAULT_STORAGE)


class RateLimiter:
    """At most ``per_minute`` hits per key in any 60 seconds; ``name`` separates its counts."""

    def __init__(self, per_minute: int, name: str, store: Storage | None = None):
        self.per_minute = per_minute
        self.name = name
        self.item = RateLimitItemPerMinute(per_minute) if per_minute > 0 else None
        self._limiter = MovingWindowRateLimiter(store or storage())

    def hit(self, key: str) -> int:
        """Count a hit for ``key``: 0 when it may go ahead, else the whole seconds until it may."""
        if self.item is None:
            return 0
        if self._limiter.hit(self.item, self.name, key):
            return 0
        reset, _ = self._limiter.get_window_stats(self.item, self.name, key)
        return max(1, math.ceil(reset - time.time()))

    def check(self, key: str, scope: str | None = None) -> None:
        """:meth:`hit`, raising :class:`RateLimited` (with ``scope``, default the name) when refused."""
        wait = self.hit(key)
        if wait:
            raise RateLimited(wait, scope or self.name)
