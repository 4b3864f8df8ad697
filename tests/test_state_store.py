"""The channel state on both of its databases: a SQLite file and a real PostgreSQL server.

The behaviour tests run once per database (conversations, profiles, answers and feedback, the
retention purge, statistics, the daily feedback export); then what only one of them has: a
SQLite file from before the migrations is adopted, and on PostgreSQL several store instances
(as several processes have) share the data, migrate at once and append to one conversation
at once without losing a turn. The corrupt-file fallback is in tests/faults/test_state_faults.py.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from conftest import make_settings
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.exc import IntegrityError
from support.postgres import new_database, postgres_url  # noqa: F401  (the fixture)

from assistant import Answer, Citation, Profile, Turn
from assistant.base.errors import DataDirError
from assistant.channels.state import MAX_TURNS, StateStore, export_feedback, retention
from assistant.channels.state.schema import metadata

DAY = 86400


@dataclass
class Database:
    """One test's database, by URL; the stores opened on it are closed after the test."""

    url: str
    opened: list[StateStore] = field(default_factory=list)

    def open(self) -> StateStore:
        store = StateStore(url=self.url)
        self.opened.append(store)
        return store

    def sql(self, statement: str, **params: object) -> list[tuple[object, ...]]:
        """Run ``statement`` beside the store (to age rows, or to look at what it stored)."""
        engine = create_engine(self.url)
        try:
            with engine.begin() as conn:
                result = conn.execute(text(statement), params)
                return [tuple(row) for row in result] if result.returns_rows else []
        finally:
            engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    if request.param == "sqlite":
        db = Database(f"sqlite:///{tmp_path / 'state.sqlite'}")
    else:
        db = Database(new_database(request.getfixturevalue("postgres_url")))
    yield db
    for store in db.opened:
        store.close()


def an_answer(question: str = "Wat is de SLIM-regeling?", abstained: bool = False) -> Answer:
    return Answer(
        question=question,
        text="De SLIM-regeling is een subsidie voor werkgevers. [1]",
        citations=[
            Citation(1, "regelingen/slim-regeling", "SLIM-regeling", None, "Wat is SLIM?", "…", 0.9, "https://uwv.nl/")
        ],
        abstained=abstained,
        lang="nl",
    )


# --- the same behaviour on both databases ---------------------------------------------------


def test_a_conversation_keeps_its_last_turns_and_its_profile(database: Database) -> None:
    store = database.open()
    assert store.get_conversation("nieuw") == ([], Profile())
    store.append_turn("c1", Turn("vraag 0", "antwoord 0"), Profile(audience="employer", lang="nl"))
    for i in range(1, MAX_TURNS + 3):
        store.append_turn("c1", Turn(f"vraag {i}", f"antwoord {i}"))
    turns, profile = store.get_conversation("c1")
    assert [t.question for t in turns] == [f"vraag {i}" for i in range(3, MAX_TURNS + 3)]
    assert profile == Profile(audience="employer", lang="nl")  # kept while later turns bring none
    store.append_turn("c1", Turn("in English", ""), Profile(lang="en"))
    assert store.get_conversation("c1")[1] == Profile(lang="en")
    assert store.stats()["conversations"] == 1
    assert store.delete_conversation("c1") is True and store.delete_conversation("c1") is False
    assert store.get_conversation("c1") == ([], Profile())


def test_profiles_are_stored_and_replaced(database: Database) -> None:
    store = database.open()
    assert store.get_profile("telegram-user") is None
    store.set_profile("telegram-user", Profile(region="limburg"))
    store.set_profile("telegram-user", Profile(audience="student", region="utrecht"))
    assert store.get_profile("telegram-user") == Profile(audience="student", region="utrecht")


