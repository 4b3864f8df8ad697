"""The bot's one error handler: every failure of a handler is mapped here, once, to what the
user is told (:func:`reply_for`) and how it is logged (never with a message text or user id).

==================  ==================================================  =========
error               the user sees                                        logged as
==================  ==================================================  =========
QuestionError       its message (empty or too long), in their language   info
IndexNotReadyError  ``not_ready``: the documents are still being read   info
RateLimited         ``rate_limited`` with the seconds to wait           info
Forbidden           nothing (the user blocked the bot)                   warning
NetworkError        ``error``                                            warning
anything else       ``error``: something went wrong, try again           error + trace
==================  ==================================================  =========
"""

from __future__ import annotations

import logging
from contextlib import suppress

from telegram import Update
from telegram.error import BadRequest, Forbidden, NetworkError, TelegramError
from telegram.ext import ContextTypes

from assistant import IndexNotReadyError, QuestionError
from assistant.base.prompts import Texts
from assistant.channels.ratelimit import RateLimited
from assistant.channels.telegram.context import CHANNEL, KEY, BotContext
from assistant.channels.telegram.format import esc
from assistant.channels.telegram.groups import is_group

log = logging.getLogger("wegwijzer.telegram")

EXPECTED = (QuestionError, IndexNotReadyError, RateLimited)


def reply_for(err: BaseException | None, texts: Texts, lang: str) -> str | None:
    """The HTML message for the user whose update failed with ``err`` (None: say nothing)."""
    if isinstance(err, Forbidden):
        return None
    if isinstance(err, QuestionError):
        return esc(str(err))
    if isinstance(err, IndexNotReadyError):
        return texts("not_ready", lang)
    if isinstance(err, RateLimited):
        return texts("rate_limited", lang, seconds=err.retry_after)
    return texts("error", lang)


def log_failure(update_id: int | None, err: BaseException | None) -> None:
    if isinstance(err, RateLimited):
        log.info("telegram rate limit hit (wait %ss)", err.retry_after)
    elif isinstance(err, EXPECTED):
        log.info("telegram update %s: %s", update_id, type(err).__name__)
    elif isinstance(err, (NetworkError, Forbidden)) and not isinstance(err, BadRequest):
        log.warning("telegram update %s: %s", update_id, type(err).__name__)
    else:
        log.error("telegram update %s failed: %s", update_id, type(err).__name__, exc_info=err)


async def error_handler(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the failure and tell the user kindly: a reply to their message (quoted in a group)."""
    err = context.error
    log_failure(update.update_id if isinstance(update, Update) else None, err)
    bc: BotContext | None = context.bot_data.get(KEY)
    if isinstance(err, RateLimited) and bc is not None:
        bc.metrics.refused(CHANNEL, err.scope)
    if not isinstance(update, Update) or update.effective_chat is None or bc is None:
        return
    text = reply_for(err, bc.texts, bc.lang(update.effective_user))
    if text is None:
        return
    if update.callback_query:  # a button press: stop its spinner; the text goes to the chat
        with suppress(TelegramError):
            await update.callback_query.answer()
    message = None if update.callback_query else update.effective_message
    with suppress(TelegramError):
        if message is not None:
            await message.reply_text(text, do_quote=is_group(message))
        else:
            await context.bot.send_message(update.effective_chat.id, text)
