"""How an expected fact or evidence phrase is found in an answer or a passage.

Both sides are normalised the same way, then the phrase is searched as a substring:

- case and accents are ignored ("Één" = "een"), white space is collapsed;
- punctuation is ignored ("ICT-professionals" = "ICT professionals"), except inside
  numbers, where a decimal point and a range dash keep their meaning ("2,5" = "2.5",
  "120–180" = "120-180" = "120 - 180");
- number formats are alike: "60.000" = "60,000" = "60 000" = "60000", and
  "€ 4.357,50" = "EUR 4,357.50";
- "€" = "EUR" = "euro", also after the amount ("1.000 euro" = "€ 1.000",
  "120-180 miljoen euro" = "€120-180 miljoen"); "mln" = "miljoen" = "million",
  "mld" = "miljard" = "billion",
  "%" = "procent" = "percent";
- a number never matches inside a longer number: "60" is not found in "600" or "2,60";
  the ends of a range are numbers of their own ("180" is found in "€120-180 miljoen").

Words may match inside longer words ("subsidie" is found in "scholingssubsidie"),
which suits Dutch compounds; keep short facts specific.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_DASHES = re.compile(r"[\u2010\u2011\u2012\u2013\u2014\u2015\u2212]")
_EURO_WORD = re.compile(r"\beuros?\b")
_EUR_GLUED = re.compile(r"\beur(?=\d)")
_THOUSANDS = re.compile(r"(?<![\d.,])(\d{1,3})(?:([.,])\d{3})(?:\2\d{3})*(?:(?!\2)[.,]\d+)?(?![\d]|[.,]\d)")
_THOUSANDS_SPACE = re.compile(r"(?<![\d.,])\d{1,3}(?: \d{3})+(?![\d]|[.,]\d)")
_DECIMAL_COMMA = re.compile(r"(?<=\d),(?=\d)")
_RANGE = re.compile(r"(?<=\d) *- *(?=\d)")
_MILLION = re.compile(r"\b(?:mln|mio|miljoen|miljoenen|millions?)\b\.?")
_BILLION = re.compile(r"\b(?:mld|mrd|miljard|miljarden|billions?)\b\.?")
_PERCENT = re.compile(r"\b(?:procent|percent|pct)\b\.?")
_PERCENT_GLUE = re.compile(r"(?<=\d) +%")
_EUR_AFTER = re.compile(r"(?<![\w.])(\d[\d.-]*(?: (?:miljoen|miljard))?) eur\b")
_KEEP = re.compile(r"(?<=\d)([.-])(?=\d)")
_OTHER = re.compile(r"[^a-z0-9%\x01\x02]+")


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c)).lower()


def _thousands(m: re.Match[str]) -> str:
    """'60.000' / '60,000' -> '60000'; '4.357,50' / '4,357.50' -> '4357.50'."""
    sep = m.group(2)
    whole, _, decimals = m.group(0).partition("," if sep == "." else ".")
    whole = whole.replace(sep, "")
    return f"{whole}.{decimals}" if decimals else whole


@lru_cache(maxsize=50_000)
def normalize(text: str) -> str:
    """The form both sides are compared in (see the module docstring for the rules)."""
    s = _fold(text or "")
    s = _DASHES.sub("-", s)
    s = s.replace("€", " eur ")
    s = _EURO_WORD.sub("eur", s)
    s = _EUR_GLUED.sub("eur ", s)
    s = re.sub(r"[ \t\r\n\f\v]+", " ", s)
    s = _THOUSANDS.sub(_thousands, s)
    s = _THOUSANDS_SPACE.sub(lambda m: m.group(0).replace(" ", ""), s)
    s = _DECIMAL_COMMA.sub(".", s)
    s = _RANGE.sub("-", s)
    s = _MILLION.sub("miljoen", s)
    s = _BILLION.sub("miljard", s)
    s = _PERCENT.sub("%", s)
    s = _PERCENT_GLUE.sub("%", s)
    s = _EUR_AFTER.sub(r"eur \1", s)
    s = _KEEP.sub(lambda m: "\x01" if m.group(1) == "." else "\x02", s)
    s = _OTHER.sub(" ", s)
    s = s.replace("\x01", ".").replace("\x02", "-")
    return " ".join(s.split())


@lru_cache(maxsize=20_000)
def _pattern(needle: str) -> re.Pattern[str] | None:
    norm = normalize(needle)
    if not norm:
        return None
    left = r"(?<!\d)(?<!\d\.)" if norm[0].isdigit() else ""
    right = r"(?!\d)(?!\.\d)" if norm[-1].isdigit() else ""
    return re.compile(left + re.escape(norm) + right)


def contains(haystack: str, needle: str) -> bool:
    """Does ``needle`` occur in ``haystack`` under the matching rules?"""
    pattern = _pattern(needle)
    if pattern is None:
        return False
    return pattern.search(normalize(haystack)) is not None


def find_any(haystack: str, alternatives: list[str]) -> str | None:
    """The first alternative found in ``haystack`` (None when none is)."""
    for alt in alternatives:
        if contains(haystack, alt):
            return alt
    return None
