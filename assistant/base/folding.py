"""Accent and case folding, the normalisation every text comparison shares (its own module so
that :mod:`assistant.base.text` and :mod:`assistant.base.untrusted` can both build on it)."""

from __future__ import annotations

import re
import unicodedata

_COMBINING = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


def fold(text: str) -> str:
    """Lower-case and strip accents ("één" -> "een"), so matching ignores typography."""
    lowered = text.lower()
    if lowered.isascii():  # most text: nothing to strip
        return lowered
    return _COMBINING.sub("", unicodedata.normalize("NFKD", lowered))
