"""The one entry point every channel uses: :class:`Assistant`.

``Assistant.answer(question, conversation, profile) -> Answer`` retrieves, decides to
answer or refuse, and hands an :class:`~assistant.answering.protocol.AnswerRequest` to the
answerer its settings choose (extractive by default, the LLM answerer when
``WEGWIJZER_LLM_BASE_URL`` is set). Channels (CLI, web, Telegram, eval) call only this
object and format its data; none of them touches Chroma or the embedder.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from assistant.answering.extractive import ExtractiveAnswerer
from assistant.answering.protocol import Answerer, AnswerEvent, AnswerRequest, Delta, Final, final_answer
from assistant.base.errors import IndexNotReadyError, QuestionError
from assistant.base.prompts import text
from assistant.base.regions import PROVINCES, find_regions, foreign_jurisdiction, normalize_region
from assistant.base.settings import Settings, get_settings
from assistant.base.text import content_tokens, detect_language, fold
from assistant.base.types import Answer, Passage, Profile, Retrieval, Turn
from assistant.core.embedder import E5Embeddings
from assistant.core.retrieval import HybridRetriever
from assistant.core.store import ChromaStore
from assistant.verify.verifier import corpus_entities

log = logging.getLogger("wegwijzer.core")

_FOLLOWUP_START = re.compile(
    r"^(en|and|maar|but|of|or|ook|also|wat als|what if|what about|how about|hoe zit het|hoe zit dat|"
    r"en als|and if|en voor|and for|en in|and in|en bij|en wat|and what|en hoe|and how|dus|so)\b",
    re.I,
)
_ANAPHORA = frozenset(
    [
        "dat",
        "die",
        "dit",
        "deze",
        "daar",
        "daarvan",
        "daarvoor",
        "hiervoor",
        "daarmee",
        "ervoor",
        "erover",
        "het",
        "hij",
        "zij",
        "ze",
        "hun",
        "that",
        "this",
        "these",
        "those",
        "it",
        "its",
        "there",
        "they",
        "them",
        "he",
        "she",
    ]
)


def is_followup(question: str) -> bool:
    """Does the question lean on an earlier turn ("En in Limburg?", "and for under 30s?")."""
    q = question.strip()
    if _FOLLOWUP_START.match(fold(q)):
        return True
    toks = content_tokens(q)
    words = set(fold(q).replace("?", " ").split())
    return len(toks) <= 2 or (len(toks) <= 5 and bool(words & _ANAPHORA))


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
        self._names: tuple[list[Any], frozenset[str]] | None = None
        self._names_lock = threading.Lock()
        self.extractive = ExtractiveAnswerer(self.settings)
        self.llm: Answerer | None = self._build_llm()

    @classmethod
    def configured(cls, answerer: str | None = None) -> Assistant:
        """The assistant the ``WEGWIJZER_*`` settings describe; ``answerer`` overrides theirs."""
        settings = get_settings()
        if answerer:
            settings = settings.model_copy(update={"answerer": answerer})
        return cls(settings)

    def _build_llm(self) -> Answerer | None:
        """The LLM answerer when the settings ask for one and name an endpoint."""
        if not self.settings.llm_enabled:
            return None
        if not self.settings.llm_base_url:
            log.warning("answerer=llm but WEGWIJZER_LLM_BASE_URL is not set: answering extractively")
            return None
        from assistant.answering.llm import LLMAnswerer  # langchain-openai is imported only when used

        return LLMAnswerer(self.settings, embed=self.embedder.query_vector, corpus_names=self.corpus_names)

    # --- lifecycle ------------------------------------------------------------------
    @property
    def ready(self) -> bool:
        return self.retriever.size > 0

    def reload(self) -> None:
        """Switch answers to what the store holds now (after an ingest), atomically."""
        self.retriever.reload()

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
        return final_answer(self.stream(question, conversation, profile, answerer))

    def stream(
        self,
        question: str,
        conversation: Sequence[Turn] | None = None,
        profile: Profile | None = None,
        answerer: str | None = None,
    ) -> Iterator[AnswerEvent]:
        """Yield :class:`Delta` pieces as the answer grows, then one :class:`Final`.

        Only checked text is ever yielded: extractive sentences, or verified LLM sentences.
        ``answerer`` ("extractive" or "llm") overrides the settings for this question.
        """
        started = time.perf_counter()
        profile = profile or Profile()
        lang = detect_language(question or "", default=profile.lang or "nl")
        q = self.check_question(question, lang)
        retrieval, query, followup = self.retrieve(q, conversation, profile)
        if retrieval.relevance < self.settings.abstain_threshold or not retrieval.passages or foreign_jurisdiction(q):
            refusal = text("refusal", lang, self.settings.prompts_dir)
            yield Delta(refusal)
            timings = dict(retrieval.timings_ms) | {"total_ms": (time.perf_counter() - started) * 1000}
            yield Final(
                Answer(
                    question=q,
                    text=refusal,
                    citations=[],
                    abstained=True,
                    lang=lang,
                    mode="refusal",  # type: ignore[arg-type]
                    passages=retrieval.passages,
                    timings_ms=timings,
                    search_query=query,
                )
            )
            return
        request = AnswerRequest(
            question=q,
            lang=lang,
            query=query,
            followup=followup,
            retrieval=retrieval,  # type: ignore[arg-type]
            sentence_vectors=self.sentence_vectors,
            idf=self.retriever.idf,
            conversation=tuple(conversation or ()),
            profile=profile,
            started=started,
        )
        yield from self.answerer_for(answerer).stream(request)

    def answerer_for(self, name: str | None = None) -> Answerer:
        """The answerer the settings choose, or the one named for this call."""
        if name == "extractive" or self.llm is None:
            return self.extractive
        return self.llm

    def sentence_vectors(self, passages: Sequence[Passage]) -> dict[str, np.ndarray]:
        """The stored E5 vectors of each passage's sentences (computed once, at ingest)."""
        counts = {p.chunk.chunk_id: int(p.chunk.meta.get("n_sentences", 0)) for p in passages}
        return self.store.sentence_vectors(list(counts), counts)

    def corpus_names(self) -> frozenset[str]:
        """Names that occur in the indexed corpus (the LLM verifier's name check), per index version."""
        chunks = self.retriever.chunks
        with self._names_lock:
            if self._names is None or self._names[0] is not chunks:
                self._names = (chunks, frozenset(corpus_entities(c.text for c in chunks)))
            return self._names[1]
