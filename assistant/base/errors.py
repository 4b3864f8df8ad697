"""The error family of Wegwijzer ICT.

    WegwijzerError
    ├── QuestionError        the question cannot be handled (empty, too long)
    ├── IndexNotReadyError   no documents are indexed yet (run `wegwijzer ingest`)
    ├── LLMError             the language-model endpoint failed (the core falls back)
    ├── DataDirError         a folder Wegwijzer writes to is missing and cannot be made, or read-only
    ├── IngestBusyError      another process is building the next index generation
    ├── SharedStateError     the shared Redis (WEGWIJZER_REDIS_URL) cannot be reached
    └── ingest.LoadError     a corpus file could not be read

Each channel maps these once to what its user sees; none of them is shown as a trace.
"""

from __future__ import annotations

import os
from pathlib import Path


class WegwijzerError(Exception):
    """Base class for errors Wegwijzer raises on purpose."""


class QuestionError(WegwijzerError):
    """The question is empty or too long; the message says which, in the asker's language."""


class IndexNotReadyError(WegwijzerError):
    """The store holds no chunks yet."""


class LLMError(WegwijzerError):
    """The OpenAI-compatible endpoint was down, slow, rate-limited or answered nonsense."""


class IngestBusyError(WegwijzerError):
    """An ingest is already running (in this or another process, on this or another machine):
    one generation is built at a time, so this one did not start."""


class SharedStateError(WegwijzerError):
    """The shared Redis named by the settings could not be reached; the message names it (no
    password)."""


class DataDirError(WegwijzerError):
    """A folder Wegwijzer keeps its index, embedding cache or state in cannot be created, is not a
    folder, or is not writable (a read-only volume); the message names the path. The commands
    print that one line and exit with code 2."""

    @classmethod
    def check(cls, path: Path, what: str = "data folder") -> Path:
        """``path``, created when missing; raises :class:`DataDirError` when that cannot be done."""
        try:
            path.mkdir(parents=True, exist_ok=True)
        except FileExistsError as exc:
            raise cls(f"The {what} {path} is not a folder.") from exc
        except OSError as exc:
            raise cls(f"The {what} {path} does not exist and cannot be created ({exc.strerror or exc}).") from exc
        if not path.is_dir():
            raise cls(f"The {what} {path} is not a folder.")
        if not os.access(path, os.W_OK | os.X_OK):
            raise cls(f"The {what} {path} is read-only: Wegwijzer needs to write there.")
        return path
