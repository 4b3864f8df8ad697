"""Dates as people write them: month names in Dutch and English, and ISO dates made readable."""

from __future__ import annotations

import re

MONTHS = {
    "nl": "januari februari maart april mei juni juli augustus september oktober november december".split(),
    "en": "January February March April May June July August September October November December".split(),
}
_ISO = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?$")


def human_date(value: object, lang: str = "nl") -> str:
    """'2026-01' -> 'januari 2026', '2025-07-01' -> '1 juli 2025': dates as people write them."""
    raw = str(value or "").strip()
    match = _ISO.match(raw)
    if not match:
        return raw
    year, month, day = match.group(1), int(match.group(2)), match.group(3)
    if not 1 <= month <= 12:
        return raw
    name = MONTHS.get(lang, MONTHS["nl"])[month - 1]
    return f"{int(day)} {name} {year}" if day else f"{name} {year}"
