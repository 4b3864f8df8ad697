"""Request and response models of the web API (they drive the OpenAPI docs at /docs)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from assistant.base.types import Answer, Citation, Statement

Lang = Literal["nl", "en"]
Audience = Literal["career_switcher", "employer", "staff"]

CONVERSATION_ID = r"^[A-Za-z0-9_-]{8,64}$"


class ChatRequest(BaseModel):
    """One question, optionally continuing an earlier conversation."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "message": "Welke subsidie krijg ik als werkgever om personeel om te scholen naar ICT?",
                    "lang": "nl",
                    "audience": "employer",
                },
                {
                    "message": "And in Limburg?",
                    "conversation_id": "3f0c6a1e9b2d4c7f8a5e1d2c3b4a5f6e",
                    "lang": "en",
                    "audience": "employer",
                    "region": "limburg",
                },
            ]
        },
    )

    message: str = Field(
        ...,
        min_length=1,
        max_length=20_000,
        description="The question, in Dutch or English. Longer than the configured limit "
        "(WEGWIJZER_MAX_QUESTION_CHARS, default 1000) is refused with a 422 and a clear message.",
    )
    conversation_id: str | None = Field(
        None,
        pattern=CONVERSATION_ID,
        description="Id from an earlier answer; follow-up questions then use the earlier turns. "
        "An unknown or expired id starts a new conversation (the answer carries the new id).",
    )
    lang: Lang | None = Field(
        None, description="Language of the asker's interface (answers follow the question's language)."
    )
    audience: Audience | None = Field(None, description="Who is asking; steers the wording of suggestions and tone.")
    region: str | None = Field(None, max_length=40, description="Province to prefer, e.g. `friesland`.")


class CitationPublic(BaseModel):
    """One numbered source: the passage the answer quotes, and where it comes from."""

    n: int = Field(description="The number used as [n] in the answer text.")
    doc_id: str
    title: str
    page: int | None = None
    section: str | None = None
    location: str = Field("", description="'p. 16' for PDFs, else the section heading.")
    passage: str = Field(description="The full passage, plain text.")
    source_url: str | None = None
    language: str = "nl"
    status: str | None = Field(None, description="active | ended | planned | unknown, for schemes.")
    valid_as_of: str | None = None


class StatementPublic(BaseModel):
    """One unit of an answer: a sentence (or a list intro with its items) and its sources."""

    text: str = Field(description="Plain text, without citation markers.")
    citations: list[int] = Field(default_factory=list, description="Numbers of the citations that support it.")
    items: list[str] = Field(default_factory=list, description="List items under `text` (its intro), in order.")


class ContactPublic(BaseModel):
    """Where a person can go on: the body behind a cited document (DUO, UWV, IND, RVO, a
    province) with its official page, or the programme's own contact."""

    name: str
    url: str | None = None
    email: str | None = None


