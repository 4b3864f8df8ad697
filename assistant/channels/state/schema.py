"""The tables of the channel state, as the store queries them (SQLAlchemy Core).

This is the schema at the head of the migrations (``migrations/versions``): a change here is a
new migration too, and ``tests/test_state_store.py`` compares a migrated database with these
tables so the two cannot drift apart. JSON is kept in TEXT columns and times are UNIX seconds
(floats), so the same rows read alike on SQLite and PostgreSQL.
"""

from __future__ import annotations

from sqlalchemy import Column, Float, Index, Integer, MetaData, Table, Text

# Columns of ``answers`` added after its first version, before the migrations existed (a
# database of that time may lack them: the first migration adds them). JSON in the TEXT columns.
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

metadata = MetaData()

conversations = Table(
    "conversations",
    metadata,
    Column("id", Text, primary_key=True),
    Column("channel", Text),
    Column("created", Float),
    Column("updated", Float),
    Column("turns", Text),  # [{question, answer}], the last MAX_TURNS
    Column("profile", Text),
    Index("conversations_updated", "updated"),
)

answers = Table(
    "answers",
    metadata,
    Column("id", Text, primary_key=True),
    Column("conversation_id", Text),
    Column("channel", Text),
    Column("created", Float),
    Column("abstained", Integer),
    Column("mode", Text),
    Column("lang", Text),
    Column("latency_ms", Float),
    *(Column(name, Text) for name in ANSWER_COLUMNS),
    Index("answers_created", "created"),
)

feedback = Table(
    "feedback",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("answer_id", Text),
    Column("rating", Integer),
    Column("comment", Text),
    Column("channel", Text),
    Column("created", Float),
    sqlite_autoincrement=True,  # ids never reused, as before the migrations
)

profiles = Table(
    "profiles",
    metadata,
    Column("key", Text, primary_key=True),
    Column("profile", Text),
    Column("updated", Float),
)
