"""The Telegram bot against a local Bot API peer speaking Telegram's wire protocol.

The peer is a real HTTP server (stdlib ``http.server`` in a thread) that implements the
Bot API methods the bot calls with Telegram's JSON shapes, serves scripted updates through
getUpdates, validates parse_mode HTML and the 4096-character limit like Telegram does, and
records every call. The bot reaches it through python-telegram-bot's ``base_url``. Answers
come from the real core over the real index (session fixture ``assistant``); a message
must show exactly what :func:`format_answer` makes of the core's answer (lead, points, list
items, notices, sources), and the formatter is checked on its own below.
"""

from __future__ import annotations

import asyncio
import html
import json
import os
import re
import shutil
import signal
import socket
import sys
import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from pydantic import SecretStr

from assistant import (
    Answer,
    Assistant,
    Citation,
    Delta,
    Final,
    IndexNotReadyError,
    Profile,
    QuestionError,
    Settings,
    Turn,
)
from assistant.base.prompts import PromptError, texts
from assistant.base.text import split_sentences
from assistant.base.types import Contact, Statement
from assistant.channels.ratelimit import RateLimited, RateLimiter, storage
from assistant.channels.state import StateStore
from assistant.channels.telegram import SECRET_HEADER, mount
from assistant.channels.telegram.bot import ALLOWED_UPDATES, bot_texts, build_application, run_polling, running
from assistant.channels.telegram.format import (
    TELEGRAM_LIMIT,
    format_answer,
    format_contacts,
    format_documents,
    tg_len,
)

# PTB's AIORateLimiter reads RetryAfter.retry_after, which PTB itself marks as changing type in v23.
pytestmark = pytest.mark.filterwarnings("ignore:.*retry_after.*:DeprecationWarning")

TOKEN = "123456789:AAtest-token_for_the_local_peer"
BOT_USER = {
    "id": 123456789,
    "is_bot": True,
    "first_name": "Wegwijzer ICT",
    "username": "wegwijzer_test_bot",
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}
SANNE = {"id": 4242, "is_bot": False, "first_name": "Sanne", "language_code": "nl"}
QUESTION = "Hoe kan ik als zij-instromer omscholen naar ICT?"
FOLLOW_UP = "En hoe zit dat in Gelderland?"
WAIT_S = 90.0


# --- Telegram's HTML, as strict as the real server ------------------------------------------------
class BadEntities(ValueError):
    pass


_TAGS = {
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "a",
    "code",
    "pre",
    "tg-spoiler",
    "span",
    "blockquote",
    "tg-emoji",
}
_HTML_TOKEN = re.compile(
    r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[a-zA-Z-]+=\"[^\"<>]*\")*)\s*>"
    r"|&(lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);|[<>&]"
)


def parse_html(text: str) -> str:
    """The plain text Telegram shows for an HTML message; raises BadEntities like the real API."""
    out: list[str] = []
    stack: list[str] = []
    pos = 0
    for m in _HTML_TOKEN.finditer(text):
        out.append(text[pos : m.start()])
        pos = m.end()
        if m.group(2):
            name = m.group(2).lower()
            if name not in _TAGS:
                raise BadEntities(f'Unsupported start tag "{name}" at byte offset {m.start()}')
            if m.group(1):
                if not stack or stack.pop() != name:
                    raise BadEntities(f'Unmatched end tag at byte offset {m.start()}, expected "</{name}>"')
            else:
                if name == "a" and 'href="' not in m.group(3):
                    raise BadEntities("Link without href")
                stack.append(name)
        elif m.group(4):
            out.append(html.unescape(m.group(0)))
        else:
            raise BadEntities(f"Unexpected {m.group(0)!r} at byte offset {m.start()}: escape it")
    out.append(text[pos:])
    if stack:
        raise BadEntities(f'Can\'t find end tag corresponding to start tag "{stack[-1]}"')
    return "".join(out)


