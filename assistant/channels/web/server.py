"""The FastAPI app of Wegwijzer ICT and the ``wegwijzer serve`` entry point.

``create_app(assistant, settings, extensions, store)`` wires the chat and admin routes, the
widget and demo page, the safety middleware, the error mapping (:mod:`.errors`) and the
lifespan (retention purge, warm-up, the extensions such as the Telegram bot).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

from assistant import Assistant, Settings
from assistant.base.prompts import LANGS, texts
from assistant.channels.index_watch import follow_generations
from assistant.channels.metrics import CONTENT_TYPE, HTTPMetricsMiddleware, Metrics
from assistant.channels.shared import served_generation
from assistant.channels.state import EXPORT_DIR, StateStore, retention
from assistant.channels.web import errors, routes_admin, routes_chat
from assistant.channels.web.cache import answer_cache
from assistant.channels.web.deps import Limits, trusted_networks
from assistant.channels.web.routes_admin import ReingestJob
from assistant.channels.web.schemas import ErrorPublic, HealthPublic, ReadyPublic, ValidationErrorPublic
from assistant.channels.web.security import (
    BodySizeLimitMiddleware,
    BodyTimeoutMiddleware,
    CORSMiddleware,
    SecurityHeadersMiddleware,
    cors_allowlist,
)

log = logging.getLogger("wegwijzer.web")
STATIC = Path(__file__).parent / "static"
TEXTS = "widget.yaml"
WARM_UP_QUESTION = "Wat is de Human Capital Agenda ICT?"
CONFIG_TOKEN = '"__WEGWIJZER_CONFIG__"'
# Something that runs beside the service for its lifetime (the Telegram bot): given the app
# (to add routes such as a webhook), it returns a factory of the context that runs it.
Extension = Callable[[FastAPI], Callable[[], AbstractAsyncContextManager[Any]]]

DESCRIPTION = """
Cited answers from the programme documents of the Dutch **Human Capital Agenda ICT**, for
employers, career switchers and programme staff.

{disclosure}

* `POST /api/chat` answers with numbered citations (or refuses, `abstained: true`; or asks back,
  `mode: clarify`, with `choices`). Every answer carries `contacts`: who can help further.
* `POST /api/chat/stream` streams the same answer as Server-Sent Events.
* `GET /widget.js` is the embeddable chat widget:
  `<script src="https://HOST/widget.js" data-audience="employer" data-lang="nl" defer></script>`.
