"""Incremental indexing: only documents whose content hash changed are re-embedded.

A document's hash covers its bytes, its manifest entry and the chunking settings, so a
changed text, changed metadata or a new chunk size all lead to a re-index of exactly
that document. Deleted files lose their chunks. A file that fails to load keeps the
chunks it had, so a broken upload never empties the index.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from assistant.base.settings import Settings
from assistant.base.text import chunk_sentences
from assistant.base.types import Chunk
from assistant.core.assistant import Assistant
from assistant.core.embedder import E5Embeddings, Embedder
from assistant.core.store import ChromaStore, VectorStore
from ingest.load import LoadError, discover, load_document, read_manifest
from ingest.split import split_document

PIPELINE_VERSION = "3"


def pipeline_fingerprint() -> str:
    """Hash of the code that turns files into stored chunks: a change to it re-indexes everything
    (cheaply: unchanged chunk texts come from the embedding cache)."""
    from pathlib import Path

    import assistant.base.text
    import assistant.core.store

    digest = hashlib.sha256(PIPELINE_VERSION.encode())
    code = [Path(assistant.base.text.__file__), Path(assistant.core.store.__file__)]
    for path in sorted(Path(__file__).parent.glob("*.py")) + code:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    chunks: int = 0
    embedded: int = 0
    pages: int = 0
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)


Progress = Callable[..., None]


def _noop(*_: object, **__: object) -> None:
    return None


def run_ingest(
    settings: Settings,
    rebuild: bool = False,
    store: VectorStore | None = None,
    embedder: Embedder | None = None,
    progress: Progress = _noop,
) -> IngestReport:
    """Index ``settings.corpus_dir`` into the store (a :class:`ChromaStore` with E5 vectors
    unless given others); returns what changed.

    ``progress(event, **info)`` receives ``docs`` (total), ``doc`` (name), ``embed_total``
    (texts to embed for that doc) and ``embedded`` (n done) so a CLI can draw bars.
    """
    import time

    started = time.perf_counter()
    embedder = embedder or E5Embeddings(settings.embed_cache_path, settings.embed_batch)
    store = store or ChromaStore(settings, embedder)
    if rebuild:
        store.reset()
    report = IngestReport()
    manifest = read_manifest(settings.corpus_dir)
    indexed = store.doc_hashes()
    files = discover(settings.corpus_dir)
    progress("docs", total=len(files))
    seen: set[str] = set()
    fingerprint = pipeline_fingerprint()
    for path in files:
        rel = path.relative_to(settings.corpus_dir).as_posix()
        doc_key = path.relative_to(settings.corpus_dir).with_suffix("").as_posix()
        seen.add(doc_key)
        progress("doc", name=rel)
        digest = hashlib.sha256()
        digest.update(path.read_bytes())
        digest.update(json.dumps(manifest.get(rel, {}), sort_keys=True, default=str).encode())
        digest.update(f"{fingerprint}|{settings.chunk_tokens}|{settings.chunk_overlap}".encode())
        doc_hash = digest.hexdigest()
        if indexed.get(doc_key) == doc_hash:
            report.unchanged.append(doc_key)
            continue
        try:
            doc = load_document(path, settings.corpus_dir, manifest)
            chunks = split_document(doc, settings.chunk_tokens, settings.chunk_overlap)
            if not chunks:
                raise LoadError("no text left after cleaning")
        except LoadError as exc:
            report.failed[rel] = str(exc)
            continue
        report.pages += len(doc.pages)
        _index_doc(store, embedder, chunks, doc_hash, progress)
        (report.updated if doc_key in indexed else report.added).append(doc_key)
    for doc_id in sorted(set(indexed) - seen):
        store.delete_doc(doc_id)
        report.removed.append(doc_id)
    report.chunks = store.count()
    report.embedded = embedder.embedded_count
    report.seconds = time.perf_counter() - started
    return report


def _index_doc(store: VectorStore, embedder: Embedder, chunks: list[Chunk], doc_hash: str, progress: Progress) -> None:
    sentences = [chunk_sentences(c.text) for c in chunks]
    texts = [c.indexed_text for c in chunks]
    flat = [s for sents in sentences for s in sents]
    progress("embed_total", total=embedder.uncached(texts + flat))
    vectors = embedder.passage_vectors(texts, progress=lambda n: progress("embedded", n=n))
    flat_vecs = embedder.passage_vectors(flat, progress=lambda n: progress("embedded", n=n))
    per_chunk, start = [], 0
    for sents in sentences:
        per_chunk.append(flat_vecs[start : start + len(sents)] if sents else np.zeros((0, vectors.shape[1])))
        start += len(sents)
    for chunk, sents in zip(chunks, sentences):
        chunk.meta["n_sentences"] = len(sents)
    store.delete_doc(chunks[0].doc_id)
    store.add(chunks, vectors, sentences, per_chunk, extra={"doc_hash": doc_hash})


_REINGEST_LOCK = threading.Lock()


def reingest(assistant: Assistant, rebuild: bool = False, progress: Progress = _noop) -> IngestReport:
    """Re-index into the store ``assistant`` reads, then switch its answers to the new index.

    One re-ingest at a time per process (a persistent Chroma store has one writer).
    """
    with _REINGEST_LOCK:
        report = run_ingest(
            assistant.settings, rebuild=rebuild, store=assistant.store, embedder=assistant.embedder, progress=progress
        )
        assistant.reload()
    return report