def test_feedback_carries_question_answer_and_citations_and_is_exported_without_conversation_id(
    database: Database, tmp_path: Path
) -> None:
    store = database.open()
    answer_id = store.record_answer(
        "conversation-secret-id", "web", an_answer("En voor het mkb?"), 12.0, turns=[Turn("subsidie", "…")]
    )
    assert store.answer_exists(answer_id) and not store.answer_exists("onbekend")
    first = store.add_feedback(answer_id, 1)
    second = store.add_feedback(answer_id, -1, "Het bedrag ontbreekt.", channel="telegram")
    assert second > first
    items = store.feedback()
    assert [(i["id"], i["rating"], i["comment"], i["channel"]) for i in items] == [
        (first, 1, None, "web"),
        (second, -1, "Het bedrag ontbreekt.", "telegram"),
    ]
    item = items[1]
    assert (item["question"], item["turns"], item["abstained"]) == ("En voor het mkb?", ["subsidie"], False)
    assert (
        item["answer"].startswith("De SLIM-regeling") and item["citations"][0]["doc_id"] == "regelingen/slim-regeling"
    )
    assert "conversation-secret-id" not in repr(items)
    assert store.feedback(since=time.time() + 60) == []
    stored = store.stored_answer(conversation_id="conversation-secret-id")
    assert stored == store.stored_answer(answer_id)
    assert stored is not None and (stored["id"], stored["mode"], stored["contacts"]) == (answer_id, "extractive", [])

    exports = tmp_path / "exports"
    written = export_feedback(store, exports, retention_days=30, today=date(2026, 3, 2))
    assert written == exports / "feedback-2026-03-02.jsonl"
    lines = [json.loads(line) for line in written.read_text(encoding="utf-8").splitlines()]
    assert lines == json.loads(json.dumps(items))
    assert "conversation-secret-id" not in written.read_text(encoding="utf-8")
    assert export_feedback(store, exports, retention_days=30, today=date(2026, 3, 2)) is None  # once a day
    # a later day gets its own file; files older than the retention period are removed
    export_feedback(store, exports, retention_days=30, today=date(2026, 4, 2))
    assert sorted(p.name for p in exports.iterdir()) == ["feedback-2026-04-02.jsonl"]


def test_the_purge_deletes_old_conversations_and_blanks_old_texts(database: Database) -> None:
    store = database.open()
    old = store.record_answer("c-old", "web", an_answer("oude vraag"), 5.0)
    new = store.record_answer("c-new", "web", an_answer("nieuwe vraag"), 5.0)
    store.add_feedback(old, -1, "oude opmerking")
    store.add_feedback(new, -1, "nieuwe opmerking")
    store.append_turn("c-old", Turn("oude vraag", "…"))
    store.append_turn("c-new", Turn("nieuwe vraag", "…"))
    long_ago = time.time() - 40 * DAY
    database.sql("UPDATE answers SET created = :t WHERE id = :id", t=long_ago, id=old)
    database.sql("UPDATE feedback SET created = :t WHERE answer_id = :id", t=long_ago, id=old)
    database.sql("UPDATE conversations SET updated = :t WHERE id = 'c-old'", t=long_ago)
    assert store.purge(30) == 1
    assert store.get_conversation("c-old") == ([], Profile()) and store.get_conversation("c-new")[0]
    by_answer = {f["answer_id"]: f for f in store.feedback()}
    assert by_answer[old]["question"] is None and by_answer[old]["answer"] is None
    assert by_answer[old]["comment"] is None and by_answer[old]["citations"] == [] and by_answer[old]["turns"] == []
    assert by_answer[new]["question"] == "nieuwe vraag" and by_answer[new]["comment"] == "nieuwe opmerking"
    assert store.stored_answer(conversation_id="c-old") is None and store.stored_answer(conversation_id="c-new")
    assert store.stats()["questions"] == 2 and store.stats()["feedback"] == {"up": 0, "down": 2}
    assert store.purge(30) == 0


def test_statistics_count_questions_per_utc_day_abstentions_and_ratings(database: Database) -> None:
    store = database.open()
    assert store.stats() == {
        "questions_per_day": {},
        "questions": 0,
        "abstention_rate": 0.0,
        "feedback": {"up": 0, "down": 0},
        "conversations": 0,
    }
    early = store.record_answer(None, "web", an_answer(), 1.0)
    store.record_answer(None, "web", an_answer(abstained=True), 1.0)
    late = store.record_answer(None, "telegram", an_answer(), 1.0)
    database.sql("UPDATE answers SET created = 1700000000 WHERE id = :id", id=early)  # 2023-11-14 22:13 UTC
    database.sql("UPDATE answers SET created = 1700010000 WHERE id = :id", id=late)  # 2023-11-15 01:00 UTC
    store.add_feedback(early, 1)
    store.add_feedback(late, -1)
    store.add_feedback(late, -1)
    stats = store.stats()
    today = time.strftime("%Y-%m-%d", time.gmtime())
    assert stats["questions_per_day"] == {"2023-11-14": 1, "2023-11-15": 1, today: 1}
    assert list(stats["questions_per_day"]) == sorted(stats["questions_per_day"])
    assert (stats["questions"], stats["abstention_rate"], stats["feedback"]) == (3, 0.3333, {"up": 1, "down": 2})


