"""The Telegram bot's wiring: :func:`build_application` connects the handlers; nothing else.

A thin adapter from Telegram updates to :class:`assistant.Assistant`, laid out as the PTB
examples are: handlers are plain ``async def`` functions named after their command
(:mod:`.commands`, :mod:`.questions`, :mod:`.buttons`), one error handler (:mod:`.errors`),
shared objects in ``bot_data`` (:mod:`.context`), set up in ``post_init``. Profile
(audience, region, language) and conversation turns live in the process's SQLite state,
keyed by a salted hash of the Telegram user id, so they survive a restart. Nothing logs a
message text together with a user id.

Two ways to receive updates:

* long polling (default): :func:`run_polling` (``wegwijzer telegram``, the bot alone, which
  then also runs the retention purge), or the web service through
  :func:`assistant.channels.telegram.mount`;
* webhook: the web service's ``POST /telegram/webhook`` puts updates on the queue of an
  Application built with ``.updater(None)`` (see :mod:`assistant.channels.telegram`).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import sys
import time
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager, suppress

from telegram import BotCommand, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    MessageHandler,
    TypeHandler,
    filters,
)

from assistant import Assistant, Settings
from assistant.base.prompts import Texts, texts
from assistant.channels.metrics import Metrics, telegram_kind
from assistant.channels.ratelimit import RateLimiter, storage, storage_uri
from assistant.channels.state import EXPORT_DIR, StateStore, retention
from assistant.channels.telegram.buttons import on_choice, on_contact, on_feedback, on_profile_button
from assistant.channels.telegram.commands import bronnen, contact, help_command, profiel, regio, reset, start, taal
from assistant.channels.telegram.context import CHANNEL, KEY, BotContext, salt_for
from assistant.channels.telegram.errors import error_handler
from assistant.channels.telegram.format import esc
from assistant.channels.telegram.questions import on_non_text, on_text
from assistant.core.coordination import SharedLock, shared_lock

log = logging.getLogger("wegwijzer.telegram")

TEXTS = "telegram.yaml"
WEBHOOK_PATH = "/telegram/webhook"
DEFAULT_API_URL = "https://api.telegram.org/bot"
# Edited messages, channel posts, inline queries … are never requested, so never answered twice.
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY]
MENU = ("start", "profiel", "regio", "taal", "bronnen", "contact", "reset", "help")
MISSING_TOKEN = (
    "The Telegram bot is not started: WEGWIJZER_TELEGRAM_TOKEN is not set.\n"
    "Create a bot with @BotFather in Telegram (/newbot), then e.g. `export WEGWIJZER_TELEGRAM_TOKEN=123456:ABC…`\n"
    "(see README, section 'Run the Telegram bot')."
)

# Non-text messages that get the friendly "text only" reply.
NON_TEXT = (
    filters.Sticker.ALL
    | filters.PHOTO
    | filters.VOICE
    | filters.AUDIO
    | filters.VIDEO
    | filters.VIDEO_NOTE
    | filters.ANIMATION
    | filters.Document.ALL
    | filters.LOCATION
    | filters.VENUE
    | filters.CONTACT
    | filters.POLL
    | filters.Dice.ALL
)


def bot_texts(settings: Settings) -> Texts:
    """prompts/telegram.yaml, with every filled-in value escaped for parse_mode HTML."""
    return texts(TEXTS, settings.prompts_dir).escaped(esc)


def webhook_secret(settings: Settings) -> str:
    """The webhook's secret_token: configured, or derived from the token (A-Z, a-z, 0-9 only)."""
    if settings.telegram_webhook_secret:
        return settings.telegram_webhook_secret.get_secret_value()
    token = settings.telegram_token.get_secret_value() if settings.telegram_token else ""
    return hashlib.sha256(f"wegwijzer-telegram-webhook|{token}".encode()).hexdigest()


def webhook_url(settings: Settings) -> str | None:
    if settings.telegram_webhook_url:
        return settings.telegram_webhook_url
    if settings.public_url:
        return settings.public_url.rstrip("/") + WEBHOOK_PATH
    return None


def file_url(settings: Settings) -> str | None:
    if settings.telegram_file_url:
        return settings.telegram_file_url
    api = settings.telegram_api_url.rstrip("/")
    if api != DEFAULT_API_URL and api.endswith("/bot"):
        return api[: -len("/bot")] + "/file/bot"
    return None


def commands(table: Texts, lang: str) -> list[BotCommand]:
    """The command menu Telegram shows, in ``lang``."""
    return [BotCommand(name, table(f"cmd_{name}", lang)) for name in MENU]


