"""Safety of the web service: CORS allowlist (JSON errors), body size limit, security headers (the rate
limits are :mod:`assistant.channels.ratelimit`).

Everything here is plain ASGI or plain Python so that streaming responses (SSE) pass
through untouched (Starlette's ``BaseHTTPMiddleware`` would buffer them).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.middleware import cors
from starlette.responses import JSONResponse, Response

from assistant import Settings

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}


# --- CORS -----------------------------------------------------------------------------
def own_origins(settings: Settings) -> list[str]:
    """The service's own origin(s): from ``public_url``, else ``http://host:port``.

    A loopback host also admits its twin (``localhost`` <-> ``127.0.0.1``), since a
    browser's origin is whatever name the person typed.
    """
    if settings.public_url:
        parts = urlsplit(settings.public_url)
        return [f"{parts.scheme}://{parts.netloc}"]
    host = settings.host
    if host in {"0.0.0.0", "::", ""}:
        host = "127.0.0.1"
    hosts = [host]
    if host in LOOPBACK:
        hosts = ["127.0.0.1", "localhost"]
    return [f"http://{h}:{settings.port}" for h in hosts]


def cors_allowlist(settings: Settings) -> list[str]:
    """Own origin plus ``settings.cors_origins`` (exact origins, no trailing slash, no wildcards)."""
    extra = [o.strip().rstrip("/") for o in settings.cors_origins if o.strip()]
    return list(dict.fromkeys(own_origins(settings) + extra))


class CORSMiddleware(cors.CORSMiddleware):
    """Starlette's CORS middleware, except that a refused preflight (400) answers like every
    other error of the service: JSON with a ``code`` ("cors_denied")."""

    def preflight_response(self, request_headers: Headers) -> Response:
        response = super().preflight_response(request_headers)
        if response.status_code != 400:
            return response
        headers = {k: v for k, v in response.headers.items() if k.lower() not in ("content-length", "content-type")}
        detail = bytes(response.body).decode() + " (this origin is not on the service's allowlist)"
        return JSONResponse({"detail": detail, "code": "cors_denied"}, 400, headers=headers)


# --- body size limit -----------------------------------------------------------------
async def _send_json(
    send: Send, status: int, body: dict[str, Any], headers: list[tuple[bytes, bytes]] | None = None
) -> None:
    data = json.dumps(body, ensure_ascii=False).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]
            + (headers or []),
        }
    )
    await send({"type": "http.response.body", "body": data})


class BodySizeLimitMiddleware:
    """Refuse request bodies over ``max_bytes`` with 413, by Content-Length or while reading.

    ``per_path`` gives some paths their own limit (the Telegram webhook registers its own,
    Telegram's update size); it is read per request, so routes added later may add to it.

    For a body without Content-Length (chunked), the 413 is sent as soon as the count
    passes the limit; the app then sees a client disconnect and whatever it tries to send
    afterwards is dropped.
    """

    def __init__(self, app: ASGIApp, max_bytes: int, per_path: dict[str, int] | None = None):
        self.app = app
        self.max_bytes = max_bytes
        self.per_path = per_path if per_path is not None else {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        max_bytes = self.per_path.get(scope.get("path", ""), self.max_bytes)
        too_large = {"detail": f"Request body too large (limit {max_bytes} bytes).", "code": "body_too_large"}
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = 0
                if declared > max_bytes:
                    await _send_json(send, 413, too_large, [(b"connection", b"close")])
                    return
        received = 0
        started = False
        refused = False

        async def limited_receive() -> Message:
            nonlocal received, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > max_bytes and not started:
                    refused = True
                    await _send_json(send, 413, too_large, [(b"connection", b"close")])
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if refused:
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        await self.app(scope, limited_receive, guarded_send)


# --- body read timeout ---------------------------------------------------------------
class BodyTimeoutMiddleware:
    """Answer 408 when a client stops sending its request body for ``timeout_s`` seconds.

    Only waits for the body are timed: once the last chunk is in, ``receive`` is the app's
    own again (a streaming answer waits on it for the client's disconnect). After the 408
    the app sees a client disconnect and whatever it sends is dropped.
    """

    def __init__(self, app: ASGIApp, timeout_s: float):
        self.app = app
        self.timeout_s = timeout_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.timeout_s <= 0:
            await self.app(scope, receive, send)
            return
        body_done = False
        started = False
        timed_out = False

        async def timed_receive() -> Message:
            nonlocal body_done, timed_out
            if timed_out:
                return {"type": "http.disconnect"}
            if body_done:
                return await receive()
            try:
                # asyncio.timeout, not wait_for: no task per receive (on 3.11 wait_for makes one)
                async with asyncio.timeout(self.timeout_s):
                    message = await receive()
            except TimeoutError:
                timed_out = True
                if not started:
                    detail = f"The request body did not arrive within {self.timeout_s:g} s."
                    await _send_json(send, 408, {"detail": detail, "code": "body_timeout"}, [(b"connection", b"close")])
                return {"type": "http.disconnect"}
            if message["type"] != "http.request" or not message.get("more_body", False):
                body_done = True
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if timed_out:
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        await self.app(scope, timed_receive, guarded_send)


# --- security headers ----------------------------------------------------------------
CSP_PAGE = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
# Swagger UI sets inline styles on its elements; its scripts are served from here.
CSP_DOCS = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
CSP_API = "default-src 'none'; frame-ancestors 'none'"

COMMON_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=()"),
]


def headers_for(path: str, content_type: str) -> list[tuple[bytes, bytes]]:
    """Security headers for one response, by what it is."""
    headers = list(COMMON_HEADERS)
    if path.startswith("/docs") or path.startswith("/redoc"):
        headers += [(b"content-security-policy", CSP_DOCS.encode()), (b"x-frame-options", b"DENY")]
    elif content_type.startswith("text/html"):
        headers += [
            (b"content-security-policy", CSP_PAGE.encode()),
            (b"x-frame-options", b"DENY"),
            (b"cross-origin-opener-policy", b"same-origin"),
        ]
    elif path == "/widget.js" or path.startswith("/static/"):
        # Assets: other sites embed the widget, so they may be loaded cross-origin.
        headers += [(b"content-security-policy", CSP_API.encode()), (b"cross-origin-resource-policy", b"cross-origin")]
    else:
        headers += [(b"content-security-policy", CSP_API.encode()), (b"cross-origin-resource-policy", b"same-site")]
    return headers


class SecurityHeadersMiddleware:
    """Adds CSP, nosniff, referrer and framing policy headers to every response."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                existing = list(message.get("headers", []))
                names = {k.lower() for k, _ in existing}
                ctype = next((v.decode("latin-1") for k, v in existing if k.lower() == b"content-type"), "")
                extra = [(k, v) for k, v in headers_for(path, ctype) if k not in names]
                message = dict(message) | {"headers": existing + extra}
            await send(message)

        await self.app(scope, receive, send_with_headers)