def test_the_migrated_schema_is_the_schema_the_store_queries(database: Database) -> None:
    database.open()
    database.open()  # a second open finds the schema at head
    engine = create_engine(database.url)
    try:
        with engine.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn), metadata) == []
    finally:
        engine.dispose()
    assert database.sql("SELECT version_num FROM alembic_version") == [("0001",)]


def test_the_retention_block_writes_the_days_feedback_export(database: Database, tmp_path: Path) -> None:
    store = database.open()
    store.add_feedback(store.record_answer("c", "web", an_answer(), 1.0), -1, "onvolledig")

    async def run() -> None:
        async with retention(store, 30, tmp_path / "exports", every_s=3600):
            pass

    asyncio.run(run())
    (export,) = (tmp_path / "exports").iterdir()
    assert export.name == f"feedback-{time.strftime('%Y-%m-%d', time.gmtime())}.jsonl"
    (item,) = [json.loads(line) for line in export.read_text(encoding="utf-8").splitlines()]
    assert (item["question"], item["comment"], item["rating"]) == ("Wat is de SLIM-regeling?", "onvolledig", -1)


def test_two_stores_appending_to_one_conversation_at_once_lose_no_turn(database: Database) -> None:
    """Two instances (as two processes) append three turns each to the same new conversation,
    started together, twenty times over: every conversation ends with all six."""
    stores = [database.open(), database.open()]
    rounds, each = 20, 3
    start = threading.Barrier(len(stores))
    failures: list[BaseException] = []

    def append(store: StateStore, who: int) -> None:
        try:
            for r in range(rounds):
                start.wait(timeout=30)
                for i in range(each):
                    store.append_turn(f"race-{r}", Turn(f"{who}-{i}", ""))
        except BaseException as exc:
            failures.append(exc)
            start.abort()

    threads = [threading.Thread(target=append, args=(s, n)) for n, s in enumerate(stores)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not failures, failures
    for r in range(rounds):
        turns = [t.question for t in stores[0].get_conversation(f"race-{r}")[0]]
        assert sorted(turns) == sorted(f"{who}-{i}" for who in range(2) for i in range(each)), (r, turns)
        for who in range(2):  # and each store's turns in the order it appended them
            assert [q for q in turns if q.startswith(f"{who}-")] == [f"{who}-{i}" for i in range(each)]


# --- SQLite only ------------------------------------------------------------------------------

PRE_MIGRATION_SCHEMA = """
CREATE TABLE conversations (id TEXT PRIMARY KEY, channel TEXT, created REAL, updated REAL, turns TEXT, profile TEXT);
CREATE TABLE answers (id TEXT PRIMARY KEY, conversation_id TEXT, channel TEXT, created REAL, abstained INTEGER,
    mode TEXT, lang TEXT, latency_ms REAL, question TEXT, answer TEXT, citations TEXT);
CREATE TABLE feedback (id INTEGER PRIMARY KEY AUTOINCREMENT, answer_id TEXT, rating INTEGER, comment TEXT,
    channel TEXT, created REAL);
CREATE TABLE profiles (key TEXT PRIMARY KEY, profile TEXT, updated REAL);
CREATE INDEX answers_created ON answers(created);
INSERT INTO conversations VALUES ('c1', 'web', 1700000000, 1700000000,
    '[{"question": "Wat is Codam?", "answer": "Een opleiding."}]', '{"audience": null, "region": null, "lang": "nl"}');
INSERT INTO answers VALUES ('a1', 'c1', 'web', 1700000000, 0, 'extractive', 'nl', 12.5, 'Wat is Codam?',
    'Een opleiding. [1]', '[]');
INSERT INTO feedback (answer_id, rating, comment, channel, created) VALUES ('a1', -1, 'te kort', 'web', 1700000100);
INSERT INTO profiles VALUES ('tg-user', '{"audience": "student", "region": null, "lang": null}', 1700000000);
"""


def test_a_state_file_from_before_the_migrations_is_adopted_with_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    with sqlite3.connect(path) as db:
        db.executescript(PRE_MIGRATION_SCHEMA)
    store = StateStore.in_data_dir(tmp_path)
    assert store.get_conversation("c1") == ([Turn("Wat is Codam?", "Een opleiding.")], Profile(lang="nl"))
    assert store.get_profile("tg-user") == Profile(audience="student")
    (item,) = store.feedback()
    assert (item["answer_id"], item["question"], item["comment"], item["turns"]) == (
        "a1",
        "Wat is Codam?",
        "te kort",
        [],
    )
    assert store.add_feedback("a1", 1) == 2  # the id sequence goes on
    store.record_answer("c1", "web", an_answer(), 3.0, audience="employer")  # into the added columns
    store.close()
    db = Database(f"sqlite:///{path}")
    assert db.sql("SELECT version_num FROM alembic_version") == [("0001",)]
    engine = create_engine(db.url)
    with engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), metadata)
    engine.dispose()
    # The same tables, columns and indexes. What SQLite cannot alter in place stays as the old
    # file declared it, to the same effect: REAL for FLOAT (both REAL affinity) and primary keys
    # without NOT NULL (the store never writes a NULL key).
    flat = [d for group in differences for d in (group if isinstance(group, list) else [group])]
    assert {d[0] for d in flat} <= {"modify_type", "modify_nullable"}, flat
    assert all(d[0] != "modify_nullable" or d[3] in {"id", "key"} for d in flat), flat
    assert StateStore.in_data_dir(tmp_path).stats()["questions"] == 2  # and it opens again as it is


