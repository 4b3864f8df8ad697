"""The bot's commands, one plain ``async def`` each: /start, /profiel, /regio, /taal,
/bronnen, /contact, /reset, /help (also for unknown commands in a private chat)."""

from __future__ import annotations

import asyncio
from dataclasses import replace

from telegram import Update
from telegram.ext import ContextTypes

from assistant.base.regions import normalize_region
from assistant.channels.telegram.context import ctx, message_and_user, ui_lang
from assistant.channels.telegram.format import format_documents
from assistant.channels.telegram.keyboards import (
    audience_keyboard,
    audience_label,
    language_keyboard,
    region_keyboard,
    region_label,
)

NO_REGION = {"-", "geen", "none", "nee", "no"}


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/start: welcome (Dutch, with an English hint) and 'who are you?' buttons."""
    bc, (message, user) = ctx(context), message_and_user(update)
    lang = bc.lang(user)
    await message.reply_text(bc.texts("welcome", lang), reply_markup=audience_keyboard(bc, lang))


async def profiel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/profiel: show the profile and offer to choose again."""
    bc, (message, user) = ctx(context), message_and_user(update)
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
    bc, (message, user) = ctx(context), message_and_user(update)
    profile = bc.profile(user)
    lang = ui_lang(profile, user)
    wanted = " ".join(context.args or []).strip()
    if not wanted:
        await message.reply_text(bc.texts("region_question", lang), reply_markup=region_keyboard(bc, lang))
        return
    no_region = wanted.lower() in NO_REGION
    region = None if no_region else normalize_region(wanted)
    if region is None and not no_region:
        await message.reply_text(bc.texts("region_unknown", lang), reply_markup=region_keyboard(bc, lang))
        return
    profile = replace(profile, region=region)
    bc.save_profile(user, profile)
    await message.reply_text(bc.texts("region_saved", lang, region=region_label(bc, profile, lang)))


async def reset(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/reset: forget the conversation (the profile stays)."""
    bc, (message, user) = ctx(context), message_and_user(update)
    bc.store.delete_conversation(bc.conversation_id(message.chat.id, user.id))
    await message.reply_text(bc.texts("reset_done", bc.lang(user)))


async def bronnen(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/bronnen: the documents the assistant knows, with their dates."""
    bc, (message, user) = ctx(context), message_and_user(update)
    lang = bc.lang(user)
    docs = await asyncio.to_thread(bc.assistant.documents)
    if not docs:
        await message.reply_text(bc.texts("sources_empty", lang))
        return
    labels = {"ended": bc.texts("sources_ended", lang), "planned": bc.texts("sources_planned", lang)}
    for chunk in format_documents(docs, bc.texts("sources_header", lang, count=len(docs)), labels):
        await message.reply_text(chunk)


async def contact(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/contact: who can help further with the topic of the last answer (else the programme)."""
    bc, (message, user) = ctx(context), message_and_user(update)
    last = bc.store.stored_answer(conversation_id=bc.conversation_id(message.chat.id, user.id))
    for text in bc.onward(last, "contacts_intro", bc.lang(user)):
        await message.reply_text(text)


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/help (and unknown commands in a private chat): what the bot can and cannot do."""
    bc, (message, user) = ctx(context), message_and_user(update)
    await message.reply_text(bc.texts("help", bc.lang(user)))


async def taal(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/taal nl|en: the language of the bot's texts (and the default for answers)."""
    bc, (message, user) = ctx(context), message_and_user(update)
    profile = bc.profile(user)
    wanted = (context.args[0].lower() if context.args else "")[:2]
    if wanted not in ("nl", "en"):
        await message.reply_text(bc.texts("language_usage", ui_lang(profile, user)), reply_markup=language_keyboard())
        return
    bc.save_profile(user, replace(profile, lang=wanted))  # type: ignore[arg-type]
    await message.reply_text(bc.texts("language_set", wanted))
