"""Channel state in SQLite under the data directory: conversations, answers, feedback, profiles.

One store per process, shared by the web service and the Telegram bot: :mod:`assistant.main`
opens it and hands it to both, and :func:`retention` is the one purge schedule (run by the
web service, or by the bot when it runs alone). Conversations are keyed by an opaque id, never by a Telegram user id in clear: the bot
passes a salted hash. Message texts are stored only as conversation turns (needed for
follow-ups) and are purged after the retention period.
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
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import asdict
from pathlib import Path
from typing import Any

from assistant import Profile, Turn

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

MAX_TURNS = 8
STATE_FILE = "state.sqlite"
PURGE_EVERY_S = 6 * 3600

log = logging.getLogger("wegwijzer.state")


def user_key(channel: str, user_id: int | str, salt: str = "") -> str:
    """Opaque, stable key for a channel user (so logs and tables never hold raw ids)."""
    return hashlib.sha256(f"{salt}|{channel}|{user_id}".encode()).hexdigest()[:24]


class StateStore:
    """Thread-safe SQLite store; one connection guarded by a lock (low write volume)."""

    @classmethod
    def in_data_dir(cls, data_dir: Path) -> StateStore:
        """The store of a deployment: ``state.sqlite`` in its data directory."""
        return cls(data_dir / STATE_FILE)

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")  # WAL: no fsync per commit, still crash-safe
        self._db.executescript(SCHEMA)
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
        """Delete conversations not touched for ``retention_days``; returns how many."""
        cutoff = time.time() - retention_days * 86400
        n = self._exec("SELECT COUNT(*) FROM conversations WHERE updated < ?", (cutoff,))[0][0]
        self._exec("DELETE FROM conversations WHERE updated < ?", (cutoff,))
        return int(n)

    # --- answers and feedback ---------------------------------------------------------
    def record_answer(
        self,
        conversation_id: str | None,
        channel: str,
        abstained: bool,
        mode: str,
        lang: str,
        latency_ms: float,
        answer_id: str | None = None,
    ) -> str:
        """Store an answer's metadata; ``answer_id`` may be allocated earlier (the web stream
        announces it before the answer is complete)."""
        answer_id = answer_id or uuid.uuid4().hex
        self._exec(
            "INSERT INTO answers VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (answer_id, conversation_id, channel, time.time(), int(abstained), mode, lang, latency_ms),
        )
        return answer_id

    def answer_exists(self, answer_id: str) -> bool:
        return bool(self._exec("SELECT 1 FROM answers WHERE id = ?", (answer_id,)))

    def add_feedback(self, answer_id: str, rating: int, comment: str | None = None, channel: str = "web") -> int:
        rows = self._exec(
            "INSERT INTO feedback (answer_id, rating, comment, channel, created) VALUES (?, ?, ?, ?, ?) RETURNING id",
            (answer_id, int(rating), comment, channel, time.time()),
        )
        return int(rows[0][0])

    def feedback(self) -> list[dict[str, Any]]:
        rows = self._exec("SELECT id, answer_id, rating, comment, channel, created FROM feedback ORDER BY id")
        keys = ("id", "answer_id", "rating", "comment", "channel", "created")
        return [dict(zip(keys, r)) for r in rows]

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
