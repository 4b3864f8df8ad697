"""Channel state in SQLite under the data directory: conversations, answers, feedback, profiles.

One store per process, shared by the web service and the Telegram bot: :mod:`assistant.main`
opens it and hands it to both, and :func:`retention` is the one purge schedule (run by the
web service, or by the bot when it runs alone). Conversations are keyed by an opaque id, never by a Telegram user id in clear: the bot
passes a salted hash. Message texts are stored as conversation turns (needed for
follow-ups) and with each answer (question, answer text, citations: what feedback is about, see
:meth:`StateStore.feedback`); both are purged after the retention period, and so are feedback
comments. Exports never carry a conversation id.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import sqlite3
import threading
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager, suppress
from dataclasses import asdict
from pathlib import Path
from typing import Any

from assistant import Answer, Profile, Turn
from assistant.base.errors import DataDirError

SCHEMA = """
CREATE TABLE IF NOT EXISTS conversations (
    id TEXT PRIMARY KEY, channel TEXT, created REAL, updated REAL, turns TEXT, profile TEXT
);
CREATE TABLE IF NOT EXISTS answers (
    id TEXT PRIMARY KEY, conversation_id TEXT, channel TEXT, created REAL, abstained INTEGER,
    mode TEXT, lang TEXT, latency_ms REAL
);
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT, answer_id TEXT, rating INTEGER, comment TEXT,
    channel TEXT, created REAL
);
CREATE TABLE IF NOT EXISTS profiles (
    key TEXT PRIMARY KEY, profile TEXT, updated REAL
);
CREATE INDEX IF NOT EXISTS answers_created ON answers(created);
CREATE INDEX IF NOT EXISTS conversations_updated ON conversations(updated);
"""
# Columns of ``answers`` added after its first version: added (empty) to an older database when
# it is opened, so a new and an upgraded database have the same table. JSON in the TEXT columns.
ANSWER_COLUMNS = {
    "question": "TEXT",  # as the core checked it
    "answer": "TEXT",  # the plain text with [n] markers
    "citations": "TEXT",  # [{n, doc_id, title, location, source_url}]
    "contacts": "TEXT",  # [{name, url, email}]: where to go on (Contact button, /contact)
    "choices": "TEXT",  # mode "clarify": the questions to pick from
    "turns": "TEXT",  # the earlier questions of the conversation (a follow-up needs them)
    "audience": "TEXT",
}
# Blanked once older than the retention period (the conversation id too: it links answers to a user).
ANSWER_TEXTS = ("question", "answer", "citations", "contacts", "choices", "turns", "conversation_id")

MAX_TURNS = 8
STATE_FILE = "state.sqlite"
PURGE_EVERY_S = 6 * 3600

log = logging.getLogger("wegwijzer.state")


def user_key(channel: str, user_id: int | str, salt: str = "") -> str:
    """Opaque, stable key for a channel user (so logs and tables never hold raw ids)."""
    return hashlib.sha256(f"{salt}|{channel}|{user_id}".encode()).hexdigest()[:24]


def migrate(db: sqlite3.Connection) -> None:
    """Add the :data:`ANSWER_COLUMNS` an older database lacks (its earlier answers keep them empty)."""
    have = {row[1] for row in db.execute("PRAGMA table_info(answers)")}
    for name, kind in ANSWER_COLUMNS.items():
        if name not in have:
            db.execute(f"ALTER TABLE answers ADD COLUMN {name} {kind}")
    db.commit()


def _json(value: str | None, default: Any) -> Any:
    return json.loads(value) if value else default


class _Corrupt(Exception):
    """The state database failed its integrity check."""


def _connect(path: Path) -> sqlite3.Connection:
    """The database at ``path``, checked (``PRAGMA quick_check``) and with the current schema."""
    db = sqlite3.connect(str(path), check_same_thread=False)
    try:
        verdict = db.execute("PRAGMA quick_check").fetchall()
        if verdict != [("ok",)]:
            raise _Corrupt("; ".join(str(row[0]) for row in verdict[:3]))
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")  # WAL: no fsync per commit, still crash-safe
        db.executescript(SCHEMA)
        migrate(db)
    except BaseException:
        db.close()
        raise
    return db


def _corrupt(exc: sqlite3.DatabaseError) -> bool:
    """Is the file damaged (not read-only, locked or full: those are not fixed by starting over)?"""
    name = getattr(exc, "sqlite_errorname", "")
    return (
        name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")) or "malformed" in str(exc) or "not a database" in str(exc)
    )


def _open(path: Path) -> sqlite3.Connection:
    """Open the state database; a corrupt one is moved aside (with its WAL files) and a fresh one
    started, with one log line that says where the old one went."""
    try:
        return _connect(path)
    except _Corrupt as exc:
        why = str(exc)
    except sqlite3.DatabaseError as exc:
        if not _corrupt(exc):
            raise DataDirError(f"The state database {path} cannot be opened: {exc}.") from exc
        why = str(exc)
    stamp = time.strftime("%Y%m%dT%H%M%S")
    aside = path.with_name(f"{path.name}.corrupt-{stamp}")
    for suffix in ("", "-wal", "-shm"):
        part = path.with_name(path.name + suffix)
        if part.exists():
            part.replace(aside.with_name(aside.name + suffix))
    log.error(
        "state database %s is corrupt (%s): moved aside to %s; starting with an empty one "
        "(earlier conversations, answers and feedback are in the moved file)",
        path,
        why,
        aside,
    )
    return _connect(path)


class StateStore:
    """Thread-safe SQLite store; one connection guarded by a lock (low write volume)."""

    @classmethod
    def in_data_dir(cls, data_dir: Path) -> StateStore:
        """The store of a deployment: ``state.sqlite`` in its data directory."""
        return cls(data_dir / STATE_FILE)

    def __init__(self, path: Path):
        DataDirError.check(path.parent)
        self.path = path
        self._db = _open(path)
        self._lock = threading.Lock()

    def _exec(self, sql: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            cur = self._db.execute(sql, args)
            rows = cur.fetchall()
            self._db.commit()
            return rows

    # --- conversations --------------------------------------------------------------
    def new_conversation_id(self) -> str:
        return uuid.uuid4().hex

    def get_conversation(self, conversation_id: str) -> tuple[list[Turn], Profile]:
        rows = self._exec("SELECT turns, profile FROM conversations WHERE id = ?", (conversation_id,))
        if not rows:
            return [], Profile()
        turns = [Turn(**t) for t in json.loads(rows[0][0] or "[]")]
        return turns, Profile(**json.loads(rows[0][1] or "{}"))

    def append_turn(
        self, conversation_id: str, turn: Turn, profile: Profile | None = None, channel: str = "web"
    ) -> None:
        turns, old_profile = self.get_conversation(conversation_id)
        turns = (turns + [turn])[-MAX_TURNS:]
        profile = profile or old_profile
        now = time.time()
        self._exec(
            "INSERT INTO conversations (id, channel, created, updated, turns, profile) VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT(id) DO UPDATE SET updated = excluded.updated, turns = excluded.turns, profile = excluded.profile",
            (conversation_id, channel, now, now, json.dumps([asdict(t) for t in turns]), json.dumps(asdict(profile))),
        )

    def delete_conversation(self, conversation_id: str) -> bool:
        existed = bool(self._exec("SELECT 1 FROM conversations WHERE id = ?", (conversation_id,)))
        self._exec("DELETE FROM conversations WHERE id = ?", (conversation_id,))
        return existed

    def purge(self, retention_days: int) -> int:
        """Delete conversations not touched for ``retention_days``, and blank the texts (and the
        conversation id) of older answers and feedback comments (their counts stay for the
        statistics); returns how many conversations were deleted."""
        cutoff = time.time() - retention_days * 86400
        n = self._exec("SELECT COUNT(*) FROM conversations WHERE updated < ?", (cutoff,))[0][0]
        self._exec("DELETE FROM conversations WHERE updated < ?", (cutoff,))
        blank = ", ".join(f"{c} = NULL" for c in ANSWER_TEXTS)
        held = " OR ".join(f"{c} IS NOT NULL" for c in ANSWER_TEXTS)
        self._exec(f"UPDATE answers SET {blank} WHERE created < ? AND ({held})", (cutoff,))
        self._exec("UPDATE feedback SET comment = NULL WHERE created < ? AND comment IS NOT NULL", (cutoff,))
        return int(n)

    # --- answers and feedback ---------------------------------------------------------
    def record_answer(
        self,
        conversation_id: str | None,
        channel: str,
        answer: Answer,
        latency_ms: float,
        answer_id: str | None = None,
        turns: Sequence[Turn] = (),
        audience: str | None = None,
    ) -> str:
        """Store an answer: its metadata, and what feedback on it is about (the question, the
        earlier questions ``turns``, the answer text, its citations, contacts and choices).
        ``answer_id`` may be allocated earlier (the web stream announces it before the answer
        is complete)."""
        answer_id = answer_id or uuid.uuid4().hex
        citations = [
            {"n": c.n, "doc_id": c.doc_id, "title": c.title, "location": c.location, "source_url": c.source_url}
            for c in answer.citations
        ]
        contacts = [asdict(c) for c in answer.contacts]
        self._exec(
            "INSERT INTO answers (id, conversation_id, channel, created, abstained, mode, lang, latency_ms, "
            "question, answer, citations, contacts, choices, turns, audience) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                answer_id,
                conversation_id,
                channel,
                time.time(),
                int(answer.abstained),
                answer.mode,
                answer.lang,
                latency_ms,
                answer.question,
                answer.text,
                json.dumps(citations, ensure_ascii=False),
                json.dumps(contacts, ensure_ascii=False),
                json.dumps(list(answer.choices), ensure_ascii=False),
                json.dumps([t.question for t in turns], ensure_ascii=False),
                audience,
            ),
        )
        return answer_id

    def answer_exists(self, answer_id: str) -> bool:
        return bool(self._exec("SELECT 1 FROM answers WHERE id = ?", (answer_id,)))

    ANSWER_FIELDS = ("id", "conversation_id", "mode", "lang", "abstained", "contacts", "choices")

    def stored_answer(self, answer_id: str | None = None, conversation_id: str | None = None) -> dict[str, Any] | None:
        """An answer's stored data (the one with ``answer_id``, or the last of ``conversation_id``):
        id, conversation_id, mode, lang, abstained, contacts and choices (empty once purged)."""
        where, arg = ("id = ?", answer_id) if answer_id else ("conversation_id = ?", conversation_id)
        rows = self._exec(
            f"SELECT {', '.join(self.ANSWER_FIELDS)} FROM answers WHERE {where} ORDER BY created DESC LIMIT 1", (arg,)
        )
        if not rows:
            return None
        row = dict(zip(self.ANSWER_FIELDS, rows[0]))
        row["abstained"] = bool(row["abstained"])
        row["contacts"] = _json(row["contacts"], [])
        row["choices"] = _json(row["choices"], [])
        return row

    def add_feedback(self, answer_id: str, rating: int, comment: str | None = None, channel: str = "web") -> int:
        rows = self._exec(
            "INSERT INTO feedback (answer_id, rating, comment, channel, created) VALUES (?, ?, ?, ?, ?) RETURNING id",
            (answer_id, int(rating), comment, channel, time.time()),
        )
        return int(rows[0][0])

    FEEDBACK_FIELDS = (
        "f.id", "f.answer_id", "f.rating", "f.comment", "f.channel", "f.created",
        "a.question", "a.turns", "a.answer", "a.citations", "a.mode", "a.lang", "a.audience", "a.abstained",
    )  # fmt: skip

    def feedback(self, since: float | None = None) -> list[dict[str, Any]]:
        """Every feedback item (from ``since``, a UNIX time, on) with what it is about: the
        question, earlier questions, the answer text and its citations (None / [] once purged).
        No conversation or user id."""
        rows = self._exec(
            f"SELECT {', '.join(self.FEEDBACK_FIELDS)} FROM feedback f LEFT JOIN answers a ON a.id = f.answer_id "
            "WHERE f.created >= ? ORDER BY f.id",
            (since or 0.0,),
        )
        items = [dict(zip((k.split(".")[1] for k in self.FEEDBACK_FIELDS), r)) for r in rows]
        for item in items:
            item["turns"] = _json(item["turns"], [])
            item["citations"] = _json(item["citations"], [])
            item["abstained"] = bool(item["abstained"])
        return items

    def stats(self) -> dict[str, Any]:
        per_day = self._exec(
            "SELECT date(created, 'unixepoch') AS d, COUNT(*), SUM(abstained) FROM answers GROUP BY d ORDER BY d"
        )
        total = sum(r[1] for r in per_day)
        abstained = sum(r[2] or 0 for r in per_day)
        fb = dict(self._exec("SELECT rating, COUNT(*) FROM feedback GROUP BY rating"))
        return {
            "questions_per_day": {r[0]: r[1] for r in per_day},
            "questions": total,
            "abstention_rate": round(abstained / total, 4) if total else 0.0,
            "feedback": {"up": int(fb.get(1, 0)), "down": int(fb.get(-1, 0))},
            "conversations": self._exec("SELECT COUNT(*) FROM conversations")[0][0],
        }

    # --- channel profiles (e.g. Telegram users) -------------------------------------------
    def get_profile(self, key: str) -> Profile | None:
        rows = self._exec("SELECT profile FROM profiles WHERE key = ?", (key,))
        return Profile(**json.loads(rows[0][0])) if rows else None

    def set_profile(self, key: str, profile: Profile) -> None:
        self._exec(
            "INSERT INTO profiles VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET profile = excluded.profile, "
            "updated = excluded.updated",
            (key, json.dumps(asdict(profile)), time.time()),
        )


async def purge_once(store: StateStore, retention_days: int) -> int:
    purged = await asyncio.to_thread(store.purge, retention_days)
    log.info("retention: purged %d conversations older than %d days", purged, retention_days)
    return purged


@asynccontextmanager
async def retention(store: StateStore, retention_days: int, every_s: float = PURGE_EVERY_S) -> AsyncIterator[None]:
    """The purge schedule: conversations older than ``retention_days`` are deleted when the
    block starts and every ``every_s`` seconds while it runs."""
    await purge_once(store, retention_days)

    async def loop() -> None:
        while True:
            await asyncio.sleep(every_s)
            try:
                await purge_once(store, retention_days)
            except Exception:  # a locked or full disk: try again next time
                log.exception("retention purge failed")

    task = asyncio.create_task(loop())
    try:
        yield
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task
