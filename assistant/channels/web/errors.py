"""Errors of the web channel, mapped once to what a client sees.

:func:`api_error` turns any exception into an :class:`ApiError`: HTTP status, a
machine-readable ``code``, a message a person can read (in the asker's language where the
service writes it), and extra fields or headers. Both ways an error reaches a client use it:

- the JSON exception handlers (:func:`install`) answer ``{"detail": …, "code": …}``, also for
  the framework's own 400/404/405 and a refused CORS preflight
  (:class:`~assistant.channels.web.security.CORSMiddleware`);
- the SSE stream, whose status line has gone out already, sends an ``error`` event
  ``{"code": …, "message": …}`` (:meth:`ApiError.event`).

======================  ======  ======================  ===========================
exception               status  code                    message
======================  ======  ======================  ===========================
QuestionError           422     invalid_question        the core's, in the asker's language
RequestValidationError  422     invalid_request         "field: problem; …" (+ ``errors``)
RateLimited             429     rate_limited            widget.yaml ``api.rate_limited`` (+ ``scope``, ``retry_after``)
IndexNotReadyError      503     not_ready               widget.yaml ``api.not_ready``
HTTPException           as is   bad_request, not_found, method_not_allowed, … (:data:`HTTP_CODES`)
anything else           500     internal                widget.yaml ``api.internal`` (logged)
======================  ======  ======================  ===========================
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from assistant import IndexNotReadyError, QuestionError
from assistant.base.prompts import Texts
from assistant.channels.ratelimit import RateLimited

log = logging.getLogger("wegwijzer.web")

HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    408: "body_timeout",
    409: "conflict",
    413: "body_too_large",
    415: "unsupported_media_type",
}


def error_body(detail: Any, code: str, **extra: Any) -> dict[str, Any]:
    """Every error body: a readable ``detail`` and a machine-readable ``code``."""
    return {"detail": detail, "code": code, **extra}


@dataclass(frozen=True)
class ApiError:
    """One error as the web channel shows it."""

    status: int
    code: str
    detail: Any
    extra: dict[str, Any] = field(default_factory=dict)
    headers: Mapping[str, str] | None = None

    def response(self) -> JSONResponse:
        return JSONResponse(error_body(self.detail, self.code, **self.extra), self.status, headers=self.headers)

    def event(self) -> dict[str, Any]:
        """The data of the SSE ``error`` event."""
        return {"code": self.code, "message": self.detail}


def _problems(exc: RequestValidationError) -> ApiError:
    problems, errors = [], []
    for err in exc.errors():
        where = ".".join(str(p) for p in err.get("loc", ())[1:]) or "body"
        problems.append(f"{where}: {err.get('msg')}")
        errors.append({k: v for k, v in err.items() if k in ("loc", "msg", "type")})
    return ApiError(422, "invalid_request", "; ".join(problems), {"errors": errors})


def api_error(exc: BaseException, texts: Texts, lang: str | None) -> ApiError:
    """What a client sees for ``exc``; ``texts`` are widget.yaml's, ``lang`` the asker's."""
    if isinstance(exc, QuestionError):
        return ApiError(422, "invalid_question", str(exc))
    if isinstance(exc, RequestValidationError):
        return _problems(exc)
    if isinstance(exc, RateLimited):
        return ApiError(
            429,
            "rate_limited",
            texts("api.rate_limited", lang, seconds=exc.retry_after),
            {"scope": exc.scope, "retry_after": exc.retry_after},
            {"Retry-After": str(exc.retry_after)},
        )
    if isinstance(exc, IndexNotReadyError):
        return ApiError(503, "not_ready", texts("api.not_ready", lang), headers={"Retry-After": "60"})
    if isinstance(exc, HTTPException):
        return ApiError(exc.status_code, HTTP_CODES.get(exc.status_code, "error"), exc.detail, headers=exc.headers)
    return ApiError(500, "internal", texts("api.internal", lang))


def request_lang(request: Request) -> str | None:
    """English when the client asks for it (``Accept-Language: en…``), else the default (Dutch)."""
    accept = request.headers.get("accept-language", "")
    return "en" if accept.lower().startswith("en") else None


def install(app: FastAPI, texts: Texts) -> None:
    """Answer every error of ``app`` as JSON through :func:`api_error`."""

    async def handle(request: Request, exc: Exception) -> JSONResponse:
        error = api_error(exc, texts, request_lang(request))
        metrics = getattr(request.app.state, "metrics", None)
        if isinstance(exc, RateLimited) and metrics is not None:
            metrics.refused("web", exc.scope)
        if error.status >= 500:
            log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
        return error.response()

    for kind in (QuestionError, IndexNotReadyError, RateLimited, RequestValidationError, HTTPException, Exception):
        app.add_exception_handler(kind, handle)
