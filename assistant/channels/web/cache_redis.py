"""The answer cache in Redis, shared by every process of a deployment (``WEGWIJZER_REDIS_URL``).

An entry is the whole :class:`~assistant.Answer` as JSON (:func:`answer_json`, every field the
in-memory cache keeps: text, structure, citations, contacts, passages, timings), under
``wegwijzer:answers:v1:g<generation>:<sha256 of the key>`` with the TTL ``answer_cache_ttl_s``. The key
(:func:`~assistant.channels.web.cache.cache_key`) holds the index generation, so processes on
different generations never share answers; Redis' own eviction policy bounds the memory.

Redis failing while the service runs costs only speed: a read is a miss, a write is skipped,
and the first failure is logged (again after Redis has answered in between). An entry that
no longer decodes (written by another version) is a miss too.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

import redis

from assistant import Answer
from assistant.base.types import Chunk, Citation, Contact, Passage, SentenceCheck, Statement
from assistant.channels.web.cache import Key

log = logging.getLogger("wegwijzer.web")

PREFIX = "wegwijzer:answers:v1:"
NESTED: dict[str, Any] = {
    "citations": Citation,
    "sentences": SentenceCheck,
    "lead": Statement,
    "points": Statement,
    "contacts": Contact,
}


def _plain(value: Any) -> Any:
    """numpy scalars and arrays (scores) as JSON numbers and lists."""
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def answer_json(answer: Answer) -> str:
    """``answer`` with every field, as JSON."""
    return json.dumps(asdict(answer), default=_plain, ensure_ascii=False)


def answer_from_json(raw: str | bytes) -> Answer:
    """The :class:`Answer` :func:`answer_json` wrote (raises on anything else)."""
    data = json.loads(raw)
    for name, kind in NESTED.items():
        data[name] = [kind(**item) for item in data.get(name) or []]
    data["passages"] = [Passage(**(p | {"chunk": Chunk(**p["chunk"])})) for p in data.get("passages") or []]
    return Answer(**data)


class RedisAnswerCache:
    """:class:`~assistant.channels.web.cache.Cache` in Redis; hit and miss counts are this process's."""

    def __init__(
        self, client: redis.Redis, ttl_s: float, served: Callable[[], int] | None = None, prefix: str = PREFIX
    ):
        self.client = client
        self.served = served  # the index generation this process answers from, if known
        self.ttl_ms = max(1, int(ttl_s * 1000))
        self.prefix = prefix
        self.hits = 0
        self.misses = 0
        self.generation = 0  # bumped by clear(), as in memory
        self._lock = threading.Lock()
        self._failing = False

    def name(self, key: Key) -> str:
        """``<prefix>g<index generation>:<sha256 of the key>``: the generation readable, for operators."""
        return f"{self.prefix}g{key[-1]}:" + hashlib.sha256(json.dumps(list(key)).encode()).hexdigest()

    def _failed(self, exc: Exception, doing: str) -> None:
        with self._lock:
            first, self._failing = not self._failing, True
        if first:
            log.error(
                "answer cache: Redis failed on %s (%s: %s); answering without the cache", doing, type(exc).__name__, exc
            )

    def _answered(self) -> None:
        if self._failing:
            self._failing = False
            log.info("answer cache: Redis answers again")

    def get(self, key: Key) -> Answer | None:
        try:
            raw = self.client.get(self.name(key))
        except (redis.RedisError, OSError) as exc:
            self._failed(exc, "read")
            raw = None
        else:
            self._answered()
        answer = None
        if raw is not None:
            try:
                answer = answer_from_json(raw)
            except (ValueError, TypeError, KeyError) as exc:
                log.warning("answer cache: dropped an entry that does not decode (%s)", type(exc).__name__)
        with self._lock:
            if answer is None:
                self.misses += 1
            else:
                self.hits += 1
        return answer

    def put(self, key: Key, answer: Answer, generation: int | None = None) -> None:
        """Store ``answer``, unless this process's cache was cleared since ``generation`` was read."""
        if generation is not None and generation != self.generation:
            return
        try:
            self.client.set(self.name(key), answer_json(answer), px=self.ttl_ms)
        except (redis.RedisError, OSError) as exc:
            self._failed(exc, "write")
        else:
            self._answered()

    def _names(self, match: str = "*") -> list[Any]:
        return list(self.client.scan_iter(match=self.prefix + match, count=1000))

    def clear(self) -> None:
        """After a re-ingest, or a move to another process's new generation: answers computed
        before now are not stored, and the entries of every other generation than the one
        served now go (of every process: they are keyed by generation anyway, so this frees
        memory rather than preventing stale answers; a process that moved first keeps its new
        entries). Without ``served`` every entry goes."""
        self.generation += 1
        try:
            keep = set(self._names(f"g{self.served()}:*")) if self.served else set()
            names = [n for n in self._names() if n not in keep]
            for start in range(0, len(names), 500):
                self.client.delete(*names[start : start + 500])
        except (redis.RedisError, OSError) as exc:
            self._failed(exc, "clear")

    def stats(self) -> dict[str, int]:
        """Entries in Redis (all processes'; -1 when Redis fails), hits and misses here."""
        try:
            entries = len(self._names())
        except (redis.RedisError, OSError) as exc:
            self._failed(exc, "count")
            entries = -1
        return {"entries": entries, "hits": self.hits, "misses": self.misses}
