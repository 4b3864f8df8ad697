"""Public chat API: JSON and streaming answers, feedback, forgetting a conversation."""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

from fastapi import APIRouter, HTTPException, Path, Request, Response, status
from sse_starlette import EventSourceResponse
from starlette.concurrency import run_in_threadpool

from assistant import Answer, AnswerEvent, Assistant, Delta, Final, Profile, Turn
from assistant.base.prompts import Texts
from assistant.channels.metrics import Metrics
from assistant.channels.shared import served_generation
from assistant.channels.state import StateStore
from assistant.channels.web.cache import Cache, cache_key
from assistant.channels.web.deps import Limits, LimitsDep, StateDep, TextsDep, client_ip
from assistant.channels.web.errors import api_error, request_lang
from assistant.channels.web.schemas import (
    CONVERSATION_ID,
    ChatPublic,
    ChatRequest,
    ErrorPublic,
    FeedbackCreate,
    FeedbackPublic,
    ValidationErrorPublic,
    chat_body,
)

log = logging.getLogger("wegwijzer.web")
router = APIRouter(prefix="/api", tags=["chat"])
CHANNEL = "web"

ERRORS: dict[int | str, dict[str, Any]] = {
    413: {"model": ErrorPublic, "description": "Request body larger than WEGWIJZER_MAX_BODY_BYTES."},
    422: {"model": ValidationErrorPublic, "description": "Invalid request, or a question that is empty or too long."},
    429: {"model": ErrorPublic, "description": "Rate limit per client IP or per conversation; see Retry-After."},
    503: {"model": ErrorPublic, "description": "The index is not loaded yet."},
}

SSE_EXAMPLE = (
    'event: meta\ndata: {"conversation_id": "3f0c…", "answer_id": "9d1c…"}\n\n'
    'event: delta\ndata: {"text": "Dit zeggen de programmadocumenten over je vraag:\\n"}\n\n'
    'event: delta\ndata: {"text": "De SLIM-scholingssubsidie is een tijdelijke subsidie voor werkgevers. [1]\\n"}\n\n'
    'event: answer\ndata: {"answer_id": "9d1c…", "answer": "…", "lead": [{"text": "De SLIM-scholingssubsidie is een '
    'tijdelijke subsidie voor werkgevers.", "citations": [1], "items": []}], "points": [], "notices": [], '
    '"citations": […], …}\n\n'
    'event: citations\ndata: [{"n": 1, "title": "SLIM-regeling", "location": "Wat is SLIM?", "passage": "…", '
    '"source_url": "https://…"}]\n\n'
    'event: done\ndata: {"answer_id": "9d1c…", "abstained": false, "mode": "extractive", "lang": "nl", '
    '"note": null, "timings_ms": {"total_ms": 15.1}}\n\n'
    '(on failure instead: event: error\\ndata: {"code": "internal", "message": "…"})\n'
)


@dataclass
class Prepared:
    """A question ready for the core: its conversation, the stored turns and the profile."""

    conversation_id: str
    turns: list[Turn]
    profile: Profile


def check_limits(request: Request, limits: Limits, conversation_id: str | None) -> None:
    """Raise :class:`~assistant.channels.ratelimit.RateLimited` (429) when over a limit."""
    limits.per_ip.check(client_ip(request), "ip")
    if conversation_id:
        limits.per_conversation.check(conversation_id, "conversation")


def prepare(state: StateStore, body: ChatRequest) -> Prepared:
    """Load the conversation (an unknown or purged id starts a new one) and merge the profile."""
    turns: list[Turn] = []
    stored = Profile()
    if body.conversation_id:
        turns, stored = state.get_conversation(body.conversation_id)
    conversation_id = body.conversation_id if body.conversation_id and turns else state.new_conversation_id()
    profile = Profile(
        audience=body.audience or stored.audience,
        region=body.region or stored.region,
        lang=body.lang or stored.lang,
    )
    return Prepared(conversation_id, turns, profile)


def record(
    state: StateStore,
    prepared: Prepared,
    question: str,
    answer: Answer,
    latency_ms: float,
    answer_id: str | None = None,
) -> str:
    """Store the answer (what feedback on it is about) and the turn for follow-ups."""
    return state.record_exchange(
        prepared.conversation_id,
        CHANNEL,
        Turn(question.strip(), answer.text),
        answer,
        latency_ms,
        profile=prepared.profile,
        answer_id=answer_id,
        turns=prepared.turns,
    )


@dataclass(frozen=True)
class Cached(Final):
    """A final answer replayed from the answer cache."""


