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

# The Redis client and its one-line start-up error live with the other shared parts (the ingest
# lock, the generation pointer) in the core; the channels use them from here.
from assistant.core.coordination import REDIS_TIMEOUTS, SharedStoreUnavailable, redacted, redis_client, unavailable

__all__ = ["REDIS_TIMEOUTS", "SharedStoreUnavailable", "redacted", "redis_client", "served_generation", "unavailable"]


def served_generation(assistant: Any) -> int:
    """The index generation ``assistant`` answers new questions from: its own ``generation``
    when it has one, else its store's (0 when unversioned, or for a stand-in without either).
    Read through attributes, so channels need not import the store."""
    for source in (assistant, getattr(assistant, "store", None)):
        value = getattr(source, "generation", None)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    return 0