def test_the_sqlite_file_is_in_wal_mode_and_waits_for_a_busy_writer(tmp_path: Path) -> None:
    store = StateStore.in_data_dir(tmp_path)
    with sqlite3.connect(tmp_path / "state.sqlite") as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    other = sqlite3.connect(tmp_path / "state.sqlite", isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")  # another process holds the write lock for a moment
    releaser = threading.Timer(0.5, lambda: other.execute("COMMIT"))
    releaser.start()
    store.add_feedback("a", 1)  # waits instead of failing with "database is locked"
    releaser.join()
    other.close()
    assert len(store.feedback()) == 1


# --- PostgreSQL only ----------------------------------------------------------------------------


def test_two_stores_on_one_postgres_see_each_others_writes(postgres_url: str) -> None:
    url = new_database(postgres_url)
    web, bot = StateStore(url=url), StateStore(url=url)
    answer_id = web.record_answer("c", "web", an_answer(), 2.0)
    bot.add_feedback(answer_id, -1, "mist de looptijd", channel="telegram")
    bot.append_turn("c", Turn("Wat is de SLIM-regeling?", "…"), Profile(audience="employer"))
    bot.set_profile("tg", Profile(region="groningen"))
    assert web.feedback()[0]["comment"] == "mist de looptijd"
    assert web.get_conversation("c")[1] == Profile(audience="employer")
    assert web.get_profile("tg") == Profile(region="groningen")
    assert web.stats() == bot.stats()
    assert bot.delete_conversation("c") and web.get_conversation("c") == ([], Profile())
    web.close()
    bot.close()


def test_processes_starting_together_on_a_fresh_postgres_all_open_it(postgres_url: str) -> None:
    """Four stores opened at the same moment on an empty database: one migrates, the others
    wait on the advisory lock and find the schema done."""
    url = new_database(postgres_url)
    start = threading.Barrier(4)
    opened: list[StateStore] = []
    failures: list[BaseException] = []

    def open_store() -> None:
        start.wait(timeout=30)
        try:
            opened.append(StateStore(url=url))
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=open_store) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not failures, failures
    assert len(opened) == 4
    for store in opened:
        store.close()


