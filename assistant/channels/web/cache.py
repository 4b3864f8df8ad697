"""Cache of answers to the *first* question of a conversation: in memory, or in Redis.

Many visitors ask the same opening questions (the widget's suggested questions above
all), and an answer depends only on the question, the profile and the index. Follow-ups
depend on earlier turns and are never cached. Each request still gets its own answer id
and record.

The key (:func:`cache_key`) holds the index generation the process answers from, so an
answer is never served from an older index, also not by a process that moved to a new one
a moment earlier than the process that cached it. A completed re-ingest in this process
also clears the cache; entries expire after ``answer_cache_ttl_s``.

:func:`answer_cache` picks the implementation: :class:`AnswerCache` (an LRU in this process)
by default, :class:`~assistant.channels.web.cache_redis.RedisAnswerCache` with
``WEGWIJZER_REDIS_URL``, so an answer one process computed is served by all of them. Both
have the small interface of :class:`Cache`.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Protocol

from assistant import Answer, Profile, Settings

Key = tuple[str, ...]


def cache_key(question: str, profile: Profile, generation: int = 0, answerer: str | None = None) -> Key:
    """What an opening answer depends on: the question (spacing and case folded), the
    profile, the index generation and the answerer."""
    return (
        " ".join(question.split()).casefold(),
        profile.lang or "",
        profile.audience or "",
        (profile.region or "").casefold(),
        answerer or "",
        str(generation),
    )


class Cache(Protocol):
    """What the chat routes and the admin API use of a cache."""

    generation: int  # bumped by clear(): answers computed before it are not stored

    def get(self, key: Key) -> Answer | None: ...

    def put(self, key: Key, answer: Answer, generation: int | None = None) -> None: ...

    def clear(self) -> None: ...

    def stats(self) -> dict[str, int]: ...


class AnswerCache:
    """Thread-safe LRU with a TTL, in this process; ``size <= 0`` disables it."""

    key = staticmethod(cache_key)

    def __init__(self, size: int, ttl_s: float, clock: Callable[[], float] = time.monotonic):
        self.size = size
        self.ttl_s = ttl_s
        self.clock = clock
        self._items: OrderedDict[Key, tuple[float, Answer]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0
        self.generation = 0

    def get(self, key: Key) -> Answer | None:
        if self.size <= 0:
            return None
        with self._lock:
            item = self._items.get(key)
            if item is None or self.clock() - item[0] > self.ttl_s:
                if item is not None:
                    del self._items[key]
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return item[1]

    def put(self, key: Key, answer: Answer, generation: int | None = None) -> None:
        """Store ``answer``, unless the cache was cleared since ``generation`` was read."""
        if self.size <= 0:
            return
        with self._lock:
            if generation is not None and generation != self.generation:
                return
            self._items[key] = (self.clock(), answer)
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self.generation += 1

    def stats(self) -> dict[str, int]:
        return {"entries": len(self._items), "hits": self.hits, "misses": self.misses}

    def __len__(self) -> int:
        return len(self._items)


def answer_cache(settings: Settings, served: Callable[[], int] | None = None) -> Cache:
    """The cache the settings ask for: in Redis with ``redis_url`` (checked now: raises
    :class:`~assistant.channels.shared.SharedStoreUnavailable` when it does not answer), else
    in memory; ``answer_cache_size <= 0`` turns either off. ``served`` reads the index
    generation the process answers from (what a Redis cache keeps when it is cleared)."""
    if settings.redis_url and settings.answer_cache_size > 0:
        from assistant.channels.shared import redis_client
        from assistant.channels.web.cache_redis import RedisAnswerCache

        return RedisAnswerCache(redis_client(settings.redis_url), settings.answer_cache_ttl_s, served)
    return AnswerCache(settings.answer_cache_size, settings.answer_cache_ttl_s)
