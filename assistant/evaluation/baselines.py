"""Baselines run on the same dataset and corpus, so every "better" is a ratio from one run.

- ``naive_langchain``: the textbook LangChain RAG retriever. The corpus files are read
  with the project's own loader and cleaner (``ingest.load`` / ``ingest.clean``), cut by
  ``RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)`` (characters, no
  sections, no titles), embedded with the same bundled E5 model and searched dense-only
  in a Chroma collection of its own (``<collection>_naive``). It sees only the question
  (no conversation, no region steering). Vectors are cached by content hash, so only
  the first run pays for embedding.
- ``bm25`` and ``dense``: our retriever with one of its two signals switched off
  (``HybridRetriever(mode="bm25"|"dense")``), same chunks, same follow-up and region
  handling — what the fusion adds.

Only retrieval is compared (hit@k, MRR, nDCG@5 from the same evidence phrases).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document as LCDocument
from langchain_core.retrievers import BaseRetriever
from langchain_text_splitters import RecursiveCharacterTextSplitter

from assistant import Assistant, Profile, QuestionError, Turn
from assistant.base.settings import Settings
from assistant.base.types import Chunk
from assistant.core.embedder import DIM, Embedder
from assistant.core.store import ChromaStore
from assistant.evaluation.dataset import Case
from assistant.evaluation.matching import find_any
from assistant.evaluation.metrics import case_retrieval, percentile, retrieval_metrics

Row = dict[str, Any]
NAIVE_CHUNK_CHARS = 1000
NAIVE_OVERLAP_CHARS = 200
NAIVE_SUFFIX = "_naive"
OURS = "wegwijzer (hybrid)"


def naive_chunks(settings: Settings, doc_ids: set[str] | None = None) -> list[Chunk]:
    """The corpus as a naive pipeline sees it: cleaned text cut every ~1000 characters.

    ``doc_ids`` limits it to the documents our index holds, so both search the same texts.
    """
    from ingest.clean import clean_markdown, clean_pdf_text
    from ingest.load import LoadError, discover, doc_id_for, load_document, read_manifest

    splitter = RecursiveCharacterTextSplitter(chunk_size=NAIVE_CHUNK_CHARS, chunk_overlap=NAIVE_OVERLAP_CHARS)
    manifest = read_manifest(settings.corpus_dir)
    chunks: list[Chunk] = []
    for path in discover(settings.corpus_dir):
        if doc_ids is not None and doc_id_for(path, settings.corpus_dir) not in doc_ids:
            continue
        try:
            doc = load_document(path, settings.corpus_dir, manifest)
        except LoadError:
            continue  # the real ingest reports these; the baseline just leaves them out
        markdown = doc.path.lower().endswith((".md", ".markdown", ".html", ".htm"))
        for page_no, page in enumerate(doc.pages, start=1):
            cleaned = clean_markdown(page) if markdown else clean_pdf_text(page)
            for piece in splitter.split_text(cleaned):
                if not piece.strip():
                    continue
                digest = hashlib.sha1(f"{doc.doc_id}|{page_no}|{piece}".encode()).hexdigest()[:12]
                chunks.append(
                    Chunk(
                        chunk_id=f"{doc.doc_id}#naive{len(chunks)}-{digest}",
                        doc_id=doc.doc_id,
                        text=piece,
                        title=doc.title,
                        page=page_no if doc.is_pdf else None,
                        section=None,
                        meta={"language": doc.meta.get("language", "nl")},
                    )
                )
    return chunks


def build_naive_store(
    settings: Settings, embedder: Embedder, doc_ids: set[str] | None = None
) -> tuple[ChromaStore, dict[str, Chunk]]:
    """The naive collection, re-filled only when the corpus (or the splitter) changed."""
    store = ChromaStore(settings, embedder, suffix=NAIVE_SUFFIX)
    chunks = naive_chunks(settings, doc_ids)
    wanted = {c.chunk_id for c in chunks}
    present = set(store.chunks.get(include=[])["ids"])
    if present != wanted:
        store.reset()
        vectors = embedder.passage_vectors([c.text for c in chunks])
        empty = np.zeros((0, DIM), dtype=np.float32)
        store.add(chunks, vectors, [[] for _ in chunks], [empty for _ in chunks])
    return store, {c.chunk_id: c for c in chunks}


class NaiveDenseRetriever(BaseRetriever):
    """A plain LangChain retriever: embed the question, take the k nearest chunks."""

    store: Any
    embedder: Any
    chunks: dict[str, Any]
    k: int = 5

    model_config = {"arbitrary_types_allowed": True}

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[LCDocument]:
        hits = self.store.query(self.embedder.query_vector(query), self.k)
        docs = []
        for cid, score in hits:
            c = self.chunks.get(cid)
            if c is not None:
                docs.append(
                    LCDocument(
                        page_content=c.text,
                        metadata={
                            "chunk_id": cid,
                            "doc_id": c.doc_id,
                            "title": c.title,
                            "page": c.page,
                            "score": score,
                        },
                    )
                )
        return docs


def _row(case: Case, k: int, retrieved: list[dict[str, Any]], n_relevant: int, ms: float) -> Row:
    row: Row = {
        "id": case.id,
        "category": case.category,
        "lang": case.lang,
        "audience": case.audience,
        "answerable": case.answerable,
        "evidence": case.evidence,
        "k": k,
        "retrieved": retrieved,
        "n_relevant": n_relevant,
        "retrieval_ms": round(ms, 2),
    }
    row["retrieval_scores"] = case_retrieval(row) if case.evidence else {}
    return row


def _count(texts: Sequence[str], evidence: Sequence[str]) -> int:
    if not evidence:
        return 0
    return sum(1 for t in texts if find_any(t, list(evidence)) is not None)


def _passage(
    rank: int, doc_id: str, title: str, page: Any, section: Any, text: str, score: float, evidence: Sequence[str]
) -> dict[str, Any]:
    hit = find_any(text, list(evidence))
    return {
        "rank": rank,
        "doc_id": doc_id,
        "title": title,
        "page": page,
        "section": section,
        "text": text,
        "score": round(float(score), 4),
        "relevant": hit is not None,
        "matched": hit,
    }


def run_baselines(
    assistant: Assistant,
    cases: Sequence[Case],
    k: int = 5,
    progress: Callable[[str, str], None] | None = None,
) -> dict[str, list[Row]]:
    """Retrieval rows per baseline: ``naive_langchain``, ``bm25``, ``dense``."""
    out: dict[str, list[Row]] = {}
    indexed = {d["doc_id"] for d in assistant.documents()}
    store, by_id = build_naive_store(assistant.settings, assistant.embedder, indexed)
    naive = NaiveDenseRetriever(store=store, embedder=assistant.embedder, chunks=by_id, k=k)
    naive_texts = [c.text for c in by_id.values()]
    rows: list[Row] = []
    for case in cases:
        t0 = time.perf_counter()
        docs = naive.invoke(case.question)
        ms = (time.perf_counter() - t0) * 1000
        retrieved = [
            _passage(
                i,
                d.metadata["doc_id"],
                d.metadata["title"],
                d.metadata["page"],
                None,
                d.page_content,
                d.metadata["score"],
                case.evidence,
            )
            for i, d in enumerate(docs, start=1)
        ]
        rows.append(_row(case, k, retrieved, _count(naive_texts, case.evidence), ms))
        if progress:
            progress("naive_langchain", case.id)
    out["naive_langchain"] = rows

    texts = [c.text for c in assistant.retriever.chunks]
    for mode in ("bm25", "dense"):
        single = Assistant(assistant.settings, embedder=assistant.embedder, store=assistant.store, retriever_mode=mode)
        rows = []
        for case in cases:
            conversation = [Turn(t) for t in case.turns]
            profile = Profile(audience=case.audience, lang=case.lang)  # type: ignore[arg-type]
            t0 = time.perf_counter()
            try:
                retrieval, _, _ = single.retrieve(case.question, conversation, profile, k)
                passages = retrieval.passages[:k]
            except QuestionError:
                passages = []
            ms = (time.perf_counter() - t0) * 1000
            retrieved = [
                _passage(
                    i,
                    p.chunk.doc_id,
                    p.chunk.title,
                    p.chunk.page,
                    p.chunk.section,
                    p.chunk.text,
                    p.score,
                    case.evidence,
                )
                for i, p in enumerate(passages, start=1)
            ]
            rows.append(_row(case, k, retrieved, _count(texts, case.evidence), ms))
            if progress:
                progress(mode, case.id)
        out[mode] = rows
    return out


def retrieval_summary(rows: Sequence[Row]) -> dict[str, Any]:
    out = retrieval_metrics(rows)
    out["retrieval_p50_ms"] = percentile([r["retrieval_ms"] for r in rows if r.get("retrieval_ms") is not None], 50)
    return out


def baseline_table(ours: Sequence[Row], baselines: dict[str, list[Row]]) -> dict[str, dict[str, Any]]:
    """Retrieval metrics per system, ours first (what summary.json and the report show)."""
    table = {OURS: retrieval_summary(ours)}
    for name, rows in baselines.items():
        table[name] = retrieval_summary(rows)
    return table
