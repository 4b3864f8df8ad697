"""The conversation store: conversations, answers, feedback and profiles, on SQLAlchemy Core.

The same statements run on SQLite and PostgreSQL; where they differ (an upsert, the day of a
UNIX time) the store picks the dialect's form. Each method is one transaction, committed before
it returns: an acknowledged turn or feedback item is stored, whichever process serves next.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
import time
import uuid
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, Connection, Engine, Table, bindparam, delete, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ClauseElement

from assistant import Answer, Profile, Turn
from assistant.base.errors import DataDirError
from assistant.channels.state.database import WRITE, open_server, open_sqlite, parse_url
from assistant.channels.state.schema import ANSWER_TEXTS, answers, conversations, profiles
from assistant.channels.state.schema import feedback as feedback_table  # the method feedback() reads it

if TYPE_CHECKING:
    from assistant.base.settings import Settings

MAX_TURNS = 8
STATE_FILE = "state.sqlite"

log = logging.getLogger("wegwijzer.state")


def user_key(channel: str, user_id: int | str, salt: str = "") -> str:
    """Opaque, stable key for a channel user (so logs and tables never hold raw ids)."""
    return hashlib.sha256(f"{salt}|{channel}|{user_id}".encode()).hexdigest()[:24]


def _json(value: str | None, default: Any) -> Any:
    return json.loads(value) if value else default


def _turn(turn: Turn) -> dict[str, str]:
    """``asdict(turn)`` without its deep copy (the store writes one or more per answer)."""
    return {"question": turn.question, "answer": turn.answer}


def _profile(profile: Profile) -> dict[str, str | None]:
    """``asdict(profile)`` without its deep copy."""
    return {"audience": profile.audience, "region": profile.region, "lang": profile.lang}


def _conversation(row: Sequence[Any] | None) -> tuple[list[Turn], Profile]:
    """The turns and profile of a ``(turns, profile)`` row (none: a new conversation)."""
    if row is None:
        return [], Profile()
    return [Turn(**t) for t in json.loads(row[0] or "[]")], Profile(**json.loads(row[1] or "{}"))


def _answer_row(
    answer_id: str,
    conversation_id: str | None,
    channel: str,
    answer: Answer,
    latency_ms: float,
    turns: Sequence[Turn],
    audience: str | None,
) -> dict[str, Any]:
    """The ``answers`` row of an answer: its metadata and what feedback on it is about."""
    citations = [
        {"n": c.n, "doc_id": c.doc_id, "title": c.title, "location": c.location, "source_url": c.source_url}
        for c in answer.citations
    ]
    return {
        "id": answer_id,
        "conversation_id": conversation_id,
        "channel": channel,
        "created": time.time(),
        "abstained": int(answer.abstained),
        "mode": answer.mode,
        "lang": answer.lang,
        "latency_ms": latency_ms,
        "question": answer.question,
        "answer": answer.text,
        "citations": json.dumps(citations, ensure_ascii=False),
        "contacts": json.dumps([c.to_dict() for c in answer.contacts], ensure_ascii=False),
        "choices": json.dumps(list(answer.choices), ensure_ascii=False),
        "turns": json.dumps([t.question for t in turns], ensure_ascii=False),
        "audience": audience,
    }


def _new_conversation_row(
    conversation_id: str, channel: str, turn: Turn, profile: Profile | None, now: float
) -> dict[str, Any]:
    """A new conversation's row, made holding its first turn."""
    return {
        "id": conversation_id,
        "channel": channel,
        "created": now,
        "updated": now,
        "turns": json.dumps([_turn(turn)]),
        "profile": json.dumps(_profile(profile or Profile())),
    }


def _appended(row: Sequence[Any] | None, turn: Turn, profile: Profile | None, now: float) -> dict[str, Any]:
    """The new values of an existing conversation's ``(turns, profile)`` row after ``turn``."""
    turns, old_profile = _conversation(row)
    return {
        "updated": now,
        "turns": json.dumps([_turn(t) for t in (turns + [turn])[-MAX_TURNS:]]),
        "profile": json.dumps(_profile(profile or old_profile)),
    }


BEGIN_WRITE: tuple[str, tuple[str, ...]] = ("BEGIN IMMEDIATE", ())  # as database._sqlite_begin begins a write
COMMIT: tuple[str, tuple[str, ...]] = ("COMMIT", ())


