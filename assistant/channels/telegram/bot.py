"""The Telegram bot: a thin adapter from Telegram updates to :class:`assistant.Assistant`.

Handlers are plain ``async def`` functions named after their command. Shared objects
(the assistant, settings, state store, texts, rate limiter) live in ``bot_data``, set up
in ``post_init``. Profile (audience, region, language) and conversation turns live in the
SQLite state under the data directory, keyed by a salted hash of the Telegram user id, so
they survive a restart. Nothing here logs a message text together with a user id.

Two ways to receive updates:

* long polling (default): :func:`run_standalone` (``wegwijzer telegram``), or the web
  service through :func:`assistant.channels.telegram.mount`;
* webhook: the web service's ``POST /telegram/webhook`` puts updates on the queue of an
  Application built with ``.updater(None)`` (see :mod:`assistant.channels.telegram`).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
import sys
import time
import weakref
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field, replace
from typing import Any

from telegram import (
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    MessageEntity,
    Update,
    User,
)
from telegram.constants import ChatAction, ChatType, ParseMode
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    MessageHandler,
    filters,
)

from assistant import AnswerEvent, Assistant, Final, IndexNotReadyError, Profile, QuestionError, Settings, Turn
from assistant.base.regions import PROVINCES, normalize_region
from assistant.channels.state import StateStore, user_key
from assistant.channels.telegram.format import esc, format_answer, format_documents
from assistant.channels.telegram.texts import Texts

log = logging.getLogger("wegwijzer.telegram")

CHANNEL = "telegram"
WEBHOOK_PATH = "/telegram/webhook"
DEFAULT_API_URL = "https://api.telegram.org/bot"
# Edited messages, channel posts, inline queries … are never requested, so never answered twice.
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY]
AUDIENCES = ("career_switcher", "employer", "other")
TYPING_EVERY_S = 4.5  # Telegram shows "typing…" for about 5 seconds
PURGE_EVERY_S = 6 * 3600  # old conversations are purged at most this often (also when running without the web service)
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


# --- shared objects ------------------------------------------------------------------------
class RateLimiter:
    """Sliding one-minute window per user key; ``hit`` returns 0 or the seconds to wait."""

    def __init__(self, per_minute: int, window_s: float = 60.0):
        self.per_minute = per_minute
        self.window_s = window_s
        self._hits: dict[str, deque[float]] = {}

    def hit(self, key: str, now: float | None = None) -> int:
        if self.per_minute <= 0:
            return 0
        now = time.monotonic() if now is None else now
        hits = self._hits.setdefault(key, deque())
        while hits and now - hits[0] >= self.window_s:
            hits.popleft()
        if len(hits) >= self.per_minute:
            return max(1, int(self.window_s - (now - hits[0]) + 0.999))
        hits.append(now)
        return 0


@dataclass
class BotContext:
    """What every handler needs; one per Application, in ``bot_data["wegwijzer"]``."""

    assistant: Assistant
    settings: Settings
    store: StateStore
    texts: Texts
    salt: str
    limiter: RateLimiter
    locks: weakref.WeakValueDictionary[str, asyncio.Lock] = field(default_factory=weakref.WeakValueDictionary)
    purged_at: float = 0.0

    async def purge_if_due(self) -> None:
        """Drop conversations older than the retention period (cheap; at most every few hours)."""
        if time.monotonic() - self.purged_at < PURGE_EVERY_S and self.purged_at:
            return
        self.purged_at = time.monotonic()
        purged = await asyncio.to_thread(self.store.purge, self.settings.retention_days)
        if purged:
            log.info("retention: purged %d conversations older than %d days", purged, self.settings.retention_days)

    def user_key(self, user_id: int) -> str:
        return user_key(CHANNEL, user_id, self.salt)

    def conversation_id(self, chat_id: int, user_id: int) -> str:
        """One conversation per user per chat (a group chat does not mix its members' turns)."""
        return user_key(CHANNEL, f"{user_id}@{chat_id}", self.salt)

    def lock(self, key: str) -> asyncio.Lock:
        lock = self.locks.get(key)
        if lock is None:
            lock = asyncio.Lock()
            self.locks[key] = lock
        return lock

    def profile(self, user: User | None) -> Profile:
        if user is None:
            return Profile()
        return self.store.get_profile(self.user_key(user.id)) or Profile()

    def save_profile(self, user: User, profile: Profile) -> None:
        self.store.set_profile(self.user_key(user.id), profile)


def salt_for(settings: Settings) -> str:
    """The salt for user keys: configured, or derived from the token (stable across restarts)."""
    if settings.telegram_salt:
        return settings.telegram_salt.get_secret_value()
    token = settings.telegram_token.get_secret_value() if settings.telegram_token else ""
    return hashlib.sha256(f"wegwijzer-telegram-salt|{token}".encode()).hexdigest()


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


def ctx(context: ContextTypes.DEFAULT_TYPE) -> BotContext:
    return context.bot_data["wegwijzer"]


def ui_lang(profile: Profile | None, user: User | None) -> str:
    """The language of the bot's own texts: chosen with /taal, else the Telegram app's language."""
    if profile and profile.lang in ("nl", "en"):
        return profile.lang
    code = (user.language_code or "") if user else ""
    return "en" if code.lower().startswith("en") else "nl"


# --- keyboards -------------------------------------------------------------------------------
def audience_keyboard(bc: BotContext, lang: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(bc.texts(f"audience_{a}", lang), callback_data=f"aud:{a}") for a in AUDIENCES]]
    )


