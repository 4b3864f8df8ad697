"""Questions: a text message becomes a cited answer, shown while it is being made.

:func:`on_text` hands the question to :func:`answer_question` (a picked choice of a clarifying
question goes there too), which checks the per-user rate limit, asks the assistant in the light
of the conversation and profile (one question at a time per conversation), records the answer
and sends it (:mod:`assistant.channels.telegram.format` renders it) labelled as automated, with
👍/👎 and Contact under it; a clarifying question gets its choices as buttons instead. Generated
answers stream: the first verified sentences appear as a draft message, edited at most
once a second, which the final answer replaces. Failures (a too long question, no index
yet, the rate limit) go to the one error handler (:mod:`assistant.channels.telegram.errors`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

from telegram import InlineKeyboardMarkup, Message, Update, User
from telegram.constants import ChatAction
from telegram.error import BadRequest, TelegramError
from telegram.ext import ContextTypes

from assistant import Answer, AnswerEvent, Assistant, Final, Profile, Turn
from assistant.channels.telegram.context import CHANNEL, BotContext, ctx, message_and_user
from assistant.channels.telegram.format import esc, format_answer
from assistant.channels.telegram.groups import addressed_text, is_group, replies_to
from assistant.channels.telegram.keyboards import choices_keyboard, feedback_keyboard

log = logging.getLogger("wegwijzer.telegram")

TYPING_EVERY_S = 4.5  # Telegram shows "typing…" for about 5 seconds
EDIT_INTERVAL_S = 1.0  # Telegram allows about one edit per second per chat
DRAFT_CHARS = 3900  # a draft stays one message
CORE_AUDIENCES = ("career_switcher", "employer", "staff")  # "other" is the bot's own choice


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
    message, user = message_and_user(update)
    question = addressed_text(message, context.bot.id, context.bot.username)
    if question is None:
        return
    await answer_question(context, message, user, question)


async def answer_question(context: ContextTypes.DEFAULT_TYPE, message: Message, user: User, question: str) -> None:
    """Answer ``question`` of ``user`` in the chat of ``message`` (their message, or the bot's
    clarifying question whose choice they picked), in their conversation in that chat."""
    bc = ctx(context)
    bc.limiter.check(bc.user_key(user.id), "user")
    stored = bc.profile(user)
    profile = Profile(
        audience=stored.audience if stored.audience in CORE_AUDIENCES else None,
        region=stored.region,
        lang=bc.lang(user),  # type: ignore[arg-type]
    )
    group = is_group(message)
    conversation_id = bc.conversation_id(message.chat.id, user.id)
    draft: Message | None = None
    async with bc.lock(conversation_id):  # one question at a time per conversation
        turns, _ = bc.store.get_conversation(conversation_id)
        started = time.perf_counter()
        async with typing(context, message.chat.id):
            if getattr(bc.assistant, "llm", None) is not None:  # generated answers: show them as they come
                answer, draft = await stream_draft(bc.assistant, message, question, turns, profile, group)
            else:
                answer = await asyncio.to_thread(bc.assistant.answer, question, turns, profile)
        latency_ms = (time.perf_counter() - started) * 1000
        answer_id = bc.store.record_exchange(
            conversation_id, CHANNEL, Turn(question, answer.text), answer, latency_ms, profile=profile, turns=turns
        )
    bc.metrics.answered(CHANNEL, answer, latency_ms / 1000)
    log.info("telegram answer: mode=%s abstained=%s latency_ms=%.0f", answer.mode, answer.abstained, latency_ms)
    await send_answer(bc, message, answer, answer_id, draft, group)


def answer_messages(bc: BotContext, answer: Answer) -> list[str]:
    """The answer as the bot sends it: sources, a refusal's contacts, the 'automated' label."""
    lang = answer.lang
    return format_answer(
        answer,
        bc.texts("label_sources", lang),
        automated=bc.texts("label_automated", lang),
        contacts_intro=bc.texts("contacts_intro", lang),
    )


def answer_keyboard(bc: BotContext, answer: Answer, answer_id: str) -> InlineKeyboardMarkup:
    """Under a clarifying question its choices; under an answer 👍/👎 and Contact (a refusal
    shows its contacts already)."""
    if answer.mode == "clarify" and answer.choices:
        return choices_keyboard(answer_id, answer.choices)
    return feedback_keyboard(answer_id, None if answer.abstained else bc.texts("button_contact", answer.lang))


async def send_answer(
    bc: BotContext, message: Message, answer: Answer, answer_id: str, draft: Message | None, group: bool
) -> None:
    """The answer as one or more messages, the buttons under the last; a streamed draft becomes the first."""
    chunks = answer_messages(bc, answer)
    for i, chunk in enumerate(chunks):
        markup = answer_keyboard(bc, answer, answer_id) if i == len(chunks) - 1 else None
        if i == 0 and draft is not None:
            with suppress(BadRequest):
                await draft.edit_text(chunk, reply_markup=markup)
                continue
        await message.reply_text(chunk, reply_markup=markup, do_quote=group and i == 0)


async def stream_draft(
    assistant: Assistant, message: Message, question: str, turns: list[Turn], profile: Profile, group: bool
) -> tuple[Answer, Message | None]:
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
            draft = await message.reply_text(esc(text.strip()[:DRAFT_CHARS]) + " …", do_quote=group)
            shown, last_edit = text, now
        elif text != shown and now - last_edit >= EDIT_INTERVAL_S:
            with suppress(BadRequest):
                await draft.edit_text(esc(text.strip()[:DRAFT_CHARS]) + " …")
            shown, last_edit = text, now


async def on_non_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stickers, photos, voice notes, files, locations …: only text questions are understood."""
    bc, (message, user) = ctx(context), message_and_user(update)
    if is_group(message) and not replies_to(message, context.bot.id):
        return
    await message.reply_text(bc.texts("non_text", bc.lang(user)), do_quote=is_group(message))