class _SqliteExchange:
    """:meth:`StateStore.record_exchange` on a SQLite file: the same statements, compiled once
    by SQLAlchemy for SQLite, run on the pooled ``sqlite3`` connection itself in one
    ``BEGIN IMMEDIATE`` transaction (as the store's write transactions begin). Through an
    SQLAlchemy ``Connection`` the same four statements cost several times the CPU of the
    statements themselves (checkout, events, compiled-cache lookups, result objects), and
    every answer of the web service runs them."""

    def __init__(self, engine: Engine, new_conversation: ClauseElement):
        c = conversations.c
        self.engine = engine
        self.insert_answer = self._compiled(insert(answers), [col.name for col in answers.columns])
        self.new_conversation = self._compiled(new_conversation, [col.name for col in conversations.columns])
        self.read = self._compiled(select(c.turns, c.profile).where(c.id == bindparam("conversation_id")))
        self.update = self._compiled(
            update(conversations).where(c.id == bindparam("conversation_id")), ["updated", "turns", "profile"]
        )

    def _compiled(self, statement: ClauseElement, column_keys: list[str] | None = None) -> tuple[str, tuple[str, ...]]:
        """The SQL of ``statement`` for this engine and the names of its ``?`` parameters, in order."""
        compiled = statement.compile(dialect=self.engine.dialect, column_keys=column_keys)
        assert isinstance(compiled, SQLCompiler) and compiled.positiontup is not None  # SQLite: "?" parameters
        return str(compiled), tuple(compiled.positiontup)

    def __call__(
        self,
        answer: dict[str, Any],
        conversation_id: str,
        channel: str,
        turn: Turn,
        profile: Profile | None,
    ) -> None:
        pooled = self.engine.raw_connection()
        try:
            db: sqlite3.Connection = pooled.driver_connection  # type: ignore[assignment]
            self._run(db, BEGIN_WRITE, {})
            try:
                self._run(db, self.insert_answer, answer)
                now = time.time()
                values = _new_conversation_row(conversation_id, channel, turn, profile, now)
                if self._run(db, self.new_conversation, values).fetchone() is None:
                    row = self._run(db, self.read, {"conversation_id": conversation_id}).fetchone()
                    self._run(
                        db, self.update, _appended(row, turn, profile, now) | {"conversation_id": conversation_id}
                    )
                self._run(db, COMMIT, {})
            except BaseException:
                if db.in_transaction:
                    db.rollback()
                raise
        finally:
            pooled.close()  # back to the pool

    @staticmethod
    def _run(db: sqlite3.Connection, statement: tuple[str, tuple[str, ...]], values: dict[str, Any]) -> sqlite3.Cursor:
        """Run one statement; a driver error is raised as SQLAlchemy raises it (e.g. its
        ``IntegrityError``), as the store's other methods do."""
        sql, names = statement
        params = tuple(values[name] for name in names)
        try:
            return db.execute(sql, params)
        except sqlite3.Error as exc:
            raise DBAPIError.instance(sql, params, exc, sqlite3.Error) from exc