def region_keyboard(bc: BotContext, lang: str) -> InlineKeyboardMarkup:
    buttons = [InlineKeyboardButton(name, callback_data=f"reg:{slug}") for slug, name in PROVINCES.items()]
    rows = [buttons[i : i + 3] for i in range(0, len(buttons), 3)]
    rows.append([InlineKeyboardButton(bc.texts("region_skip", lang), callback_data="reg:-")])
    return InlineKeyboardMarkup(rows)


def language_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("Nederlands", callback_data="lang:nl"),
                InlineKeyboardButton("English", callback_data="lang:en"),
            ]
        ]
    )


def feedback_keyboard(answer_id: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("👍", callback_data=f"fb:1:{answer_id}"),
                InlineKeyboardButton("👎", callback_data=f"fb:-1:{answer_id}"),
            ]
        ]
    )


def audience_label(bc: BotContext, profile: Profile, lang: str) -> str:
    return bc.texts(f"audience_{profile.audience}" if profile.audience in AUDIENCES else "audience_none", lang)


def region_label(bc: BotContext, profile: Profile, lang: str) -> str:
    return PROVINCES.get(profile.region or "", "") or bc.texts("region_none", lang)


# --- group chats -------------------------------------------------------------------------------
def addressed_text(message: Message, bot_id: int, bot_username: str | None) -> str | None:
    """The question in ``message``, or None when a group message is not meant for the bot.

    In private chats every message is for the bot. In groups only a mention (@bot) or a
    reply to one of the bot's messages is; the mention itself is removed from the question.
    """
    text = message.text or ""
    if message.chat.type == ChatType.PRIVATE:
        return text
    replied = message.reply_to_message
    is_reply = bool(replied and replied.from_user and replied.from_user.id == bot_id)
    mentioned = False
    for entity, value in message.parse_entities([MessageEntity.MENTION, MessageEntity.TEXT_MENTION]).items():
        if (entity.type == MessageEntity.MENTION and bot_username and value.lower() == f"@{bot_username.lower()}") or (
            entity.type == MessageEntity.TEXT_MENTION and entity.user and entity.user.id == bot_id
        ):
            mentioned = True
            text = text.replace(value, " ")
    if not (mentioned or is_reply):
        return None
    return re.sub(r"\s+", " ", text).strip(" ,:")


