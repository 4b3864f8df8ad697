"""One index generation, read whole into memory: what every answer searches.

An answer must read exactly one generation, also while an ingest switches to the next one, and
every service process must be able to read the index without touching a store another process
writes (an embedded Chroma store is not process-safe). So the retriever does not query the
store per question: at start-up and after each switch it reads the live generation once —
chunks, their vectors and their sentences' vectors — into an :class:`IndexSnapshot`, and
answers search that (a matrix product: for the shipped corpus well under a millisecond, faster
than a Chroma query). The snapshot never changes; a newer generation is a new snapshot, swapped
in whole.

Memory: 384 float32 per chunk and per sentence (about 1.5 kB each): the shipped corpus is a
few MB; 10,000 chunks with ten sentences each about 170 MB.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from assistant.base.types import Chunk


def unit_rows(matrix: np.ndarray) -> np.ndarray:
    """Rows (or one vector) scaled to unit length (cosine similarity becomes a dot product);
    zero rows stay zero."""
    matrix = np.asarray(matrix, dtype=np.float32)
    if matrix.size == 0:
        return matrix
    norms = np.linalg.norm(matrix, axis=-1, keepdims=True)
    return matrix / np.where(norms == 0, 1.0, norms)


@dataclass(frozen=True)
class IndexSnapshot:
    """The chunks of one generation (documents in path order) with unit vectors, and per chunk
    the unit vectors of its sentences (``chunk_sentences`` order)."""

    generation: int
    chunks: list[Chunk]
    vectors: np.ndarray  # row i belongs to chunks[i]
    sentences: Mapping[str, np.ndarray] = field(default_factory=dict)
    unit: bool = False  # the vectors are unit length already (rows lent by an earlier snapshot)
    _ids: list[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if len(self.chunks) != len(self.vectors):
            raise ValueError(f"{len(self.chunks)} chunks but {len(self.vectors)} vectors")
        if not self.unit:
            object.__setattr__(self, "vectors", unit_rows(self.vectors))
        object.__setattr__(self, "_ids", [c.chunk_id for c in self.chunks])

    def __len__(self) -> int:
        return len(self.chunks)

    def query(self, vector: np.ndarray, k: int) -> list[tuple[str, float]]:
        """The ``k`` nearest chunks as (chunk_id, cosine similarity), best first (ties in
        document order)."""
        k = min(k, len(self.chunks))
        if k <= 0:
            return []
        sims = self.vectors @ unit_rows(vector)
        top = np.argpartition(-sims, k - 1)[:k] if k < len(sims) else np.arange(len(sims))
        top = top[np.lexsort((top, -sims[top]))]
        return [(self._ids[i], float(sims[i])) for i in top]

    def sentence_vectors(self, chunk_ids: Sequence[str]) -> dict[str, np.ndarray]:
        """Per chunk, the matrix of its sentence vectors (chunks without any are left out)."""
        return {cid: self.sentences[cid] for cid in chunk_ids if cid in self.sentences}
