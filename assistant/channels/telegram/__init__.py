"""The Telegram bot for career switchers, and how the web service hosts it.

:mod:`assistant.main` mounts the bot in the web service when ``WEGWIJZER_TELEGRAM_TOKEN`` is
set, with the process's one conversation store, and enters the returned context in the
service's lifespan::

    bot_lifespan = mount(app, assistant, settings, store)
    async with bot_lifespan():
        yield

In webhook mode (``WEGWIJZER_TELEGRAM_MODE=webhook``) this adds ``POST /telegram/webhook``,
which accepts only requests carrying the configured secret in the
``X-Telegram-Bot-Api-Secret-Token`` header (missing: 401, wrong: 403) and puts the update on
the bot's queue; in polling mode the bot polls Telegram itself. Either way the bot runs
inside the web service's event loop for as long as the returned context is entered.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from fastapi import Request, Response

from assistant import Assistant, Settings
from assistant.channels.state import StateStore

log = logging.getLogger("wegwijzer.telegram")

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_UPDATE_BYTES = 1_000_000

__all__ = ["SECRET_HEADER", "mount"]


def mount(
    app: Any, assistant: Assistant, settings: Settings, store: StateStore | None = None
) -> Callable[[], AbstractAsyncContextManager[Any]]:
    """Attach the bot to the FastAPI ``app``; returns a factory of the context that runs it.

    ``store`` is the conversation store the web service uses too (default: the data
    directory's); the web service runs its retention purge, so the bot does not. The bot
    records into the web service's metrics (``app.state.metrics``), served at ``/metrics``.

    If Telegram cannot be reached or rejects the token, the error is logged and the web
    service keeps running without the bot (the context then yields None).
    """
    from telegram import Update
    from telegram.error import TelegramError

    from assistant.channels.telegram.bot import (
        WEBHOOK_PATH,
        build_application,
        quiet_http_logs,
        running,
        webhook_secret,
    )

    quiet_http_logs()
    application = build_application(assistant, settings, store, metrics=getattr(app.state, "metrics", None))
    app.state.telegram = application

    if settings.telegram_mode == "webhook":
        secret = webhook_secret(settings).encode()

        async def telegram_webhook(request: Request) -> Response:
            sent = request.headers.get(SECRET_HEADER)
            if sent is None:
                return Response(status_code=401)
            if not hmac.compare_digest(sent.encode(), secret):
                return Response(status_code=403)
            if not application.running:
                return Response(status_code=503)
            body = await request.body()
            if len(body) > MAX_UPDATE_BYTES:
                return Response(status_code=413)
            # Anything Telegram might send that the bot cannot use (not JSON, not an object, an
            # update type this version does not know) is acknowledged with 200 and dropped, so
            # Telegram does not retry it for a day and hold up the updates behind it.
            try:
                data = json.loads(body)
                update = Update.de_json(data, application.bot) if isinstance(data, dict) else None
            except Exception:  # an update the library cannot read
                log.warning("webhook: dropped an update that could not be read (%d bytes)", len(body))
                return Response(status_code=200)
            if update is None:
                log.warning("webhook: dropped a body that is not an update (%d bytes)", len(body))
                return Response(status_code=200)
            await application.update_queue.put(update)
            return Response(status_code=200)

        # The web service's body limit (WEGWIJZER_MAX_BODY_BYTES) is for questions; an update
        # may be as large as Telegram makes it.
        body_limits = getattr(app.state, "body_limits", None)
        if isinstance(body_limits, dict):
            body_limits[WEBHOOK_PATH] = MAX_UPDATE_BYTES
        app.add_api_route(WEBHOOK_PATH, telegram_webhook, methods=["POST"], include_in_schema=False)

    @asynccontextmanager
    async def bot_running() -> AsyncIterator[Any]:
        context = running(application, settings)
        try:
            await context.__aenter__()
        except (TelegramError, OSError) as exc:
            reason = "the token was rejected" if "token" in str(exc).lower() else str(exc)  # never log the token
            log.error("Telegram bot not started (%s: %s); the web service runs without it", type(exc).__name__, reason)
            started = False
        else:
            started = True
        if not started:
            yield None
            return
        try:
            yield application
        except BaseException as exc:
            if not await context.__aexit__(type(exc), exc, exc.__traceback__):
                raise
        else:
            await context.__aexit__(None, None, None)

    return bot_running