def is_group(message: Message) -> bool:
    return message.chat.type != ChatType.PRIVATE


# --- commands ------------------------------------------------------------------------------------
async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/start: welcome (Dutch, with an English hint) and 'who are you?' buttons."""
    bc, message = ctx(context), update.effective_message
    lang = ui_lang(bc.profile(update.effective_user), update.effective_user)
    await message.reply_text(bc.texts("welcome", lang), reply_markup=audience_keyboard(bc, lang))


async def profiel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/profiel: show the profile and offer to choose again."""
    bc, message, user = ctx(context), update.effective_message, update.effective_user
    profile = bc.profile(user)
    lang = ui_lang(profile, user)
    await message.reply_text(
        bc.texts(
            "profile_current", lang, audience=audience_label(bc, profile, lang), region=region_label(bc, profile, lang)
        ),
        reply_markup=audience_keyboard(bc, lang),
    )


async def regio(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/regio [provincie]: set the province directly, or pick one from the buttons."""
    bc, message, user = ctx(context), update.effective_message, update.effective_user
    profile = bc.profile(user)
    lang = ui_lang(profile, user)
    wanted = " ".join(context.args or []).strip()
    if not wanted:
        await message.reply_text(bc.texts("region_question", lang), reply_markup=region_keyboard(bc, lang))
        return
    if wanted.lower() in {"-", "geen", "none", "nee", "no"}:
        region = None
    else:
        region = normalize_region(wanted)
        if region is None:
            await message.reply_text(bc.texts("region_unknown", lang), reply_markup=region_keyboard(bc, lang))
            return
    profile = replace(profile, region=region)
    bc.save_profile(user, profile)
    await message.reply_text(bc.texts("region_saved", lang, region=region_label(bc, profile, lang)))


async def reset(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/reset: forget the conversation (the profile stays)."""
    bc, message, user = ctx(context), update.effective_message, update.effective_user
    bc.store.delete_conversation(bc.conversation_id(message.chat.id, user.id))
    await message.reply_text(bc.texts("reset_done", ui_lang(bc.profile(user), user)))


async def bronnen(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/bronnen: the documents the assistant knows, with their dates."""
    bc, message, user = ctx(context), update.effective_message, update.effective_user
    lang = ui_lang(bc.profile(user), user)
    docs = await asyncio.to_thread(bc.assistant.documents)
    if not docs:
        await message.reply_text(bc.texts("sources_empty", lang))
        return
    labels = {"ended": bc.texts("sources_ended", lang), "planned": bc.texts("sources_planned", lang)}
    for chunk in format_documents(docs, bc.texts("sources_header", lang, count=len(docs)), labels):
        await message.reply_text(chunk)


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/help (and unknown commands in a private chat): what the bot can and cannot do."""
    bc, message, user = ctx(context), update.effective_message, update.effective_user
    await message.reply_text(bc.texts("help", ui_lang(bc.profile(user), user)))


async def taal(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/taal nl|en: the language of the bot's texts (and the default for answers)."""
    bc, message, user = ctx(context), update.effective_message, update.effective_user
    profile = bc.profile(user)
    wanted = (context.args[0].lower() if context.args else "")[:2]
    if wanted not in ("nl", "en"):
        await message.reply_text(bc.texts("language_usage", ui_lang(profile, user)), reply_markup=language_keyboard())
        return
    bc.save_profile(user, replace(profile, lang=wanted))  # type: ignore[arg-type]
    await message.reply_text(bc.texts("language_set", wanted))


# --- questions ---------------------------------------------------------------------------------
@asynccontextmanager
async def typing(context: ContextTypes.DEFAULT_TYPE, chat_id: int) -> AsyncIterator[None]:
    """Show "typing…" now and every few seconds until the block ends."""

    async def keep_typing() -> None:
        while True:
            await asyncio.sleep(TYPING_EVERY_S)
            with suppress(TelegramError):
                await context.bot.send_chat_action(chat_id, ChatAction.TYPING)

    with suppress(TelegramError):
        await context.bot.send_chat_action(chat_id, ChatAction.TYPING)
    task = asyncio.create_task(keep_typing())
    try:
        yield
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A question: answer it with citations, in the light of the conversation and profile."""
    bc, message, user = ctx(context), update.effective_message, update.effective_user
    if message is None or user is None:
        return
    question = addressed_text(message, context.bot.id, context.bot.username)
    if question is None:
        return
    stored = bc.profile(user)
    lang = ui_lang(stored, user)
    group = is_group(message)
    wait = bc.limiter.hit(bc.user_key(user.id))
    if wait:
        log.info("telegram rate limit hit (wait %ss)", wait)
        await message.reply_text(bc.texts("rate_limited", lang, seconds=wait), do_quote=group)
        return
    profile = Profile(
        audience=stored.audience if stored.audience in ("career_switcher", "employer", "staff") else None,
        region=stored.region,
        lang=lang,  # type: ignore[arg-type]
    )
    await bc.purge_if_due()
    conversation_id = bc.conversation_id(message.chat.id, user.id)
    draft: Message | None = None
    async with bc.lock(conversation_id):  # one question at a time per conversation
        turns, _ = bc.store.get_conversation(conversation_id)
        started = time.perf_counter()
        try:
            async with typing(context, message.chat.id):
                if (
                    getattr(bc.assistant, "llm", None) is not None
                ):  # generated answers: show verified sentences as they come
                    answer, draft = await stream_draft(bc.assistant, message, question, turns, profile, group)
                else:
                    answer = await asyncio.to_thread(bc.assistant.answer, question, turns, profile)
        except QuestionError as exc:  # empty or too long; the message is in the asker's language
            await message.reply_text(esc(str(exc)), do_quote=group)
            return
        except IndexNotReadyError:
            await message.reply_text(bc.texts("not_ready", lang), do_quote=group)
            return
        latency_ms = (time.perf_counter() - started) * 1000
        answer_id = bc.store.record_answer(
            conversation_id, CHANNEL, answer.abstained, answer.mode, answer.lang, latency_ms
        )
        bc.store.append_turn(conversation_id, Turn(question, answer.text), profile, channel=CHANNEL)
    log.info("telegram answer: mode=%s abstained=%s latency_ms=%.0f", answer.mode, answer.abstained, latency_ms)
    chunks = format_answer(answer, bc.texts("label_sources", answer.lang))
    for i, chunk in enumerate(chunks):
        last = i == len(chunks) - 1
        markup = feedback_keyboard(answer_id) if last else None
        if i == 0 and draft is not None:  # the streamed draft becomes the final first message
            with suppress(BadRequest):
                await draft.edit_text(chunk, reply_markup=markup)
                continue
        await message.reply_text(chunk, reply_markup=markup, do_quote=group and i == 0)


EDIT_INTERVAL_S = 1.0  # Telegram allows about one edit per second per chat


async def stream_draft(
    assistant: Assistant, message: Message, question: str, turns: list[Turn], profile: Profile, group: bool
) -> tuple[Any, Message | None]:
    """Run ``assistant.stream`` in a thread; post the first verified sentence as soon as it is
    there and edit that message at most once a second as more verified sentences arrive.
    Returns the final answer and the draft message (None when nothing was streamed)."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[AnswerEvent | BaseException] = asyncio.Queue()

    def produce() -> None:
        try:
            for event in assistant.stream(question, turns, profile):
                loop.call_soon_threadsafe(queue.put_nowait, event)
        except BaseException as exc:
            loop.call_soon_threadsafe(queue.put_nowait, exc)

    worker = loop.run_in_executor(None, produce)
    draft: Message | None = None
    text, shown, last_edit = "", "", 0.0
    while True:
        event = await queue.get()
        if isinstance(event, BaseException):
            await worker
            raise event
        if isinstance(event, Final):
            await worker
            return event.answer, draft
        text += event.text
        now = time.monotonic()
        if draft is None:
            draft = await message.reply_text(esc(text.strip()[:3900]) + " …", do_quote=group)
            shown, last_edit = text, now
        elif text != shown and now - last_edit >= EDIT_INTERVAL_S:
            with suppress(BadRequest):
                await draft.edit_text(esc(text.strip()[:3900]) + " …")
            shown, last_edit = text, now


async def on_non_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stickers, photos, voice notes, files, locations …: only text questions are understood."""
    bc, message, user = ctx(context), update.effective_message, update.effective_user
    if message is None:
        return
    if is_group(message):
        replied = message.reply_to_message
        if not (replied and replied.from_user and replied.from_user.id == context.bot.id):
            return
    await message.reply_text(bc.texts("non_text", ui_lang(bc.profile(user), user)), do_quote=is_group(message))


# --- buttons -------------------------------------------------------------------------------------
async def on_feedback(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """👍/👎 under an answer: store it, acknowledge the press, replace the buttons."""
    bc, query, user = ctx(context), update.callback_query, update.effective_user
    lang = ui_lang(bc.profile(user), user)
    parts = (query.data or "").split(":", 2)
    if len(parts) != 3 or parts[1] not in ("1", "-1"):
        await query.answer()  # the "thanks" button left after a press
        return
    rating, answer_id = int(parts[1]), parts[2]
    if not bc.store.answer_exists(answer_id):
        await query.answer(bc.texts("feedback_unknown", lang))
        return
    bc.store.add_feedback(answer_id, rating, channel=CHANNEL)
    log.info("telegram feedback: rating=%d", rating)
    await query.answer(bc.texts("feedback_thanks", lang))
    label = ("👍 " if rating > 0 else "👎 ") + bc.texts("feedback_recorded", lang)
    with suppress(BadRequest):  # e.g. "message is not modified" after a double press
        await query.edit_message_reply_markup(
            InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data="fb:done")]])
        )


async def on_profile_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Buttons of /start, /profiel, /regio and /taal: audience, then province; or language."""
    bc, query, user = ctx(context), update.callback_query, update.effective_user
    kind, _, value = (query.data or "").partition(":")
    profile = bc.profile(user)
    lang = ui_lang(profile, user)
    await query.answer()
    if kind == "aud" and value in AUDIENCES:
        bc.save_profile(user, replace(profile, audience=value))  # type: ignore[arg-type]  # "other" stays channel-side
        await query.edit_message_text(bc.texts("region_question", lang), reply_markup=region_keyboard(bc, lang))
    elif kind == "reg" and (value == "-" or value in PROVINCES):
        profile = replace(profile, region=None if value == "-" else value)
        bc.save_profile(user, profile)
        await query.edit_message_text(
            bc.texts(
                "profile_saved",
                lang,
                audience=audience_label(bc, profile, lang),
                region=region_label(bc, profile, lang),
            )
        )
    elif kind == "lang" and value in ("nl", "en"):
        bc.save_profile(user, replace(profile, lang=value))  # type: ignore[arg-type]
        await query.edit_message_text(bc.texts("language_set", value))


# --- errors --------------------------------------------------------------------------------------
async def error_handler(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the failure (no message text, no user id) and tell the user kindly."""
    err = context.error
    update_id = update.update_id if isinstance(update, Update) else None
    if isinstance(err, (NetworkError, Forbidden)) and not isinstance(err, BadRequest):
        log.warning("telegram update %s: %s", update_id, type(err).__name__)
    else:
        log.error("telegram update %s failed: %s", update_id, type(err).__name__, exc_info=err)
    if not isinstance(update, Update) or update.effective_chat is None or isinstance(err, Forbidden):
        return
    bc = context.bot_data.get("wegwijzer")
    if bc is None:
        return
    if update.callback_query:
        with suppress(TelegramError):
            await update.callback_query.answer()
    lang = ui_lang(bc.profile(update.effective_user), update.effective_user)
    with suppress(TelegramError):
        await context.bot.send_message(update.effective_chat.id, bc.texts("error", lang))


# --- wiring ----------------------------------------------------------------------------------------
def commands(texts: Texts, lang: str) -> list[BotCommand]:
    names = ("start", "profiel", "regio", "taal", "bronnen", "reset", "help")
    return [BotCommand(name, texts(f"cmd_{name}", lang)) for name in names]


def build_application(assistant: Assistant, settings: Settings) -> Application:
    """The PTB Application with every handler wired; shared objects arrive in ``post_init``."""
    if not settings.telegram_token:
        raise ValueError(MISSING_TOKEN)

    async def post_init(application: Application) -> None:
        texts = Texts(settings.prompts_dir / "telegram.yaml")
        application.bot_data["wegwijzer"] = BotContext(
            assistant=assistant,
            settings=settings,
            store=StateStore(settings.data_dir / "state.sqlite"),
            texts=texts,
            salt=salt_for(settings),
            limiter=RateLimiter(settings.telegram_rate_per_minute),
        )
        try:
            await application.bot.set_my_commands(commands(texts, "nl"))
            await application.bot.set_my_commands(commands(texts, "en"), language_code="en")
        except TelegramError as exc:  # cosmetic: the bot works without its command menu
            log.warning("could not set the bot's command menu: %s", type(exc).__name__)
        log.info("Telegram bot @%s ready (%s mode)", application.bot.username, settings.telegram_mode)

    builder = (
        ApplicationBuilder()
        .token(settings.telegram_token.get_secret_value())
        .base_url(settings.telegram_api_url)
        .rate_limiter(AIORateLimiter(max_retries=3))
        .defaults(Defaults(parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True)))
        .concurrent_updates(8)
        .post_init(post_init)
    )
    if file_url(settings):
        builder = builder.base_file_url(file_url(settings))
    if settings.telegram_mode == "webhook":
        builder = builder.updater(None)
    application = builder.build()

    only_new = filters.UpdateType.MESSAGE  # never edited messages or channel posts
    application.add_handler(CommandHandler("start", start, filters=only_new))
    application.add_handler(CommandHandler(["profiel", "profile"], profiel, filters=only_new))
    application.add_handler(CommandHandler(["regio", "region"], regio, filters=only_new))
    application.add_handler(CommandHandler("reset", reset, filters=only_new))
    application.add_handler(CommandHandler(["bronnen", "sources"], bronnen, filters=only_new))
    application.add_handler(CommandHandler("help", help_command, filters=only_new))
    application.add_handler(CommandHandler(["taal", "language"], taal, filters=only_new))
    application.add_handler(MessageHandler(only_new & filters.COMMAND & filters.ChatType.PRIVATE, help_command))
    application.add_handler(MessageHandler(only_new & filters.TEXT & ~filters.COMMAND, on_text))
    application.add_handler(MessageHandler(only_new & NON_TEXT, on_non_text))
    application.add_handler(CallbackQueryHandler(on_feedback, pattern=r"^fb:"))
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


@asynccontextmanager
async def running(application: Application, settings: Settings) -> AsyncIterator[Application]:
    """Initialize and start the bot (polling or webhook) for the duration of the block."""
    async with application:  # initialize (getMe) … shutdown
        if application.post_init:
            await application.post_init(application)
        if application.updater is None:
            await register_webhook(application, settings)
        else:
            await application.updater.start_polling(allowed_updates=ALLOWED_UPDATES)
        await application.start()
        try:
            yield application
        finally:
            if application.updater is not None and application.updater.running:
                await application.updater.stop()
            if application.running:
                await application.stop()


def quiet_http_logs() -> None:
    """httpx logs every request URL at INFO, and Bot API URLs contain the token."""
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)


def run_polling(assistant: Assistant) -> None:
    """``wegwijzer telegram`` in polling mode: the bot alone, fetching updates from Telegram.

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
    application = build_application(assistant, settings)
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
