"""What a store holds of a document, shared by both stores: :class:`DocMark` (a document's
completion mark in a generation), :class:`DocRows` (its chunks, sentences and vectors), and the
chunk metadata round trip (lists and dicts through JSON, no ``None`` values) that makes the
in-memory store return exactly what Chroma returns. See :mod:`assistant.core.store`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

import numpy as np

from assistant.base.types import Chunk


@dataclass(frozen=True)
class DocMark:
    """A document's completion mark in a generation: written after all its rows.

    ``home`` is the generation whose collections hold the rows when they are not the mark's own
    generation's: an unchanged document is carried into a new generation by its mark alone,
    pointing at the rows an earlier generation wrote (0: the rows are the mark's generation's)."""

    doc_id: str
    doc_hash: str
    path: str  # relative to the corpus folder: the order of documents is the order of their paths
    chunks: int
    sentences: int
    home: int = 0

    def to_meta(self) -> dict[str, str | int]:
        meta: dict[str, str | int] = {
            "doc_hash": self.doc_hash,
            "path": self.path,
            "chunks": self.chunks,
            "sentences": self.sentences,
        }
        if self.home:
            meta["home"] = self.home
        return meta

    @classmethod
    def from_meta(cls, doc_id: str, meta: Mapping[str, Any]) -> DocMark:
        return cls(
            doc_id,
            str(meta["doc_hash"]),
            str(meta["path"]),
            int(meta["chunks"]),
            int(meta["sentences"]),
            int(meta.get("home", 0)),
        )


@dataclass
class DocRows:
    """Everything a generation holds of one document: chunks with their vectors and, per chunk,
    its sentences with their vectors (``chunk_sentences`` order)."""

    doc_id: str
    doc_hash: str
    chunks: list[Chunk]
    vectors: np.ndarray
    sentences: list[list[str]]
    sentence_vectors: list[np.ndarray] = field(default_factory=list)

    @property
    def n_sentences(self) -> int:
        return sum(len(s) for s in self.sentences)

    @classmethod
    def of(
        cls,
        chunks: Sequence[Chunk],
        vectors: np.ndarray,
        sentence_texts: Sequence[Sequence[str]],
        sentence_vectors: Sequence[np.ndarray],
        extra: dict[str, Any] | None = None,
    ) -> DocRows:
        """The rows of a direct ``add`` (tools, tests): one document's chunks, ``extra`` merged
        into every chunk's metadata, no content hash."""
        return cls(
            chunks[0].doc_id,
            "",
            [
                Chunk(c.chunk_id, c.doc_id, c.text, c.title, c.page, c.section, {**c.meta, **(extra or {})})
                for c in chunks
            ],
            np.asarray(vectors),
            [list(s) for s in sentence_texts],
            list(sentence_vectors),
        )

    def mark(self, path: str) -> DocMark:
        return DocMark(self.doc_id, self.doc_hash, path, len(self.chunks), self.n_sentences)


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
        if value is None or key == _JSON_KEYS:
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


def _chunk_number(chunk_id: str) -> int:
    """Position of a chunk in its document: ids are ``<doc>#<n>-<hash>``."""
    match = re.search(r"#\D*(\d+)", chunk_id)
    return int(match.group(1)) if match else 0


def _in_path_order(chunks: Iterable[Chunk], marks: Mapping[str, DocMark]) -> list[Chunk]:
    """Complete documents only, in the order of their paths (the order a fresh ingest writes
    them), each document's chunks in document order: the same index whatever the history."""
    kept = [c for c in chunks if c.doc_id in marks]
    return sorted(kept, key=lambda c: (PurePosixPath(marks[c.doc_id].path).parts, _chunk_number(c.chunk_id)))
