"""What every handler shares: :class:`BotContext`, one per Application in ``bot_data``.

It holds the assistant, the settings, the process's conversation store, the bot's texts
(``prompts/telegram.yaml``, values HTML-escaped), the per-user rate limiter, the metrics it
records (:mod:`assistant.channels.metrics`) and a lock per conversation, and says where a user can go on (:meth:`BotContext.onward`). Telegram user ids
never reach the store: keys are salted hashes.
"""

from __future__ import annotations

import asyncio
import hashlib
import weakref
from dataclasses import dataclass, field
from typing import Any

from telegram import CallbackQuery, Message, Update, User
from telegram.ext import ContextTypes

from assistant import Assistant, Profile, Settings
from assistant.base.prompts import Texts
from assistant.base.types import Contact
from assistant.channels.metrics import Metrics
from assistant.channels.ratelimit import RateLimiter
from assistant.channels.state import StateStore, user_key
from assistant.channels.telegram.format import format_contacts

CHANNEL = "telegram"
KEY = "wegwijzer"  # where the BotContext lives in bot_data


@dataclass
class BotContext:
    """The shared objects of the bot's handlers."""

    assistant: Assistant
    settings: Settings
    store: StateStore
    texts: Texts
    salt: str
    limiter: RateLimiter
    metrics: Metrics = field(default_factory=Metrics)  # the web service's when the bot runs inside it
    locks: weakref.WeakValueDictionary[str, asyncio.Lock] = field(default_factory=weakref.WeakValueDictionary)

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

    def lang(self, user: User | None) -> str:
        """The language of the bot's texts for ``user`` (see :func:`ui_lang`)."""
        return ui_lang(self.profile(user), user)

    def contacts(self, stored: dict[str, Any] | None) -> list[Contact]:
        """The contacts stored with an answer (the bodies behind its sources, the programme),
        or, without them, the programme contact of the settings."""
        found = [Contact(**c) for c in (stored or {}).get("contacts") or []]
        s = self.settings
        if found or not s.programme_contact_name:
            return found
        return [Contact(s.programme_contact_name, s.programme_contact_url, s.programme_contact_email)]

    def onward(self, stored: dict[str, Any] | None, intro: str, lang: str) -> list[str]:
        """The message(s) that say where to go on: ``intro`` (a text key) and the contacts."""
        contacts = self.contacts(stored)
        if not contacts:
            return [self.texts("contacts_none", lang)]
        return format_contacts(contacts, self.texts(intro, lang))


def salt_for(settings: Settings) -> str:
    """The salt for user keys: configured, or derived from the token (stable across restarts)."""
    if settings.telegram_salt:
        return settings.telegram_salt.get_secret_value()
    token = settings.telegram_token.get_secret_value() if settings.telegram_token else ""
    return hashlib.sha256(f"wegwijzer-telegram-salt|{token}".encode()).hexdigest()


def ctx(context: ContextTypes.DEFAULT_TYPE) -> BotContext:
    return context.bot_data[KEY]


def ui_lang(profile: Profile | None, user: User | None) -> str:
    """The language of the bot's own texts: chosen with /taal, else the Telegram app's language."""
    if profile and profile.lang in ("nl", "en"):
        return profile.lang
    code = (user.language_code or "") if user else ""
    return "en" if code.lower().startswith("en") else "nl"


def message_and_user(update: Update) -> tuple[Message, User]:
    """The message of an update and its sender (the handlers' filters guarantee both)."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        raise TypeError(f"update {update.update_id} has no message or no sender")
    return message, user


def query_and_user(update: Update) -> tuple[CallbackQuery, User]:
    """The button press of an update and who pressed it."""
    query, user = update.callback_query, update.effective_user
    if query is None or user is None:
        raise TypeError(f"update {update.update_id} has no button press")
    return query, user
