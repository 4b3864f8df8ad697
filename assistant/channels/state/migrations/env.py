"""Alembic's entry point for the state migrations.

:func:`assistant.channels.state.database.upgrade` runs it on a connection it has opened (and,
on PostgreSQL, locked) and passes in ``config.attributes["connection"]``: there is no
alembic.ini and no URL here. The store's tables are the target, for ``autogenerate``.
"""

from __future__ import annotations

from alembic import context

from assistant.channels.state.schema import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters a table by copying it
)
with context.begin_transaction():
    context.run_migrations()
