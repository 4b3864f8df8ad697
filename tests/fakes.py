"""Deterministic stand-ins for the model-backed parts, for the fast tests (``tests/fast``).

:class:`FakeEmbedder` implements :class:`assistant.core.embedder.Embedder` without a model:
a text becomes the normalised sum of signed hashed features of its stemmed content words,
so texts that share words are similar and texts that share none are (nearly) orthogonal.
The same text always gives the same vector, in every process (sha256, not ``hash``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

import numpy as np

from assistant.base.text import content_tokens
from assistant.core.embedder import DIM


def _feature(token: str, dim: int) -> tuple[int, float]:
    digest = hashlib.sha256(token.encode()).digest()
    return int.from_bytes(digest[:4], "little") % dim, 1.0 if digest[4] & 1 else -1.0


def hashed_vector(text: str, dim: int = DIM) -> np.ndarray:
    """Unit vector of ``text``'s hashed content-word features (the raw text's if it has none)."""
    vector = np.zeros(dim, dtype=np.float32)
    for token in content_tokens(text) or [f"\0{text}"]:
        index, sign = _feature(token, dim)
        vector[index] += sign
    return vector / np.linalg.norm(vector)


class FakeEmbedder:
    """The :class:`~assistant.core.embedder.Embedder` the fast tests use: hashed word features.

    Like :class:`~assistant.core.embedder.E5Embeddings` it remembers which passages it has
    embedded, so ``uncached`` and ``embedded_count`` behave as with a warm cache."""

    def __init__(self, dim: int = DIM):
        self.dim = dim
        self.embedded_count = 0
        self._seen: set[str] = set()

    def query_vector(self, text: str) -> np.ndarray:
        return hashed_vector(text, self.dim)

    def query_vectors(self, texts: Sequence[str]) -> np.ndarray:
        return np.stack([self.query_vector(t) for t in texts]) if texts else np.zeros((0, self.dim), np.float32)

    def passage_vectors(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> np.ndarray:
        fresh = [t for t in dict.fromkeys(texts) if t not in self._seen]
        self._seen.update(fresh)
        self.embedded_count += len(fresh)
        if progress and fresh:
            progress(len(fresh))
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([hashed_vector(t, self.dim) for t in texts])

    def uncached(self, texts: Sequence[str]) -> int:
        return len(set(texts) - self._seen)
