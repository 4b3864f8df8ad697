"""Channel state: conversations, answers, feedback, profiles.

One store per process, shared by the web service and the Telegram bot: :mod:`assistant.main`
opens it (:meth:`StateStore.from_settings`: SQLite ``state.sqlite`` in the data directory, or
the PostgreSQL server of ``WEGWIJZER_DATABASE_URL`` that several processes and machines share)
and hands it to both, and :func:`retention` is the one purge schedule (run by the web service,
or by the bot when it runs alone). The schema is kept by the Alembic migrations in
``migrations/``, applied when the store opens.

Conversations are keyed by an opaque id, never by a Telegram user id in clear: the bot passes a
salted hash. Message texts are stored as conversation turns (needed for follow-ups) and with
each answer (question, answer text, citations: what feedback is about, see
:meth:`StateStore.feedback`); both are purged after the retention period, and so are feedback
comments. Exports never carry a conversation id.
"""

from assistant.channels.state.retention import EXPORT_DIR, PURGE_EVERY_S, export_feedback, purge_once, retention
from assistant.channels.state.schema import ANSWER_COLUMNS, ANSWER_TEXTS
from assistant.channels.state.store import MAX_TURNS, STATE_FILE, StateStore, user_key

__all__ = [
    "ANSWER_COLUMNS",
    "ANSWER_TEXTS",
    "EXPORT_DIR",
    "MAX_TURNS",
    "PURGE_EVERY_S",
    "STATE_FILE",
    "StateStore",
    "export_feedback",
    "purge_once",
    "retention",
    "user_key",
]
