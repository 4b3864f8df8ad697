"""Incremental, atomic indexing: a new index generation is built beside the live one and
switched in one step; only documents whose content hash changed are re-embedded.

A document's hash covers its bytes, its manifest entry and the chunking settings, so a
changed text, changed metadata or a new chunk size all lead to a re-index of exactly
that document. An unchanged document is copied from the live generation with its vectors
(nothing is embedded). Deleted files lose their chunks. A file that fails to load keeps
the chunks it had, so a broken upload never empties the index.

An unchanged document is carried by its completion mark alone, which points at the rows the live
generation reads (:meth:`GenerationWriter.carry`): re-indexing one changed document writes that
document and one mark per other document, not a copy of the whole index. (A re-ingest runs in the
serving process, and Chroma holds the GIL while it writes: copying every row stalled answers.)

The write order per document is chunks, sentence vectors, completion mark; then the pointer
switch, then the old generations go (see :mod:`assistant.core.store`). An ingest killed at any
point leaves the live generation as it was; the next run resumes the generation it left,
dropping the documents it finds half-written (``IngestReport.repaired``).

Test hook: with ``WEGWIJZER_FAULT_KILL_AFTER=N`` in the environment the process kills itself
(SIGKILL) right after its N-th index write, so the fault suite can crash an ingest at every
write step. Unset, it costs one environment lookup per run.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from assistant.base.errors import DataDirError
from assistant.base.settings import Settings
from assistant.base.text import chunk_sentences
from assistant.base.types import Chunk
from assistant.core.assistant import Assistant
from assistant.core.coordination import ingest_lock
from assistant.core.embedder import E5Embeddings, Embedder
from assistant.core.store import ChromaStore, DocMark, DocRows, GenerationWriter, VectorStore
from ingest.links import LinkPolicy, read_link_policy, vet_links
from ingest.load import LoadError, discover, load_document, read_file, read_manifest
from ingest.split import split_document

PIPELINE_VERSION = "4"
KILL_AFTER_ENV = "WEGWIJZER_FAULT_KILL_AFTER"

log = logging.getLogger("wegwijzer.ingest")


def pipeline_fingerprint() -> str:
    """Hash of the code that turns files into stored chunks: a change to it re-indexes everything
    (cheaply: unchanged chunk texts come from the embedding cache)."""
    import assistant.base.folding
    import assistant.base.stopwords
    import assistant.base.text
    import assistant.base.untrusted
    import assistant.core.chroma_store
    import assistant.core.memory_store
    import assistant.core.store
    import assistant.core.store_rows

    digest = hashlib.sha256(PIPELINE_VERSION.encode())
    code = [
        Path(assistant.base.text.__file__),  # the language tools: tokens, sentences, stopwords, folding, untrusted text
        Path(assistant.base.stopwords.__file__),
        Path(assistant.base.folding.__file__),
        Path(assistant.base.untrusted.__file__),
        Path(assistant.core.store.__file__),  # the store: its protocol, row types and both implementations
        Path(assistant.core.store_rows.__file__),
        Path(assistant.core.chroma_store.__file__),
        Path(assistant.core.memory_store.__file__),
    ]
    for path in sorted(Path(__file__).parent.glob("*.py")) + code:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # path -> why; the document keeps its earlier chunks
    kept: list[str] = field(default_factory=list)  # failed documents whose earlier chunks are still indexed
    repaired: list[str] = field(default_factory=list)  # half-written by an interrupted ingest, written again
    resumed: bool = False  # this run continued the generation an interrupted ingest left
    generation: int = 0  # the generation answers read after this run
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


class _Steps:
    """Counts one run's index writes; the fault suite's crash points (see the module docstring)."""

    def __init__(self) -> None:
        raw = os.environ.get(KILL_AFTER_ENV, "")
        self.kill_after = int(raw) if raw.isdigit() else 0
        self.done = 0

    def __call__(self, what: str) -> None:
        self.done += 1
        if self.done == self.kill_after:
            print(f"{KILL_AFTER_ENV}: killed after write {self.done} ({what})", file=sys.stderr, flush=True)
            os.kill(os.getpid(), signal.SIGKILL)


def _doc_hash(data: bytes, entry: object, fingerprint: str, settings: Settings, links: LinkPolicy) -> str:
    digest = hashlib.sha256(data)
    digest.update(json.dumps(entry or {}, sort_keys=True, default=str).encode())
    digest.update(f"{fingerprint}|{settings.chunk_tokens}|{settings.chunk_overlap}|{links.fingerprint}".encode())
    return digest.hexdigest()


def run_ingest(
    settings: Settings,
    rebuild: bool = False,
    store: VectorStore | None = None,
    embedder: Embedder | None = None,
    progress: Progress = _noop,
    on_switch: Callable[[], None] | None = None,
) -> IngestReport:
    """Index ``settings.corpus_dir`` into the store (a :class:`ChromaStore` with E5 vectors
    unless given others); returns what changed.

    ``progress(event, **info)`` receives ``docs`` (total), ``doc`` (name), ``embed_total``
    (texts to embed for that doc) and ``embedded`` (n done) so a CLI can draw bars.
    ``on_switch`` runs right after the new generation is live and before the old ones are
    deleted (a running service reloads there); by default the store itself follows the switch.

    One ingest at a time per deployment (:func:`ingest_lock`: a file lock in the data folder, or
    Redis across machines); :class:`IngestBusyError` when another is running.
    """
    DataDirError.check(settings.data_dir)  # before the embedding cache and the lock file open there
    with ingest_lock(settings):
        return _run_ingest(settings, rebuild, store, embedder, progress, on_switch)


def _run_ingest(
    settings: Settings,
    rebuild: bool,
    store: VectorStore | None,
    embedder: Embedder | None,
    progress: Progress,
    on_switch: Callable[[], None] | None,
) -> IngestReport:
    started = time.perf_counter()
    embedder = embedder or E5Embeddings(settings.embed_cache_path, settings.embed_batch)
    store = store or ChromaStore(settings, embedder)
    store.refresh()
    report = IngestReport()
    live = store.marks()
    indexed = {} if rebuild else live  # what this run reports against
    manifest = read_manifest(settings.corpus_dir)
    files = discover(settings.corpus_dir)
    fingerprint = pipeline_fingerprint()
    links = read_link_policy(settings.corpus_dir)

    # 1. plan: each file's hash (cheap) tells which documents need loading
    rels = [path.relative_to(settings.corpus_dir).as_posix() for path in files]
    hashes: dict[str, str] = {}
    for path, rel in zip(files, rels):
        try:
            data = read_file(path, settings.corpus_dir, settings.max_document_bytes)
        except LoadError as exc:
            report.failed[rel] = str(exc)
            continue
        hashes[rel] = _doc_hash(data, manifest.get(rel), fingerprint, settings, links)
    keys = {rel: Path(rel).with_suffix("").as_posix() for rel in rels}
    seen = set(keys.values())
    current = not rebuild and store.generation > 0 and set(live) <= seen
    if current and all(live.get(keys[rel]) and live[keys[rel]].doc_hash == h for rel, h in hashes.items()):
        if store.discard_old():
            log.info("index: discarded the generation an interrupted ingest left (nothing in it was needed)")
        progress("docs", total=len(files))
        for rel in keys:
            progress("doc", name=rel)
        report.unchanged = [keys[rel] for rel in hashes]
        report.kept = [keys[rel] for rel in report.failed if keys[rel] in live]
        return _finish(report, store.generation, store.count(), embedder, started)

    # 2. build the new generation beside the live one
    step = _Steps()
    writer = store.begin(fresh=rebuild)
    step("begin")
    report.resumed = writer.resumed
    for doc_id in writer.partial():
        writer.drop(doc_id)
        step("drop")
        report.repaired.append(doc_id)
    built = writer.marks()
    progress("docs", total=len(files))
    for path in files:
        rel = path.relative_to(settings.corpus_dir).as_posix()
        doc_key = keys[rel]
        progress("doc", name=rel)
        previous = live.get(doc_key)
        doc_hash = hashes.get(rel)
        there = built.get(doc_key)
        if doc_hash is None:  # unreadable: keep what it had
            _keep(store, embedder, writer, doc_key, rel, previous, there, step, report)
            continue
        if there and there.doc_hash == doc_hash and there.path == rel:
            _classify(report, doc_key, doc_hash, indexed)
            continue
        if previous and previous.doc_hash == doc_hash and not rebuild:
            if there:
                writer.drop(doc_key)
                step("drop")
            if writer.carry(previous, rel):  # its rows stay where they are: nothing read or copied
                step(f"mark of {rel}")
                _classify(report, doc_key, doc_hash, indexed)
                continue
            there = None
        rows = (
            _carried(store, embedder, doc_key) if previous and previous.doc_hash == doc_hash and not rebuild else None
        )
        if rows is None:
            try:
                data = read_file(path, settings.corpus_dir, settings.max_document_bytes)
                doc_hash = _doc_hash(data, manifest.get(rel), fingerprint, settings, links)  # as read now
                doc = load_document(
                    path,
                    settings.corpus_dir,
                    manifest,
                    data=data,
                    max_bytes=settings.max_document_bytes,
                    max_pages=settings.max_pdf_pages,
                )
                chunks = split_document(doc, settings.chunk_tokens, settings.chunk_overlap)
                if not chunks:
                    raise LoadError("no text left after cleaning")
                vet_links(chunks, links)
            except Exception as exc:  # one document never stops the others
                report.failed[rel] = _reason(exc, rel)
                _keep(store, embedder, writer, doc_key, rel, previous, there, step, report)
                continue
            report.pages += len(doc.pages)
            rows = _embed(embedder, chunks, doc_hash, progress)
        if there:
            writer.drop(doc_key)
            step("drop")
        _write(writer, rows, rel, step)
        _classify(report, doc_key, doc_hash, indexed)
    for doc_id in sorted(set(writer.marks()) - seen):  # a resumed generation may hold deleted files
        writer.drop(doc_id)
        step("drop")
    report.removed = sorted(set(indexed) - seen)

    # 3. switch, let readers follow, delete the old generations
    store.switch(writer)
    step("switch")
    (on_switch or store.refresh)()
    store.discard_old()
    step("discard")
    return _finish(report, writer.number, writer.count(), embedder, started)


def _reason(exc: Exception, rel: str) -> str:
    """Why a document failed, for the report; an error no check foresaw is logged with its trace."""
    if isinstance(exc, LoadError):
        return str(exc)
    log.exception("ingest: %s failed unexpectedly", rel)
    return f"unexpected error ({exc.__class__.__name__}: {exc})"


def _finish(report: IngestReport, generation: int, chunks: int, embedder: Embedder, started: float) -> IngestReport:
    report.generation = generation
    report.chunks = chunks
    report.embedded = embedder.embedded_count
    report.seconds = time.perf_counter() - started
    return report


def _classify(report: IngestReport, doc_key: str, doc_hash: str, indexed: dict[str, DocMark]) -> None:
    before = indexed.get(doc_key)
    if before is None:
        report.added.append(doc_key)
    elif before.doc_hash == doc_hash:
        report.unchanged.append(doc_key)
    else:
        report.updated.append(doc_key)


def _keep(
    store: VectorStore,
    embedder: Embedder,
    writer: GenerationWriter,
    doc_key: str,
    rel: str,
    previous: DocMark | None,
    there: DocMark | None,
    step: Callable[[str], None],
    report: IngestReport,
) -> None:
    """A document that failed keeps the chunks it had in the live generation."""
    if there and previous and there.doc_hash == previous.doc_hash:
        report.kept.append(doc_key)
        return
    if there:  # a newer version an interrupted run wrote: not what answers used
        writer.drop(doc_key)
        step("drop")
    if previous and writer.carry(previous, rel):
        step(f"mark of {rel}")
        report.kept.append(doc_key)
        return
    rows = _carried(store, embedder, doc_key) if previous else None
    if rows is not None:
        _write(writer, rows, rel, step)
        report.kept.append(doc_key)


def _carried(store: VectorStore, embedder: Embedder, doc_id: str) -> DocRows | None:
    """A document of the live generation, to write into the new one as it is. Its vectors come
    from the embedding cache when it holds them all (the very vectors a clean ingest writes: a
    store may round what it keeps, e.g. Chroma normalises), else as the store returns them;
    nothing is embedded either way."""
    rows = store.document(doc_id)
    if rows is None:
        return None
    texts = [c.indexed_text for c in rows.chunks]
    flat = [s for sents in rows.sentences for s in sents]
    if embedder.uncached(texts + flat) == 0:
        rows.vectors = embedder.passage_vectors(texts)
        flat_vecs = embedder.passage_vectors(flat)
        start = 0
        for i, sents in enumerate(rows.sentences):
            if sents:
                rows.sentence_vectors[i] = flat_vecs[start : start + len(sents)]
            start += len(sents)
    return rows


def _write(writer: GenerationWriter, rows: DocRows, rel: str, step: Callable[[str], None]) -> None:
    """One document into the new generation: chunks, sentences, then its completion mark."""
    writer.write_chunks(rows)
    step(f"chunks of {rel}")
    writer.write_sentences(rows)
    step(f"sentences of {rel}")
    writer.write_mark(rows.mark(rel))
    step(f"mark of {rel}")


def _embed(embedder: Embedder, chunks: list[Chunk], doc_hash: str, progress: Progress) -> DocRows:
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
    return DocRows(chunks[0].doc_id, doc_hash, chunks, vectors, sentences, per_chunk)


_REINGEST_LOCK = threading.Lock()
INGEST_SWITCH_INTERVAL_S = 0.0005  # see _answers_first


@contextlib.contextmanager
def _answers_first() -> Iterator[None]:
    """While a re-ingest runs in the serving process, the interpreter hands the GIL over every
    0.5 ms instead of every 5 ms: the ingest's pure-Python stretches (rebuilding BM25 and the
    retriever's tables) then delay an answer thread that wants the GIL back by at most that,
    not 5 ms each time. A lower CPU priority (nice) does not help here: threads wait for the
    GIL, not for a core. Set back when the last re-ingest ends."""
    global _ingests_running, _interval_before
    with _INTERVAL_LOCK:
        if _ingests_running == 0:
            _interval_before = sys.getswitchinterval()
            sys.setswitchinterval(min(_interval_before, INGEST_SWITCH_INTERVAL_S))
        _ingests_running += 1
    try:
        yield
    finally:
        with _INTERVAL_LOCK:
            _ingests_running -= 1
            if _ingests_running == 0:
                sys.setswitchinterval(_interval_before)


_INTERVAL_LOCK = threading.Lock()
_ingests_running = 0
_interval_before = sys.getswitchinterval()


def reingest(assistant: Assistant, rebuild: bool = False, progress: Progress = _noop) -> IngestReport:
    """Re-index into the store ``assistant`` reads, then switch its answers to the new index:
    it answers from the old generation until the switch, then from the new one.

    One re-ingest at a time per process (a persistent Chroma store has one writer).
    """
    switched: list[bool] = []

    def follow() -> None:
        assistant.reload()
        switched.append(True)

    with _REINGEST_LOCK, _answers_first():
        report = run_ingest(
            assistant.settings,
            rebuild=rebuild,
            store=assistant.store,
            embedder=assistant.embedder,
            progress=progress,
            on_switch=follow,
        )
        if not switched:  # nothing to switch; the store may still have moved to another process's ingest
            assistant.reload()
    return report