def answer_events(assistant: Assistant, cache: Cache, message: str, prepared: Prepared) -> Iterator[AnswerEvent]:
    """The core's stream, or a cached answer to the same opening question (on the index
    generation served now) replayed line by line (then the last event is :class:`Cached`).

    A fallback answer (the LLM failed for a moment) is not cached: with a shared cache every
    process would serve it for the whole TTL, after the LLM is back."""
    key = None if prepared.turns else cache_key(message, prepared.profile, served_generation(assistant))
    if key is not None:
        hit = cache.get(key)
        if hit is not None:
            for line in hit.text.split("\n"):
                yield Delta(line + "\n")
            yield Cached(hit)
            return
    generation = cache.generation
    for event in assistant.stream(message, prepared.turns, prepared.profile):
        if isinstance(event, Final) and key is not None and event.answer.mode != "fallback":
            cache.put(key, event.answer, generation)
        yield event


def timings(answer: Answer, cached: bool, latency_ms: float) -> dict[str, float]:
    if cached:
        return {"total_ms": round(latency_ms, 2), "cached": 1.0}
    return {k: round(v, 2) for k, v in answer.timings_ms.items()}


def json_body(data: dict[str, Any]) -> bytes:
    """``data`` as the JSON body pydantic's ``model_dump_json`` writes: compact, UTF-8."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def answer_and_record(
    assistant: Assistant, cache: Cache, state: StateStore, body: ChatRequest, metrics: Metrics | None = None
) -> bytes:
    """The whole blocking part of a JSON chat request, up to its encoded JSON body (a
    :class:`ChatPublic`); runs in a worker thread."""
    prepared = prepare(state, body)
    started = time.perf_counter()
    final: Answer | None = None
    cached = False
    for event in answer_events(assistant, cache, body.message, prepared):
        if isinstance(event, Final):
            final, cached = event.answer, isinstance(event, Cached)
    assert final is not None
    latency = (time.perf_counter() - started) * 1000
    answer_id = record(state, prepared, body.message, final, latency)
    if metrics is not None:
        metrics.answered(CHANNEL, final, latency / 1000, cached)
    log.info(
        "answer %s mode=%s abstained=%s cached=%s ms=%.0f", answer_id, final.mode, final.abstained, cached, latency
    )
    return json_body(chat_body(final, answer_id, prepared.conversation_id, timings(final, cached, latency)))


@router.post(
    "/chat",
    response_model=ChatPublic,
    responses=ERRORS,
    summary="Ask a question; get a cited answer",
    description="Answers from the programme documents with numbered citations, or a refusal "
    "(`abstained: true`) when the documents do not answer. Send `conversation_id` back for follow-ups.",
)
async def chat(body: ChatRequest, request: Request) -> Response:
    # The app's parts are read from app.state here, not declared as dependencies: FastAPI
    # solves each dependency per request, which cost more than reading five attributes.
    app = request.app.state
    check_limits(request, app.limits, body.conversation_id)
    data = await run_in_threadpool(answer_and_record, app.assistant, app.answer_cache, app.store, body, app.metrics)
    # Made as a dict and encoded once (chat_body): returned as a model, FastAPI would
    # validate it against response_model, which stays for the OpenAPI document.
    return Response(data, media_type="application/json")


T = TypeVar("T")
_END = object()
_PRODUCERS: set[asyncio.Future[None]] = set()  # running stream producers (the loop holds tasks weakly)


async def in_one_thread(events: Iterator[T]) -> AsyncIterator[T]:
    """``events`` advanced in one worker thread of the thread pool (as ``run_in_threadpool``),
    each event handed to the event loop as soon as it is made: one thread hop per streamed
    answer instead of one per event (``iterate_in_threadpool``: about 0.1 ms of CPU per hop,
    a streamed answer has one event per line). An exception of ``events`` is raised here. When
    the consumer stops early (the client went away), the thread stops before the next event
    and closes ``events``."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[tuple[Any, BaseException | None]] = asyncio.Queue()
    stop = threading.Event()

    def hand(item: Any, error: BaseException | None = None) -> None:
        try:
            loop.call_soon_threadsafe(queue.put_nowait, (item, error))
        except RuntimeError:  # the loop has closed: nobody is listening
            stop.set()

    def produce() -> None:
        try:
            for event in events:
                if stop.is_set():
                    break
                hand(event)
        except BaseException as exc:  # handed over, raised in the consumer
            hand(_END, exc)
            return
        finally:
            close = getattr(events, "close", None)
            if close is not None:
                close()
        hand(_END)

    producer = asyncio.ensure_future(run_in_threadpool(produce))
    _PRODUCERS.add(producer)
    producer.add_done_callback(_PRODUCERS.discard)
    try:
        while True:
            item, error = await queue.get()
            if item is _END:
                if error is not None:
                    raise error
                return
            yield item
    finally:
        stop.set()


DONE_FIELDS = {"answer_id", "conversation_id", "abstained", "mode", "lang", "note", "timings_ms"}
DONE_ORDER = tuple(name for name in ChatPublic.model_fields if name in DONE_FIELDS)  # as model_dump(include=)


