"""Button presses: 👍/👎 and Contact under an answer, the choices of a clarifying question, and
the profile buttons (audience, province, language).

A 👎 and the Contact button send where the user can go on: the bodies behind the answer's
sources and the programme contact (stored with the answer). A picked choice is asked as the
next question of the presser's conversation."""

from __future__ import annotations

import logging
from contextlib import suppress
from dataclasses import replace

from telegram import Message, Update
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from assistant.base.regions import PROVINCES
from assistant.channels.telegram.context import CHANNEL, ctx, query_and_user, ui_lang
from assistant.channels.telegram.keyboards import (
    AUDIENCES,
    audience_label,
    choice_done,
    feedback_done,
    region_keyboard,
    region_label,
)
from assistant.channels.telegram.questions import answer_question

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
    stored = bc.store.stored_answer(answer_id)
    if stored is None:
        await query.answer(bc.texts("feedback_unknown", lang))
        return
    bc.store.add_feedback(answer_id, rating, channel=CHANNEL)
    log.info("telegram feedback: rating=%d", rating)
    await query.answer(bc.texts("feedback_thanks", lang))
    label = ("👍 " if rating > 0 else "👎 ") + bc.texts("feedback_recorded", lang)
    contact = None if stored["abstained"] else bc.texts("button_contact", lang)
    with suppress(BadRequest):  # e.g. "message is not modified" after a double press
        await query.edit_message_reply_markup(feedback_done(label, answer_id, contact))
    if rating < 0:
        for text in bc.onward(stored, "after_down", lang):
            await context.bot.send_message(user_chat(update), text)


def user_chat(update: Update) -> int:
    """The chat a button was pressed in."""
    if update.effective_chat is None:
        raise TypeError(f"update {update.update_id} has no chat")
    return update.effective_chat.id


async def on_contact(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The Contact button under an answer: where to go on for that answer's topic."""
    bc, (query, user) = ctx(context), query_and_user(update)
    lang = bc.lang(user)
    _, _, answer_id = (query.data or "").partition(":")
    await query.answer()
    for text in bc.onward(bc.store.stored_answer(answer_id), "contacts_intro", lang):
        await context.bot.send_message(user_chat(update), text)


async def on_choice(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A choice of a clarifying question: tick it, then answer it as the next question."""
    bc, (query, user) = ctx(context), query_and_user(update)
    parts = (query.data or "").split(":")
    if len(parts) != 3 or not parts[2].isdigit():
        await query.answer()  # the ticked choice left after a press
        return
    stored = bc.store.stored_answer(parts[1])
    choices = stored["choices"] if stored else []
    index = int(parts[2])
    if index >= len(choices) or not isinstance(query.message, Message):
        await query.answer(bc.texts("choice_unknown", bc.lang(user)))
        return
    await query.answer()
    with suppress(BadRequest):  # a double press: already ticked
        await query.edit_message_reply_markup(choice_done(choices[index]))
    await answer_question(context, query.message, user, choices[index])


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