# --- the local Bot API peer ----------------------------------------------------------------------------
class BotApiPeer:
    """A Bot API server on loopback: scripted updates in, every call recorded."""

    def __init__(self, token: str = TOKEN):
        self.token = token
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.updates: list[dict[str, Any]] = []
        self.failures: dict[str, list[tuple[int, dict[str, Any]]]] = {}
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}
        self.chats: dict[int, dict[str, Any]] = {}
        self._cond = threading.Condition()
        self._next_update = 1
        self._next_message = 1000
        peer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                status, payload = peer.handle(self.path, self.headers.get("Content-Type", ""), body)
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):  # the bot gave up a long poll
                    pass

            do_GET = do_POST

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/bot"

    def start(self) -> BotApiPeer:
        self.thread.start()
        return self

    def stop(self) -> None:
        with self._cond:
            self._cond.notify_all()
        self.server.shutdown()
        self.server.server_close()

    # --- scripting -----------------------------------------------------------------------------------
    def push(self, kind: str, obj: dict[str, Any]) -> int:
        with self._cond:
            update_id = self._next_update
            self._next_update += 1
            self.updates.append({"update_id": update_id, kind: obj})
            self._cond.notify_all()
            return update_id

    def new_message(
        self, text: str | None = None, user: dict[str, Any] = SANNE, chat: dict[str, Any] | None = None, **extra: Any
    ) -> dict[str, Any]:
        chat = chat or {"id": user["id"], "type": "private", "first_name": user["first_name"]}
        with self._cond:
            self._next_message += 1
            message_id = self._next_message
        message: dict[str, Any] = {"message_id": message_id, "date": int(time.time()), "chat": chat, "from": user}
        if text is not None:
            message["text"] = text
            if text.startswith("/"):
                command = text.split()[0]
                message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        message.update(extra)
        self.chats[chat["id"]] = chat
        return message

    def send_text(self, text: str, **kwargs: Any) -> int:
        return self.push("message", self.new_message(text, **kwargs))

    def press(self, message: dict[str, Any], data: str, user: dict[str, Any] = SANNE) -> str:
        query_id = f"cq{time.monotonic_ns()}"
        self.push(
            "callback_query", {"id": query_id, "from": user, "chat_instance": "ci-1", "data": data, "message": message}
        )
        return query_id

    def fail(self, method: str, times: int, status: int, body: dict[str, Any]) -> None:
        self.failures.setdefault(method, []).extend([(status, body)] * times)

    # --- inspection ----------------------------------------------------------------------------------
    def calls_of(self, method: str) -> list[dict[str, Any]]:
        return [p for m, p in list(self.calls) if m == method]

    async def wait_for(
        self,
        method: str,
        where: Callable[[dict[str, Any]], bool] = lambda p: True,
        after: int = 0,
        timeout: float = WAIT_S,
    ) -> dict[str, Any]:
        """The first call of ``method`` from position ``after`` on that satisfies ``where``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for m, params in list(self.calls)[after:]:
                if m == method and where(params):
                    return params
            await asyncio.sleep(0.02)
        raise AssertionError(f"no {method} call matching within {timeout}s; calls: {[m for m, _ in self.calls]}")

    def mark(self) -> int:
        return len(self.calls)

    # --- the Bot API -------------------------------------------------------------------------------
    def handle(self, path: str, content_type: str, body: bytes) -> tuple[int, dict[str, Any]]:
        prefix = f"/bot{self.token}/"
        if not path.startswith(prefix):
            return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        method = path[len(prefix) :]
        params = self._params(content_type, body)
        self.calls.append((method, params))
        with self._cond:
            queued = self.failures.get(method)
            failure = queued.pop(0) if queued else None
        if failure:
            return failure
        handler = getattr(self, f"api_{method}", None)
        if handler is None:
            return 404, {"ok": False, "error_code": 404, "description": "Not Found"}
        try:
            return 200, {"ok": True, "result": handler(params)}
        except BadEntities as exc:
            return 400, {"ok": False, "error_code": 400, "description": f"Bad Request: can't parse entities: {exc}"}
        except ValueError as exc:
            return 400, {"ok": False, "error_code": 400, "description": f"Bad Request: {exc}"}

    @staticmethod
    def _params(content_type: str, body: bytes) -> dict[str, Any]:
        if not body:
            return {}
        if "json" in content_type:
            return json.loads(body)
        if "multipart" in content_type:
            raise AssertionError("the bot never uploads files")
        params: dict[str, Any] = {}
        for key, values in parse_qs(body.decode(), keep_blank_values=True).items():
            value: Any = values[0]
            if value[:1] in "{[":
                value = json.loads(value)
            params[key] = value
        return params

    def _message(self, chat_id: Any, text: str, reply_markup: Any = None) -> dict[str, Any]:
        plain = parse_html(text)
        if not plain.strip():
            raise ValueError("message text is empty")
        if tg_len(plain) > TELEGRAM_LIMIT:
            raise ValueError("message is too long")
        chat_id = int(chat_id)
        with self._cond:
            self._next_message += 1
            message_id = self._next_message
        message = {
            "message_id": message_id,
            "date": int(time.time()),
            "from": BOT_USER,
            "chat": self.chats.get(chat_id, {"id": chat_id, "type": "private"}),
            "text": plain,
        }
        if reply_markup:
            message["reply_markup"] = reply_markup
        self.messages[(chat_id, message_id)] = message
        return message

    def api_getMe(self, params: dict[str, Any]) -> dict[str, Any]:
        return BOT_USER

    def api_getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        deadline = time.monotonic() + float(params.get("timeout") or 0)
        with self._cond:
            while True:
                self.updates = [u for u in self.updates if u["update_id"] >= offset]
                if self.updates or time.monotonic() >= deadline:
                    return self.updates[:limit]
                self._cond.wait(min(0.5, max(0.0, deadline - time.monotonic())))

    def api_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        if params.get("parse_mode") not in (None, "HTML"):
            raise ValueError("unexpected parse_mode")
        return self._message(params["chat_id"], params["text"], params.get("reply_markup"))

    def api_editMessageText(self, params: dict[str, Any]) -> dict[str, Any]:
        key = (int(params["chat_id"]), int(params["message_id"]))
        if key not in self.messages:
            raise ValueError("message to edit not found")
        edited = self._message(params["chat_id"], params["text"], params.get("reply_markup"))
        edited["message_id"] = key[1]
        self.messages[key] = edited
        return edited

    def api_editMessageReplyMarkup(self, params: dict[str, Any]) -> dict[str, Any]:
        key = (int(params["chat_id"]), int(params["message_id"]))
        if key not in self.messages:
            raise ValueError("message to edit not found")
        self.messages[key] = dict(self.messages[key], reply_markup=params.get("reply_markup"))
        return self.messages[key]

    def api_sendChatAction(self, params: dict[str, Any]) -> bool:
        return True

    def api_answerCallbackQuery(self, params: dict[str, Any]) -> bool:
        return True

    def api_setMyCommands(self, params: dict[str, Any]) -> bool:
        return True

    def api_setWebhook(self, params: dict[str, Any]) -> bool:
        self.webhook = params
        return True

    def api_deleteWebhook(self, params: dict[str, Any]) -> bool:
        self.webhook = {}
        return True

    def api_getWebhookInfo(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": getattr(self, "webhook", {}).get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": 0,
        }

    def api_close(self, params: dict[str, Any]) -> bool:
        return True

    def api_logOut(self, params: dict[str, Any]) -> bool:
        return True


# --- fixtures and helpers ------------------------------------------------------------------------------
@pytest.fixture
def peer() -> Any:
    p = BotApiPeer().start()
    yield p
    p.stop()


@pytest.fixture
def bot_settings(built_settings: Settings, peer: BotApiPeer, tmp_path: Path) -> Settings:
    """The test index's settings, with a fresh state dir and the peer as Bot API server."""
    return built_settings.model_copy(
        update={
            "data_dir": tmp_path / "bot-data",
            "telegram_token": SecretStr(TOKEN),
            "telegram_api_url": peer.base_url,
            "telegram_mode": "polling",
        }
    )


@asynccontextmanager
async def polling_bot(assistant: Any, settings: Settings) -> AsyncIterator[Any]:
    application = build_application(assistant, settings)
    async with running(application, settings):
        yield application


def plain(params: dict[str, Any]) -> str:
    return parse_html(params["text"])


def buttons(params: dict[str, Any]) -> list[str]:
    markup = params.get("reply_markup") or {}
    return [b.get("callback_data", "") for row in markup.get("inline_keyboard", []) for b in row]


def bot_message(peer: BotApiPeer, params: dict[str, Any]) -> dict[str, Any]:
    """The message the peer created for a sendMessage call (what a button press refers to)."""
    for (chat_id, _), message in peer.messages.items():
        if chat_id == int(params["chat_id"]) and message.get("reply_markup") == params.get("reply_markup"):
            found = message
    return found


def to_chat(chat_id: int) -> Callable[[dict[str, Any]], bool]:
    return lambda p: int(p["chat_id"]) == chat_id


BOT_TEXTS = texts("telegram.yaml")
LABEL = "🤖 Automatisch antwoord uit de programmadocumenten"


def shown_as(answer: Answer) -> str:
    """What a user sees of ``answer`` in the (first) message: the formatter's rendering, with the
    sources, a refusal's contacts and the 'automated answer' label in the answer's language."""
    lang = answer.lang
    return parse_html(
        format_answer(
            answer,
            BOT_TEXTS("label_sources", lang),
            automated=BOT_TEXTS("label_automated", lang),
            contacts_intro=BOT_TEXTS("contacts_intro", lang),
        )[0]
    )


