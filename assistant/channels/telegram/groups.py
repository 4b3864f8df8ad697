"""Group chats: the bot answers only messages meant for it (a mention, or a reply to it)."""

from __future__ import annotations

import re

from telegram import Message, MessageEntity
from telegram.constants import ChatType


def is_group(message: Message) -> bool:
    return message.chat.type != ChatType.PRIVATE


def replies_to(message: Message, bot_id: int) -> bool:
    """Is ``message`` a reply to one of the bot's messages?"""
    replied = message.reply_to_message
    return bool(replied and replied.from_user and replied.from_user.id == bot_id)


def addressed_text(message: Message, bot_id: int, bot_username: str | None) -> str | None:
    """The question in ``message``, or None when a group message is not meant for the bot.

    In private chats every message is for the bot. In groups only a mention (@bot) or a
    reply to one of the bot's messages is; the mention itself is removed from the question.
    """
    text = message.text or ""
    if not is_group(message):
        return text
    mentioned = False
    for entity, value in message.parse_entities([MessageEntity.MENTION, MessageEntity.TEXT_MENTION]).items():
        if (entity.type == MessageEntity.MENTION and bot_username and value.lower() == f"@{bot_username.lower()}") or (
            entity.type == MessageEntity.TEXT_MENTION and entity.user and entity.user.id == bot_id
        ):
            mentioned = True
            text = text.replace(value, " ")
    if not (mentioned or replies_to(message, bot_id)):
        return None
    return re.sub(r"\s+", " ", text).strip(" ,:")
