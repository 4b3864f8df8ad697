"""The bot's inline keyboards (who are you, province, language, 👍/👎 and Contact, the choices of
a clarifying question) and their labels. Callback data stays under Telegram's 64 bytes: an
answer id (32 hex digits) and a short prefix, never a text."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from assistant import Profile
from assistant.base.regions import PROVINCES
from assistant.channels.telegram.context import BotContext

AUDIENCES = ("career_switcher", "employer", "other")


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


def contact_button(answer_id: str, label: str) -> InlineKeyboardButton:
    """Sends the answer's contacts (who can help further)."""
    return InlineKeyboardButton(label, callback_data=f"ct:{answer_id}")


def feedback_keyboard(answer_id: str, contact: str | None = None) -> InlineKeyboardMarkup:
    """👍 👎 under an answer, and a Contact button when ``contact`` (its label) is given."""
    row = [
        InlineKeyboardButton("👍", callback_data=f"fb:1:{answer_id}"),
        InlineKeyboardButton("👎", callback_data=f"fb:-1:{answer_id}"),
    ]
    if contact:
        row.append(contact_button(answer_id, contact))
    return InlineKeyboardMarkup([row])


def feedback_done(label: str, answer_id: str | None = None, contact: str | None = None) -> InlineKeyboardMarkup:
    """What replaces 👍/👎 after a press (the Contact button stays)."""
    row = [InlineKeyboardButton(label, callback_data="fb:done")]
    if answer_id and contact:
        row.append(contact_button(answer_id, contact))
    return InlineKeyboardMarkup([row])


def choices_keyboard(answer_id: str, choices: list[str]) -> InlineKeyboardMarkup:
    """The choices of a clarifying question, one per row; a press asks that choice."""
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(choice, callback_data=f"cl:{answer_id}:{i}")] for i, choice in enumerate(choices)]
    )


def choice_done(choice: str) -> InlineKeyboardMarkup:
    """What replaces the choices once one is picked: that one, ticked."""
    return InlineKeyboardMarkup([[InlineKeyboardButton(f"✓ {choice}", callback_data="cl:done")]])


def audience_label(bc: BotContext, profile: Profile, lang: str) -> str:
    return bc.texts(f"audience_{profile.audience}" if profile.audience in AUDIENCES else "audience_none", lang)


def region_label(bc: BotContext, profile: Profile, lang: str) -> str:
    return PROVINCES.get(profile.region or "", "") or bc.texts("region_none", lang)
