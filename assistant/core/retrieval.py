"""Hybrid retrieval: Dutch-stemmed BM25 and dense E5 vectors, fused by reciprocal rank.

Besides a ranking it returns a calibrated *relevance* in [0, 1] for the best passage,
from which the assistant decides to answer or to refuse. Region steering boosts the
asker's province and national documents and pushes other provinces' pages down.
"""

from __future__ import annotations

import copy
import math
import re
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import yaml

from assistant.answering.asked import SPECIFIC_KINDS, Asked, analyse, years_covered
from assistant.base.lexical import BM25Index, query_tokens
from assistant.base.regions import asker_places, find_regions, mask_places, without_places
from assistant.base.settings import Settings
from assistant.base.text import chunk_sentences, content_tokens, detect_language, fold, token_set
from assistant.base.types import Chunk, Passage, Retrieval
from assistant.core.embedder import Embedder
from assistant.core.snapshot import IndexSnapshot, unit_rows
from assistant.core.store import VectorStore


def _idf(df: int, n: int) -> float:
    """BM25's idf of a token in ``df`` of ``n`` chunks."""
    n = max(n, 1)
    return math.log(1 + (n - df + 0.5) / (df + 0.5))


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
KIND_CANDIDATES = 12  # candidates a held asked kind can move (about two pages' worth of sections)


def _chunk_order(chunk: Chunk) -> int:
    """Position of a chunk in its document: ids are ``<doc>#<n>-<hash>``."""
    match = re.search(r"#(\d+)", chunk.chunk_id)
    return int(match.group(1)) if match else 0


# A question whether anything exists for the asker ("is er iets voor …", "zijn er gratis
# opleidingen", "any programmes near me?"): scoped by where the asker lives.
_ASKS_WHAT_EXISTS = re.compile(r"\b(is er|zijn er|bestaan er|is there|are there|any)\b")


# Steering by an asked year ("en voor 2024?"): a passage that names it gains a little; a
# section whose heading names only other years ("Salariscriterium 2025") is another year's row.
YEAR_NAMED_BOOST = 0.05
OTHER_YEAR_PENALTY = 0.85
_YEAR = re.compile(r"\b(20[0-4]\d)\b")
_YEAR_RANGE = re.compile(r"\b(20[0-4]\d)\s?[–-]\s?(20[0-4]\d)\b")


@lru_cache(maxsize=20_000)
def years_named(text: str | None) -> frozenset[int]:
    """The years ``text`` names, a range ("2023–2026") as every year in it (cached: every
    question that names a year reads its candidates' texts)."""
    if not text:
        return frozenset()
    found = {int(y) for y in _YEAR.findall(text)}
    for start, end in _YEAR_RANGE.findall(text):
        found.update(range(int(start), int(end) + 1))
    return frozenset(found)


def year_factor(chunk: Chunk, asked: frozenset[int]) -> tuple[float, float]:
    """(bonus, factor) for a passage when the question names ``asked`` years: the asked
    year's row or section over another year's ("Salariscriterium 2025" for "en voor 2024?")."""
    if not asked:
        return 0.0, 1.0
    heading = years_named(chunk.section)
    if heading and not heading & asked and not years_covered(chunk.section or "", asked):
        return 0.0, OTHER_YEAR_PENALTY  # not "vanaf 2027" for 2028 either
    return (YEAR_NAMED_BOOST, 1.0) if years_named(chunk.text) & asked else (0.0, 1.0)


@dataclass(frozen=True)
class Generation:
    """The parts of one index generation a search reads."""

    chunks: list[Chunk]
    by_id: dict[str, int]
    snapshot: IndexSnapshot
    bm25: BM25Index
    rows: np.ndarray | None  # the original documents' rows, when BM25 is over those only
    n_editions: int
    original_rows: np.ndarray  # rows of the original documents' chunks (ascending)
    is_original: np.ndarray  # per row: is it an original document's chunk (bool)
    regions_of: list[list[str]]  # per row: :func:`chunk_regions`
    ids: list[str]  # per row: the chunk id
    targets_of: list[tuple[int, ...]]  # per row: the original rows it counts for (itself, or an edition's originals)


