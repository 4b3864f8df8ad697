"""Wegwijzer ICT: cited answers from the programme documents of the Human Capital Agenda ICT.

The package is layered, top down (``pyproject.toml`` holds the import contracts that keep it so):

- :mod:`assistant.main` composes processes: the ``wegwijzer`` command, web service + bot;
- :mod:`assistant.channels` (terminal, web, Telegram) and :mod:`assistant.evaluation`:
  thin adapters over :class:`Assistant`, independent of each other;
- :mod:`ingest` (its own package): corpus files into the store;
- :mod:`assistant.core`: the :class:`Assistant`, hybrid retrieval, store, embedder;
- :mod:`assistant.answering`: answerers behind one protocol (extractive, LLM);
- :mod:`assistant.verify`: checks generated sentences against their passages;
- :mod:`assistant.base`: settings, errors, data types, language tools, UI texts.

This module is the public surface, listed in ``__all__``; a test keeps it honest.
"""

from assistant.answering.protocol import AnswerEvent, Delta, Final
from assistant.base.errors import (
    DataDirError,
    IndexNotReadyError,
    IngestBusyError,
    LLMError,
    QuestionError,
    SharedStateError,
    WegwijzerError,
)
from assistant.base.settings import Settings, get_settings
from assistant.base.types import Answer, Citation, Passage, Profile, SentenceCheck, Turn
from assistant.core.assistant import Assistant

__all__ = [
    "Answer",
    "AnswerEvent",
    "Assistant",
    "Citation",
    "DataDirError",
    "Delta",
    "Final",
    "IndexNotReadyError",
    "IngestBusyError",
    "LLMError",
    "Passage",
    "Profile",
    "QuestionError",
    "SentenceCheck",
    "SharedStateError",
    "Settings",
    "Turn",
    "WegwijzerError",
    "get_settings",
]
