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

Generations (how an ingest stays atomic and crash-safe)
-------------------------------------------------------
Ingest never edits the index that answers read. It builds a new *generation* beside the live
one (:meth:`VectorStore.begin`), document by document: a document's chunks, then its sentence
vectors, then its *completion mark* (:class:`DocMark`: content hash and row counts). A document
counts as indexed only when its mark is there and the counts agree with the rows. An unchanged
document is carried by its mark alone (:meth:`GenerationWriter.carry`): the mark names the
generation that holds its rows (its *home*), and nothing is copied. When every
document is written, :meth:`VectorStore.switch` makes the new generation live in one step, and
:meth:`VectorStore.discard_old` deletes the others.

In Chroma a generation ``N`` is three collections, ``<collection>_gN`` (chunks),
``<collection>_gN_sentences`` and ``<collection>_gN_docs`` (the marks); the live one is named
by a small JSON file, ``<collection>.generation.json`` in the Chroma folder (in the data folder
with a Chroma server), replaced atomically (``os.replace``) at the switch. A generation reads the
rows of the documents it carries in their homes (never writing there); old generations that are
still homes of the live one are kept, and the next ingest copies documents out of a home that is
mostly stale or one too many (``MAX_HOMES``), so a few generations hold the rows. A store reads the
generation it opened until :meth:`VectorStore.refresh` (called by :meth:`all_chunks`, so a
retriever's ``reload()`` moves to the new generation). An ingest killed half-way leaves a
generation above the live one: the next :meth:`begin` resumes it, keeping the documents whose
marks check out and dropping the half-written rest. Generation 0 is the unversioned pair
``<collection>`` and ``<collection>_sentences`` of earlier releases and of tools that write a
store directly (``add``, ``delete_doc``, ``reset``); it has no marks.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from assistant.base.types import Chunk

# The implementations and the row types live in their own modules; importers use them from here.
from assistant.core.chroma_store import ChromaStore, E5ChromaFunction, _ChromaGeneration
from assistant.core.coordination import write_json_atomically
from assistant.core.memory_store import MemoryStore, _MemoryGeneration
from assistant.core.snapshot import IndexSnapshot
from assistant.core.store_rows import DocMark, DocRows

__all__ = [
    "ChromaStore",
    "DocMark",
    "DocRows",
    "E5ChromaFunction",
    "GenerationWriter",
    "MemoryStore",
    "VectorStore",
    "write_json_atomically",
]


class GenerationWriter(Protocol):
    """A generation being built by ingest (not read by answers until the switch)."""

    number: int
    resumed: bool  # True when this continues a generation an interrupted ingest left behind

    def marks(self) -> dict[str, DocMark]:
        """Documents complete in this generation (mark present, row counts agree)."""
        ...

    def partial(self) -> list[str]:
        """Documents with rows in this generation but no valid mark (an interrupted write)."""
        ...

    def write_chunks(self, rows: DocRows) -> None: ...

    def write_sentences(self, rows: DocRows) -> None: ...

    def write_mark(self, mark: DocMark) -> None: ...

    def carry(self, mark: DocMark, path: str) -> bool:
        """Carry an unchanged document of the live generation (its mark there) into this one
        without copying its rows (the new mark points at them); one write, its mark. False when
        it must be copied instead (then nothing was written)."""
        ...

    def drop(self, doc_id: str) -> int:
        """Remove a document's mark, then its rows; returns how many chunks went."""
        ...

    def count(self) -> int: ...


class VectorStore(Protocol):
    """What the retriever, the :class:`~assistant.Assistant` and ingest use of a store.

    A chunk is stored with its vector and the vectors of its sentences (``chunk_sentences``
    order); vectors are unit length, similarity is cosine. Reads see the live generation;
    only ingest writes, into a new generation (see the module docstring).
    """

    # --- reading (the live generation) ----------------------------------------------------
    def all_chunks(self) -> list[Chunk]:
        """Every stored chunk of the live generation (refreshed first), documents in path
        order; the retriever keeps texts and BM25 in memory."""
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

    def snapshot(self) -> IndexSnapshot:
        """The live generation (refreshed first) read whole: what answers search, so that one
        answer reads one generation (see :mod:`assistant.core.snapshot`)."""
        ...

    def doc_hashes(self) -> dict[str, str]:
        """doc_id -> content hash of what is indexed now (complete documents only)."""
        ...

    @property
    def generation(self) -> int:
        """Number of the generation reads come from (0: unversioned)."""
        ...

    def marks(self) -> dict[str, DocMark]:
        """Complete documents of the live generation."""
        ...

    def document(self, doc_id: str) -> DocRows | None:
        """The live generation's rows of one document (to carry it into a new generation
        without embedding anything), or None."""
        ...

    def refresh(self) -> bool:
        """Follow the generation pointer; True when reads moved to another generation."""
        ...

    # --- building a generation (ingest) ----------------------------------------------------
    def begin(self, fresh: bool = False) -> GenerationWriter:
        """A generation to build: the one an interrupted ingest left (resumed), else a new one;
        ``fresh`` drops an interrupted one and starts empty."""
        ...

    def switch(self, writer: GenerationWriter) -> None:
        """Make ``writer``'s generation the live one, in one atomic step."""
        ...

    def discard_old(self) -> int:
        """Delete every generation but the live one; returns how many went."""
        ...

    # --- writing the live generation directly (tools, tests, baselines) ----------------------
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
        """Remove everything, every generation."""
        ...


if TYPE_CHECKING:  # mypy holds both implementations to the protocols
    _STORES: tuple[type[VectorStore], ...] = (ChromaStore, MemoryStore)
    _WRITERS: tuple[type[GenerationWriter], ...] = (_ChromaGeneration, _MemoryGeneration)
