"""The one entry point every channel uses: :class:`Assistant`.

``Assistant.answer(question, conversation, profile) -> Answer`` retrieves, decides to
answer or refuse, and builds a cited answer. Channels (CLI, web, Telegram, eval) call
only this object and format its data; none of them touches Chroma or the embedder.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator, Sequence
from typing import Any

from .embedder import E5Embeddings
from .errors import IndexNotReadyError, QuestionError
from .extractive import asks_quantity, pick_sentences
from .lexical import query_tokens
from .prompts import text
from .regions import PROVINCES, find_regions, foreign_jurisdiction, normalize_region
from .retrieval import HybridRetriever, Retrieval
from .settings import Settings, get_settings
from .store import ChromaStore
from .text import content_tokens, detect_language, fold
from .types import Answer, Citation, Passage, Profile, Turn

_FOLLOWUP_START = re.compile(
    r"^(en|and|maar|but|of|or|ook|also|wat als|what if|what about|how about|hoe zit het|hoe zit dat|"
    r"en als|and if|en voor|and for|en in|and in|en bij|en wat|and what|en hoe|and how|dus|so)\b",
    re.I,
)
_ANAPHORA = frozenset(
    "dat die dit deze daar daarvan daarvoor hiervoor daarmee ervoor erover het hij zij ze hun "
    "that this these those it its there they them he she".split()
)
_URL = re.compile(r"https?://[^\s)>\]]+")


def is_followup(question: str) -> bool:
    """Does the question lean on an earlier turn ("En in Limburg?", "and for under 30s?")."""
    q = question.strip()
    if _FOLLOWUP_START.match(fold(q)):
        return True
    toks = content_tokens(q)
    words = set(fold(q).replace("?", " ").split())
    return len(toks) <= 2 or (len(toks) <= 5 and bool(words & _ANAPHORA))


def source_url(passage: Passage) -> str | None:
    """The URL a citation links to: the passage's own 'Bron:' URL, else the document's."""
    meta = passage.chunk.meta
    if meta.get("source_urls"):
        return str(meta["source_urls"][0])
    match = _URL.search(passage.chunk.text)
    if match:
        return match.group(0).rstrip(".,;")
    sources = meta.get("sources")
    if isinstance(sources, list) and sources:
        official = [s for s in sources if isinstance(s, dict) and s.get("type") == "official"]
        first = (official or sources)[0]
        return first.get("url") if isinstance(first, dict) else str(first)
    return meta.get("source_url")


class Assistant:
    """Answers questions about the HCA ICT programme documents, with citations."""

    def __init__(
        self,
        settings: Settings | None = None,
        embedder: E5Embeddings | None = None,
        store: ChromaStore | None = None,
        retriever_mode: str = "hybrid",
    ):
        self.settings = settings or get_settings()
        self.embedder = embedder or E5Embeddings(self.settings.embed_cache_path, self.settings.embed_batch)
        self.store = store or ChromaStore(self.settings, self.embedder)
        self.retriever = HybridRetriever(self.store, self.embedder, self.settings, mode=retriever_mode)
        self.retriever.load_exemplars(self.settings.calibration_file)
        self._ingest_lock = threading.Lock()
        self.llm: Any = None  # set by assistant.llm when an LLM endpoint is configured

    # --- lifecycle ------------------------------------------------------------------
    @property
    def ready(self) -> bool:
        return self.retriever.size > 0

    def reingest(self, rebuild: bool = False) -> Any:
        """Run the incremental ingest, then switch answers to the new index atomically."""
        from ingest.index import run_ingest

        with self._ingest_lock:
            report = run_ingest(self.settings, rebuild=rebuild, store=self.store, embedder=self.embedder)
            self.retriever.reload()
        return report

    def documents(self) -> list[dict[str, Any]]:
        """One entry per indexed document: id, title, kind, status, date, url."""
        docs: dict[str, dict[str, Any]] = {}
        for c in self.retriever.chunks:
            if c.doc_id in docs:
                continue
            m = c.meta
            docs[c.doc_id] = {
                "doc_id": c.doc_id,
                "title": c.title,
                "kind": m.get("kind"),
                "status": m.get("status"),
                "date": str(m.get("valid_as_of") or m.get("date") or ""),
                "publisher": m.get("publisher"),
                "region": m.get("region"),
            }
        return sorted(docs.values(), key=lambda d: d["doc_id"])

    # --- answering ------------------------------------------------------------------
    def check_question(self, question: str, lang: str = "nl") -> str:
        q = (question or "").strip()
        if not q or not content_tokens(q):
            raise QuestionError(text("empty_question", lang))
        if len(q) > self.settings.max_question_chars:
            raise QuestionError(text("too_long", lang, length=len(q), limit=self.settings.max_question_chars))
        return q

    def retrieve(
        self,
        question: str,
        conversation: Sequence[Turn] | None = None,
        profile: Profile | None = None,
        k: int | None = None,
    ) -> tuple[Retrieval, str, bool]:
        """Search for ``question`` in the light of the conversation and profile.

        Returns the retrieval, the query that was searched, and whether it was treated
        as a follow-up. Public so the eval runner measures exactly what answers use.
        """
        if not self.ready:
            raise IndexNotReadyError("no documents are indexed yet: run `wegwijzer ingest`")
        k = k or self.settings.top_k
        profile = profile or Profile()
        previous = [t.question for t in (conversation or []) if t.question][-2:]
        own_regions = find_regions(question, fuzzy=True)
        regions = list(own_regions)
        # A word the corpus has never seen ("landskampioen", "beach") means a new topic,
        # not a follow-up: it must not borrow relevance from the earlier question.
        new_topic = any(not t.isdigit() and t not in self.retriever.df for t in content_tokens(question))
        followup = bool(previous) and is_followup(question) and not new_topic
        if followup and not regions:
            for prev in reversed(previous):
                regions = find_regions(prev)
                if regions:
                    break
        if not regions and profile.region:
            region = normalize_region(profile.region)
            regions = [region] if region else []
        query = f"{previous[-1]} {question}" if followup else question
        named = [PROVINCES[r] for r in own_regions if fold(PROVINCES[r]) not in fold(question)]
        if named:  # "Twente", "Almere", "utreht": search with the province's own name too
            query = f"{query} ({', '.join(named)})"
        result = self.retriever.search(query, k, regions)
        if previous and not followup and not new_topic and result.relevance < self.settings.abstain_threshold:
            combined = self.retriever.search(f"{previous[-1]} {question}", k, regions)
            if combined.relevance > result.relevance:
                return combined, f"{previous[-1]} {question}", True
        return result, query, followup

    def answer(
        self,
        question: str,
        conversation: Sequence[Turn] | None = None,
        profile: Profile | None = None,
        answerer: str | None = None,
    ) -> Answer:
        """Answer ``question``; refuses (``abstained=True``) when the documents don't answer it."""
        final: Answer | None = None
        for event, value in self.stream(question, conversation, profile, answerer):
            if event == "answer":
                final = value
        assert final is not None
        return final

    def stream(
        self,
        question: str,
        conversation: Sequence[Turn] | None = None,
        profile: Profile | None = None,
        answerer: str | None = None,
    ) -> Iterator[tuple[str, Any]]:
        """Yield ``("delta", text)`` pieces as the answer grows, then ``("answer", Answer)``.

        Only checked text is ever yielded: extractive sentences, or verified LLM sentences.
        """
        started = time.perf_counter()
        profile = profile or Profile()
        lang = detect_language(question or "", default=profile.lang or "nl")
        q = self.check_question(question, lang)
        retrieval, query, followup = self.retrieve(q, conversation, profile)
        timings = dict(retrieval.timings_ms)
        if (
            retrieval.relevance < self.settings.abstain_threshold
            or not retrieval.passages
            or foreign_jurisdiction(q)
        ):
            refusal = text("refusal", lang)
            yield "delta", refusal
            timings["total_ms"] = (time.perf_counter() - started) * 1000
            yield "answer", Answer(
                question=q, text=refusal, citations=[], abstained=True, lang=lang, mode="refusal",
                passages=retrieval.passages, timings_ms=timings, search_query=query,
            )
            return
        use_llm = (answerer or self.settings.answerer) != "extractive" and self.llm is not None
        if answerer == "llm" and self.llm is None:
            use_llm = False
        if use_llm:
            yield from self.llm.stream(self, q, lang, retrieval, conversation, profile, followup, started, query)
            return
        answer = self.extractive_answer(q, lang, retrieval, followup, query)
        for line in answer.text.split("\n"):
            yield "delta", line + "\n"
        answer.timings_ms = timings | {"total_ms": (time.perf_counter() - started) * 1000}
        answer.search_query = query
        yield "answer", answer

    def extractive_answer(
        self, question: str, lang: str, retrieval: Retrieval, followup: bool = False, query: str | None = None
    ) -> Answer:
        """Quote the best sentences of the best passages, each with its citation number."""
        passages = retrieval.passages
        counts = {p.chunk.chunk_id: int(p.chunk.meta.get("n_sentences", 0)) for p in passages[:3]}
        vectors = self.store.sentence_vectors(list(counts), counts)
        picked = pick_sentences(
            passages, vectors, retrieval.query_vector, retrieval.query_tokens, self.settings.answer_words,
            quantity=asks_quantity(query or question), idf=self.retriever.idf,
            focus=set(query_tokens(question)) if followup else None,
        )
        if not picked:  # passages without usable sentences: quote the best passage's start
            picked_texts = [(passages[0], passages[0].chunk.text[:400])]
        else:
            picked_texts = [(p.passage, p.text) for p in picked]
        numbers: dict[str, int] = {}
        citations: list[Citation] = []
        body: list[str] = []
        for passage, sentence in picked_texts:
            cid = passage.chunk.chunk_id
            if cid not in numbers:
                numbers[cid] = len(numbers) + 1
                citations.append(self.citation(numbers[cid], passage))
            body.append(f"{sentence} [{numbers[cid]}]")
        lines = [text("lead_in_followup" if followup else "lead_in", lang), " ".join(body)]
        lines.extend(self.status_notes(citations, passages, lang))
        return Answer(
            question=question, text="\n".join(lines), citations=citations, abstained=False,
            lang=lang, mode="extractive", passages=passages,
        )

    def citation(self, n: int, passage: Passage) -> Citation:
        meta = passage.chunk.meta
        return Citation(
            n=n, doc_id=passage.chunk.doc_id, title=passage.chunk.title, page=passage.chunk.page,
            section=passage.chunk.section, passage=passage.chunk.text, score=round(passage.score, 4),
            source_url=source_url(passage), language=str(meta.get("language", "nl")),
            status=meta.get("status"), valid_as_of=str(meta["valid_as_of"]) if meta.get("valid_as_of") else None,
        )

    def status_notes(self, citations: list[Citation], passages: list[Passage], lang: str) -> list[str]:
        """'ended'/'planned' warnings and 'check with <body>' for cited schemes and rules."""
        notes: list[str] = []
        check: dict[str, list[str]] = {}
        metas = {p.chunk.doc_id: p.chunk.meta for p in passages}
        seen: set[str] = set()
        for c in citations:
            if c.doc_id in seen:
                continue
            seen.add(c.doc_id)
            meta = metas.get(c.doc_id, {})
            date = str(meta.get("valid_as_of") or "")
            title = re.sub(r"\s*\([^)]*\)", "", c.title).strip()
            if c.status == "ended" and date:
                notes.append(text("status_ended", lang, title=title, date=date))
                if meta.get("instead"):
                    notes.append(text("instead", lang, options="; ".join(meta["instead"])))
            elif c.status == "planned" and date:
                notes.append(text("status_planned", lang, title=title, date=date))
            elif meta.get("kind") in {"scheme", "migration"} and meta.get("official_body") and date:
                check.setdefault(str(meta["official_body"]), []).append(date)
        for body, dates in check.items():
            notes.append(text("check_with", lang, date=" / ".join(sorted(set(dates))), body=body))
        return list(dict.fromkeys(notes))
