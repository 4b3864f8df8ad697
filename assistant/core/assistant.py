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

from assistant.answering.contacts import programme_contact
from assistant.answering.extractive import ExtractiveAnswerer
from assistant.answering.protocol import Answerer, AnswerEvent, AnswerRequest, Delta, Final, final_answer
from assistant.base.errors import DataDirError, IndexNotReadyError, QuestionError
from assistant.base.prompts import text
from assistant.base.regions import PROVINCES, find_regions, normalize_region
from assistant.base.scope import deceives_authority, foreign_jurisdiction
from assistant.base.settings import Settings, get_settings
from assistant.base.text import content_tokens, detect_language, fold
from assistant.base.types import Answer, Lang, Passage, Profile, Retrieval, Statement, Turn
from assistant.core.conversation import TOPICS, bare_question, clarify_choices, is_followup, is_new_topic, topic_of
from assistant.core.embedder import E5Embeddings, Embedder
from assistant.core.retrieval import HybridRetriever
from assistant.core.store import ChromaStore, VectorStore
from assistant.verify.verifier import corpus_entities

log = logging.getLogger("wegwijzer.core")


_EMPLOYER_SUBJECT = re.compile(
    r"\b(mijn|onze|de|je|my|our|the) (baas|werkgever|employer|boss|company|bedrijf)\b.{0,60}"
    r"\b(subsidie|vergoeding|bijdrage|krijgen|krijgt|aanvragen|vraagt|subsidy|funding|get|gets|apply|claim)\b",
    re.I,
)


def asks_for_the_employer(question: str) -> bool:
    """Does the question ask what the asker's employer can get ("mijn baas zegt dat hij
    subsidie kan krijgen …")? Then the employer's pages answer it, whoever asks."""
    return bool(_EMPLOYER_SUBJECT.search(question))


