"""What the language model sees: the passages as numbered, quoted data blocks, and the chat.

:class:`PromptBuilder` prepares each retrieved passage once (cached per chunk): sentences
that try to instruct the model are removed, optionally only the sentences closest to the
question are kept, and the verifier's :class:`~assistant.verify.evidence.Evidence` is built
from the same sanitised text. :meth:`PromptBuilder.messages` assembles the system prompt
(``prompts/llm_system_{lang}.md`` plus an audience variant from ``prompts/llm.yaml``), one
made-up example exchange, earlier turns for a follow-up, and the question with its passages
(``prompts/llm_user_{lang}.md``).
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from assistant.answering.protocol import SentenceVectors
from assistant.base.prompts import fill, load_prompt, texts
from assistant.base.settings import Settings
from assistant.base.text import chunk_sentences, is_injection, split_sentences
from assistant.base.types import Chunk, Passage, Profile, Turn
from assistant.verify.evidence import Evidence

CITE_MARK = re.compile(r"\[\s*\d+(?:\s*[,;]\s*\d+)*\s*\]")
CACHE_SIZE = 2048  # prepared passages kept (chunk ids change whenever their text does)


@dataclass
class Given:
    """One passage as handed to the model and to the verifier."""

    n: int
    passage: Passage
    prompt_text: str  # what the model sees (sanitised; maybe only the best sentences)
    evidence: Evidence


@dataclass
class _Prepared:
    text: str
    sentences: list[str]
    vectors: np.ndarray | None
    clean_idx: list[int]
    sanitised: str
    evidence: Evidence


def sanitise(text: str) -> str:
    """The passage without sentences that try to instruct the model; layout kept."""
    out_lines = []
    for line in text.split("\n"):
        head = re.match(r"^\s*(?:[-*•]\s*)?", line).group(0)  # type: ignore[union-attr]
        sentences = split_sentences(line[len(head) :])
        kept = [s for s in sentences if not is_injection(s)]
        if sentences and not kept:
            continue
        out_lines.append(head + " ".join(kept) if kept else line)
    return "\n".join(out_lines).strip()


def history_answer(answer: str, limit: int = 500) -> str:
    """An earlier answer as context for a follow-up: without its old [n] markers, shortened."""
    body = CITE_MARK.sub("", answer)
    body = re.sub(r"\s+", " ", body).strip()
    body = re.sub(r"\s+([.,;:!?])", r"\1", body)
    return body if len(body) <= limit else body[:limit].rsplit(" ", 1)[0] + " …"


def _no_delimiters(text: str) -> str:
    """A question cannot fake the prompt's delimiters."""
    return text.replace("<<<", "").replace(">>>", "")


class PromptBuilder:
    """Prepared passages (cached) and the chat messages of one question."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.texts = texts("llm.yaml", settings.prompts_dir)
        self._prepared: OrderedDict[str, _Prepared] = OrderedDict()
        self._lock = threading.Lock()

    def _passage(self, chunk: Chunk, vecs: np.ndarray | None) -> _Prepared:
        """Sanitised text, sentences, vectors and verifier evidence of one chunk (cached)."""
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
        sanitised = sanitise(chunk.text)
        lang = str(chunk.meta.get("language", "nl"))
        ev = Evidence.build(0, sanitised, chunk.title, chunk.section, clean_vecs, lang=lang)
        prepared = _Prepared(chunk.text, sents, vecs, clean_idx, sanitised, ev)
        with self._lock:
            self._prepared[key] = prepared
            while len(self._prepared) > CACHE_SIZE:
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
        """System prompt, the example exchange, earlier turns (follow-ups), then the question."""
        from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

        s, t = self.settings, self.texts
        system = load_prompt(f"llm_system_{lang}.md", s.prompts_dir).strip()
        if profile and profile.audience:
            system += " " + t(f"audience.{profile.audience}", lang)
        blocks = []
        for g in given:
            chunk = g.passage.chunk
            where = ""
            if chunk.page is not None:
                where = " — " + t("page", lang, page=chunk.page)
            elif chunk.section:
                where = " — " + t("section", lang, section=chunk.section.replace('"', "'"))
            header = t("passage_header", lang, n=g.n, title=chunk.title, where=where)
            body = re.sub(r"\s*\n\s*", " ", g.prompt_text).replace('"', "'")
            blocks.append(f'{header}\n"{body}"')
        template = load_prompt(f"llm_user_{lang}.md", s.prompts_dir)
        user = fill(template, passages="\n\n".join(blocks), question=_no_delimiters(question).strip()).strip()
        example = fill(template, passages=t("example_passages", lang), question=t("example_question", lang)).strip()
        msgs: list[Any] = [SystemMessage(system), HumanMessage(example), AIMessage(t("example_answer", lang))]
        if followup and conversation:
            for turn in list(conversation)[-s.llm_history_turns :]:
                if turn.question:
                    msgs.append(HumanMessage(_no_delimiters(turn.question)))
                    if turn.answer:
                        msgs.append(AIMessage(history_answer(turn.answer)))
        msgs.append(HumanMessage(user))
        return msgs
