"""The in-memory :class:`~assistant.core.store.VectorStore`: the same data in numpy arrays,
for the fast tests and for benchmarks of everything above the store."""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from assistant.base.types import Chunk
from assistant.core.embedder import DIM
from assistant.core.snapshot import IndexSnapshot, unit_rows
from assistant.core.store_rows import DocMark, DocRows, _chunk_in, _chunk_number, _in_path_order, _meta_out

if TYPE_CHECKING:
    from assistant.core.store import GenerationWriter


class _MemoryGeneration:
    """One generation in memory; every method runs under the store's lock."""

    def __init__(self, lock: threading.Lock, number: int, source: _MemoryGeneration | None = None):
        self._lock = lock
        self.number = number
        self.source = source  # the live generation when this one was begun (what carry() takes from)
        self.resumed = False
        self.rows: dict[str, tuple[str, dict[str, Any], np.ndarray]] = {}  # chunk_id -> text, meta, vector
        self.sentences: dict[str, tuple[list[str], np.ndarray]] = {}  # chunk_id -> sentence texts, vectors
        self.doc_marks: dict[str, DocMark] = {}
        self.matrix: tuple[list[str], np.ndarray] | None = None  # built on the first query after a write

    def marks(self) -> dict[str, DocMark]:
        with self._lock:
            return dict(self.doc_marks)

    def partial(self) -> list[str]:
        with self._lock:
            present = {meta["doc_id"] for _, meta, _ in self.rows.values()}
            return sorted(present - set(self.doc_marks))

    def write_chunks(self, rows: DocRows) -> None:
        unit = unit_rows(rows.vectors) if rows.chunks else rows.vectors
        extra = {"doc_hash": rows.doc_hash} if rows.doc_hash else None
        with self._lock:
            for chunk, vector in zip(rows.chunks, unit):
                self.rows.pop(chunk.chunk_id, None)  # an upsert moves the chunk to the end, as in Chroma
                self.rows[chunk.chunk_id] = (chunk.text, _meta_out(chunk, extra), vector)
                self.sentences.pop(chunk.chunk_id, None)
            self.matrix = None

    def write_sentences(self, rows: DocRows) -> None:
        with self._lock:
            for chunk, sents, svecs in zip(rows.chunks, rows.sentences, rows.sentence_vectors):
                n = min(len(sents), len(svecs))
                if n:
                    self.sentences[chunk.chunk_id] = (list(sents[:n]), np.asarray(svecs[:n], dtype=np.float32))

    def write_mark(self, mark: DocMark) -> None:
        with self._lock:
            self.doc_marks[mark.doc_id] = mark

    def carry(self, mark: DocMark, path: str) -> bool:
        """The live generation's rows of the document, shared (in memory nothing is copied)."""
        source = self.source
        if source is None or not self.number:
            return False
        with self._lock:
            if source.doc_marks.get(mark.doc_id) != mark:
                return False
            for cid, row in source.rows.items():
                if row[1]["doc_id"] == mark.doc_id:
                    self.rows[cid] = row
                    if cid in source.sentences:
                        self.sentences[cid] = source.sentences[cid]
            self.doc_marks[mark.doc_id] = DocMark(mark.doc_id, mark.doc_hash, path, mark.chunks, mark.sentences)
            self.matrix = None
        return True

    def drop(self, doc_id: str) -> int:
        with self._lock:
            self.doc_marks.pop(doc_id, None)
            gone = [cid for cid, (_, meta, _) in self.rows.items() if meta["doc_id"] == doc_id]
            for cid in gone:
                del self.rows[cid]
                self.sentences.pop(cid, None)
            if gone:
                self.matrix = None
        return len(gone)

    def count(self) -> int:
        return len(self.rows)

    def document(self, doc_id: str) -> DocRows | None:
        with self._lock:
            found = [(cid, row) for cid, row in self.rows.items() if row[1]["doc_id"] == doc_id]
            if not found:
                return None
            found.sort(key=lambda item: _chunk_number(item[0]))
            chunks = [_chunk_in(cid, text, meta) for cid, (text, meta, _) in found]
            vectors = np.stack([vector for _, (_, _, vector) in found])
            empty = np.zeros((0, vectors.shape[1]), np.float32)
            sentences = [list(self.sentences.get(c.chunk_id, ([], empty))[0]) for c in chunks]
            sentence_vectors = [self.sentences.get(c.chunk_id, ([], empty))[1] for c in chunks]
        return DocRows(doc_id, str(chunks[0].meta.get("doc_hash", "")), chunks, vectors, sentences, sentence_vectors)