class Assistant:
    """Answers questions about the HCA ICT programme documents, with citations."""

    def __init__(
        self,
        settings: Settings | None = None,
        embedder: Embedder | None = None,
        store: VectorStore | None = None,
        retriever_mode: str = "hybrid",
    ):
        self.settings = settings or get_settings()
        DataDirError.check(self.settings.data_dir)  # one clear line, not an sqlite error, when unusable
        self.embedder = embedder or E5Embeddings(
            self.settings.embed_cache_path, self.settings.embed_batch, concurrency=self.settings.embed_threads
        )
        self.store = store or ChromaStore(self.settings, self.embedder)
        self.retriever = HybridRetriever(self.store, self.embedder, self.settings, mode=retriever_mode)
        self.retriever.load_exemplars(self.settings.calibration_file)
        self._names: tuple[list[Any], frozenset[str]] | None = None
        self._names_lock = threading.Lock()
        self.extractive = ExtractiveAnswerer(self.settings)
        self._prepared = False  # see prepare(): a one-off CLI question does not pay for it
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

    def prepare(self) -> None:
        """Get the index's chunks ready for answering (their sentences split and read), so a
        long-running service's first questions are as fast as later ones; after this every
        reload prepares the new generation too (only its new texts cost anything)."""
        self._prepared = True
        self.extractive.prepare(self.retriever.chunks)

    def reload(self) -> None:
        """Switch answers to what the store holds now (after an ingest), atomically: answers
        under way finish on the generation they started with."""
        self.retriever.reload()
        if self._prepared:
            self.extractive.prepare(self.retriever.chunks)

    @property
    def generation(self) -> int:
        """The index generation new answers read."""
        return self.retriever.generation

    def follow(self) -> bool:
        """Move to the live generation if another process switched it (a shared Chroma server,
        several service processes); True when answers moved. Cheap when nothing changed: one
        read of the generation pointer."""
        self.store.refresh()
        if self.store.generation == self.retriever.generation:
            return False
        self.reload()
        return True

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
        lang: str | None = None,
        retriever: HybridRetriever | None = None,
    ) -> tuple[Retrieval, str, bool]:
        """Search for ``question`` in the light of the conversation and profile.

        Returns the retrieval, the query that was searched, and whether it was treated
        as a follow-up. ``lang`` prefers documents in that language (English editions for
        English questions). Public so the eval runner measures exactly what answers use.
        ``retriever`` is the (pinned) one to search; default the current one.
        """
        retriever = retriever or self.retriever
        if not self.ready:
            raise IndexNotReadyError("no documents are indexed yet: run `wegwijzer ingest`")
        k = k or self.settings.top_k
        profile = profile or Profile()
        previous = [t.question for t in (conversation or []) if t.question][-2:]
        own_regions = find_regions(question, fuzzy=True)
        regions = list(own_regions)
        new_topic = is_new_topic(question, retriever.df)
        followup = bool(previous) and is_followup(question) and not new_topic
        if followup and not regions:
            for prev in reversed(previous):
                regions = find_regions(prev)
                if regions:
                    break
        if not regions and profile.region:
            region = normalize_region(profile.region)
            regions = [region] if region else []
        query = (
            f"{topic_of(previous[-1], retriever.idf_for(lang), subjects=retriever.title_words)} {question}"
            if followup
            else question
        )
        named = [PROVINCES[r] for r in own_regions if fold(PROVINCES[r]) not in fold(question)]
        if named:  # "Twente", "Almere", "utreht": search with the province's own name too
            query = f"{query} ({', '.join(named)})"
        audience = None if asks_for_the_employer(question) else profile.audience
        result = retriever.search(query, k, regions, lang, audience)
        if previous and not followup and not new_topic and result.relevance < self.settings.abstain_threshold:
            combined = retriever.search(f"{previous[-1]} {question}", k, regions, lang, audience)
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
        lang: Lang = "en" if detect_language(question or "", default=profile.lang or "nl") == "en" else "nl"
        if not conversation and bare_question(question or ""):  # "hoeveel?", "how?"
            yield from self._clarify(question.strip(), lang, started, TOPICS[lang])
            return
        q = self.check_question(question, lang)
        retriever = self.retriever.pinned()  # this answer reads one generation, whatever reloads meanwhile
        retrieval, query, followup = self.retrieve(q, conversation, profile, lang=lang, retriever=retriever)
        reason = self.refusal_reason(q, retrieval)
        if reason:
            refusal = text(reason, lang, self.settings.prompts_dir)
            yield Delta(refusal)
            timings = dict(retrieval.timings_ms) | {"total_ms": (time.perf_counter() - started) * 1000}
            yield Final(
                Answer(
                    generation=retriever.generation,
                    question=q,
                    text=refusal,
                    citations=[],
                    abstained=True,
                    lang=lang,
                    mode="refusal",
                    passages=retrieval.passages,
                    timings_ms=timings,
                    search_query=query,
                    lead=[Statement(refusal)],
                    contacts=[c for c in [programme_contact(self.settings)] if c],
                )
            )
            return
        choices = None if followup else clarify_choices(q, retrieval, retriever.idf_for(lang))
        if choices:
            yield from self._clarify(q, lang, started, choices, retrieval)
            return
        request = AnswerRequest(
            question=q,
            lang=lang,
            query=query,
            followup=followup,
            retrieval=retrieval,
            sentence_vectors=retriever.sentence_vectors,
            idf=retriever.idf_for(lang),
            conversation=tuple(conversation or ()),
            context=self.with_sections(retrieval.passages[: self.settings.top_k], retriever=retriever),
            is_boilerplate=retriever.is_boilerplate,
            profile=profile,
            started=started,
        )
        for event in self.answerer_for(answerer).stream(request):
            if isinstance(event, Final):
                event.answer.generation = retriever.generation
            yield event

    def _clarify(
        self, question: str, lang: Lang, started: float, choices: list[str], retrieval: Retrieval | None = None
    ) -> Iterator[AnswerEvent]:
        """One short question back, with the choices as buttons (widget, Telegram)."""
        ask = text("clarify", lang, self.settings.prompts_dir)
        yield Delta(ask)
        yield Final(
            Answer(
                question=question,
                text="\n".join([ask, *(f"- {c}" for c in choices)]),
                citations=[],
                abstained=False,
                lang=lang,
                mode="clarify",
                passages=retrieval.passages if retrieval else [],
                timings_ms={"total_ms": (time.perf_counter() - started) * 1000},
                lead=[Statement(ask)],
                choices=choices,
            )
        )

    def refusal_reason(self, question: str, retrieval: Retrieval) -> str | None:
        """The text key of the refusal this question gets, or None when it is answered."""
        if deceives_authority(question):
            return "refusal_deceive"
        if foreign_jurisdiction(question):
            return "refusal_foreign"
        if retrieval.relevance < self.settings.abstain_threshold or not retrieval.passages:
            return "refusal"
        return None

    def answerer_for(self, name: str | None = None) -> Answerer:
        """The answerer the settings choose, or the one named for this call."""
        if name == "extractive" or self.llm is None:
            return self.extractive
        return self.llm

    def with_sections(
        self, passages: Sequence[Passage], limit: int = 3, retriever: HybridRetriever | None = None
    ) -> list[Passage]:
        """``passages``, each followed by the other chunks of its section (up to ``limit`` in all):
        a long section is split at ingest, and the amounts may sit in the half not retrieved."""
        seen = {p.chunk.chunk_id for p in passages}
        out: list[Passage] = []
        added = 0
        for p in passages:
            out.append(p)
            for chunk in (retriever or self.retriever).section_of(p.chunk):
                if chunk.chunk_id in seen or added >= limit:
                    continue
                seen.add(chunk.chunk_id)
                added += 1
                out.append(Passage(chunk, score=p.score - 0.01, rank=p.rank, dense=p.dense, lexical=p.lexical))
        return out

    def corpus_names(self) -> frozenset[str]:
        """Names that occur in the indexed corpus (the LLM verifier's name check), per index version."""
        chunks = self.retriever.chunks
        with self._names_lock:
            if self._names is None or self._names[0] is not chunks:
                self._names = (chunks, frozenset(corpus_entities(c.text for c in chunks)))
            return self._names[1]
