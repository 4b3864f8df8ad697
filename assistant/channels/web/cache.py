"""In-memory cache of answers to the *first* question of a conversation.

Many visitors ask the same opening questions (the widget's suggested questions above
all), and an answer depends only on the question, the profile and the index. Follow-ups
depend on earlier turns and are never cached. A completed re-ingest clears the cache;
entries also expire after a TTL. Each request still gets its own answer id and record.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from assistant import Answer, Profile


class AnswerCache:
    """Thread-safe LRU with a TTL; ``size <= 0`` disables it."""

    def __init__(self, size: int, ttl_s: float, clock: Callable[[], float] = time.monotonic):
        self.size = size
        self.ttl_s = ttl_s
        self.clock = clock
        self._items: OrderedDict[tuple[str, ...], tuple[float, Answer]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0
        self.generation = 0  # bumped by clear(): answers computed before it are not stored

    @staticmethod
    def key(question: str, profile: Profile, answerer: str | None = None) -> tuple[str, ...]:
        return (
            " ".join(question.split()).casefold(),
            profile.lang or "",
            profile.audience or "",
            (profile.region or "").casefold(),
            answerer or "",
        )

    def get(self, key: tuple[str, ...]) -> Answer | None:
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

    def put(self, key: tuple[str, ...], answer: Answer, generation: int | None = None) -> None:
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