class ChatPublic(BaseModel):
    """A cited answer (or a refusal, ``abstained: true``, or a clarifying question, ``mode: clarify``).

    Show ``lead`` first (it answers the question), then ``points``, then ``notices`` (what
    to check: an ended scheme, the peildatum, the body to ask); each statement names its
    citations. ``answer`` is the same answer as plain text with ``[n]`` markers. Label it as an
    automated answer. Offer ``contacts`` (under a refusal always; under an answer on request);
    with ``mode: clarify`` show ``choices`` as buttons and send the one picked as the next
    question of the same conversation.
    """

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "answer_id": "9d1c0b2a7e5f4c3b8a6d2e1f0c9b8a7d",
                    "conversation_id": "3f0c6a1e9b2d4c7f8a5e1d2c3b4a5f6e",
                    "answer": "De SLIM-scholingssubsidie is een tijdelijke subsidie voor werkgevers. [1]\n"
                    "Bedragen en voorwaarden: peildatum maart 2025, controleer bij UWV.",
                    "abstained": False,
                    "lang": "nl",
                    "mode": "extractive",
                    "note": None,
                    "lead": [
                        {
                            "text": "De SLIM-scholingssubsidie is een tijdelijke subsidie voor werkgevers.",
                            "citations": [1],
                            "items": [],
                        }
                    ],
                    "points": [],
                    "notices": ["Bedragen en voorwaarden: peildatum maart 2025, controleer bij UWV."],
                    "citations": [
                        {
                            "n": 1,
                            "doc_id": "regelingen/slim-regeling",
                            "title": "SLIM-regeling (leren en ontwikkelen in het mkb)",
                            "page": None,
                            "section": "Wat is SLIM?",
                            "location": "Wat is SLIM?",
                            "passage": "De SLIM-scholingssubsidie is een tijdelijke subsidie voor werkgevers. …",
                            "source_url": "https://www.uwv.nl/",
                            "language": "nl",
                            "status": "active",
                            "valid_as_of": "2025-03-03",
                        }
                    ],
                    "choices": [],
                    "contacts": [
                        {"name": "UWV", "url": "https://www.uwv.nl/", "email": None},
                        {"name": "Human Capital Agenda ICT", "url": "https://hcaict.nl/", "email": None},
                    ],
                    "timings_ms": {"retrieve_ms": 12.4, "total_ms": 15.1},
                    "index_generation": 3,
                }
            ]
        }
    )

    answer_id: str = Field(description="Use it to send feedback on this answer.")
    conversation_id: str = Field(description="Send it with the next question to continue the conversation.")
    answer: str = Field(description="Plain text; lines separated by '\\n'; [n] refers to citation n.")
    abstained: bool = Field(description="True when the documents do not answer the question (a refusal).")
    lang: Lang
    mode: str = Field(description="extractive | llm | fallback | refusal | clarify")
    note: str | None = Field(None, description="About how the answer was made (e.g. the language model was down).")
    lead: list[StatementPublic] = Field(default_factory=list, description="What answers the question; show first.")
    points: list[StatementPublic] = Field(default_factory=list, description="What supports or completes the lead.")
    notices: list[str] = Field(default_factory=list, description="What to check: status, peildatum, where to ask.")
    citations: list[CitationPublic]
    choices: list[str] = Field(
        default_factory=list, description="`mode: clarify`: 2-4 questions to pick from; send one as the next message."
    )
    contacts: list[ContactPublic] = Field(
        default_factory=list,
        description="Who can help further: the bodies behind the cited documents, then the programme contact. "
        "A refusal carries the programme contact.",
    )
    timings_ms: dict[str, float] = Field(default_factory=dict)
    index_generation: int | None = Field(
        None, description="The index generation the answer was read from (changes after each re-ingest)."
    )


def _statement(statement: Statement) -> dict[str, Any]:
    return {"text": statement.text, "citations": list(statement.citations), "items": list(statement.items)}


def _citation(c: Citation) -> dict[str, Any]:
    return {
        "n": c.n,
        "doc_id": c.doc_id,
        "title": c.title,
        "page": c.page,
        "section": c.section,
        "location": c.location,
        "passage": c.passage,
        "source_url": c.source_url,
        "language": c.language,
        "status": c.status,
        "valid_as_of": c.valid_as_of,
    }


def chat_body(answer: Answer, answer_id: str, conversation_id: str, timings_ms: dict[str, float]) -> dict[str, Any]:
    """The answer as the API shows it (the JSON body of ``POST /api/chat``, the SSE ``answer``
    event): what ``ChatPublic.model_validate(answer.to_dict() | ids).model_dump()`` gives, in
    its field order, made directly from the answer. Validating a model per answer and dumping
    it again cost more CPU than the rest of the route; the tests check that the two agree
    (``tests/test_web_body.py``) and that served bodies validate as :class:`ChatPublic`."""
    return {
        "answer_id": answer_id,
        "conversation_id": conversation_id,
        "answer": answer.text,
        "abstained": bool(answer.abstained),
        "lang": answer.lang,
        "mode": answer.mode,
        "note": answer.note,
        "lead": [_statement(st) for st in answer.lead],
        "points": [_statement(st) for st in answer.points],
        "notices": list(answer.notices),
        "citations": [_citation(c) for c in answer.citations],
        "choices": list(answer.choices),
        "contacts": [{"name": c.name, "url": c.url, "email": c.email} for c in answer.contacts],
        "timings_ms": {k: float(v) for k, v in timings_ms.items()},
        "index_generation": answer.generation,
    }


