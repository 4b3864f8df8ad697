"""Button presses: 👍/👎 under an answer, and the profile buttons (audience, province, language)."""

from __future__ import annotations

import logging
from contextlib import suppress
from dataclasses import replace

from telegram import Update
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from assistant.base.regions import PROVINCES
from assistant.channels.telegram.context import CHANNEL, ctx, query_and_user, ui_lang
from assistant.channels.telegram.keyboards import (
    AUDIENCES,
    audience_label,
    feedback_done,
    region_keyboard,
    region_label,
)

log = logging.getLogger("wegwijzer.telegram")


async def on_feedback(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """👍/👎 under an answer: store it, acknowledge the press, replace the buttons."""
    bc, (query, user) = ctx(context), query_and_user(update)
    lang = bc.lang(user)
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
        await query.edit_message_reply_markup(feedback_done(label))


async def on_profile_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Buttons of /start, /profiel, /regio and /taal: audience, then province; or language."""
    bc, (query, user) = ctx(context), query_and_user(update)
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