@dataclass
class Ranking:
    """One text searched both ways: E5 hits (chunk id, similarity), every chunk's BM25 score,
    and the fused reciprocal-rank score per chunk row."""

    dense_hits: list[tuple[str, float]]
    lex: np.ndarray
    fused: dict[int, float]
    timings: dict[str, float]


class HybridRetriever:
    """Searches one index generation held in memory (:class:`IndexSnapshot`: chunks, vectors,
    sentence vectors) with BM25 beside it. :meth:`reload` reads the store's live generation
    and swaps everything at once; :meth:`pinned` gives an answer a view that stays on the
    generation it started with, so no answer mixes two."""

    snapshot: IndexSnapshot

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
        snapshot = self.store.snapshot()
        chunks = snapshot.chunks
        bm25 = BM25Index([c.indexed_text for c in chunks], k1=self.settings.bm25_k1, b=self.settings.bm25_b)
        # Translations are not more documents: a Dutch question is scored on the originals'
        # statistics alone, so adding an English edition cannot move a Dutch answer.
        original_rows = np.array([i for i, c in enumerate(chunks) if not c.meta.get("translation_of")], dtype=int)
        bm25_nl = (
            BM25Index([chunks[i].indexed_text for i in original_rows], k1=self.settings.bm25_k1, b=self.settings.bm25_b)
            if len(original_rows) < len(chunks)
            else bm25
        )
        df: dict[str, int] = {}
        df_nl: dict[str, int] = {}
        for c in chunks:
            for tok in set(content_tokens(c.indexed_text)):
                df[tok] = df.get(tok, 0) + 1
                if not c.meta.get("translation_of"):
                    df_nl[tok] = df_nl.get(tok, 0) + 1
        sections: dict[tuple[str, str | None], list[Chunk]] = {}
        for c in chunks:
            sections.setdefault((c.doc_id, c.section), []).append(c)
        for members in sections.values():
            members.sort(key=_chunk_order)
        # A section's position in its document links an original to its editions (same sections).
        section_index: dict[str, int] = {}
        order: dict[str, list[str | None]] = {}
        for c in sorted(chunks, key=lambda c: (c.doc_id, _chunk_order(c))):
            heads = order.setdefault(c.doc_id, [])
            if not heads or heads[-1] != c.section:
                heads.append(c.section)
            section_index[c.chunk_id] = len(heads) - 1
        editions: dict[tuple[str, int, str], list[Chunk]] = {}
        for c in sorted(chunks, key=_chunk_order):
            if c.meta.get("translation_of"):
                key = (str(c.meta["translation_of"]), section_index[c.chunk_id], str(c.meta.get("language") or "en"))
                editions.setdefault(key, []).append(c)
        by_section: dict[tuple[str, int], list[str]] = {}
        for c in chunks:
            if not c.meta.get("translation_of"):
                by_section.setdefault((c.doc_id, section_index[c.chunk_id]), []).append(c.chunk_id)
        original_of = {
            c.chunk_id: by_section.get((key[0], key[1]), []) for key, members in editions.items() for c in members
        }
        masked = {c.chunk_id: [mask_places(x) for x in chunk_sentences(c.text)] for c in chunks}
        docs_of: dict[str, set[str]] = {}
        for c in chunks:
            for sentence in masked[c.chunk_id]:
                docs_of.setdefault(sentence, set()).add(c.doc_id)
        boilerplate = frozenset(key for key, docs in docs_of.items() if len(docs) >= BOILERPLATE_DOCS)
        # a province page's section that is mostly template text (the national schemes, repeated
        # per province) says nothing about the province: it gets no region boost
        template = frozenset(
            cid for cid, sents in masked.items() if sents and sum(x in boilerplate for x in sents) * 2 >= len(sents)
        )
        # per row, what every search reads of it: computed once per generation, not per question
        is_original = np.zeros(len(chunks), dtype=bool)
        is_original[original_rows] = True
        regions_of = [chunk_regions(c) for c in chunks]
        row_of = {c.chunk_id: i for i, c in enumerate(chunks)}
        targets_of = [  # the original rows a row counts for: itself, or its edition's originals
            (i,) if is_original[i] else tuple(row_of[t] for t in original_of.get(c.chunk_id, []))
            for i, c in enumerate(chunks)
        ]
        with self._lock:
            self.snapshot = snapshot
            self.chunks = chunks
            self.by_id = row_of
            self.ids = [c.chunk_id for c in chunks]
            self.is_original = is_original
            self.regions_of = regions_of
            self.targets_of = targets_of
            self.bm25 = bm25
            self.bm25_nl = bm25_nl
            self.original_rows = original_rows
            self.df = df
            self.df_nl = df_nl
            self.sections = sections
            self.boilerplate = boilerplate
            self.template = template
            self.originals = frozenset(chunks[i].chunk_id for i in original_rows)
            self.section_index = section_index
            self.editions = editions
            self.original_of = original_of
            # the words documents are named with ("STAP", "Codam"): an earlier question's subject
            # even where they are too common in the text to be rare ("stap", "stappen")
            self.title_words = frozenset().union(*(token_set(c.title) for c in chunks))

    def pinned(self) -> HybridRetriever:
        """A view of this retriever that keeps the generation it holds now, whatever a later
        :meth:`reload` does (it replaces the attributes; the view keeps the old references)."""
        with self._lock:
            view = copy.copy(self)
        view._lock = threading.Lock()
        return view

    @property
    def generation(self) -> int:
        return self.snapshot.generation

    def sentence_vectors(self, passages: Sequence[Passage]) -> dict[str, np.ndarray]:
        """The E5 vectors of each passage's sentences (computed at ingest), from this generation."""
        return self.snapshot.sentence_vectors([p.chunk.chunk_id for p in passages])

    def is_boilerplate(self, sentence: str) -> bool:
        """Does the same sentence (up to the province it names) stand in several documents?
        Such a line ("Werkgevers in <provincie> die internationaal ICT-talent zoeken …") is
        template text: it answers no one's question in particular."""
        return mask_places(sentence) in self.boilerplate

    def _originals_only(
        self, dense_hits: list[tuple[str, float]], lex: np.ndarray, lex_top: list[int], n: int, gen: Generation
    ) -> tuple[list[tuple[str, float]], list[int]]:
        """Rankings over the original documents only, for an English question: an original
        section also counts with its English edition's match: the edition's BM25 score, and
        its E5 similarity minus ``edition_offset`` (what same-language text gains over a
        translation; measured on the tuning questions), so a Dutch-only programme document
        still competes on what it says. (A Dutch question's rankings are the originals' own:
        :meth:`_ranked` takes them directly.)"""
        offset = self.settings.edition_offset
        by_id, is_original, targets_of = gen.by_id, gen.is_original, gen.targets_of
        dense: dict[int, float] = {}
        for cid, sim in dense_hits:
            row = by_id[cid]
            adjusted = sim if is_original[row] else sim - offset
            for target in targets_of[row]:
                dense[target] = max(dense.get(target, -1.0), adjusted)
        lexical: dict[int, float] = {}
        for i, score in zip(lex_top, lex[lex_top].tolist()):
            for j in targets_of[i]:
                lexical[j] = max(lexical.get(j, 0.0), score)
        ids = gen.ids
        return (
            [(ids[j], v) for j, v in sorted(dense.items(), key=lambda x: -x[1])[:n]],
            [j for j, _ in sorted(lexical.items(), key=lambda x: -x[1])][:n],
        )

    def in_edition(self, passages: list[Passage], lang: str) -> list[Passage]:
        """Each passage in its ``lang`` edition where one exists (same section, same scores)."""
        out: list[Passage] = []
        seen: set[str] = set()
        for p in passages:
            key = (p.chunk.doc_id, self.section_index.get(p.chunk.chunk_id, -1), lang)
            chunk = next(iter(self.editions.get(key, [])), p.chunk)
            if chunk.chunk_id in seen:
                continue
            seen.add(chunk.chunk_id)
            out.append(Passage(chunk, p.score, rank=len(out) + 1, dense=p.dense, lexical=p.lexical))
        return out

    def section_of(self, chunk: Chunk) -> list[Chunk]:
        """Every chunk of ``chunk``'s section, in document order (a long section is split)."""
        return self.sections.get((chunk.doc_id, chunk.section), [chunk])

    @property
    def size(self) -> int:
        return len(self.chunks)

    def idf(self, token: str) -> float:
        return _idf(self.df.get(token, 0), len(self.chunks))

    def idf_for(self, lang: str | None) -> Callable[[str], float]:
        """The idf a question in ``lang`` is weighed with: over the original documents for a
        Dutch question (their translations would count every section twice), over everything
        for another language (its words occur in the editions only)."""
        if lang and lang != "nl":
            return self.idf
        df, n = self.df_nl, len(self.original_rows)
        return lambda token: _idf(df.get(token, 0), n)

    def coverage(self, tokens: list[str], texts: list[str]) -> float:
        """IDF-weighted share of query tokens that occur in ``texts``."""
        uniq = list(dict.fromkeys(tokens))
        if not uniq:
            return 0.0
        present: set[str] = set()
        for t in texts:
            present.update(token_set(t))
        total = sum(self.idf(t) for t in uniq)
        hit = sum(self.idf(t) for t in uniq if t in present)
        return hit / total if total else 0.0

    def place_free(
        self, question: str, regions: list[str], lang: str | None, k: int, gen: Generation
    ) -> Ranking | None:
        """The ranking of ``question`` without its places, when those places only describe the
        asker; None when the question is about a region, or names none of ``regions``' places
        (they come from the profile or an earlier turn: nothing is counted twice).

        The place describes the asker when the question names it that way ("ik woon in
        Zwolle", "I studied in Delft", "ons bedrijf in Eindhoven": :func:`asker_places`), does
        not ask what there is for the asker ("is er iets voor mij?", "any programmes near me?":
        then the province's offer is the answer), and, searched without the place, none of that
        province's own text (its page less the national template) ranks among the best ``2k``:
        the province has nothing of its own on what is asked (the zoekjaar, the
        Levenlanglerenkrediet, who pays for re-skilling in Overijssel). "Ik woon in Groningen,
        welke subsidie is er voor omscholen?" still finds Groningen's subsidy without the
        place; "welke opleidingen zijn er in Groningen?" names the place as its subject."""
        if not regions:
            return None  # no place of the asker's to leave out
        named = set(find_regions(question, fuzzy=True)) & set(regions)
        if not named or not named <= set(asker_places(question)) or _ASKS_WHAT_EXISTS.search(fold(question)):
            return None
        rest = without_places(question)
        if not content_tokens(rest):
            return None  # only a place ("en in Limburg?"): the place is all there is to search
        _, _, ranking = self._ranked(rest, lang, k, gen)
        best = sorted(ranking.fused, key=lambda idx: -ranking.fused[idx])[: 2 * k]
        own = any(named & set(gen.regions_of[idx]) and gen.chunks[idx].chunk_id not in self.template for idx in best)
        return None if own else ranking

    def _generation(self, lang: str | None) -> Generation:
        """What one search reads, taken at once, so a reload cannot come between its rankings."""
        with self._lock:
            dutch = not lang or lang == "nl"
            return Generation(
                self.chunks,
                self.by_id,
                self.snapshot,
                self.bm25_nl if dutch else self.bm25,
                self.original_rows if dutch and self.bm25_nl is not self.bm25 else None,
                len(self.chunks) - len(self.original_rows),
                self.original_rows,
                self.is_original,
                self.regions_of,
                self.ids,
                self.targets_of,
            )

    def _ranked(self, text: str, lang: str | None, k: int, gen: Generation) -> tuple[np.ndarray, list[str], Ranking]:
        """``text`` searched by E5 and by BM25 over the original documents, fused by reciprocal
        rank: the query vector, its tokens, and the ranking."""
        timings: dict[str, float] = {}
        t0 = time.perf_counter()
        qvec = self.embedder.query_vector(text)
        timings["embed_ms"] = (time.perf_counter() - t0) * 1000
        tokens = query_tokens(text)
        chunks, by_id, rows = gen.chunks, gen.by_id, gen.rows
        wanted = max(self.settings.candidates, k)
        # every edition chunk could outrank an original: ask for that many more, so the
        # originals-only rankings below still hold ``wanted`` candidates
        n_cand = wanted + gen.n_editions
        # an English question also counts each original with its edition's match; otherwise
        # both rankings are over the originals only (see _originals_only)
        with_editions = bool(lang and lang != "nl" and self.editions)

        t1 = time.perf_counter()
        dense_hits = self._dense(gen, qvec, wanted, n_cand, with_editions) if self.mode != "bm25" else []
        timings["dense_ms"] = (time.perf_counter() - t1) * 1000
        t2 = time.perf_counter()
        lex = np.zeros(len(chunks), dtype=np.float32)
        if self.mode != "dense":
            if rows is None:
                lex = gen.bm25.scores(tokens)
            else:
                lex[rows] = gen.bm25.scores(tokens)
        top = np.argsort(-lex)[:n_cand]
        top = top[lex[top] > 0]
        timings["bm25_ms"] = (time.perf_counter() - t2) * 1000

        if with_editions:
            dense_hits, lex_top = self._originals_only(dense_hits, lex, top.tolist(), wanted, gen)
        else:
            lex_top = top[gen.is_original[top]][:wanted].tolist()
        fused: dict[int, float] = {}
        rk = self.settings.rrf_k
        for rank, (cid, _) in enumerate(dense_hits):
            if cid in by_id:
                fused[by_id[cid]] = fused.get(by_id[cid], 0.0) + 1.0 / (rk + rank + 1)
        weight = self.settings.lexical_weight
        for rank, idx in enumerate(lex_top):
            fused[idx] = fused.get(idx, 0.0) + weight / (rk + rank + 1)
        return qvec, tokens, Ranking(dense_hits, lex, fused, timings)

    def _dense(
        self, gen: Generation, qvec: np.ndarray, wanted: int, n_cand: int, with_editions: bool
    ) -> list[tuple[str, float]]:
        """E5 hits as (chunk id, cosine similarity), best first, ties in document order: the
        ``n_cand`` best chunks of all (``with_editions``), else the ``wanted`` best originals
        (what the ``n_cand`` best of all hold of them, taken directly)."""
        vectors = gen.snapshot.vectors
        if not len(vectors):
            return []
        sims = vectors @ unit_rows(qvec)
        if with_editions:
            top = np.argsort(-sims, kind="stable")[:n_cand]
        else:
            originals = gen.original_rows
            top = originals[np.argsort(-sims[originals], kind="stable")[:wanted]]
        ids = gen.ids
        return list(zip([ids[i] for i in top.tolist()], sims[top].tolist()))

    def search(
        self,
        question: str,
        k: int,
        regions: list[str] | None = None,
        lang: str | None = None,
        audience: str | None = None,
    ) -> Retrieval:
        """The ``k`` best passages for ``question``; ``regions`` steer towards provinces and
        ``audience`` towards documents written for the asker (an employer's "welke subsidie?" is
        SLIM, a career switcher's the Levenlanglerenkrediet).

        The search runs over the original documents only; for an English question (``lang``)
        each passage that has an English edition is then shown in that edition (the same
        section). Searched directly, English editions would win every English question on
        language alone — E5 rates same-language text closer — and push aside the Dutch-only
        programme documents that do answer it.

        A place the question names only to say who asks (see :meth:`place_free`) steers no
        further than keeping other provinces' pages out: the passages are ranked on the rest of
        the question, without the region boost, so the Zuid-Holland page does not answer "I
        studied in Delft, can I get the zoekjaar?" on the place's name alone."""
        t0 = time.perf_counter()
        gen = self._generation(lang)
        qvec, tokens, ranking = self._ranked(question, lang, k, gen)
        timings = dict(ranking.timings)
        regions = regions or []
        asker_only = self.place_free(question, regions, lang, k, gen)
        if asker_only is not None:  # rank on what is asked; the place only keeps other provinces out
            ranking = asker_only
        dense_hits, lex, fused, chunks = ranking.dense_hits, ranking.lex, ranking.fused, gen.chunks
        dense_score = {cid: s for cid, s in dense_hits if cid in gen.by_id}
        if not fused:
            return Retrieval([], 0.0, qvec, tokens, regions, timings)
        top_rrf = max(fused.values())
        asked_years = years_named(question)
        regions_of, template, settings = gen.regions_of, self.template, self.settings
        passages: list[Passage] = []
        for idx, f in fused.items():
            chunk = chunks[idx]
            score = f / top_rrf
            if regions:
                cr = regions_of[idx]
                if any(r in cr for r in regions):
                    if chunk.chunk_id not in template and asker_only is None:
                        score += settings.region_boost
                elif "national" not in cr:
                    score *= settings.other_region_penalty
            elif chunk.meta.get("kind") == "region":
                score *= settings.unasked_region_penalty
            bonus, factor = year_factor(chunk, asked_years)
            score = score * factor + bonus
            if audience:
                readers = chunk.meta.get("audience")
                if isinstance(readers, list) and readers:
                    score = (
                        score + self.settings.audience_boost
                        if audience in readers
                        else score * self.settings.other_audience_penalty
                    )
            passages.append(Passage(chunk, score, dense=dense_score.get(chunk.chunk_id, 0.0), lexical=float(lex[idx])))
        passages.sort(key=lambda p: -p.score)
        passages = self._asked_kind_first(passages, analyse(question))
        passages = diversify(passages, k, self.settings.max_per_doc)
        for rank, p in enumerate(passages, start=1):
            p.rank = rank
        features = self.features(tokens, dense_hits, passages, question)
        if self.exemplars is not None:
            features["exemplar"] = self.exemplars.score(qvec)
        if lang and lang != "nl":
            passages = self.in_edition(passages, lang)
        timings["retrieve_ms"] = (time.perf_counter() - t0) * 1000
        return Retrieval(
            passages, relevance(features, self.settings.relevance_model_file), qvec, tokens, regions, timings, features
        )

    def _asked_kind_first(self, passages: list[Passage], asked: Asked) -> list[Passage]:
        """The best candidates, those that hold the kind of answer asked (a duration for "how
        long does the IND take?", an amount for "hoeveel kan ik lenen?") a little ahead
        (``Settings.kind_boost``).

        A long page on one subject has more candidates than the per-document cap lets through;
        without this, the sections that share the most words ("IND fees 2025", "IND fees
        2026") keep out the one that answers ("IND decision periods")."""
        boost = self.settings.kind_boost
        if not boost or not asked.kinds & SPECIFIC_KINDS:
            return passages
        head = passages[:KIND_CANDIDATES]
        for p in head:
            if asked.specific_form(p.chunk.text):
                p.score += boost
        head.sort(key=lambda p: -p.score)
        return head + passages[KIND_CANDIDATES:]

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
