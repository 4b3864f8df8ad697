"""Plain data passed between the stages of Wegwijzer and returned to the channels.

The core returns these objects; each channel decides how to show them (HTML for
Telegram, JSON/SSE for the web, rich text in the terminal).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

Lang = Literal["nl", "en"]
Audience = Literal["career_switcher", "employer", "staff"]


@dataclass
class Document:
    """A loaded source document: text per page (one page for non-PDF files) plus metadata."""

    doc_id: str
    title: str
    path: str
    pages: list[str]
    meta: dict[str, Any] = field(default_factory=dict)
    is_pdf: bool = False


@dataclass
class Chunk:
    """A piece of a document small enough to embed, with what a citation needs."""

    chunk_id: str
    doc_id: str
    text: str
    title: str
    page: int | None = None
    section: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def indexed_text(self) -> str:
        """What is embedded and BM25-indexed: title and section give a chunk its context."""
        head = self.title if not self.section else f"{self.title} — {self.section}"
        return f"{head}\n{self.text}"


@dataclass
class Passage:
    """A retrieved chunk with its scores for one question."""

    chunk: Chunk
    score: float
    rank: int = 0
    dense: float = 0.0
    lexical: float = 0.0

    @property
    def text(self) -> str:
        return self.chunk.text


@dataclass
class Retrieval:
    """What one search found: ranked passages, the calibrated relevance of the best one
    (the answer/refuse decision), and the question's vector and tokens, computed once."""

    passages: list[Passage]
    relevance: float
    query_vector: np.ndarray
    query_tokens: list[str]
    regions: list[str] = field(default_factory=list)
    timings_ms: dict[str, float] = field(default_factory=dict)
    features: dict[str, float] = field(default_factory=dict)


@dataclass
class Citation:
    """One numbered source of an answer."""

    n: int
    doc_id: str
    title: str
    page: int | None
    section: str | None
    passage: str
    score: float
    source_url: str | None = None
    language: str = "nl"
    status: str | None = None
    valid_as_of: str | None = None

    @property
    def location(self) -> str:
        """'p. 16' for PDFs, else the section heading (or '')."""
        if self.page is not None:
            return f"p. {self.page}"
        return self.section or ""

    def to_dict(self) -> dict[str, Any]:
        """``asdict(self)`` with ``location`` (as :meth:`Answer.to_dict` shows a citation)."""
        return {
            "n": self.n,
            "doc_id": self.doc_id,
            "title": self.title,
            "page": self.page,
            "section": self.section,
            "passage": self.passage,
            "score": self.score,
            "source_url": self.source_url,
            "language": self.language,
            "status": self.status,
            "valid_as_of": self.valid_as_of,
            "location": self.location,
        }


@dataclass
class SentenceCheck:
    """How one generated sentence fared in verification (LLM mode)."""

    text: str
    citations: list[int]
    kept: bool
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """``asdict(self)``, without its deep copy."""
        return {"text": self.text, "citations": list(self.citations), "kept": self.kept, "reason": self.reason}


@dataclass
class Statement:
    """One unit of an answer (a quoted sentence, a list with its intro, a verified generated
    sentence) with the numbers of the citations that support it."""

    text: str
    citations: list[int] = field(default_factory=list)
    items: list[str] = field(default_factory=list)  # list items under ``text`` (its intro)

    def to_dict(self) -> dict[str, Any]:
        """``asdict(self)``, without its deep copy."""
        return {"text": self.text, "citations": list(self.citations), "items": list(self.items)}


@dataclass
class Contact:
    """Where a person can go on: the body that decides (DUO, UWV, IND …) or the programme."""

    name: str
    url: str | None = None
    email: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """``asdict(self)``, without its deep copy."""
        return {"name": self.name, "url": self.url, "email": self.email}


@dataclass
class Answer:
    """What every channel gets back from :meth:`assistant.Assistant.answer`.

    The answer is data: ``lead`` answers the question (what a phone shows first), ``points``
    support it, ``notices`` say what to check (an ended or planned scheme, the peildatum, the
    body to check with). Each channel renders these its own way; ``text`` is the same answer as
    plain text with ``[n]`` markers, for logs, history and the evaluation.
    """

    question: str
    text: str
    citations: list[Citation]
    abstained: bool
    lang: Lang
    mode: Literal["extractive", "llm", "fallback", "refusal", "clarify"] = "extractive"
    passages: list[Passage] = field(default_factory=list)
    timings_ms: dict[str, float] = field(default_factory=dict)
    sentences: list[SentenceCheck] = field(default_factory=list)
    note: str | None = None
    search_query: str | None = None
    lead: list[Statement] = field(default_factory=list)
    points: list[Statement] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    choices: list[str] = field(default_factory=list)  # mode "clarify": 2-4 questions to pick from
    contacts: list[Contact] = field(default_factory=list)  # who to ask when this is not enough
    generation: int | None = None  # the index generation the answer read (None: none was read)

    def to_dict(self, with_passages: bool = False) -> dict[str, Any]:
        """JSON-ready form, shared by the CLI, the web API and the eval runner (the same as
        ``dataclasses.asdict`` of each part, made field by field: asdict deep-copies every
        value, which cost more than the rest of the web layer's serialisation)."""
        data: dict[str, Any] = {
            "question": self.question,
            "answer": self.text,
            "abstained": self.abstained,
            "lang": self.lang,
            "mode": self.mode,
            "note": self.note,
            "lead": [st.to_dict() for st in self.lead],
            "points": [st.to_dict() for st in self.points],
            "notices": list(self.notices),
            "choices": list(self.choices),
            "contacts": [c.to_dict() for c in self.contacts],
            "citations": [c.to_dict() for c in self.citations],
            "sentences": [s.to_dict() for s in self.sentences],
            "timings_ms": {k: round(v, 2) for k, v in self.timings_ms.items()},
            "index_generation": self.generation,
        }
        if with_passages:
            data["passages"] = [
                {
                    "rank": p.rank,
                    "doc_id": p.chunk.doc_id,
                    "title": p.chunk.title,
                    "page": p.chunk.page,
                    "section": p.chunk.section,
                    "text": p.chunk.text,
                    "score": round(p.score, 4),
                }
                for p in self.passages
            ]
        return data


@dataclass
class Turn:
    """One earlier exchange in a conversation."""

    question: str
    answer: str = ""


@dataclass
class Profile:
    """Who is asking: steers language, tone and region preference."""

    audience: Audience | None = None
    region: str | None = None
    lang: Lang | None = None
