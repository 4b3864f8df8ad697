"""The error family of Wegwijzer ICT.

    WegwijzerError
    ├── QuestionError        the question cannot be handled (empty, too long)
    ├── IndexNotReadyError   no documents are indexed yet (run `wegwijzer ingest`)
    ├── LLMError             the language-model endpoint failed (the core falls back)
    └── ingest.LoadError     a corpus file could not be read

Each channel maps these once to what its user sees; none of them is shown as a trace.
"""


class WegwijzerError(Exception):
    """Base class for errors Wegwijzer raises on purpose."""


class QuestionError(WegwijzerError):
    """The question is empty or too long; the message says which, in the asker's language."""


class IndexNotReadyError(WegwijzerError):
    """The store holds no chunks yet."""


class LLMError(WegwijzerError):
    """The OpenAI-compatible endpoint was down, slow, rate-limited or answered nonsense."""