def assert_structured(answer: Answer, shown: str) -> None:
    """The message shows the answer's data: the lead first, then points, items as bullets,
    each statement with its citation numbers, the notices, then the numbered sources."""
    assert answer.lead, "the answerer fills the lead"
    statements = answer.lead + answer.points
    for st in statements:
        marks = "".join(f"[{n}]" for n in st.citations)
        assert f"{st.text} {marks}" in shown
        for item in st.items:
            assert f"\n• {item}" in shown
    assert shown.startswith(answer.lead[0].text)
    for notice in answer.notices:
        assert notice in shown
    assert "Bronnen\n[1] " in shown
    for c in answer.citations:
        assert f"[{c.n}] {c.title}" in shown


# --- scenarios over long polling -------------------------------------------------------------------------
async def test_start_profile_question_followup_feedback(
    assistant: Assistant, bot_settings: Settings, peer: BotApiPeer
) -> None:
    async with polling_bot(assistant, bot_settings):
        assert {p.get("language_code") for p in peer.calls_of("setMyCommands")} == {None, "en"}
        menus = {p.get("language_code"): [c["command"] for c in p["commands"]] for p in peer.calls_of("setMyCommands")}
        assert all("contact" in menu for menu in menus.values())

        # /start: welcome in Dutch with an English hint, and who-are-you buttons
        peer.send_text("/start")
        welcome = await peer.wait_for("sendMessage", to_chat(4242))
        polls = peer.calls_of("getUpdates")  # only new messages and button presses are requested
        assert polls and all(p.get("allowed_updates") == ALLOWED_UPDATES for p in polls)
        assert welcome["parse_mode"] == "HTML"
        assert "Wegwijzer ICT" in plain(welcome) and "/taal en" in plain(welcome)
        assert "Ik ben een geautomatiseerde assistent, geen medewerker" in plain(welcome)
        assert "Liever een mens spreken? Stuur /contact." in plain(welcome)
        assert buttons(welcome) == ["aud:career_switcher", "aud:employer", "aud:other"]

        # press "Zij-instromer": acknowledged, the message turns into the province question
        mark = peer.mark()
        query_id = peer.press(bot_message(peer, welcome), "aud:career_switcher")
        await peer.wait_for("answerCallbackQuery", lambda p: p["callback_query_id"] == query_id, after=mark)
        region_q = await peer.wait_for("editMessageText", after=mark)
        assert "provincie" in plain(region_q)
        assert "reg:utrecht" in buttons(region_q) and "reg:-" in buttons(region_q)

        mark = peer.mark()
        peer.press(peer.messages[(4242, int(region_q["message_id"]))], "reg:utrecht")
        saved = await peer.wait_for("editMessageText", after=mark)
        assert "Zij-instromer" in plain(saved) and "Utrecht" in plain(saved)

        # a question: typing first, then the cited answer, escaped HTML, with feedback buttons
        mark = peer.mark()
        peer.send_text(QUESTION)
        reply = await peer.wait_for("sendMessage", to_chat(4242), after=mark)
        actions = [i for i, (m, p) in enumerate(peer.calls) if m == "sendChatAction" and i >= mark]
        sends = [i for i, (m, p) in enumerate(peer.calls) if m == "sendMessage" and i >= mark]
        assert actions and actions[0] < sends[0]
        assert peer.calls[actions[0]][1]["action"] == "typing"
        shown = plain(reply)
        profile = replace_profile("career_switcher", "utrecht")
        expected = assistant.answer(QUESTION, [], profile)
        assert shown == shown_as(expected)
        assert_structured(expected, shown)
        assert reply["text"].startswith("<b>")  # the lead, in bold
        if expected.citations[0].source_url:  # the citation number links to the source
            assert f'{html.escape(expected.citations[0].source_url, quote=True)}">[1]</a>' in reply["text"]
        fb = buttons(reply)
        answer_id = fb[0].split(":", 2)[2]
        assert fb == [f"fb:1:{answer_id}", f"fb:-1:{answer_id}", f"ct:{answer_id}"]
        assert shown.endswith(f"\n\n{LABEL}")  # every answer says it is automated

        # a follow-up uses the conversation
        mark = peer.mark()
        peer.send_text(FOLLOW_UP)
        follow = await peer.wait_for("sendMessage", to_chat(4242), after=mark)
        expected_follow = assistant.answer(FOLLOW_UP, [Turn(QUESTION, expected.text)], profile)
        assert plain(follow) == shown_as(expected_follow)
        assert "Gelderland" in plain(follow)

        # 👍 under the first answer: stored, acknowledged, buttons replaced
        mark = peer.mark()
        query_id = peer.press(bot_message(peer, reply), fb[0])
        ack = await peer.wait_for("answerCallbackQuery", lambda p: p["callback_query_id"] == query_id, after=mark)
        assert "Bedankt" in ack.get("text", "")
        edited = await peer.wait_for("editMessageReplyMarkup", after=mark)
        assert buttons(edited) == ["fb:done", f"ct:{answer_id}"]  # Contact stays
        assert "👍" in edited["reply_markup"]["inline_keyboard"][0][0]["text"]
    feedback = StateStore(bot_settings.data_dir / "state.sqlite").feedback()
    assert [(f["answer_id"], f["rating"], f["channel"]) for f in feedback] == [(answer_id, 1, "telegram")]


def replace_profile(audience: str, region: str) -> Any:
    return Profile(audience=audience, region=region, lang="nl")  # type: ignore[arg-type]


async def test_answer_with_ampersands_is_escaped(
    assistant: Assistant, bot_settings: Settings, peer: BotApiPeer
) -> None:
    question = "Wat is een O&O-fonds en kan dat mijn omscholing betalen?"
    expected = assistant.answer(question, [], Profile(lang="nl"))
    assert "&" in expected.text, "the corpus answer should contain an ampersand"
    async with polling_bot(assistant, bot_settings):
        peer.send_text(question)
        reply = await peer.wait_for("sendMessage", to_chat(4242))
    assert "&amp;" in reply["text"]  # escaped on the wire …
    assert plain(reply) == shown_as(expected)  # … and shown exactly as the core wrote it
    assert_structured(expected, plain(reply))


