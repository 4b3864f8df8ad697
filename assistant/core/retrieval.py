"""Hybrid retrieval: Dutch-stemmed BM25 and dense E5 vectors, fused by reciprocal rank.

Besides a ranking it returns a calibrated *relevance* in [0, 1] for the best passage,
from which the assistant decides to answer or to refuse. Region steering boosts the
asker's province and national documents and pushes other provinces' pages down.
"""

from __future__ import annotations

import math
import re
import threading
import time
from functools import lru_cache
from pathlib import Path

import numpy as np
import yaml

from assistant.base.lexical import BM25Index, query_tokens
from assistant.base.regions import find_regions, mask_places
from assistant.base.settings import Settings
from assistant.base.text import chunk_sentences, content_tokens, detect_language
from assistant.base.types import Chunk, Passage, Retrieval
from assistant.core.embedder import Embedder
from assistant.core.store import VectorStore


def chunk_regions(chunk: Chunk) -> list[str]:
    """Regions a chunk is about: front matter ``region``, else provinces named in its heading."""
    region = chunk.meta.get("region")
    if isinstance(region, str):
        region = [region]
    if region:
        return [r for r in region if r]
    return find_regions(chunk.section) or ["national"]


@lru_cache
def relevance_model(path: Path) -> dict[str, float]:
    """Logistic weights fitted by `wegwijzer calibrate --write` on calibration/relevance.yaml
    (data beside the labelled questions, not code: `Settings.relevance_model_file`)."""
    return {k: float(v) for k, v in yaml.safe_load(path.read_text())["weights"].items()}


def relevance(features: dict[str, float], model: Path) -> float:
    """Probability that the documents answer the question, from retrieval features."""
    w = relevance_model(model)
    z = w.get("bias", 0.0) + sum(w.get(name, 0.0) * value for name, value in features.items())
    return 1.0 / (1.0 + math.exp(-max(min(z, 50.0), -50.0)))


def diversify(passages: list[Passage], k: int, per_doc: int) -> list[Passage]:
    """Top ``k`` with at most ``per_doc`` chunks of one document, so one long page does not
    crowd out a second source (e.g. a province page and the koersdocument's own summary)."""
    if per_doc <= 0:
        return passages[:k]
    chosen: list[Passage] = []
    held: list[Passage] = []
    count: dict[str, int] = {}
    for p in passages:
        if count.get(p.chunk.doc_id, 0) < per_doc:
            chosen.append(p)
            count[p.chunk.doc_id] = count.get(p.chunk.doc_id, 0) + 1
        else:
            held.append(p)
        if len(chosen) == k:
            return chosen
    return (chosen + held)[:k]


class Exemplars:
    """Labelled questions (calibration/relevance.yaml) as a nearest-neighbour signal:
    how much closer a question is to known answerable ones than to known off-topic ones."""

    def __init__(self, inside: np.ndarray, outside: np.ndarray, k: int = 3):
        self.inside, self.outside, self.k = inside, outside, k

    def _top(self, matrix: np.ndarray, qvec: np.ndarray) -> float:
        sims = matrix @ qvec
        sims = sims[sims < 0.9999]  # a labelled question never votes for itself (calibration)
        return float(np.sort(sims)[-self.k :].mean()) if len(sims) else 0.0

    def score(self, qvec: np.ndarray) -> float:
        return self._top(self.inside, qvec) - self._top(self.outside, qvec)


BOILERPLATE_DOCS = 6  # a sentence in this many documents (up to its place names) is template text


def _chunk_order(chunk: Chunk) -> int:
    """Position of a chunk in its document: ids are ``<doc>#<n>-<hash>``."""
    match = re.search(r"#(\d+)", chunk.chunk_id)
    return int(match.group(1)) if match else 0