class MemoryStore:
    """The :class:`VectorStore` in memory: exact cosine search over a numpy matrix.

    Chunks go through the same metadata round trip as in Chroma, so what comes back is what
    a :class:`ChromaStore` would return. Generations are objects; the switch replaces the live
    one. Safe for concurrent readers during a write.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._live = _MemoryGeneration(self._lock, 0)

    # --- generations ------------------------------------------------------------------
    @property
    def generation(self) -> int:
        return self._live.number

    def refresh(self) -> bool:
        return False  # the switch itself moves the reads

    def begin(self, fresh: bool = False) -> GenerationWriter:
        return _MemoryGeneration(self._lock, self._live.number + 1, None if fresh else self._live)

    def switch(self, writer: GenerationWriter) -> None:
        if not isinstance(writer, _MemoryGeneration):
            raise TypeError("a MemoryStore switches only to a generation it began")
        self._live = writer

    def discard_old(self) -> int:
        return 0  # an old generation is dropped with its last reference

    # --- writing the live generation directly ------------------------------------------
    def reset(self) -> None:
        self._live = _MemoryGeneration(self._lock, 0)

    def add(
        self,
        chunks: Sequence[Chunk],
        vectors: np.ndarray,
        sentence_texts: Sequence[Sequence[str]],
        sentence_vectors: Sequence[np.ndarray],
        extra: dict[str, Any] | None = None,
    ) -> None:
        if not chunks:
            return
        chunk_list = list(chunks)
        rows = DocRows.of(chunk_list, vectors, sentence_texts, sentence_vectors, extra)
        live = self._live
        live.write_chunks(rows)
        live.write_sentences(rows)
        if live.number:
            for doc_id in dict.fromkeys(c.doc_id for c in chunk_list):
                doc = live.document(doc_id)
                if doc is not None:
                    live.write_mark(DocMark(doc_id, doc.doc_hash, doc_id, len(doc.chunks), doc.n_sentences))

    def delete_doc(self, doc_id: str) -> int:
        return self._live.drop(doc_id)

    # --- reading -----------------------------------------------------------------------
    def marks(self) -> dict[str, DocMark]:
        live = self._live
        if live.number:
            return live.marks()
        with self._lock:
            hashes = {str(meta["doc_id"]): str(meta.get("doc_hash", "")) for _, meta, _ in live.rows.values()}
        return {doc_id: DocMark(doc_id, doc_hash, doc_id, 0, 0) for doc_id, doc_hash in hashes.items()}

    def doc_hashes(self) -> dict[str, str]:
        return {doc_id: mark.doc_hash for doc_id, mark in self.marks().items()}

    def document(self, doc_id: str) -> DocRows | None:
        return self._live.document(doc_id)

    def all_chunks(self) -> list[Chunk]:
        live = self._live
        with self._lock:
            chunks = [_chunk_in(cid, text, meta) for cid, (text, meta, _) in live.rows.items()]
            marks = dict(live.doc_marks)
        return _in_path_order(chunks, marks) if live.number else chunks

    def count(self) -> int:
        return self._live.count()

    def snapshot(self) -> IndexSnapshot:
        live = self._live
        chunks = self.all_chunks()
        with self._lock:
            vectors = [live.rows[c.chunk_id][2] for c in chunks]
            sentences = {
                c.chunk_id: live.sentences[c.chunk_id][1][: int(c.meta.get("n_sentences", 0))]
                for c in chunks
                if c.chunk_id in live.sentences and int(c.meta.get("n_sentences", 0))
            }
        matrix = np.stack(vectors) if vectors else np.zeros((0, DIM), dtype=np.float32)
        return IndexSnapshot(live.number, chunks, matrix, sentences)

    def query(self, vector: np.ndarray, k: int) -> list[tuple[str, float]]:
        live = self._live
        with self._lock:
            if live.matrix is None:
                ids = list(live.rows)
                dim = len(vector)
                live.matrix = (ids, np.stack([v for _, _, v in live.rows.values()]) if ids else np.zeros((0, dim)))
            ids, matrix = live.matrix
        k = min(k, len(ids))
        if k <= 0:
            return []
        sims = matrix @ unit_rows(vector)
        top = np.argsort(-sims, kind="stable")[:k]
        return [(ids[i], float(sims[i])) for i in top]

    def sentence_vectors(self, chunk_ids: Sequence[str], counts: Mapping[str, int]) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {}
        live = self._live
        with self._lock:
            for cid in chunk_ids:
                n, stored = counts.get(cid, 0), live.sentences.get(cid)
                if stored is not None and 0 < n <= len(stored[1]):
                    out[cid] = stored[1][:n]
        return out