class StateStore:
    """Thread- and process-safe store over a pool of connections: SQLite in the data directory
    (several processes of one machine may share the file) or a PostgreSQL server (several
    machines)."""

    @classmethod
    def in_data_dir(cls, data_dir: Path) -> StateStore:
        """The SQLite store of a deployment: ``state.sqlite`` in its data directory."""
        return cls(data_dir / STATE_FILE)

    @classmethod
    def from_settings(cls, settings: Settings) -> StateStore:
        """The store the settings name: the database at ``database_url`` when it is set (shared
        by every process that sets it), else the SQLite file in ``data_dir``."""
        if settings.database_url:
            return cls(url=settings.database_url)
        return cls.in_data_dir(settings.data_dir)

    def __init__(self, path: Path | None = None, *, url: str | None = None):
        """Open (and migrate) the SQLite file ``path`` or the database at ``url``."""
        server = parse_url(url) if url is not None else None
        if server is not None and server.get_backend_name() == "sqlite":  # a file, with its checks
            path, server = Path(server.database or ""), None
        if path is not None:
            DataDirError.check(path.parent)
            self._engine = open_sqlite(path)
        elif server is not None:
            self._engine = open_server(server)
        else:
            raise TypeError("StateStore needs the path of a SQLite file or a database URL")
        self.path = path
        self._writer = self._engine.execution_options(**WRITE)
        # The statements every answer runs, built once: their values come as parameters, so an
        # answer does not build and hash a statement of twenty bound values each time.
        self._new_conversation = (
            self._insert(conversations)
            .on_conflict_do_nothing(index_elements=[conversations.c.id])
            .returning(conversations.c.id)
        )
        self._sqlite_exchange = _SqliteExchange(self._engine, self._new_conversation) if path is not None else None
        log.info("state database: %s", self.where)

    @property
    def where(self) -> str:
        """The database, for people: the file, or the URL without its password."""
        return str(self.path) if self.path else self._engine.url.render_as_string(hide_password=True)

    def close(self) -> None:
        """Close the pooled connections (a SQLite file is checkpointed when its last one closes)."""
        self._engine.dispose()

    def _insert(self, table: Table) -> postgresql.Insert | sqlite.Insert:
        """An INSERT that can say ON CONFLICT, in this database's dialect."""
        return (postgresql.insert if self._engine.dialect.name == "postgresql" else sqlite.insert)(table)

    def _utc_day(self, unix_time: ColumnElement[Any]) -> ColumnElement[Any]:
        """``YYYY-MM-DD`` (UTC) of a UNIX time, in this database's dialect."""
        if self._engine.dialect.name == "sqlite":
            return func.date(unix_time, "unixepoch")
        return func.to_char(func.timezone("UTC", func.to_timestamp(unix_time)), "YYYY-MM-DD")

    # --- conversations --------------------------------------------------------------
    def new_conversation_id(self) -> str:
        return uuid.uuid4().hex

    def get_conversation(self, conversation_id: str) -> tuple[list[Turn], Profile]:
        c = conversations.c
        with self._engine.connect() as conn:
            return _conversation(conn.execute(select(c.turns, c.profile).where(c.id == conversation_id)).first())

    def append_turn(
        self, conversation_id: str, turn: Turn, profile: Profile | None = None, channel: str = "web"
    ) -> None:
        """Add ``turn`` (keeping the last :data:`MAX_TURNS`), in one transaction that holds the
        conversation's row: a new conversation's row is made holding the turn; an existing
        one is read FOR UPDATE (PostgreSQL; on SQLite the write transaction holds the file),
        so two processes appending at once both keep their turn."""
        with self._writer.begin() as conn:
            self._append_turn(conn, conversation_id, turn, profile, channel)

    def _append_turn(
        self, conn: Connection, conversation_id: str, turn: Turn, profile: Profile | None, channel: str
    ) -> None:
        c = conversations.c
        now = time.time()
        values = _new_conversation_row(conversation_id, channel, turn, profile, now)
        # a new conversation is made with its first turn: one statement
        if conn.execute(self._new_conversation, values).first() is not None:
            return
        row = conn.execute(select(c.turns, c.profile).where(c.id == conversation_id).with_for_update()).first()
        conn.execute(update(conversations).where(c.id == conversation_id).values(_appended(row, turn, profile, now)))

    def delete_conversation(self, conversation_id: str) -> bool:
        with self._writer.begin() as conn:
            return conn.execute(delete(conversations).where(conversations.c.id == conversation_id)).rowcount > 0

    def purge(self, retention_days: int) -> int:
        """Delete conversations not touched for ``retention_days``, and blank the texts (and the
        conversation id) of older answers and feedback comments (their counts stay for the
        statistics); returns how many conversations were deleted."""
        cutoff = time.time() - retention_days * 86400
        a, f = answers.c, feedback_table.c
        with self._writer.begin() as conn:
            deleted = conn.execute(delete(conversations).where(conversations.c.updated < cutoff)).rowcount
            conn.execute(
                update(answers)
                .where(a.created < cutoff, or_(*(a[name].is_not(None) for name in ANSWER_TEXTS)))
                .values({name: None for name in ANSWER_TEXTS})
            )
            conn.execute(update(feedback_table).where(f.created < cutoff, f.comment.is_not(None)).values(comment=None))
        return int(deleted)

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
        with self._writer.begin() as conn:
            self._insert_answer(conn, answer_id, conversation_id, channel, answer, latency_ms, turns, audience)
        return answer_id

    def record_exchange(
        self,
        conversation_id: str,
        channel: str,
        turn: Turn,
        answer: Answer,
        latency_ms: float,
        profile: Profile | None = None,
        answer_id: str | None = None,
        turns: Sequence[Turn] = (),
    ) -> str:
        """:meth:`record_answer` and :meth:`append_turn` in one transaction: the answer that
        feedback is about and the turn a follow-up needs are stored together or not at all
        (and one commit per answer instead of two)."""
        answer_id = answer_id or uuid.uuid4().hex
        audience = profile.audience if profile else None
        if self._sqlite_exchange is not None:
            row = _answer_row(answer_id, conversation_id, channel, answer, latency_ms, turns, audience)
            self._sqlite_exchange(row, conversation_id, channel, turn, profile)
            return answer_id
        with self._writer.begin() as conn:
            self._insert_answer(conn, answer_id, conversation_id, channel, answer, latency_ms, turns, audience)
            self._append_turn(conn, conversation_id, turn, profile, channel)
        return answer_id

    def _insert_answer(
        self,
        conn: Connection,
        answer_id: str,
        conversation_id: str | None,
        channel: str,
        answer: Answer,
        latency_ms: float,
        turns: Sequence[Turn],
        audience: str | None,
    ) -> None:
        conn.execute(
            insert(answers), _answer_row(answer_id, conversation_id, channel, answer, latency_ms, turns, audience)
        )

    def answer_exists(self, answer_id: str) -> bool:
        with self._engine.connect() as conn:
            return conn.execute(select(answers.c.id).where(answers.c.id == answer_id)).first() is not None

    ANSWER_FIELDS = ("id", "conversation_id", "mode", "lang", "abstained", "contacts", "choices")

    def stored_answer(self, answer_id: str | None = None, conversation_id: str | None = None) -> dict[str, Any] | None:
        """An answer's stored data (the one with ``answer_id``, or the last of ``conversation_id``):
        id, conversation_id, mode, lang, abstained, contacts and choices (empty once purged)."""
        a = answers.c
        where = a.id == answer_id if answer_id else a.conversation_id == conversation_id
        query = select(*(a[name] for name in self.ANSWER_FIELDS)).where(where).order_by(a.created.desc()).limit(1)
        with self._engine.connect() as conn:
            found = conn.execute(query).first()
        if found is None:
            return None
        row = dict(found._mapping)
        row["abstained"] = bool(row["abstained"])
        row["contacts"] = _json(row["contacts"], [])
        row["choices"] = _json(row["choices"], [])
        return row

    def add_feedback(self, answer_id: str, rating: int, comment: str | None = None, channel: str = "web") -> int:
        with self._writer.begin() as conn:
            row_id = conn.execute(
                insert(feedback_table)
                .values(answer_id=answer_id, rating=int(rating), comment=comment, channel=channel, created=time.time())
                .returning(feedback_table.c.id)
            ).scalar_one()
        return int(row_id)

    def feedback(self, since: float | None = None) -> list[dict[str, Any]]:
        """Every feedback item (from ``since``, a UNIX time, on) with what it is about: the
        question, earlier questions, the answer text and its citations (None / [] once purged).
        No conversation or user id."""
        f, a = feedback_table.c, answers.c
        fields = (f.id, f.answer_id, f.rating, f.comment, f.channel, f.created)
        about = (a.question, a.turns, a.answer, a.citations, a.mode, a.lang, a.audience, a.abstained)
        query = (
            select(*fields, *about)
            .select_from(feedback_table.outerjoin(answers, answers.c.id == feedback_table.c.answer_id))
            .where(feedback_table.c.created >= (since or 0.0))
            .order_by(feedback_table.c.id)
        )
        with self._engine.connect() as conn:
            items = [dict(row._mapping) for row in conn.execute(query)]
        for item in items:
            item["turns"] = _json(item["turns"], [])
            item["citations"] = _json(item["citations"], [])
            item["abstained"] = bool(item["abstained"])
        return items

    def stats(self) -> dict[str, Any]:
        day = self._utc_day(answers.c.created).label("day")
        with self._engine.connect() as conn:
            per_day = conn.execute(
                select(day, func.count(), func.sum(answers.c.abstained)).group_by(day).order_by(day)
            ).all()
            fb = {
                r[0]: r[1]
                for r in conn.execute(select(feedback_table.c.rating, func.count()).group_by(feedback_table.c.rating))
            }
            talks = conn.execute(select(func.count()).select_from(conversations)).scalar_one()
        total = sum(r[1] for r in per_day)
        abstained = sum(r[2] or 0 for r in per_day)
        return {
            "questions_per_day": {r[0]: r[1] for r in per_day},
            "questions": total,
            "abstention_rate": round(abstained / total, 4) if total else 0.0,
            "feedback": {"up": int(fb.get(1, 0)), "down": int(fb.get(-1, 0))},
            "conversations": talks,
        }

    # --- channel profiles (e.g. Telegram users) -------------------------------------------
    def get_profile(self, key: str) -> Profile | None:
        with self._engine.connect() as conn:
            value = conn.execute(select(profiles.c.profile).where(profiles.c.key == key)).scalar()
        return Profile(**json.loads(value)) if value is not None else None

    def set_profile(self, key: str, profile: Profile) -> None:
        upsert = self._insert(profiles).values(key=key, profile=json.dumps(asdict(profile)), updated=time.time())
        with self._writer.begin() as conn:
            conn.execute(
                upsert.on_conflict_do_update(
                    index_elements=[profiles.c.key],
                    set_={"profile": upsert.excluded.profile, "updated": upsert.excluded.updated},
                )
            )