def build_application(
    assistant: Assistant,
    settings: Settings,
    store: StateStore | None = None,
    purge: bool = False,
    metrics: Metrics | None = None,
) -> Application:
    """The PTB Application with every handler wired; shared objects arrive in ``post_init``.

    ``store`` is the process's conversation store (default: the one the settings name);
    with ``purge`` the bot runs its retention schedule (when no web service does). ``metrics``
    are the web service's when the bot runs inside it (default: the bot's own, unexposed).
    The rate limit storage is opened here, so one that cannot be reached stops the bot before
    it polls (:class:`~assistant.channels.shared.SharedStoreUnavailable`).
    """
    if not settings.telegram_token:
        raise ValueError(MISSING_TOKEN)
    state = store or StateStore.from_settings(settings)
    counts = metrics or Metrics()
    limits_store = storage(storage_uri(settings))
    purging: list[AbstractAsyncContextManager[None]] = []

    async def post_init(application: Application) -> None:
        bc = BotContext(
            assistant=assistant,
            settings=settings,
            store=state,
            texts=bot_texts(settings),
            salt=salt_for(settings),
            limiter=RateLimiter(settings.telegram_rate_per_minute, "telegram-user", limits_store),
            metrics=counts,
        )
        application.bot_data[KEY] = bc
        if purge:
            purging.append(retention(state, settings.retention_days, settings.data_dir / EXPORT_DIR))
            await purging[-1].__aenter__()
        try:
            await application.bot.set_my_commands(commands(bc.texts, "nl"))
            await application.bot.set_my_commands(commands(bc.texts, "en"), language_code="en")
        except TelegramError as exc:  # cosmetic: the bot works without its command menu
            log.warning("could not set the bot's command menu: %s", type(exc).__name__)
        log.info("Telegram bot @%s ready (%s mode)", application.bot.username, settings.telegram_mode)

    async def post_shutdown(application: Application) -> None:
        while purging:
            await purging.pop().__aexit__(None, None, None)

    builder = (
        ApplicationBuilder()
        .token(settings.telegram_token.get_secret_value())
        .base_url(settings.telegram_api_url)
        .rate_limiter(AIORateLimiter(max_retries=3))
        .defaults(Defaults(parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True)))
        .concurrent_updates(8)
        .post_init(post_init)
        .post_shutdown(post_shutdown)
    )
    files = file_url(settings)
    if files:
        builder = builder.base_file_url(files)
    if settings.telegram_mode == "webhook":
        builder = builder.updater(None)
    application = builder.build()

    async def count_update(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        counts.request(CHANNEL, telegram_kind(update), "received")

    application.add_handler(TypeHandler(Update, count_update), group=-1)  # before, and beside, the handlers below
    only_new = filters.UpdateType.MESSAGE  # never edited messages or channel posts
    application.add_handler(CommandHandler("start", start, filters=only_new))
    application.add_handler(CommandHandler(["profiel", "profile"], profiel, filters=only_new))
    application.add_handler(CommandHandler(["regio", "region"], regio, filters=only_new))
    application.add_handler(CommandHandler("reset", reset, filters=only_new))
    application.add_handler(CommandHandler(["bronnen", "sources"], bronnen, filters=only_new))
    application.add_handler(CommandHandler("help", help_command, filters=only_new))
    application.add_handler(CommandHandler("contact", contact, filters=only_new))
    application.add_handler(CommandHandler(["taal", "language"], taal, filters=only_new))
    application.add_handler(MessageHandler(only_new & filters.COMMAND & filters.ChatType.PRIVATE, help_command))
    application.add_handler(MessageHandler(only_new & filters.TEXT & ~filters.COMMAND, on_text))
    application.add_handler(MessageHandler(only_new & NON_TEXT, on_non_text))
    application.add_handler(CallbackQueryHandler(on_feedback, pattern=r"^fb:"))
    application.add_handler(CallbackQueryHandler(on_contact, pattern=r"^ct:"))
    application.add_handler(CallbackQueryHandler(on_choice, pattern=r"^cl:"))
    application.add_handler(CallbackQueryHandler(on_profile_button, pattern=r"^(aud|reg|lang):"))
    application.add_error_handler(error_handler)
    return application


async def register_webhook(application: Application, settings: Settings) -> None:
    """Tell Telegram where to post updates (with the secret_token it must send back)."""
    url = webhook_url(settings)
    if not url:
        log.warning(
            "Telegram webhook mode, but no public URL: set WEGWIJZER_TELEGRAM_WEBHOOK_URL (or WEGWIJZER_PUBLIC_URL); "
            "the webhook was not registered with Telegram"
        )
        return
    if not url.startswith("https://") and settings.telegram_api_url.rstrip("/") == DEFAULT_API_URL:
        log.warning("Telegram only delivers webhooks to https:// URLs; %s will not receive updates", url)
    await application.bot.set_webhook(url, secret_token=webhook_secret(settings), allowed_updates=ALLOWED_UPDATES)
    log.info("Telegram webhook registered at %s", url)


STANDBY_RETRY_S = 10.0


def polling_lock(settings: Settings) -> SharedLock:
    """The lock that keeps one bot token polled by one process (Telegram answers a second
    poller with 409 Conflict): per token, held in the data folder or in the shared Redis."""
    token = settings.telegram_token.get_secret_value() if settings.telegram_token else ""
    return shared_lock(settings, "telegram-polling-" + hashlib.sha256(token.encode()).hexdigest()[:12])


async def poll_when_free(application: Application, lock: SharedLock) -> None:
    """Start polling once this process holds the polling lock; until then stand by (another
    process polls) and try again every :data:`STANDBY_RETRY_S` seconds, so a standby takes
    over within seconds when the poller stops."""
    said = False
    while not await asyncio.to_thread(lock.acquire):
        if not said:
            log.info("Telegram: another process polls this bot; this one stands by (web and webhook unaffected)")
            said = True
        await asyncio.sleep(STANDBY_RETRY_S)
    assert application.updater is not None
    await application.updater.start_polling(allowed_updates=ALLOWED_UPDATES)
    log.info("Telegram: this process polls the bot")


@asynccontextmanager
async def running(application: Application, settings: Settings) -> AsyncIterator[Application]:
    """Initialize and start the bot (polling or webhook) for the duration of the block.
    Polling starts only in the one process that holds :func:`polling_lock`."""
    lock = polling_lock(settings) if application.updater is not None else None
    async with application:  # initialize (getMe) … shutdown
        if application.post_init:
            await application.post_init(application)
        poller: asyncio.Task[None] | None = None
        try:
            if lock is None:
                await register_webhook(application, settings)
            else:
                poller = asyncio.create_task(poll_when_free(application, lock))
            await application.start()
            try:
                yield application
            finally:
                if poller is not None:
                    poller.cancel()
                    with suppress(asyncio.CancelledError):
                        await poller
                if application.updater is not None and application.updater.running:
                    await application.updater.stop()
                if application.running:
                    await application.stop()
        finally:
            if lock is not None:
                lock.release()
            if application.post_shutdown:
                await application.post_shutdown(application)


def quiet_http_logs() -> None:
    """httpx logs every request URL at INFO, and Bot API URLs contain the token."""
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)