async def test_non_text_edited_and_group_messages(
    assistant: Assistant, bot_settings: Settings, peer: BotApiPeer
) -> None:
    sticker = {
        "file_id": "CAACAg",
        "file_unique_id": "AgAD",
        "type": "regular",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
    }
    group = {"id": -100777, "type": "supergroup", "title": "Omscholers"}
    async with polling_bot(assistant, bot_settings):
        peer.push("message", peer.new_message(sticker=sticker))
        reply = await peer.wait_for("sendMessage", to_chat(4242))
        assert "alleen tekstvragen" in plain(reply)

        mark = peer.mark()
        peer.push("message", peer.new_message(location={"latitude": 52.09, "longitude": 5.12}))
        assert "alleen tekstvragen" in plain(await peer.wait_for("sendMessage", to_chat(4242), after=mark))

        # an edited message is not answered (again); a group message not meant for the bot is ignored
        mark = peer.mark()
        peer.push("edited_message", peer.new_message(QUESTION, edit_date=int(time.time())))
        peer.send_text(QUESTION, chat=group)
        peer.push("message", peer.new_message(sticker=sticker, chat=group))
        # a mention in the group is answered, as a reply, without the mention in the question
        mention = "@wegwijzer_test_bot"
        peer.send_text(
            f"{mention} {QUESTION}", chat=group, entities=[{"type": "mention", "offset": 0, "length": len(mention)}]
        )
        answer = await peer.wait_for("sendMessage", to_chat(-100777), after=mark)
        assert "Bronnen" in plain(answer)
        assert answer["reply_parameters"]["message_id"]
        await asyncio.sleep(1.0)
        assert [int(p["chat_id"]) for p in peer.calls_of("sendMessage")[2:]] == [-100777]

        # a reply to the bot's message in the group counts as addressed, and follows up on it
        mark = peer.mark()
        bot_msg = peer.messages[(-100777, max(k[1] for k in peer.messages if k[0] == -100777))]
        peer.send_text(FOLLOW_UP, chat=group, reply_to_message=bot_msg)
        follow = await peer.wait_for("sendMessage", to_chat(-100777), after=mark)
        first = assistant.answer(QUESTION, [], Profile(lang="nl"))
        assert plain(follow) == shown_as(assistant.answer(FOLLOW_UP, [Turn(QUESTION, first.text)], Profile(lang="nl")))


async def test_commands_bronnen_taal_help_reset(assistant: Assistant, bot_settings: Settings, peer: BotApiPeer) -> None:
    async with polling_bot(assistant, bot_settings):
        peer.send_text("/bronnen")
        docs = assistant.documents()
        table = bot_texts(bot_settings)
        parts = format_documents(
            docs,
            table("sources_header", "nl", count=len(docs)),
            {"ended": table("sources_ended", "nl"), "planned": table("sources_planned", "nl")},
        )
        await peer.wait_for("sendMessage", to_chat(4242))
        deadline = time.monotonic() + 10
        while len(peer.calls_of("sendMessage")) < len(parts) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        listing = peer.calls_of("sendMessage")
        assert [p["text"] for p in listing] == parts  # a long listing comes in parts, each under the limit
        shown = "\n".join(plain(p) for p in listing)
        assert f"({len(docs)})" in shown
        for doc in docs:
            assert doc["title"][:60] in shown
            if doc["date"]:
                assert doc["date"] in shown

        mark = peer.mark()
        peer.send_text("/taal en")
        assert "English" in plain(await peer.wait_for("sendMessage", after=mark))
        mark = peer.mark()
        peer.send_text("/help")
        assert "What I can do" in plain(await peer.wait_for("sendMessage", after=mark))
        mark = peer.mark()
        peer.send_text("/taal")
        usage = await peer.wait_for("sendMessage", after=mark)
        assert buttons(usage) == ["lang:nl", "lang:en"]
        mark = peer.mark()
        peer.press(bot_message(peer, usage), "lang:nl")
        assert "Nederlands" in plain(await peer.wait_for("editMessageText", after=mark))

        mark = peer.mark()
        peer.send_text("/regio Friesland")
        assert "Friesland" in plain(await peer.wait_for("sendMessage", after=mark))
        mark = peer.mark()
        peer.send_text("/onbekend")
        assert "Wat ik kan" in plain(await peer.wait_for("sendMessage", after=mark))

        # /reset forgets the conversation: the same follow-up is no longer treated as one
        mark = peer.mark()
        peer.send_text(QUESTION)
        await peer.wait_for("sendMessage", after=mark)
        mark = peer.mark()
        peer.send_text("/reset")
        assert "gewist" in plain(await peer.wait_for("sendMessage", after=mark))
        mark = peer.mark()
        peer.send_text(FOLLOW_UP)
        after_reset = await peer.wait_for("sendMessage", after=mark)
        profile = Profile(region="friesland", lang="nl")
        assert plain(after_reset) == shown_as(assistant.answer(FOLLOW_UP, [], profile))


async def test_flood_control_429_is_retried(assistant: Assistant, bot_settings: Settings, peer: BotApiPeer) -> None:
    async with polling_bot(assistant, bot_settings):
        peer.fail(
            "sendMessage",
            times=1,
            status=429,
            body={
                "ok": False,
                "error_code": 429,
                "description": "Too Many Requests: retry after 1",
                "parameters": {"retry_after": 1},
            },
        )
        started = time.monotonic()
        peer.send_text("/help")
        await peer.wait_for("sendMessage", after=0)
        # the first attempt got the 429; a second one, after retry_after, delivered the message
        deadline = time.monotonic() + 15
        while len(peer.calls_of("sendMessage")) < 2 and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        sends = peer.calls_of("sendMessage")
        assert len(sends) == 2 and sends[0] == sends[1]
        assert time.monotonic() - started >= 1.0
        assert "Wat ik kan" in plain(sends[1])
        assert not peer.calls_of("sendMessage")[2:]


async def test_per_user_rate_limit(assistant: Assistant, bot_settings: Settings, peer: BotApiPeer) -> None:
    settings = bot_settings.model_copy(update={"telegram_rate_per_minute": 2})
    async with polling_bot(assistant, settings):
        for _ in range(3):
            mark = peer.mark()
            peer.send_text("Wat is de Human Capital Agenda ICT?")
            last = await peer.wait_for("sendMessage", after=mark)
    assert re.fullmatch(
        r"Je stelt veel vragen kort na elkaar\. Wacht (\d+) seconden en probeer het dan opnieuw\.", plain(last)
    )


def test_the_shared_rate_limiter() -> None:
    """One limiter for web and bot: a moving window per key; 0 turns it off; names keep counts apart."""
    store = storage("memory://")
    limiter = RateLimiter(2, "test", store)
    assert limiter.hit("a") == 0 and limiter.hit("a") == 0
    assert 59 <= limiter.hit("a") <= 60
    assert limiter.hit("b") == 0  # another key has its own window
    assert RateLimiter(2, "other", store).hit("a") == 0  # another limiter too
    assert all(RateLimiter(0, "off").hit("a") == 0 for _ in range(100))
    with pytest.raises(RateLimited) as refused:
        limiter.check("a", "user")
    assert refused.value.scope == "user" and 59 <= refused.value.retry_after <= 60


