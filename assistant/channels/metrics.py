"""Prometheus metrics of the channels: one :class:`Metrics` per app, scraped at ``GET /metrics``.

The core returns data and knows nothing of Prometheus; the channels record what they see:

* ``wegwijzer_requests_total{channel, route, status}`` and
  ``wegwijzer_request_duration_seconds{channel, route}``: web requests by route *template*
  (``/api/conversations/{conversation_id}``, never a raw path; ``unmatched`` for a path no
  route knows) and HTTP status, counted by :class:`HTTPMetricsMiddleware`; Telegram updates
  by kind (``text``, ``command``, ``button``, ``other``) with status ``received``;
* ``wegwijzer_answers_total{channel, mode, cached}`` and
  ``wegwijzer_answer_duration_seconds{channel, cached}``: every answer a user got;
* ``wegwijzer_refusals_total{channel}``: answers that abstained (the documents do not answer);
* ``wegwijzer_llm_fallbacks_total{channel}``: freshly made answers in mode ``fallback`` (the
  LLM answerer failed or nothing it wrote survived verification, so the extractive answer
  was given); a cached replay of one is not counted again;
* ``wegwijzer_rate_limited_total{channel, scope}``: requests refused by a rate limit
  (``ip``, ``conversation``, ``admin``, ``user``);
* ``wegwijzer_index_generation``: the index generation the process answers from, read at
  each scrape.

Each app has its own :class:`~prometheus_client.CollectorRegistry` (not the global one), so
several apps in one process (the tests) keep their counts apart. Every process exposes its
own counts; Prometheus scrapes each process and sums.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assistant.base.types import Answer

CHANNELS = ("web", "telegram")
UNMATCHED = "unmatched"
ANSWER_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 8.0, 13.0, 20.0, 30.0, 60.0)
REQUEST_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
CONTENT_TYPE = CONTENT_TYPE_LATEST


class Metrics:
    """The metric families of one app (its web routes and the bot inside it)."""

    def __init__(self, registry: CollectorRegistry | None = None):
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.requests = Counter(
            "wegwijzer_requests",
            "Requests by channel, route template and status.",
            ["channel", "route", "status"],
            registry=r,
        )
        self.request_seconds = Histogram(
            "wegwijzer_request_duration_seconds",
            "Time to the end of the response (a stream: its whole length), by channel and route template.",
            ["channel", "route"],
            buckets=REQUEST_BUCKETS,
            registry=r,
        )
        self.answers = Counter(
            "wegwijzer_answers",
            "Answers given, by channel, mode and whether from the cache.",
            ["channel", "mode", "cached"],
            registry=r,
        )
        self.answer_seconds = Histogram(
            "wegwijzer_answer_duration_seconds",
            "Time to a complete answer, by channel and whether from the cache.",
            ["channel", "cached"],
            buckets=ANSWER_BUCKETS,
            registry=r,
        )
        self.refusals = Counter(
            "wegwijzer_refusals", "Answers that abstained (refusals), by channel.", ["channel"], registry=r
        )
        self.llm_fallbacks = Counter(
            "wegwijzer_llm_fallbacks",
            "Answers where the LLM answerer fell back to the extractive answer.",
            ["channel"],
            registry=r,
        )
        self.rate_limited = Counter(
            "wegwijzer_rate_limited",
            "Requests refused by a rate limit, by channel and scope.",
            ["channel", "scope"],
            registry=r,
        )
        self.index_generation = Gauge(
            "wegwijzer_index_generation", "The index generation this process answers from.", registry=r
        )
        for channel in CHANNELS:  # present from the start, so rate() works from the first scrape
            self.refusals.labels(channel)
            self.llm_fallbacks.labels(channel)

    def serve_generation(self, read: Callable[[], int]) -> None:
        """Read the gauge from ``read`` at each scrape (e.g. ``served_generation(assistant)``)."""
        self.index_generation.set_function(lambda: float(read()))

    def answered(self, channel: str, answer: Answer, seconds: float, cached: bool = False) -> None:
        """A user got ``answer`` after ``seconds``."""
        flag = "true" if cached else "false"
        self.answers.labels(channel, answer.mode, flag).inc()
        self.answer_seconds.labels(channel, flag).observe(max(0.0, seconds))
        if answer.abstained:
            self.refusals.labels(channel).inc()
        if answer.mode == "fallback" and not cached:
            self.llm_fallbacks.labels(channel).inc()

    def refused(self, channel: str, scope: str) -> None:
        """A rate limit (``scope``) refused a request."""
        self.rate_limited.labels(channel, scope).inc()

    def request(self, channel: str, route: str, status: str, seconds: float | None = None) -> None:
        self.requests.labels(channel, route, status).inc()
        if seconds is not None:
            self.request_seconds.labels(channel, route).observe(max(0.0, seconds))

    def exposition(self) -> bytes:
        """The Prometheus text format of every metric (content type :data:`CONTENT_TYPE`)."""
        return generate_latest(self.registry)


def route_template(scope: Scope) -> str:
    """The template of the route that handled ``scope`` (a mount's prefix), else the one that
    matches it (a request a middleware answered before routing, e.g. 413), else ``unmatched``."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    if isinstance(path, str) and path:
        return path
    app = scope.get("app")
    for candidate in getattr(app, "routes", ()):
        try:
            match, _ = candidate.matches(scope)
        except Exception:  # a route that cannot judge this scope
            continue
        if match is Match.FULL:
            return str(getattr(candidate, "path", UNMATCHED) or UNMATCHED)
    return UNMATCHED


class HTTPMetricsMiddleware:
    """Counts and times every HTTP request of the web channel by route template and status
    (pure ASGI: streamed responses pass through untouched). Added outermost, it also sees the
    responses of the other middlewares (408, 413)."""

    def __init__(self, app: ASGIApp, metrics: Metrics, channel: str = "web"):
        self.app = app
        self.metrics = metrics
        self.channel = channel

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status: list[int] = []

        async def send_and_note(message: Message) -> None:
            if message["type"] == "http.response.start":
                status.append(int(message["status"]))
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        except BaseException:
            status.append(500)
            raise
        finally:
            self.metrics.request(
                self.channel, route_template(scope), str(status[0] if status else 500), time.perf_counter() - started
            )


def telegram_kind(update: Any) -> str:
    """What a Telegram update is, for the requests counter: ``text``, ``command``, ``button`` or ``other``."""
    if getattr(update, "callback_query", None) is not None:
        return "button"
    message = getattr(update, "message", None)
    text = getattr(message, "text", None)
    if isinstance(text, str):
        return "command" if text.startswith("/") else "text"
    return "other"