def run_polling(assistant: Assistant, store: StateStore | None = None) -> None:
    """``wegwijzer telegram`` in polling mode: the bot alone, fetching updates from Telegram,
    with the retention purge of ``store`` (default: the one the settings name).

    (Webhook mode needs an HTTP server; :mod:`assistant.main` runs the web service with the bot.)
    """
    settings = assistant.settings
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    quiet_http_logs()
    if not settings.telegram_token:
        print(MISSING_TOKEN, file=sys.stderr)
        raise SystemExit(2)
    if not assistant.ready:
        print(
            "Warning: no documents are indexed yet; run `wegwijzer ingest` (the bot says it is not ready).",
            file=sys.stderr,
        )
    application = build_application(assistant, settings, store, purge=True)
    lock = polling_lock(settings)
    if not lock.acquire():
        print("Another process polls this bot; standing by until it stops (Ctrl+C to quit).", file=sys.stderr)
        while not lock.acquire():
            time.sleep(STANDBY_RETRY_S)
    print("Telegram bot starting (long polling); stop with Ctrl+C.", file=sys.stderr)
    try:
        application.run_polling(allowed_updates=ALLOWED_UPDATES)
    except InvalidToken:
        print("Telegram rejected WEGWIJZER_TELEGRAM_TOKEN; copy the token from @BotFather again.", file=sys.stderr)
        raise SystemExit(2) from None
    except NetworkError as exc:
        print(
            f"Cannot reach the Telegram Bot API at {settings.telegram_api_url}: {type(exc).__name__}", file=sys.stderr
        )
        raise SystemExit(1) from None
    finally:
        lock.release()


__all__ = [
    "ALLOWED_UPDATES",
    "WEBHOOK_PATH",
    "build_application",
    "quiet_http_logs",
    "register_webhook",
    "run_polling",
    "running",
    "webhook_secret",
]