class LongAnswers:
    """The real assistant, but each answer grows past 4096 characters.

    Extractive answers are about 120 words, so the points are extended with the sentences
    of the cited passages (each a statement citing its passage) until it is long enough.
    """

    def __init__(self, inner: Assistant):
        self.inner = inner
        self.settings = inner.settings

    def answer(self, question: str, conversation: Any = None, profile: Any = None, answerer: Any = None) -> Answer:
        answer = self.inner.answer(question, conversation, profile, answerer)
        extra = [Statement(s, [c.n]) for c in answer.citations for s in split_sentences(c.passage)]
        while sum(len(st.text) for st in answer.points) < 9000:
            answer.points += extra
        return answer

    def documents(self) -> list[dict[str, Any]]:
        return self.inner.documents()


async def test_long_answer_is_split_on_sentence_boundaries(
    assistant: Assistant, bot_settings: Settings, peer: BotApiPeer
) -> None:
    async with polling_bot(LongAnswers(assistant), bot_settings):
        peer.send_text(QUESTION)
        await peer.wait_for("sendMessage", lambda p: bool(buttons(p)))  # the last part carries the buttons
    parts = [plain(p) for p in peer.calls_of("sendMessage")]
    assert len(parts) >= 3
    assert all(tg_len(p) <= TELEGRAM_LIMIT for p in parts)
    for part in parts[:-1]:
        assert re.search(r"\[\d+\]$", part), part[-80:]  # split between statements, after their citations
    assert "Bronnen" in parts[-1] and "Bronnen" not in "".join(parts[:-1])
    assert [bool(buttons(p)) for p in peer.calls_of("sendMessage")] == [False] * (len(parts) - 1) + [True]


class SlowStream:
    """The real assistant behind a streaming answerer (as in LLM mode): its verified
    sentences arrive one by one, 0.4 s apart, then the final answer."""

    llm = "streaming"

    def __init__(self, inner: Assistant):
        self.inner = inner
        self.settings = inner.settings

    def stream(self, question: str, conversation: Any = None, profile: Any = None, answerer: Any = None) -> Any:
        answer = self.inner.answer(question, conversation, profile)
        for line in answer.text.split("\n"):
            for sentence in split_sentences(line):
                time.sleep(0.4)
                yield Delta(sentence + " ")
        yield Final(answer)

    def documents(self) -> list[dict[str, Any]]:
        return self.inner.documents()


async def test_streamed_answer_is_one_message_edited_at_most_once_a_second(
    assistant: Assistant, bot_settings: Settings, peer: BotApiPeer
) -> None:
    async with polling_bot(SlowStream(assistant), bot_settings):
        started = time.monotonic()
        peer.send_text(QUESTION)
        final = await peer.wait_for("editMessageText", lambda p: bool(buttons(p)))
        elapsed = time.monotonic() - started
    sends = peer.calls_of("sendMessage")
    assert len(sends) == 1  # the draft; everything after it is an edit of that message
    draft = plain(sends[0])
    assert draft.endswith("…") and len(draft) < len(plain(final))
    edits = peer.calls_of("editMessageText")
    assert len(edits) - 1 <= elapsed / 1.0 + 1  # intermediate edits throttled to about one per second
    sentences = sum(len(split_sentences(line)) for line in assistant.answer(QUESTION).text.split("\n"))
    assert len(edits) - 1 < sentences  # fewer edits than sentences: they were batched
    assert "Bronnen" in plain(final) and "[1]" in plain(final)
    expected = assistant.answer(QUESTION, [], Profile(lang="nl"))
    assert plain(final) == shown_as(expected)  # the structured answer replaces the streamed text