class HybridRetriever:
    """Searches the store; chunk texts and BM25 live in memory, vectors in the store."""

    def __init__(self, store: VectorStore, embedder: Embedder, settings: Settings, mode: str = "hybrid"):
        self.store = store
        self.embedder = embedder
        self.settings = settings
        self.mode = mode  # hybrid | dense | bm25 (the latter two are eval baselines)
        self.exemplars: Exemplars | None = None
        self._lock = threading.Lock()
        self.reload()

    def reload(self) -> None:
        """Re-read the store (after an ingest); the swap is atomic for concurrent readers."""
        chunks = self.store.all_chunks()
        bm25 = BM25Index([c.indexed_text for c in chunks], k1=self.settings.bm25_k1, b=self.settings.bm25_b)
        df: dict[str, int] = {}
        for c in chunks:
            for tok in set(content_tokens(c.indexed_text)):
                df[tok] = df.get(tok, 0) + 1
        sections: dict[tuple[str, str | None], list[Chunk]] = {}
        for c in chunks:
            sections.setdefault((c.doc_id, c.section), []).append(c)
        for members in sections.values():
            members.sort(key=_chunk_order)
        docs_of: dict[str, set[str]] = {}
        for c in chunks:
            for sentence in chunk_sentences(c.text):
                docs_of.setdefault(mask_places(sentence), set()).add(c.doc_id)
        boilerplate = frozenset(key for key, docs in docs_of.items() if len(docs) >= BOILERPLATE_DOCS)
        with self._lock:
            self.chunks = chunks
            self.by_id = {c.chunk_id: i for i, c in enumerate(chunks)}
            self.bm25 = bm25
            self.df = df
            self.sections = sections
            self.boilerplate = boilerplate
            self.translated = frozenset(str(c.meta["translation_of"]) for c in chunks if c.meta.get("translation_of"))

    def is_boilerplate(self, sentence: str) -> bool:
        """Does the same sentence (up to the province it names) stand in several documents?
        Such a line ("Werkgevers in <provincie> die internationaal ICT-talent zoeken …") is
        template text: it answers no one's question in particular."""
        return mask_places(sentence) in self.boilerplate

    def section_of(self, chunk: Chunk) -> list[Chunk]:
        """Every chunk of ``chunk``'s section, in document order (a long section is split)."""
        return self.sections.get((chunk.doc_id, chunk.section), [chunk])

    @property
    def size(self) -> int:
        return len(self.chunks)

    def idf(self, token: str) -> float:
        n = max(len(self.chunks), 1)
        return math.log(1 + (n - self.df.get(token, 0) + 0.5) / (self.df.get(token, 0) + 0.5))

    def coverage(self, tokens: list[str], texts: list[str]) -> float:
        """IDF-weighted share of query tokens that occur in ``texts``."""
        uniq = list(dict.fromkeys(tokens))
        if not uniq:
            return 0.0
        present = set()
        for t in texts:
            present.update(content_tokens(t))
        total = sum(self.idf(t) for t in uniq)
        hit = sum(self.idf(t) for t in uniq if t in present)
        return hit / total if total else 0.0

    def search(
        self,
        question: str,
        k: int,
        regions: list[str] | None = None,
        lang: str | None = None,
        audience: str | None = None,
    ) -> Retrieval:
        """The ``k`` best passages for ``question``; ``regions`` steer towards provinces,
        ``lang`` towards documents in the asker's language (an English edition for an English
        question, the Dutch original for a Dutch one) and ``audience`` towards documents
        written for the asker (an employer's "welke subsidie?" is SLIM, a career switcher's
        the Levenlanglerenkrediet)."""
        timings: dict[str, float] = {}
        t0 = time.perf_counter()
        qvec = self.embedder.query_vector(question)
        timings["embed_ms"] = (time.perf_counter() - t0) * 1000
        tokens = query_tokens(question)
        with self._lock:
            chunks, by_id, bm25 = self.chunks, self.by_id, self.bm25
        n_cand = max(self.settings.candidates, k)

        t1 = time.perf_counter()
        dense_hits = self.store.query(qvec, n_cand) if self.mode != "bm25" else []
        timings["dense_ms"] = (time.perf_counter() - t1) * 1000
        t2 = time.perf_counter()
        lex = bm25.scores(tokens) if self.mode != "dense" else np.zeros(len(chunks))
        lex_top = [int(i) for i in np.argsort(-lex)[:n_cand] if lex[i] > 0]
        timings["bm25_ms"] = (time.perf_counter() - t2) * 1000

        dense_score = {cid: s for cid, s in dense_hits if cid in by_id}
        fused: dict[int, float] = {}
        rk = self.settings.rrf_k
        for rank, (cid, _) in enumerate(dense_hits):
            if cid in by_id:
                fused[by_id[cid]] = fused.get(by_id[cid], 0.0) + 1.0 / (rk + rank + 1)
        for rank, idx in enumerate(lex_top):
            fused[idx] = fused.get(idx, 0.0) + self.settings.lexical_weight / (rk + rank + 1)
        if not fused:
            return Retrieval([], 0.0, qvec, tokens, regions or [], timings)
        top_rrf = max(fused.values())
        regions = regions or []
        translated = self.translated
        passages: list[Passage] = []
        for idx, f in fused.items():
            chunk = chunks[idx]
            score = f / top_rrf
            if regions:
                cr = chunk_regions(chunk)
                if any(r in cr for r in regions):
                    score += self.settings.region_boost
                elif "national" not in cr:
                    score *= self.settings.other_region_penalty
            if audience:
                readers = chunk.meta.get("audience")
                if isinstance(readers, list) and readers:
                    score = (
                        score + self.settings.audience_boost
                        if audience in readers
                        else score * self.settings.other_audience_penalty
                    )
            if lang and (
                (chunk.meta.get("translation_of") and str(chunk.meta.get("language") or "nl") != lang)
                or (lang != "nl" and chunk.doc_id in translated)
            ):
                score *= self.settings.other_language_penalty  # the other edition serves this asker
            passages.append(Passage(chunk, score, dense=dense_score.get(chunk.chunk_id, 0.0), lexical=float(lex[idx])))
        passages.sort(key=lambda p: -p.score)
        passages = diversify(passages, k, self.settings.max_per_doc)
        for rank, p in enumerate(passages, start=1):
            p.rank = rank
        features = self.features(tokens, dense_hits, passages, question)
        if self.exemplars is not None:
            features["exemplar"] = self.exemplars.score(qvec)
        timings["retrieve_ms"] = (time.perf_counter() - t0) * 1000
        return Retrieval(
            passages, relevance(features, self.settings.relevance_model_file), qvec, tokens, regions, timings, features
        )

    def load_exemplars(self, path: Path) -> None:
        """Embed the labelled questions once (cached) for the ``exemplar`` feature."""
        if not path.exists():
            return
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        self.exemplars = Exemplars(
            self.embedder.query_vectors(data["in_scope"]), self.embedder.query_vectors(data["out_of_scope"])
        )

    def features(
        self, tokens: list[str], dense_hits: list[tuple[str, float]], passages: list[Passage], question: str = ""
    ) -> dict[str, float]:
        """What the answer/refuse decision looks at (see `wegwijzer calibrate`).

        ``english`` lets the fit offset the lower cross-lingual similarity of an English
        question to Dutch passages."""
        uniq = set(tokens)
        return {
            "english": 1.0 if detect_language(question) == "en" else 0.0,
            "region": 1.0 if find_regions(question, fuzzy=True) else 0.0,
            "dense": max((s for _, s in dense_hits), default=0.0),
            "coverage": self.coverage(tokens, [p.chunk.indexed_text for p in passages[:3]]),
            "unknown": sum(1 for t in uniq if t not in self.df) / max(len(uniq), 1),
            "dense_mean": float(np.mean([p.dense for p in passages])) if passages else 0.0,
        }
