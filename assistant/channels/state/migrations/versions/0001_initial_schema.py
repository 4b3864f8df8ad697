"""The state schema as it was when the migrations began: conversations, answers, feedback, profiles.

A database the store made before the migrations (a SQLite ``state.sqlite``: the tables, no
``alembic_version``) is adopted, not recreated: its rows stay, the answer columns added since
its time and any missing index are added, and Alembic then records this revision.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# Frozen copy of the tables at this revision (the store's own are in schema.py).
baseline = sa.MetaData()
sa.Table(
    "conversations",
    baseline,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("channel", sa.Text),
    sa.Column("created", sa.Float),
    sa.Column("updated", sa.Float),
    sa.Column("turns", sa.Text),
    sa.Column("profile", sa.Text),
    sa.Index("conversations_updated", "updated"),
)
sa.Table(
    "answers",
    baseline,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("conversation_id", sa.Text),
    sa.Column("channel", sa.Text),
    sa.Column("created", sa.Float),
    sa.Column("abstained", sa.Integer),
    sa.Column("mode", sa.Text),
    sa.Column("lang", sa.Text),
    sa.Column("latency_ms", sa.Float),
    *(
        sa.Column(name, sa.Text)
        for name in ("question", "answer", "citations", "contacts", "choices", "turns", "audience")
    ),
    sa.Index("answers_created", "created"),
)
sa.Table(
    "feedback",
    baseline,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("answer_id", sa.Text),
    sa.Column("rating", sa.Integer),
    sa.Column("comment", sa.Text),
    sa.Column("channel", sa.Text),
    sa.Column("created", sa.Float),
    sqlite_autoincrement=True,
)
sa.Table(
    "profiles",
    baseline,
    sa.Column("key", sa.Text, primary_key=True),
    sa.Column("profile", sa.Text),
    sa.Column("updated", sa.Float),
)


def upgrade() -> None:
    bind = op.get_bind()
    inspector = sa.inspect(bind)
    for table in baseline.sorted_tables:
        if not inspector.has_table(table.name):
            table.create(bind)
            continue
        have = {column["name"] for column in inspector.get_columns(table.name)}
        for column in table.columns:
            if column.name not in have:  # stays empty in the rows it already had
                op.add_column(table.name, sa.Column(column.name, column.type))
        indexed = {index["name"] for index in inspector.get_indexes(table.name)}
        for index in table.indexes:
            if index.name not in indexed:
                op.create_index(index.name, table.name, [column.name for column in index.columns])


def downgrade() -> None:
    for table in reversed(baseline.sorted_tables):
        op.drop_table(table.name)