* `/admin/*` needs the `X-Admin-Key` header.
"""


def contact_markdown(settings: Settings) -> str:
    """The programme contact as Markdown: its name linked to its page, and its e-mail address."""
    name = settings.programme_contact_name or "Human Capital Agenda ICT"
    label = f"[{name}]({settings.programme_contact_url})" if settings.programme_contact_url else name
    return label + (f" ({settings.programme_contact_email})" if settings.programme_contact_email else "")


def description(settings: Settings) -> str:
    """The /docs description: what the API does, and (NL, EN) that its answers are automated."""
    table = texts(TEXTS, settings.prompts_dir)
    contact = contact_markdown(settings)
    disclosure = "\n\n".join(table("api.disclosure", lang, contact=contact) for lang in LANGS)
    return DESCRIPTION.format(disclosure=disclosure)


def render_widget(settings: Settings) -> bytes:
    """widget.js with the UI texts (prompts/widget.yaml) and limits filled in at serve time."""
    table = texts(TEXTS, settings.prompts_dir)
    contact = {
        "name": settings.programme_contact_name,
        "url": settings.programme_contact_url,
        "email": settings.programme_contact_email,
    }
    config = {
        "texts": {lang: {k: table.get(k, lang) for k in ("widget", "greeting", "suggestions")} for lang in LANGS},
        "maxChars": settings.max_question_chars,
        "contact": contact if settings.programme_contact_name else None,
    }
    source = (STATIC / "widget.js").read_text(encoding="utf-8")
    if CONFIG_TOKEN not in source:
        raise RuntimeError(f"{STATIC / 'widget.js'} lacks the config placeholder {CONFIG_TOKEN}")
    # ensure_ascii keeps U+2028/2029 and any '</script>' harmless inside the JS source.
    return source.replace(CONFIG_TOKEN, json.dumps(config, ensure_ascii=True).replace("/", "\\/")).encode()


def create_app(
    assistant: Assistant,
    settings: Settings | None = None,
    extensions: Sequence[Extension] = (),
    store: StateStore | None = None,
) -> FastAPI:
    """The web service over ``assistant``; ``settings`` (default: the assistant's) set the
    web parts: CORS, rate limits, body limit, retention, admin key, state directory.
    ``store`` is the process's conversation store (default: the one the settings name);
    the service runs its purge schedule. ``extensions`` run inside the service's lifespan
    (:mod:`assistant.main` passes the bot)."""
    settings = settings or assistant.settings
    store = store or StateStore.from_settings(settings)
    widget_js = render_widget(settings)
    widget_etag = '"' + hashlib.sha256(widget_js).hexdigest()[:20] + '"'
    demo_html = (STATIC / "demo.html").read_bytes()
    running: list[Callable[[], AbstractAsyncContextManager[Any]]] = []

    def warm_up() -> None:
        if assistant.ready:
            assistant.prepare()
            assistant.answer(WARM_UP_QUESTION)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with contextlib.AsyncExitStack() as stack:
            await stack.enter_async_context(retention(store, settings.retention_days, settings.data_dir / EXPORT_DIR))
            try:
                await run_in_threadpool(warm_up)
            except Exception:  # readiness reports it; the service still starts
                log.exception("warm-up answer failed")
            app.state.warm = True
            await stack.enter_async_context(follow_generations(assistant, on_change=app.state.answer_cache.clear))
            for run in running:
                await stack.enter_async_context(run())
            yield

    app = FastAPI(
        title="Wegwijzer ICT",
        version="0.1.0",
        summary="Cited answers about the Human Capital Agenda ICT, for an embeddable chat widget.",
        description=description(settings),
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_tags=[
            {"name": "chat", "description": "Questions, streamed answers, feedback, forgetting a conversation."},
            {"name": "admin", "description": "Re-ingest, statistics, feedback export (header `X-Admin-Key`)."},
            {"name": "service", "description": "Health, readiness, the widget and the demo page."},
        ],
    )
    app.state.assistant = assistant
    app.state.settings = settings
    app.state.store = store
    app.state.texts = texts(TEXTS, settings.prompts_dir)
    app.state.limits = Limits.from_settings(settings)
    app.state.answer_cache = answer_cache(settings, lambda: served_generation(assistant))
    app.state.metrics = Metrics()
    app.state.metrics.serve_generation(lambda: served_generation(assistant))
    app.state.reingest = ReingestJob(assistant, on_done=app.state.answer_cache.clear)
    app.state.warm = False
    app.state.allowed_origins = cors_allowlist(settings)
    app.state.trusted_proxies = trusted_networks(settings.trusted_proxies)
    # Paths with their own body limit (the Telegram webhook adds its path here).
    app.state.body_limits = {}

    app.include_router(routes_chat.router)
    app.include_router(routes_admin.router)
    errors.install(app, app.state.texts)

    @app.get("/healthz", response_model=HealthPublic, tags=["service"], summary="The process is alive")
    async def healthz() -> HealthPublic:
        return HealthPublic(status="ok")

    @app.get(
        "/readyz",
        response_model=ReadyPublic,
        tags=["service"],
        responses={503: {"model": ReadyPublic, "description": "Not ready: no index yet, or still warming up."}},
        summary="The index is loaded and the embedder has answered a first question",
    )
    async def readyz() -> JSONResponse:
        ready = bool(assistant.ready and app.state.warm)
        body = ReadyPublic(
            ready=ready,
            documents=len(assistant.documents()),
            chunks=assistant.retriever.size,
            generation=assistant.generation,
            detail=None
            if ready
            else ("no documents indexed: run `wegwijzer ingest`" if not assistant.ready else "warming up"),
        )
        return JSONResponse(body.model_dump(), status_code=200 if ready else 503)

    @app.get("/", response_class=HTMLResponse, tags=["service"], summary="Demo page with the widget embedded")
    async def demo_page() -> Response:
        return Response(demo_html, media_type="text/html; charset=utf-8", headers={"Cache-Control": "no-cache"})

    @app.get(
        "/widget.js",
        tags=["service"],
        summary="The embeddable chat widget (vanilla JS, no build step)",
        response_class=Response,
        responses={200: {"content": {"text/javascript": {}}}},
    )
    async def widget(request: Request) -> Response:
        headers = {"ETag": widget_etag, "Cache-Control": "public, max-age=300"}
        if request.headers.get("if-none-match") == widget_etag:
            return Response(status_code=304, headers=headers)
        return Response(widget_js, media_type="text/javascript; charset=utf-8", headers=headers)

    @app.get("/demo.css", include_in_schema=False)
    async def demo_css() -> FileResponse:
        return FileResponse(
            STATIC / "demo.css", media_type="text/css", headers={"Cache-Control": "public, max-age=300"}
        )

    @app.get("/demo.js", include_in_schema=False)
    async def demo_js() -> FileResponse:
        return FileResponse(
            STATIC / "demo.js", media_type="text/javascript", headers={"Cache-Control": "public, max-age=300"}
        )

    # Not in the OpenAPI document, no admin key, no rate limit: Prometheus scrapes it on the
    # internal network; a reverse proxy must keep it from the public.
    @app.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        return Response(app.state.metrics.exposition(), media_type=CONTENT_TYPE, headers={"Cache-Control": "no-store"})

    _mount_docs(app)
    _openapi_as_served(app, settings)
    running.extend(extension(app) for extension in extensions)

    # Outermost first: the metrics (every status, also the middlewares' own), headers on every
    # response (also 408/413/429), CORS, the body limit, then the body read timeout.
    app.add_middleware(BodyTimeoutMiddleware, timeout_s=settings.body_timeout_s)
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes, per_path=app.state.body_limits)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=app.state.allowed_origins,
        allow_methods=["GET", "POST", "DELETE"],
        allow_headers=["Content-Type", "Accept", "Accept-Language"],
        expose_headers=["Retry-After"],
        allow_credentials=False,
        max_age=600,
    )
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(HTTPMetricsMiddleware, metrics=app.state.metrics)  # outermost: sees every status
    return app


def _component(schemas: dict[str, Any], model: type[ErrorPublic]) -> dict[str, str]:
    """Put ``model`` (and the models it uses) in the document's components; its reference."""
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(schema.pop("$defs", {}))
    schemas[model.__name__] = schema
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _openapi_as_served(app: FastAPI, settings: Settings) -> None:
    """The OpenAPI document as the service answers: every 422 is ``{detail, code, errors}``
    (not FastAPI's ``HTTPValidationError``), operations with a body document 400/408/413, and
    the question's ``maxLength`` is ``WEGWIJZER_MAX_QUESTION_CHARS``."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        document = generate()
        schemas = document.setdefault("components", {}).setdefault("schemas", {})
        invalid = _component(schemas, ValidationErrorPublic)
        error = _component(schemas, ErrorPublic)
        body_errors = {
            "400": "The body could not be read as the content type it names.",
            "408": "The request body stalled (WEGWIJZER_BODY_TIMEOUT_S).",
            "413": "Request body larger than WEGWIJZER_MAX_BODY_BYTES.",
        }
        for operations in document.get("paths", {}).values():
            for operation in operations.values():
                responses = operation.get("responses", {})
                if "422" in responses:
                    responses["422"]["content"] = {"application/json": {"schema": invalid}}
                if "requestBody" in operation:
                    for status, text in body_errors.items():
                        responses.setdefault(
                            status, {"description": text, "content": {"application/json": {"schema": error}}}
                        )
        for name in ("HTTPValidationError", "ValidationError"):
            schemas.pop(name, None)
        message = schemas.get("ChatRequest", {}).get("properties", {}).get("message")
        if message is not None:
            message["maxLength"] = settings.max_question_chars
        app.openapi_schema = document
        return document

    app.openapi = openapi  # type: ignore[method-assign]


def _mount_docs(app: FastAPI) -> None:
    """Swagger UI at /docs from local files (no CDN): swagger-ui-bundle ships them."""
    try:
        from swagger_ui_bundle import swagger_ui_path
    except ImportError:  # still usable: the OpenAPI document is at /openapi.json
        swagger_ui_path = None
    if swagger_ui_path:
        app.mount("/docs/assets", StaticFiles(directory=swagger_ui_path), name="swagger-ui")

    page = (STATIC / "docs.html").read_bytes()

    @app.get("/docs", include_in_schema=False)
    async def docs() -> Response:
        return Response(page, media_type="text/html; charset=utf-8")

    @app.get("/docs/init.js", include_in_schema=False)
    async def docs_init() -> FileResponse:
        return FileResponse(STATIC / "docs-init.js", media_type="text/javascript")