class FeedbackCreate(BaseModel):
    """Thumbs up or down for one answer, with an optional comment."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"answer_id": "9d1c0b2a7e5f4c3b8a6d2e1f0c9b8a7d", "rating": "up"},
                {"answer_id": "9d1c0b2a7e5f4c3b8a6d2e1f0c9b8a7d", "rating": "down", "comment": "Bedrag ontbreekt."},
            ]
        },
    )

    answer_id: str = Field(..., pattern=r"^[a-f0-9]{32}$")
    rating: Literal["up", "down"]
    comment: str | None = Field(None, max_length=1000, description="Optional; do not put personal data in it.")


class FeedbackPublic(BaseModel):
    id: int
    answer_id: str
    rating: Literal["up", "down"]


class CitationRef(BaseModel):
    """A citation of an answer as stored with it: enough to find the passage again."""

    n: int
    doc_id: str
    title: str
    location: str = ""
    source_url: str | None = None


class FeedbackExportItem(BaseModel):
    """One feedback item with what it is about. Question, answer and comment texts are kept for
    the retention period (WEGWIJZER_RETENTION_DAYS), then they are null; never a user id."""

    id: int
    answer_id: str
    rating: Literal["up", "down"]
    comment: str | None
    channel: str | None
    created: str = Field(description="UTC time, ISO 8601.")
    question: str | None = Field(None, description="The question the answer was given to.")
    turns: list[str] = Field(default_factory=list, description="Earlier questions of the conversation.")
    answer: str | None = Field(None, description="The answer text, with [n] markers.")
    citations: list[CitationRef] = Field(default_factory=list)
    mode: str | None = None
    lang: str | None = None


class ErrorPublic(BaseModel):
    """Every error body: a message a person can read, and a machine-readable code."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"detail": "Je bericht is te lang (1200 tekens; maximaal 1000).", "code": "invalid_question"}]
        }
    )

    detail: Any
    code: str


class ValidationProblem(BaseModel):
    """One problem with a request: where (``loc``), what (``msg``) and its kind (``type``)."""

    loc: list[str | int]
    msg: str
    type: str


class ValidationErrorPublic(ErrorPublic):
    """A 422 as the service sends it: ``detail`` sums the problems up ("field: problem; …"),
    ``code`` is ``invalid_request`` (with ``errors``, one per problem) or ``invalid_question``."""

    errors: list[ValidationProblem] | None = None


class HealthPublic(BaseModel):
    status: str


class ReadyPublic(BaseModel):
    ready: bool
    documents: int
    chunks: int
    generation: int = Field(0, description="The index generation this process answers from.")
    detail: str | None = None


class ReingestReportPublic(BaseModel):
    """What a finished re-ingest did. Each document that could not be read is named in ``failed``
    with the reason; it keeps the chunks it had (``kept``) and the rest of the corpus is indexed."""

    added: list[str]
    updated: list[str]
    removed: list[str]
    unchanged: int = Field(description="Documents indexed as they were (copied, not embedded again).")
    failed: dict[str, str] = Field(description="Path of each document that could not be read -> why.")
    kept: list[str] = Field(description="Failed documents whose earlier chunks are still answered from.")
    repaired: list[str] = Field(description="Documents an interrupted ingest left half-written, written again.")
    resumed: bool = Field(description="This run continued the index generation an interrupted ingest left.")
    generation: int = Field(description="The index generation answers read now.")
    chunks: int
    embedded: int
    seconds: float


class ReingestStatus(BaseModel):
    """State of the last (or running) re-ingest."""

    state: Literal["idle", "running", "done", "failed"]
    started: str | None = None
    finished: str | None = None
    report: ReingestReportPublic | None = None
    error: str | None = None


class StatsPublic(BaseModel):
    documents: int
    chunks: int
    questions: int
    questions_per_day: dict[str, int]
    abstention_rate: float
    feedback: dict[str, int]
    conversations: int
    reingest: ReingestStatus
    answer_cache: dict[str, int] = Field(description="Cached opening answers: entries, hits, misses.")
    document_list: list[dict[str, Any]]