def test_from_settings_opens_the_database_url_and_never_logs_its_password(
    postgres_url: str,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with_password = make_url(new_database(postgres_url)).set(password="geheim-wachtwoord")  # trust: any password
    url = with_password.render_as_string(hide_password=False)
    with caplog.at_level(logging.INFO, logger="wegwijzer.state"):
        store = StateStore.from_settings(make_settings(tmp_path, database_url=url))
    assert store.path is None and "geheim-wachtwoord" not in store.where and "***" in store.where
    assert "geheim-wachtwoord" not in caplog.text and store.where in caplog.text
    store.close()
    local = StateStore.from_settings(make_settings(tmp_path))
    assert local.path == tmp_path / "state.sqlite" and local.path.exists()
    local.close()


def test_a_database_that_cannot_be_reached_is_named_in_one_line_without_its_password() -> None:
    with pytest.raises(
        DataDirError, match=r"postgresql\+psycopg://wegwijzer:\*\*\*@127\.0\.0\.1:1/state cannot"
    ) as info:
        StateStore(url="postgresql+psycopg://wegwijzer:geheim@127.0.0.1:1/state")  # nothing listens on port 1
    assert "geheim" not in str(info.value) and "\n" not in str(info.value)


def test_an_answer_and_its_turn_are_stored_together_or_not_at_all(database: Database) -> None:
    store = database.open()
    answer_id = store.record_exchange(
        "c-exchange",
        "web",
        Turn("Wat is SLIM?", "De SLIM-regeling …"),
        an_answer("Wat is SLIM?"),
        7.0,
        profile=Profile(audience="employer"),
    )
    turns, profile = store.get_conversation("c-exchange")
    assert [t.question for t in turns] == ["Wat is SLIM?"] and profile.audience == "employer"
    stored = store.stored_answer(answer_id)
    assert stored is not None and stored["conversation_id"] == "c-exchange"
    # the same answer id again violates the key: neither the answer nor a second turn is kept
    with pytest.raises(IntegrityError):
        store.record_exchange(
            "c-exchange", "web", Turn("nog eens", "…"), an_answer("nog eens"), 1.0, answer_id=answer_id
        )
    turns, _ = store.get_conversation("c-exchange")
    assert [t.question for t in turns] == ["Wat is SLIM?"]


def test_sqlite_records_an_exchange_as_the_sqlalchemy_path_does(tmp_path: Path) -> None:
    """On SQLite, record_exchange runs its statements on the sqlite3 connection itself (less CPU
    per answer); the rows it writes are those of the SQLAlchemy transaction PostgreSQL uses."""
    fast, slow = StateStore(tmp_path / "fast.sqlite"), StateStore(tmp_path / "slow.sqlite")
    assert fast._sqlite_exchange is not None
    slow._sqlite_exchange = None  # the SQLAlchemy path
    try:
        for store in (fast, slow):
            for i in range(MAX_TURNS + 2):  # a new conversation, then follow-ups past MAX_TURNS
                profile = (
                    Profile(audience="employer", lang="nl") if i == 0 else (Profile(lang="en") if i == 5 else None)
                )
                store.record_exchange(
                    "c-1",
                    "web",
                    Turn(f"vraag {i} — €", f"antwoord {i}"),
                    an_answer(f"vraag {i} — €"),
                    float(i),
                    profile=profile,
                    answer_id=f"{i:032x}",
                    turns=[Turn(f"vraag {j} — €") for j in range(i)],
                )
            store.record_exchange(
                "c-2", "telegram", Turn("losse vraag"), an_answer(abstained=True), 2.5, answer_id="f" * 32
            )
        tables = {
            "answers": "SELECT id, conversation_id, channel, abstained, mode, lang, latency_ms, question, answer, "
            "citations, contacts, choices, turns, audience FROM answers ORDER BY question, channel",
            "conversations": "SELECT id, channel, turns, profile, created <= updated FROM conversations ORDER BY id",
        }
        for name, query in tables.items():
            rows = [
                [row for row in sqlite3.connect(store.path).execute(query)]  # type: ignore[arg-type]
                for store in (fast, slow)
            ]
            assert rows[0] == rows[1] and rows[0], name
        assert fast.get_conversation("c-1") == slow.get_conversation("c-1")
        # a failed exchange leaves nothing behind, and says so as SQLAlchemy does
        with pytest.raises(IntegrityError):
            fast.record_exchange("c-1", "web", Turn("nog eens"), an_answer("nog eens"), 1.0, answer_id=f"{0:032x}")
        assert fast.get_conversation("c-1") == slow.get_conversation("c-1")
    finally:
        fast.close()
        slow.close()
