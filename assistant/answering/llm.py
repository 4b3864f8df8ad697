"""Generated answers from any OpenAI-compatible model, every sentence verified.

The :class:`~assistant.Assistant` builds an :class:`LLMAnswerer` when
``WEGWIJZER_LLM_BASE_URL`` is set; :meth:`LLMAnswerer.stream` gets an
:class:`~assistant.answering.protocol.AnswerRequest` once retrieval has found relevant passages
(the core refuses without calling the model when it has not). It:

1. gives the model the best passages as numbered, quoted data blocks (title, page or
   section) with a Dutch or English system prompt and an audience variant from
   ``prompts/``; sentences in a passage that try to instruct the model are removed first,
   and earlier turns are passed for follow-ups (:mod:`assistant.answering.llm_prompt`);
2. streams the completion and, as each sentence completes, verifies it against the
   passages it cites (:mod:`assistant.verify.verifier`); only kept sentences are yielded, with
   their citations renumbered to the passages actually cited;
3. on failure (endpoint down, slow, 429/5xx, malformed or empty output) retries once
   after a backoff, then answers extractively with a short note; a circuit breaker skips
   the endpoint for a while after repeated failures. If the model answered but no
   sentence survived verification, the extractive answer is given too (``mode='fallback'``).

``Answer.sentences`` lists every generated sentence with ``kept`` and, if dropped, the
reason; its ``citations`` are positions in ``Answer.passages`` (the passages given to the
model), while ``Answer.text`` and ``Answer.citations`` use the renumbered citations.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from assistant.answering.citations import citation, status_notes
from assistant.answering.contacts import contacts_for
from assistant.answering.extractive import ExtractiveAnswerer
from assistant.answering.llm_client import CircuitBreaker, LLMCallError, LLMClient
from assistant.answering.llm_prompt import CITE_MARK, Given, PromptBuilder
from assistant.answering.protocol import AnswerEvent, AnswerRequest, Delta, Final, SentenceVectors
from assistant.base.prompts import text
from assistant.base.settings import Settings
from assistant.base.text import fold
from assistant.base.types import Answer, Citation, Passage, Profile, SentenceCheck, Statement, Turn
from assistant.verify.evidence import Evidence
from assistant.verify.generated import generated_sentences, split_citations
from assistant.verify.verifier import Verifier

log = logging.getLogger("wegwijzer.llm")

# A generated sentence without citations that says the passages do not answer (reason "no_answer").
_NO_ANSWER = re.compile(
    r"staat niet in de|geven (?:hier )?geen antwoord|beantwoorden (?:de vraag )?niet|niet in de (?:passages|documenten)|"
    r"geen informatie|do not (?:say|answer|contain|mention)|does not (?:say|answer|contain|mention)|"
    r"don't (?:say|answer|contain|mention)|not in the (?:documents|passages)|no (?:answer|information)",
    re.I,
)
_YES_NO = re.compile(r"^\s*(?:ja|nee|yes|no)\b\s*[,:;!.–-]?\s*", re.I)


def _ends(sentence: str) -> bool:
    """Does a generated sentence end like a finished one (full stop, maybe after [n])?"""
    return bool(re.search(r"[.!?][\"”’)]*\s*$", CITE_MARK.sub("", sentence).strip()))


@dataclass
class _Run:
    """The state of one answer while it streams."""

    verifier: Verifier
    evidence: dict[int, Evidence]
    lang: str
    started: float
    timings: dict[str, float]
    verify_ms: float = 0.0
    checks: list[SentenceCheck] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    numbering: dict[int, int] = field(default_factory=dict)


class LLMAnswerer:
    """The generated-answer mode (see module doc).

    ``embed`` embeds a borderline sentence for verification; ``corpus_names`` gives the names
    that occur in the indexed corpus (for the English name check), cached by the caller per
    index version.
    """

    def __init__(
        self,
        settings: Settings,
        embed: Callable[[str], np.ndarray],
        corpus_names: Callable[[], frozenset[str]],
        client: LLMClient | None = None,
    ):
        self.settings = settings
        self.client = client or LLMClient(settings)
        self.embed = embed
        self.corpus_names = corpus_names
        self.fallback = ExtractiveAnswerer(settings)
        self.prompts = PromptBuilder(settings)
        self.texts = self.prompts.texts

    @property
    def breaker(self) -> CircuitBreaker:
        return self.client.breaker

    # --- prompt (see :mod:`assistant.answering.llm_prompt`) ------------------------------
    def prepare(
        self, passages: Sequence[Passage], qvec: np.ndarray | None, sentence_vectors: SentenceVectors
    ) -> list[Given]:
        """The passages as the model sees them (numbered 1..n) and as the verifier checks them."""
        return self.prompts.prepare(passages, qvec, sentence_vectors)

    def messages(
        self,
        question: str,
        lang: str,
        given: Sequence[Given],
        conversation: Sequence[Turn] | None,
        profile: Profile | None,
        followup: bool,
    ) -> list[Any]:
        """The chat messages for one question."""
        return self.prompts.messages(question, lang, given, conversation, profile, followup)

    # --- the answer ------------------------------------------------------------------------
    def stream(self, request: AnswerRequest) -> Iterator[AnswerEvent]:
        s = self.settings
        question, lang, retrieval, started = request.question, request.lang, request.retrieval, request.started
        timings: dict[str, float] = dict(retrieval.timings_ms)
        entities = self.corpus_names()  # cached per index version, not computed per answer
        t0 = time.perf_counter()
        given = self.prepare(retrieval.passages[: s.llm_passages], retrieval.query_vector, request.sentence_vectors)
        evidence = {g.n: g.evidence for g in given}
        verifier = Verifier(embed=self.embed, known_entities=entities)
        verify_ms = (time.perf_counter() - t0) * 1000  # evidence preparation counts as verification
        msgs = self.messages(question, lang, given, request.conversation, request.profile, request.followup)

        run = _Run(
            verifier=verifier, evidence=evidence, lang=lang, started=started, timings=timings, verify_ms=verify_ms
        )
        failure: LLMCallError | None = None
        completed = False
        llm_started = time.perf_counter()
        calls = 0
        for attempt in range(2):
            if not self.client.breaker.allow():
                failure = failure or LLMCallError("circuit_open", False, "endpoint skipped after repeated failures")
                break
            run.checks = []
            buffer, done = "", 0
            meta: dict[str, str] = {}
            calls += 1
            try:
                for piece in self.client.stream(msgs, time.monotonic() + s.llm_timeout, meta):
                    timings.setdefault("llm_first_token_ms", (time.perf_counter() - started) * 1000)
                    buffer += piece
                    sentences = generated_sentences(buffer, final=False)
                    for sentence in sentences[done:]:
                        yield from self._emit(sentence, run)
                    done = max(done, len(sentences))
                sentences = generated_sentences(buffer, final=True)
                for i, sentence in enumerate(sentences[done:], start=done):
                    if i == len(sentences) - 1 and meta.get("finish_reason") == "length" and not _ends(sentence):
                        plain, cited = split_citations(sentence)  # cut off by max_tokens: never shown
                        run.checks.append(SentenceCheck(plain, cited, False, "truncated"))
                        continue
                    yield from self._emit(sentence, run)
                self.client.breaker.success()
                completed, failure = True, None
                break
            except LLMCallError as exc:
                self.client.breaker.failure()
                failure = exc
                log.warning("LLM attempt %d failed (%s)", attempt + 1, exc.kind)
                if run.kept or not exc.retryable or attempt == 1:
                    break
                time.sleep(s.llm_retry_backoff)
        timings["llm_ms"] = (time.perf_counter() - llm_started) * 1000
        timings["verify_ms"] = run.verify_ms
        timings["llm_calls"] = float(calls)
        checks, kept, numbering = run.checks, run.kept, run.numbering

        if kept:
            yield from self._llm_answer(request, given, kept, numbering, checks, completed, timings)
            return
        if failure is not None:
            note = text("fallback_note", lang, prompts_dir=s.prompts_dir)
            timings["llm_failure"] = 1.0
            log.info("LLM fallback: %s", failure.kind)
        elif any(c.reason == "no_answer" for c in checks):
            note = self.texts("fallback_no_answer", lang)
        else:
            note = self.texts("fallback_unverified", lang)
        answer = self.fallback.compose(request)  # the same request: a follow-up keeps its searched query
        answer.mode = "fallback"
        answer.note = note
        answer.sentences = checks
        for line in answer.text.split("\n"):
            yield Delta(line + "\n")
        answer.timings_ms = timings | {"total_ms": (time.perf_counter() - started) * 1000}
        yield Final(answer)

    def _emit(self, sentence: str, run: _Run) -> Iterator[AnswerEvent]:
        """Verify one completed sentence; stream it if it is kept."""
        t0 = time.perf_counter()
        delta = self._check(sentence, run.verifier, run.evidence, run.lang, run.checks, run.kept, run.numbering)
        run.verify_ms += (time.perf_counter() - t0) * 1000
        if delta is not None:
            if len(run.kept) == 1:
                run.timings["first_sentence_ms"] = (time.perf_counter() - run.started) * 1000
            yield Delta(delta)

    def _check(
        self,
        sentence: str,
        verifier: Verifier,
        evidence: dict[int, Evidence],
        lang: str,
        checks: list[SentenceCheck],
        kept: list[str],
        numbering: dict[int, int],
    ) -> str | None:
        """Verify one completed sentence; returns the text to stream if it is kept."""
        plain, cited = split_citations(sentence)
        if not plain.strip(" .,;:!?-"):
            return None  # a stray citation marker or punctuation only
        # "Ja, ..." / "Nee, ...": an answer to the question, which no passage can confirm;
        # only the rest of the sentence is checked and shown
        bare = _YES_NO.sub("", plain)
        if bare != plain and bare.strip(" .,;:!?-"):
            plain = bare[:1].upper() + bare[1:]
            sentence = plain + "".join(f"[{n}]" for n in cited)
        verdict = verifier.check(sentence, evidence, lang)
        reason = verdict.reason
        if not verdict.kept and not cited and _NO_ANSWER.search(fold(plain)):
            reason = "no_answer"
        checks.append(SentenceCheck(text=plain, citations=cited, kept=verdict.kept, reason=reason))
        if not verdict.kept:
            return None
        for n in cited:
            numbering.setdefault(n, len(numbering) + 1)
        marks = "".join(f"[{numbering[n]}]" for n in cited)
        body, stop = (plain[:-1], plain[-1]) if plain[-1:] in ".!?" else (plain, ".")
        rendered = f"{body} {marks}{stop}"
        kept.append(rendered)
        return rendered if len(kept) == 1 else " " + rendered

    def _llm_answer(
        self,
        request: AnswerRequest,
        given: Sequence[Given],
        kept: list[str],
        numbering: dict[int, int],
        checks: list[SentenceCheck],
        completed: bool,
        timings: dict[str, float],
    ) -> Iterator[AnswerEvent]:
        lang = request.lang
        by_n = {g.n: g.passage for g in given}
        ordered = sorted(numbering.items(), key=lambda x: x[1])
        citations: list[Citation] = [citation(new, by_n[old]) for old, new in ordered]
        notes = status_notes(citations, [g.passage for g in given], lang, self.settings.prompts_dir)
        for line in notes:
            yield Delta("\n" + line)
        dropped = sum(1 for c in checks if not c.kept and c.reason != "no_answer")
        note_parts = []
        if not completed:
            note_parts.append(self.texts("incomplete", lang))
        if dropped:
            note_parts.append(self.texts("dropped", lang, n=dropped))
        timings["total_ms"] = (time.perf_counter() - request.started) * 1000
        statements = [
            Statement(c.text if c.text[-1:] in ".!?" else c.text + ".", [numbering[n] for n in c.citations])
            for c in checks
            if c.kept
        ]
        yield Final(
            Answer(
                question=request.question,
                text="\n".join([" ".join(kept), *notes]),
                citations=citations,
                abstained=False,
                lang=lang,
                mode="llm",
                passages=[g.passage for g in given],
                timings_ms=timings,
                sentences=checks,
                note=" ".join(note_parts) or None,
                search_query=request.query,
                lead=statements[:1],
                points=statements[1:],
                notices=notes,
                contacts=contacts_for(citations, [g.passage for g in given], self.settings),
            )
        )