# --- webhook through the FastAPI app ---------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def webhook_test_app(assistant: Assistant, settings: Settings) -> FastAPI:
    """What the web service does: mount the bot in its lifespan when a token is set."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with mount(app, assistant, settings)():
            yield

    app = FastAPI(lifespan=lifespan)
    app.add_api_route("/healthz", lambda: {"ok": True}, methods=["GET"])
    return app


@asynccontextmanager
async def uvicorn_server(app: FastAPI) -> AsyncIterator[str]:
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    assert server.started, "uvicorn did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.to_thread(thread.join, 30)


def web_service_app(assistant: Assistant, settings: Settings) -> FastAPI:
    """The real web service as `wegwijzer serve` composes it: the bot mounted when a token is set."""
    from assistant.main import build_web_app

    return build_web_app(assistant, settings)


@pytest.mark.parametrize("make_app", [webhook_test_app, web_service_app], ids=["minimal-app", "web-service"])
async def test_webhook_rejects_wrong_secret_and_answers_right_one(
    assistant: Assistant, bot_settings: Settings, peer: BotApiPeer, make_app: Any
) -> None:
    settings = bot_settings.model_copy(
        update={
            "telegram_mode": "webhook",
            "telegram_webhook_secret": SecretStr("s3cret-Token_42"),
            "telegram_webhook_url": "https://wegwijzer.example.org/telegram/webhook",
        }
    )
    app = make_app(assistant, settings)
    async with uvicorn_server(app) as base:
        hook = peer.calls_of("setWebhook")
        assert hook and hook[0]["url"] == "https://wegwijzer.example.org/telegram/webhook"
        assert hook[0]["secret_token"] == "s3cret-Token_42"
        assert hook[0]["allowed_updates"] == ALLOWED_UPDATES
        update = {"update_id": 900, "message": peer.new_message(QUESTION)}
        async with httpx.AsyncClient(base_url=base, timeout=10) as client:
            missing = await client.post("/telegram/webhook", json=update)
            wrong = await client.post("/telegram/webhook", json=update, headers={SECRET_HEADER: "guess"})
            assert (missing.status_code, wrong.status_code) == (401, 403)
            await asyncio.sleep(1.0)
            assert not peer.calls_of("sendMessage")

            ok = await client.post("/telegram/webhook", json=update, headers={SECRET_HEADER: "s3cret-Token_42"})
            assert ok.status_code == 200
            reply = await peer.wait_for("sendMessage", to_chat(4242))
            assert "Bronnen" in plain(reply) and buttons(reply)[0].startswith("fb:1:")
            bad = await client.post(
                "/telegram/webhook", content=b"{not json", headers={SECRET_HEADER: "s3cret-Token_42"}
            )
            assert bad.status_code == 200  # answered and dropped: Telegram would resend a 4xx forever
        if make_app is web_service_app:  # one conversation store per process, shared by web and bot
            assert app.state.telegram.bot_data["wegwijzer"].store is app.state.store
    assert not peer.calls_of("getUpdates")  # webhook mode never polls


# --- restart ---------------------------------------------------------------------------------------------------
async def test_restart_keeps_profile_and_conversation(
    assistant: Assistant, bot_settings: Settings, peer: BotApiPeer
) -> None:
    async with polling_bot(assistant, bot_settings):
        peer.send_text("/start")
        welcome = await peer.wait_for("sendMessage")
        mark = peer.mark()
        peer.press(bot_message(peer, welcome), "aud:employer")
        region_q = await peer.wait_for("editMessageText", after=mark)
        mark = peer.mark()
        peer.press(peer.messages[(4242, int(region_q["message_id"]))], "reg:limburg")
        await peer.wait_for("editMessageText", after=mark)
        mark = peer.mark()
        peer.send_text(QUESTION)
        await peer.wait_for("sendMessage", after=mark)

    # a new Application over the same data directory, as after a restart of the process
    async with polling_bot(assistant, bot_settings):
        mark = peer.mark()
        peer.send_text("/profiel")
        profile = plain(await peer.wait_for("sendMessage", after=mark))
        assert "Werkgever" in profile and "Limburg" in profile
        mark = peer.mark()
        peer.send_text(FOLLOW_UP)
        follow = plain(await peer.wait_for("sendMessage", after=mark))
    profile = Profile(audience="employer", region="limburg", lang="nl")
    first = assistant.answer(QUESTION, [], profile)
    assert follow == shown_as(assistant.answer(FOLLOW_UP, [Turn(QUESTION, first.text)], profile))
    # the state holds salted keys only, never the Telegram user id
    raw = (bot_settings.data_dir / "state.sqlite").read_bytes()
    assert b"4242" not in raw


# --- `wegwijzer telegram` as a process ------------------------------------------------------------------------------
async def test_cli_runs_the_bot_with_long_polling(built_settings: Settings, peer: BotApiPeer, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"  # a copy of the index, so the bot's state stays out of the shared data dir
    shutil.copytree(built_settings.chroma_dir, data_dir / built_settings.chroma_dir.name)
    env = {k: v for k, v in os.environ.items() if not k.startswith("WEGWIJZER_")} | {
        "WEGWIJZER_DATA_DIR": str(data_dir),
        "WEGWIJZER_EMBED_CACHE": str(built_settings.embed_cache_path),
        "WEGWIJZER_TELEGRAM_TOKEN": TOKEN,
        "WEGWIJZER_TELEGRAM_API_URL": peer.base_url,
        "WEGWIJZER_ANSWERER": "extractive",
    }
    wegwijzer = Path(sys.executable).with_name("wegwijzer")
    proc = await asyncio.create_subprocess_exec(
        str(wegwijzer),
        "telegram",
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        await peer.wait_for("getUpdates", timeout=120)
        peer.send_text(QUESTION)
        reply = await peer.wait_for("sendMessage", to_chat(4242))
        assert "Bronnen" in plain(reply)
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 0, err.decode()[-2000:]
    logs = (out + err).decode()
    assert TOKEN not in logs and "4242" not in logs and QUESTION not in logs  # no token, user id or text in the logs
    assert "long polling" in logs
    assert StateStore(data_dir / "state.sqlite").stats()["questions"] == 1


# --- no token ----------------------------------------------------------------------------------------------------
def test_missing_token_says_so_and_exits(assistant: Assistant, capsys: pytest.CaptureFixture[str]) -> None:
    assert assistant.settings.telegram_token is None
    with pytest.raises(SystemExit) as exit_info:
        run_polling(assistant)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "WEGWIJZER_TELEGRAM_TOKEN is not set" in err and "BotFather" in err


# --- format.py and the texts, without the wire ---------------------------------------------------------------------
def make_answer(
    text: str = "",
    citations: list[Citation] | None = None,
    lead: list[Statement] | None = None,
    points: list[Statement] | None = None,
    notices: list[str] | None = None,
    abstained: bool = False,
) -> Answer:
    return Answer(
        question="q",
        text=text,
        citations=citations or [],
        abstained=abstained,
        lang="nl",
        lead=lead or [],
        points=points or [],
        notices=notices or [],
    )


CITES = [
    Citation(1, "d1", 'R&D <regeling> "2025"', 16, None, "p", 0.9, source_url='https://x.nl/a?b=1&c="2"'),
    Citation(2, "d2", "Regio's", None, "Gelderland: <House of IT>", "p", 0.8),
    Citation(3, "d3", "Zonder plek", None, None, "p", 0.7),
    Citation(4, "d4", "Kop is titel", None, "Kop is titel", "p", 0.7),
]


def test_format_renders_lead_points_items_notices_and_sources() -> None:
    answer = make_answer(
        "(the plain text is not what is shown)",
        CITES,
        lead=[Statement("Kosten < 5000 & meer > niets.", [1])],
        points=[
            Statement("Zie ook <b>dit</b>:", [2, 3], items=["één & twee", "<drie>"]),
            Statement("En verder.", [4]),
        ],
        notices=["Let op: <peildatum> 2025.", "Controleer bij UWV."],
    )
    (message,) = format_answer(answer, "Bronnen")
    link = '<a href="https://x.nl/a?b=1&amp;c=&quot;2&quot;">'
    assert message.startswith(f"<b>Kosten &lt; 5000 &amp; meer &gt; niets.</b> {link}[1]</a>\n\n")
    assert "Zie ook &lt;b&gt;dit&lt;/b&gt;: [2][3]\n• één &amp; twee\n• &lt;drie&gt;\n\nEn verder. [4]" in message
    assert "<i>Let op: &lt;peildatum&gt; 2025.</i>\n<i>Controleer bij UWV.</i>\n\n<b>Bronnen</b>\n[1]" in message
    shown = parse_html(message)
    assert "(the plain text" not in shown
    assert f'[1] {link}R&amp;D &lt;regeling&gt; "2025"</a>, p. 16' in message
    assert "[2] Regio's, Gelderland: <House of IT>" in shown
    assert shown.rstrip().endswith("[3] Zonder plek\n[4] Kop is titel")


def test_format_refusal_and_answer_without_a_lead() -> None:
    refusal = make_answer("Daar kan ik je niet mee helpen & dat is <eerlijk>.", abstained=True)
    refusal.lead = [Statement(refusal.text)]
    assert format_answer(refusal, "Bronnen") == ["Daar kan ik je niet mee helpen &amp; dat is &lt;eerlijk&gt;."]
    # an answerer that fills only the text: its lines as paragraphs, nothing parsed out of them
    legacy = make_answer("Eerste regel & zo. [1]\nTweede regel. [3]", CITES[:1])
    (message,) = format_answer(legacy, "Bronnen")
    assert message.startswith("Eerste regel &amp; zo. [1]\n\nTweede regel. [3]\n\n<b>Bronnen</b>")


def test_format_splits_long_answer_between_statements() -> None:
    points = [
        Statement(
            f"Zin nummer {i} gaat over omscholen & bijscholen naar een <ICT>-baan in regio {i % 12}.", [i % 3 + 1]
        )
        for i in range(200)
    ]
    cites = [Citation(n, f"d{n}", f"Document {n}", n, None, "p", 0.5) for n in (1, 2, 3)]
    answer = make_answer(citations=cites, lead=[Statement("Het antwoord.", [1])], points=points)
    parts = format_answer(answer, "Bronnen")
    assert len(parts) >= 4
    shown = [parse_html(p) for p in parts]
    assert all(tg_len(p) <= TELEGRAM_LIMIT for p in parts)
    for part in shown[:-1]:
        assert re.search(r"\. \[\d\]$", part), part[-40:]
    body = "\n\n".join(shown)
    for st in points:
        assert f"{st.text} [{st.citations[0]}]" in body
    assert shown[-1].endswith("[3] Document 3, p. 3") and "Bronnen\n[1] Document 1, p. 1" in shown[-1]


def test_format_hard_splits_a_giant_statement_and_keeps_tags_and_entities_whole() -> None:
    giant = "&<>" * 3000 + " " + "woord " * 1500
    parts = format_answer(make_answer(lead=[Statement(giant.strip(), [1])], citations=CITES[:1]), "Bronnen")
    assert len(parts) >= 3
    assert all(tg_len(p) <= TELEGRAM_LIMIT for p in parts)
    shown = [parse_html(p) for p in parts]  # raises on a tag or entity cut in two
    assert "".join(p.replace(" ", "") for p in shown).startswith(giant.replace(" ", ""))
    assert all(p.startswith("<b>") for p in parts[:-1])  # each piece of the lead is bold on its own


def test_ui_texts_exist_in_both_languages_and_are_valid_html(built_settings: Settings) -> None:
    texts = bot_texts(built_settings)
    values = {"seconds": 30, "region": "Noord-Brabant", "audience": "Werkgever & co", "count": 3}
    for lang in ("nl", "en"):
        for key in texts.keys():  # noqa: SIM118 - Texts is not a dict
            parse_html(texts(key, lang, **values))
    assert "Werkgever &amp; co" in texts("profile_saved", "nl", **values)


def test_every_text_file_has_the_same_keys_in_both_languages(built_settings: Settings, tmp_path: Path) -> None:
    """One loader for all of prompts/: a key missing in one language fails loudly, naming file and key."""
    for name in ("texts.yaml", "llm.yaml", "widget.yaml", "telegram.yaml"):
        assert texts(name, built_settings.prompts_dir).keys()
    (tmp_path / "broken.yaml").write_text(
        "nl:\n  api:\n    a: 'A {x}'\n    b: 'B'\nen:\n  api:\n    a: 'A {x}'\n", encoding="utf-8"
    )
    with pytest.raises(PromptError, match=r"broken\.yaml: 'api\.b' in 'nl' but not in 'en'"):
        texts("broken.yaml", tmp_path)
    (tmp_path / "ok.yaml").write_text("nl:\n  a: 'A {x}'\nen:\n  a: 'An {x}'\n", encoding="utf-8")
    table = texts("ok.yaml", tmp_path)
    assert table("a", "en", x=1) == "An 1" and table("a", "fr", x=1) == "A 1"  # unknown language: Dutch
    with pytest.raises(PromptError, match=r"missing placeholder\(s\) \['x'\]"):
        table("a", "nl")
    with pytest.raises(PromptError, match="no text 'b'"):
        table("b", "nl")


class Failing:
    """An assistant whose answers fail in the ways the error handler maps."""

    llm = None

    def __init__(self, inner: Assistant, errors: list[BaseException]):
        self.inner, self.settings, self.errors = inner, inner.settings, errors

    def answer(self, *args: Any, **kwargs: Any) -> Answer:
        raise self.errors.pop(0)

    def documents(self) -> list[dict[str, Any]]:
        return self.inner.documents()


async def test_errors_are_told_kindly_by_the_one_error_handler(
    assistant: Assistant, bot_settings: Settings, peer: BotApiPeer, caplog: pytest.LogCaptureFixture
) -> None:
    errors: list[BaseException] = [
        QuestionError("Je bericht is te lang (1200 tekens; maximaal 1000)."),
        IndexNotReadyError("no documents"),
        RuntimeError("boom"),
    ]
    replies = []
    async with polling_bot(Failing(assistant, errors), bot_settings):
        for _ in range(3):
            mark = peer.mark()
            peer.send_text(QUESTION)
            replies.append(plain(await peer.wait_for("sendMessage", to_chat(4242), after=mark)))
    texts = bot_texts(bot_settings)
    assert replies == [
        "Je bericht is te lang (1200 tekens; maximaal 1000).",
        parse_html(texts("not_ready", "nl")),
        parse_html(texts("error", "nl")),
    ]
    assert "RuntimeError" in caplog.text and QUESTION not in caplog.text


# --- disclosure, the way onward, clarifying questions ------------------------------------------------
def contact_lines(contacts: list[Contact]) -> list[str]:
    return [f"• {c.name}" + (f" · {c.email}" if c.email else "") for c in contacts]


def links(params: dict[str, Any]) -> list[str]:
    return [html.unescape(u) for u in re.findall(r'<a href="([^"]+)">', params["text"])]


async def test_contact_button_and_thumbs_down_say_where_to_go_on(
    assistant: Assistant, bot_settings: Settings, peer: BotApiPeer
) -> None:
    question = "Hoe neem ik een kennismigrant in dienst?"
    expected = assistant.answer(question, [], Profile(lang="nl"))
    assert len(expected.contacts) >= 2 and expected.contacts[-1].name == "Human Capital Agenda ICT"
    async with polling_bot(assistant, bot_settings):
        # /contact before any question: the programme contact
        peer.send_text("/contact")
        first = await peer.wait_for("sendMessage", to_chat(4242))
        assert plain(first) == "Hier kun je verder:\n• Human Capital Agenda ICT"
        assert links(first) == ["https://hcaict.nl/"]

        mark = peer.mark()
        peer.send_text(question)
        reply = await peer.wait_for("sendMessage", lambda p: bool(buttons(p)), after=mark)
        assert plain(reply) == shown_as(expected) and plain(reply).endswith(LABEL)
        answer_id = buttons(reply)[0].split(":", 2)[2]

        # the Contact button: the bodies behind the sources, each linked to its page, then the programme
        mark = peer.mark()
        peer.press(bot_message(peer, reply), f"ct:{answer_id}")
        onward = await peer.wait_for("sendMessage", to_chat(4242), after=mark)
        assert plain(onward).split("\n") == ["Hier kun je verder:", *contact_lines(expected.contacts)]
        assert links(onward) == [c.url for c in expected.contacts if c.url]
        await peer.wait_for("answerCallbackQuery", after=mark)

        # /contact now names the topic's body too
        mark = peer.mark()
        peer.send_text("/contact")
        assert plain(await peer.wait_for("sendMessage", after=mark)) == plain(onward)

        # 👎: thanks, and where to go on
        mark = peer.mark()
        peer.press(bot_message(peer, reply), f"fb:-1:{answer_id}")
        sorry = await peer.wait_for("sendMessage", to_chat(4242), after=mark)
        assert plain(sorry).split("\n") == ["Jammer. Hier kun je verder:", *contact_lines(expected.contacts)]
        edited = await peer.wait_for("editMessageReplyMarkup", after=mark)
        assert buttons(edited) == ["fb:done", f"ct:{answer_id}"]
    (item,) = StateStore(bot_settings.data_dir / "state.sqlite").feedback()
    assert (item["rating"], item["channel"], item["question"], item["answer"]) == (
        -1,
        "telegram",
        question,
        expected.text,
    )
    assert [c["doc_id"] for c in item["citations"]] == [c.doc_id for c in expected.citations]


async def test_refusal_shows_the_contacts_and_the_label(
    assistant: Assistant, bot_settings: Settings, peer: BotApiPeer
) -> None:
    question = "Wat is het recept voor appeltaart met kaneel?"
    expected = assistant.answer(question, [], Profile(lang="nl"))
    assert expected.abstained
    async with polling_bot(assistant, bot_settings):
        peer.send_text(question)
        reply = await peer.wait_for("sendMessage", to_chat(4242))
    shown = plain(reply)
    assert shown == shown_as(expected)
    assert shown.endswith(f"\n\nHier kun je verder:\n• Human Capital Agenda ICT\n\n{LABEL}")
    assert links(reply) == ["https://hcaict.nl/"]
    answer_id = buttons(reply)[0].split(":", 2)[2]
    assert buttons(reply) == [f"fb:1:{answer_id}", f"fb:-1:{answer_id}"]  # the contacts are in the message


async def test_clarifying_question_has_choice_buttons_and_a_pick_is_answered(
    assistant: Assistant, bot_settings: Settings, peer: BotApiPeer
) -> None:
    profile = Profile(lang="nl")
    asked = assistant.answer("subsidie", [], profile)
    assert asked.mode == "clarify" and 2 <= len(asked.choices) <= 4
    async with polling_bot(assistant, bot_settings):
        peer.send_text("subsidie")
        question = await peer.wait_for("sendMessage", to_chat(4242))
        assert plain(question) == shown_as(asked) and plain(question).endswith(LABEL)
        keyboard = question["reply_markup"]["inline_keyboard"]
        assert [[b["text"] for b in row] for row in keyboard] == [[c] for c in asked.choices]  # one per row
        answer_id = keyboard[0][0]["callback_data"].split(":")[1]
        assert buttons(question) == [f"cl:{answer_id}:{i}" for i in range(len(asked.choices))]
        assert all(len(data.encode()) <= 64 for data in buttons(question))  # Telegram's limit

        mark = peer.mark()
        query_id = peer.press(bot_message(peer, question), f"cl:{answer_id}:1")
        await peer.wait_for("answerCallbackQuery", lambda p: p["callback_query_id"] == query_id, after=mark)
        ticked = await peer.wait_for("editMessageReplyMarkup", after=mark)
        assert ticked["reply_markup"]["inline_keyboard"] == [
            [{"text": f"✓ {asked.choices[1]}", "callback_data": "cl:done"}]
        ]
        reply = await peer.wait_for("sendMessage", lambda p: bool(buttons(p)), after=mark)
    # the choice is the next question of the same conversation, and it is answered
    expected = assistant.answer(asked.choices[1], [Turn("subsidie", asked.text)], profile)
    assert expected.mode != "clarify" and not expected.abstained and expected.citations
    assert plain(reply) == shown_as(expected)
    assert buttons(reply)[0].startswith("fb:1:")
    store = StateStore(bot_settings.data_dir / "state.sqlite")
    assert store.stats()["questions"] == 2 and store.stats()["conversations"] == 1


def test_format_contacts_and_the_label_are_escaped() -> None:
    contacts = [Contact("R&D <bureau>", 'https://x.nl/?a=1&b="2"', "info@r&d.nl"), Contact("Zonder pagina")]
    (message,) = format_contacts(contacts, "Hier kun je verder:")
    assert message == (
        "<b>Hier kun je verder:</b>\n"
        '• <a href="https://x.nl/?a=1&amp;b=&quot;2&quot;">R&amp;D &lt;bureau&gt;</a> · info@r&amp;d.nl\n'
        "• Zonder pagina"
    )
    refusal = make_answer("Daar kan ik je niet mee helpen.", abstained=True)
    refusal.lead = [Statement(refusal.text)]
    refusal.contacts = contacts[1:]
    assert format_answer(refusal, "Bronnen", automated="Automatisch & zo", contacts_intro="Verder:") == [
        "Daar kan ik je niet mee helpen.\n\n<b>Verder:</b>\n• Zonder pagina\n\n<i>Automatisch &amp; zo</i>"
    ]
    answer = make_answer(lead=[Statement("Ja.", [1])], citations=CITES[:1])
    answer.contacts = contacts
    (shown,) = format_answer(answer, "Bronnen", automated="Label", contacts_intro="Verder:")
    assert "Verder:" not in shown and shown.endswith("\n\n<i>Label</i>")  # an answer's contacts sit behind a button


# --- one poller per token ---------------------------------------------------------------------------------------
async def test_two_processes_never_poll_one_token_and_a_standby_takes_over(
    assistant: Assistant, bot_settings: Settings, peer: BotApiPeer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Telegram answers a second getUpdates poller of the same token with 409 Conflict, and two
    pollers would answer every message twice: the polling lock lets one poll and the other stand by
    until the first stops."""
    from assistant.channels.telegram import bot as bot_module

    monkeypatch.setattr(bot_module, "STANDBY_RETRY_S", 0.2)
    first_process = AsyncExitStack()
    first = await first_process.enter_async_context(polling_bot(assistant, bot_settings))
    try:
        await peer.wait_for("getUpdates")
        async with polling_bot(assistant, bot_settings) as second:
            await asyncio.sleep(1.0)
            assert first.updater.running and not second.updater.running
            peer.send_text(QUESTION)
            await peer.wait_for("sendMessage", to_chat(4242))
            await asyncio.sleep(1.0)
            assert len(peer.calls_of("sendMessage")) == 1  # answered once, by the poller
            await first_process.aclose()  # the first process stops (its lock goes with it) …
            deadline = time.monotonic() + 10
            while not second.updater.running and time.monotonic() < deadline:
                await asyncio.sleep(0.1)
            assert second.updater.running  # … and the standby polls now
    finally:
        await first_process.aclose()
