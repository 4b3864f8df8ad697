"""Wegwijzer ICT core: one :class:`Assistant` that every channel calls.

The public surface is listed in ``__all__``; a test keeps it honest.
"""

from .core import Assistant
from .errors import IndexNotReadyError, LLMError, QuestionError, WegwijzerError
from .settings import Settings, get_settings
from .types import Answer, Citation, Passage, Profile, SentenceCheck, Turn

__all__ = [
    "Answer",
    "Assistant",
    "Citation",
    "IndexNotReadyError",
    "LLMError",
    "Passage",
    "Profile",
    "QuestionError",
    "SentenceCheck",
    "Settings",
    "Turn",
    "WegwijzerError",
    "get_settings",
]
