"""Generated answers from any OpenAI-compatible model, every sentence verified.

The :class:`~assistant.Assistant` builds an :class:`LLMAnswerer` when
``WEGWIJZER_LLM_BASE_URL`` is set; :meth:`LLMAnswerer.stream` gets an
:class:`~assistant.answering.protocol.AnswerRequest` once retrieval has found relevant passages
(the core refuses without calling the model when it has not). It:

1. gives the model the best passages as numbered, quoted data blocks (title, page or
   section) with a Dutch or English system prompt and an audience variant from
   ``prompts/``; sentences in a passage that try to instruct the model are removed first,
   and earlier turns are passed for follow-ups;
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
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from assistant.answering.citations import citation, status_notes
from assistant.answering.extractive import ExtractiveAnswerer
from assistant.answering.llm_client import LLMCallError, LLMClient
from assistant.answering.protocol import AnswerEvent, AnswerRequest, Delta, Final, SentenceVectors
from assistant.base.prompts import fill, load_prompt, text
from assistant.base.settings import Settings
from assistant.base.text import chunk_sentences, fold, is_injection, split_sentences
from assistant.base.types import Answer, Chunk, Citation, Passage, Profile, SentenceCheck, Turn
from assistant.verify.verifier import Evidence, Verifier, generated_sentences, split_citations

log = logging.getLogger("wegwijzer.llm")

# Sentences in a document that try to instruct the model. They are data, never instructions:
# they are removed from what the model sees and from what verification accepts as support.
_NO_ANSWER = re.compile(
    r"staat niet in de|geven (?:hier )?geen antwoord|beantwoorden (?:de vraag )?niet|niet in de (?:passages|documenten)|"
    r"geen informatie|do not (?:say|answer|contain|mention)|does not (?:say|answer|contain|mention)|"
    r"don't (?:say|answer|contain|mention)|not in the (?:documents|passages)|no (?:answer|information)",
    re.I,
)
_YES_NO = re.compile(r"^\s*(?:ja|nee|yes|no)\b\s*[,:;!.–-]?\s*", re.I)
_CITE_MARK = re.compile(r"\[\s*\d+(?:\s*[,;]\s*\d+)*\s*\]")


@lru_cache
def _llm_texts(path: Path) -> dict[str, dict[str, Any]]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def llm_text(settings: Settings, key: str, lang: str, **values: object) -> str:
    table = _llm_texts(settings.prompts_dir / "llm.yaml")
    entry = table.get(lang, table["nl"])
    for part in key.split("."):
        entry = entry[part]
    return fill(str(entry), **values)


def _ends(sentence: str) -> bool:
    """Does a generated sentence end like a finished one (full stop, maybe after [n])?"""
    return bool(re.search(r"[.!?][\"”’)]*\s*$", _CITE_MARK.sub("", sentence).strip()))


@dataclass
class Given:
    """One passage as handed to the model and to the verifier."""

    n: int
    passage: Passage
    prompt_text: str  # what the model sees (sanitised; maybe only the best sentences)
    evidence: Evidence


def _sanitise(text_: str) -> str:
    """The passage without sentences that try to instruct the model; layout kept."""
    out_lines = []
    for line in text_.split("\n"):
        head = re.match(r"^\s*(?:[-*•]\s*)?", line).group(0)  # type: ignore[union-attr]
        sentences = split_sentences(line[len(head) :])
        kept = [s for s in sentences if not is_injection(s)]
        if sentences and not kept:
            continue
        out_lines.append(head + " ".join(kept) if kept else line)
    return "\n".join(out_lines).strip()


def _history_answer(answer: str, limit: int = 500) -> str:
    body = _CITE_MARK.sub("", answer)
    body = re.sub(r"\s+", " ", body).strip()
    body = re.sub(r"\s+([.,;:!?])", r"\1", body)
    return body if len(body) <= limit else body[:limit].rsplit(" ", 1)[0] + " …"


@dataclass
class _Prepared:
    text: str
    sentences: list[str]
    vectors: np.ndarray | None
    clean_idx: list[int]
    sanitised: str
    evidence: Evidence


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
        self._prepared: OrderedDict[str, _Prepared] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def breaker(self):
        return self.client.breaker

    # --- prompt ------------------------------------------------------------------------
    def _passage(self, chunk: Chunk, vecs: np.ndarray | None) -> _Prepared:
        """Sanitised text, sentences, vectors and verifier evidence of one chunk (cached:
        chunk ids change whenever their text does)."""
        key = chunk.chunk_id
        with self._lock:
            hit = self._prepared.get(key)
            if hit is not None and hit.text == chunk.text:
                self._prepared.move_to_end(key)
                return hit
        sents = chunk_sentences(chunk.text)
        if vecs is not None and len(vecs) != len(sents):
            vecs = None  # index and text out of step: verify on words alone
        clean_idx = [i for i, s in enumerate(sents) if not is_injection(s)]
        clean_vecs = vecs[clean_idx] if vecs is not None and clean_idx else None
        sanitised = _sanitise(chunk.text)
        lang = str(chunk.meta.get("language", "nl"))
        ev = Evidence.build(0, sanitised, chunk.title, chunk.section, clean_vecs, lang=lang)
        prepared = _Prepared(chunk.text, sents, vecs, clean_idx, sanitised, ev)
        with self._lock:
            self._prepared[key] = prepared
            while len(self._prepared) > 2048:
                self._prepared.popitem(last=False)
        return prepared

    def prepare(
        self, passages: Sequence[Passage], qvec: np.ndarray | None, sentence_vectors: SentenceVectors
    ) -> list[Given]:
        """The passages as the model sees them (numbered 1..n) and as the verifier checks them."""
        with self._lock:
            missing = [p for p in passages if p.chunk.chunk_id not in self._prepared]
        vectors = sentence_vectors(missing) if missing else {}
        limit = self.settings.llm_passage_sentences
        given: list[Given] = []
        for n, p in enumerate(passages, start=1):
            prep = self._passage(p.chunk, vectors.get(p.chunk.chunk_id))
            prompt_text = prep.sanitised
            if limit and len(prep.clean_idx) > limit and prep.vectors is not None and qvec is not None:
                vecs = prep.vectors
                ranked = sorted(prep.clean_idx, key=lambda i: -float(vecs[i] @ qvec))[:limit]
                prompt_text = " ".join(prep.sentences[i] for i in sorted(ranked))
            given.append(Given(n, p, prompt_text, replace(prep.evidence, n=n)))
        return given

    def messages(
        self,
        question: str,
        lang: str,
        given: Sequence[Given],
        conversation: Sequence[Turn] | None,
        profile: Profile | None,
        followup: bool,
    ) -> list[Any]:
        from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

        s = self.settings
        system = load_prompt(f"llm_system_{lang}.md", s.prompts_dir).strip()
        if profile and profile.audience:
            system += " " + llm_text(s, f"audience.{profile.audience}", lang)
        blocks = []
        for g in given:
            chunk = g.passage.chunk
            where = ""
            if chunk.page is not None:
                where = " — " + llm_text(s, "page", lang, page=chunk.page)
            elif chunk.section:
                where = " — " + llm_text(s, "section", lang, section=chunk.section.replace('"', "'"))
            header = llm_text(s, "passage_header", lang, n=g.n, title=chunk.title, where=where)
            body = re.sub(r"\s*\n\s*", " ", g.prompt_text).replace('"', "'")
            blocks.append(f'{header}\n"{body}"')
        q = question.replace("<<<", "").replace(">>>", "").strip()
        template = load_prompt(f"llm_user_{lang}.md", s.prompts_dir)
        user = fill(template, passages="\n\n".join(blocks), question=q).strip()
        example = fill(
            template, passages=llm_text(s, "example_passages", lang), question=llm_text(s, "example_question", lang)
        ).strip()
        msgs: list[Any] = [SystemMessage(system), HumanMessage(example), AIMessage(llm_text(s, "example_answer", lang))]
        if followup and conversation:
            for turn in list(conversation)[-s.llm_history_turns :]:
                if turn.question:
                    msgs.append(HumanMessage(turn.question.replace("<<<", "").replace(">>>", "")))
                    if turn.answer:
                        msgs.append(AIMessage(_history_answer(turn.answer)))
        msgs.append(HumanMessage(user))
        return msgs

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
            note = llm_text(s, "fallback_no_answer", lang)
        else:
            note = llm_text(s, "fallback_unverified", lang)
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
            note_parts.append(llm_text(self.settings, "incomplete", lang))
        if dropped:
            note_parts.append(llm_text(self.settings, "dropped", lang, n=dropped))
        timings["total_ms"] = (time.perf_counter() - request.started) * 1000
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
            )
        )
