"""The answerer seam: a typed request in, typed events out.

An answerer is a strategy (as a model in simonw/llm or paper-qa's LLM layer): it gets all it
needs as arguments — the checked question, what was searched, the retrieval, the conversation
and two read-only lookups — and never reaches back into the :class:`~assistant.Assistant`,
the store or the retriever. The caller owns the loop; the answerer yields :class:`Delta`
pieces of checked text as they are ready, then exactly one :class:`Final`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from assistant.base.types import Answer, Lang, Passage, Profile, Retrieval, Turn

SentenceVectors = Callable[[Sequence[Passage]], dict[str, np.ndarray]]


@dataclass(frozen=True)
class AnswerRequest:
    """One question, ready to be answered: retrieval has found relevant passages."""

    question: str  # the user's question, checked (not empty, not too long)
    lang: Lang  # the language to answer in
    query: str  # what was searched: for a follow-up, the earlier question with this one
    followup: bool
    retrieval: Retrieval
    sentence_vectors: SentenceVectors  # E5 vectors of each passage's stored sentences
    idf: Callable[[str], float]  # inverse document frequency of a stemmed token
    conversation: Sequence[Turn] = ()
    # what an extractive answer may quote: the best passages, each followed by the rest of its
    # section when the section was split into several chunks (empty: retrieval.passages)
    context: Sequence[Passage] = ()
    is_boilerplate: Callable[[str], bool] = lambda sentence: False  # template text found in many documents
    profile: Profile = field(default_factory=Profile)
    started: float = 0.0  # perf_counter() when the question arrived, for timings


@dataclass(frozen=True)
class Delta:
    """A piece of checked answer text, ready to show."""

    text: str


@dataclass(frozen=True)
class Final:
    """The complete answer; always the last event."""

    answer: Answer


AnswerEvent = Delta | Final


class Answerer(Protocol):
    """Turns an :class:`AnswerRequest` into a cited answer."""

    def stream(self, request: AnswerRequest) -> Iterator[AnswerEvent]:
        """Yield :class:`Delta` pieces, then one :class:`Final`."""
        ...


def final_answer(events: Iterator[AnswerEvent]) -> Answer:
    """Run a stream to its end and return the answer (for callers that do not stream)."""
    answer: Answer | None = None
    for event in events:
        if isinstance(event, Final):
            answer = event.answer
    if answer is None:
        raise RuntimeError("answerer ended without a Final event")
    return answer
