"""The wire to an OpenAI-compatible chat endpoint: streaming, failure classes, a breaker.

Any server that speaks ``/v1/chat/completions`` works (llama.cpp, vLLM, Ollama's ``/v1``,
a hosted API), through langchain-openai's ``ChatOpenAI``. One call here is one attempt:
retries, fallbacks and verification live in :mod:`assistant.answering.llm`. Failures surface as
:class:`~assistant.base.errors.LLMError` with a ``kind`` (``unreachable``, ``timeout``,
``rate_limited``, ``server_error``, ``client_error``, ``malformed``, ``empty``) and whether
a retry could help. A :class:`CircuitBreaker` stops calling an endpoint that keeps failing,
so a dead endpoint does not cost every request its timeout.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING

from assistant.base.errors import LLMError
from assistant.base.settings import Settings

if TYPE_CHECKING:
    from langchain_core.messages import BaseMessage

log = logging.getLogger("wegwijzer.llm")


class LLMCallError(LLMError):
    """One failed attempt; ``kind`` says what went wrong, ``retryable`` if trying again may help."""

    def __init__(self, kind: str, retryable: bool, detail: str = ""):
        super().__init__(f"{kind}: {detail}" if detail else kind)
        self.kind = kind
        self.retryable = retryable


class CircuitBreaker:
    """Closed -> open after ``failures`` consecutive failures; open for ``seconds``; then
    half-open: one trial call decides whether it closes again or stays open."""

    def __init__(self, failures: int, seconds: float, clock: Callable[[], float] = time.monotonic):
        self.failures = max(1, failures)
        self.seconds = seconds
        self.clock = clock
        self._lock = threading.Lock()
        self._consecutive = 0
        self._opened_at: float | None = None
        self._trial = False

    @property
    def state(self) -> str:
        with self._lock:
            return self._state()

    def _state(self) -> str:
        if self._opened_at is None:
            return "closed"
        if self.clock() - self._opened_at >= self.seconds:
            return "half_open"
        return "open"

    def allow(self) -> bool:
        """May a call go out now? In half-open state only one trial at a time."""
        with self._lock:
            state = self._state()
            if state == "closed":
                return True
            if state == "half_open" and not self._trial:
                self._trial = True
                return True
            return False

    def success(self) -> None:
        with self._lock:
            self._consecutive = 0
            self._opened_at = None
            self._trial = False

    def failure(self) -> None:
        with self._lock:
            self._consecutive += 1
            if self._trial or self._consecutive >= self.failures:
                self._opened_at = self.clock()
            self._trial = False


def classify(exc: BaseException) -> LLMCallError:
    """Map an exception from the OpenAI client (or httpx, or JSON parsing) to a failure kind."""
    import httpx
    import openai

    if isinstance(exc, LLMCallError):
        return exc
    if isinstance(exc, openai.APITimeoutError | httpx.TimeoutException | TimeoutError):
        return LLMCallError("timeout", True, type(exc).__name__)
    if isinstance(exc, openai.RateLimitError):
        return LLMCallError("rate_limited", True, "HTTP 429")
    if isinstance(exc, openai.APIStatusError):
        code = exc.status_code
        if code >= 500:
            return LLMCallError("server_error", True, f"HTTP {code}")
        return LLMCallError("client_error", False, f"HTTP {code}")
    if isinstance(exc, openai.APIConnectionError | httpx.ConnectError | httpx.RemoteProtocolError | ConnectionError):
        return LLMCallError("unreachable", True, type(exc).__name__)
    return LLMCallError("malformed", True, type(exc).__name__)


class LLMClient:
    """Streams one chat completion from the configured endpoint."""

    def __init__(self, settings: Settings):
        from langchain_openai import ChatOpenAI

        self.settings = settings
        key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else "not-needed"
        self.chat = ChatOpenAI(
            model=settings.llm_model,
            base_url=settings.llm_base_url,
            api_key=key,
            timeout=settings.llm_timeout,
            max_retries=0,  # retries are ours: exactly one, with backoff, then the fallback
            max_tokens=settings.llm_max_tokens,
            temperature=settings.llm_temperature,
            streaming=True,
            # llama.cpp, vLLM and Ollama read max_tokens; newer OpenAI models read
            # max_completion_tokens (what ChatOpenAI sends). Send both.
            extra_body={"max_tokens": settings.llm_max_tokens},
        )
        self.breaker = CircuitBreaker(settings.llm_breaker_failures, settings.llm_breaker_seconds)

    def stream(
        self, messages: Sequence[BaseMessage], deadline: float, meta: dict[str, str] | None = None
    ) -> Iterator[str]:
        """Text pieces of one completion; raises :class:`LLMCallError` on any failure,
        including running past ``deadline`` (``time.monotonic()``), an empty completion or a
        stream that ends without a finish reason (connection cut). ``meta`` receives the
        ``finish_reason`` ("stop", or "length" when max_tokens cut the answer short)."""
        produced = False
        finish: str | None = None
        try:
            for chunk in self.chat.stream(list(messages)):
                if time.monotonic() > deadline:
                    raise LLMCallError("timeout", True, "deadline passed while streaming")
                finish = chunk.response_metadata.get("finish_reason") or finish
                piece = chunk.content if isinstance(chunk.content, str) else ""
                if piece:
                    produced = True
                    yield piece
        except GeneratorExit:
            raise
        except Exception as exc:
            err = classify(exc)
            log.debug("LLM call failed: %s", err)
            raise err from exc
        if not produced:
            raise LLMCallError("empty", True, "the model returned no text")
        if finish is None:
            raise LLMCallError("cut", True, "the stream ended without a finish reason")
        if meta is not None:
            meta["finish_reason"] = finish