def sse(event: str, data: Any) -> dict[str, str]:
    return {"event": event, "data": json.dumps(data, ensure_ascii=False)}


@router.post(
    "/chat/stream",
    response_class=EventSourceResponse,
    responses={
        200: {
            "description": "Server-Sent Events: `meta`, then `delta` pieces of the answer text while it is "
            "checked, then `answer` (the whole answer, as `POST /api/chat` returns it: lead, points, notices, "
            "citations), `citations` and `done`. A failure while answering (also an empty or too long question) arrives as an "
            "`error` event with `code` and `message`, never as a dropped connection.",
            "content": {"text/event-stream": {"example": SSE_EXAMPLE}},
        },
        **{k: v for k, v in ERRORS.items() if k != 503},
    },
    summary="Ask a question; the answer streams as Server-Sent Events",
)
async def chat_stream(body: ChatRequest, request: Request) -> EventSourceResponse:
    app = request.app.state  # as in chat(): no dependencies to solve per request
    assistant: Assistant = app.assistant
    state: StateStore = app.store
    texts: Texts = app.texts
    cache: Cache = app.answer_cache
    metrics: Metrics = app.metrics
    check_limits(request, app.limits, body.conversation_id)
    prepared = await run_in_threadpool(prepare, state, body)
    answer_id = uuid.uuid4().hex
    lang = body.lang or request_lang(request)

    async def events() -> AsyncIterator[dict[str, str]]:
        yield sse("meta", {"conversation_id": prepared.conversation_id, "answer_id": answer_id})
        started = time.perf_counter()
        final: Answer | None = None
        cached = False
        try:
            async for event in in_one_thread(answer_events(assistant, cache, body.message, prepared)):
                if isinstance(event, Delta):
                    yield sse("delta", {"text": event.text})
                elif isinstance(event, Final):
                    final, cached = event.answer, isinstance(event, Cached)
            if final is None:
                raise RuntimeError("the core ended its stream without an answer")
            latency = (time.perf_counter() - started) * 1000
            await run_in_threadpool(record, state, prepared, body.message, final, latency, answer_id)
        except Exception as exc:  # the status line is out: the error goes as an event
            error = api_error(exc, texts, lang)
            if error.status >= 500:
                log.exception("streamed answer %s failed", answer_id)
            yield sse("error", error.event())
            return
        metrics.answered(CHANNEL, final, latency / 1000, cached)
        log.info(
            "answer %s (stream) mode=%s abstained=%s cached=%s ms=%.0f",
            answer_id,
            final.mode,
            final.abstained,
            cached,
            latency,
        )
        public = chat_body(final, answer_id, prepared.conversation_id, timings(final, cached, latency))
        yield sse("answer", public)
        yield sse("citations", public["citations"])
        yield sse("done", {name: public[name] for name in DONE_ORDER})

    return EventSourceResponse(
        events(), ping=15, sep="\n", headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    )


@router.post(
    "/feedback",
    response_model=FeedbackPublic,
    status_code=status.HTTP_201_CREATED,
    responses={404: {"model": ErrorPublic, "description": "Unknown answer_id."}, 429: ERRORS[429]},
    summary="Thumbs up or down for an answer",
)
async def feedback(
    body: FeedbackCreate, request: Request, state: StateDep, limits: LimitsDep, texts: TextsDep
) -> FeedbackPublic:
    limits.other_per_ip.check(client_ip(request), "ip")
    if not await run_in_threadpool(state.answer_exists, body.answer_id):
        raise HTTPException(status.HTTP_404_NOT_FOUND, texts("api.unknown_answer", request_lang(request)))
    rating = 1 if body.rating == "up" else -1
    comment = body.comment.strip() if body.comment and body.comment.strip() else None
    feedback_id = await run_in_threadpool(state.add_feedback, body.answer_id, rating, comment, CHANNEL)
    return FeedbackPublic(id=feedback_id, answer_id=body.answer_id, rating=body.rating)


@router.delete(
    "/conversations/{conversation_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={404: {"model": ErrorPublic, "description": "No such conversation (already deleted or expired)."}},
    summary="Forget a conversation (its turns and profile)",
)
async def delete_conversation(
    request: Request,
    state: StateDep,
    limits: LimitsDep,
    texts: TextsDep,
    conversation_id: str = Path(pattern=CONVERSATION_ID),
) -> Response:
    limits.other_per_ip.check(client_ip(request), "ip")
    if not await run_in_threadpool(state.delete_conversation, conversation_id):
        raise HTTPException(status.HTTP_404_NOT_FOUND, texts("api.unknown_conversation", request_lang(request)))
    return Response(status_code=status.HTTP_204_NO_CONTENT)
