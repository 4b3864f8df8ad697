"""The bot's inline keyboards (who are you, province, language, 👍/👎) and their labels."""

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


def feedback_keyboard(answer_id: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("👍", callback_data=f"fb:1:{answer_id}"),
                InlineKeyboardButton("👎", callback_data=f"fb:-1:{answer_id}"),
            ]
        ]
    )


def feedback_done(label: str) -> InlineKeyboardMarkup:
    """What replaces 👍/👎 after a press."""
    return InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data="fb:done")]])


def audience_label(bc: BotContext, profile: Profile, lang: str) -> str:
    return bc.texts(f"audience_{profile.audience}" if profile.audience in AUDIENCES else "audience_none", lang)


def region_label(bc: BotContext, profile: Profile, lang: str) -> str:
    return PROVINCES.get(profile.region or "", "") or bc.texts("region_none", lang)
