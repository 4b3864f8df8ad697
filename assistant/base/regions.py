"""Recognise Dutch provinces (and the places people name instead) in text.

Used to steer retrieval: "ik woon in Friesland" or a profile region prefers that
province's documents and national ones over another province's pages.
"""

from __future__ import annotations

import difflib
import re
from functools import lru_cache

from assistant.base.text import fold

PROVINCES: dict[str, str] = {
    "groningen": "Groningen",
    "friesland": "Friesland",
    "drenthe": "Drenthe",
    "overijssel": "Overijssel",
    "flevoland": "Flevoland",
    "gelderland": "Gelderland",
    "utrecht": "Utrecht",
    "noord-holland": "Noord-Holland",
    "zuid-holland": "Zuid-Holland",
    "zeeland": "Zeeland",
    "noord-brabant": "Noord-Brabant",
    "limburg": "Limburg",
}

NORTH = ["groningen", "friesland", "drenthe"]

# Place names and informal names -> province slugs. Longer names are matched first.
_ALIASES: dict[str, list[str]] = {
    "noord-nederland": NORTH,
    "noord nederland": NORTH,
    "het noorden": NORTH,
    "northern netherlands": NORTH,
    "fryslan": ["friesland"],
    "frisia": ["friesland"],
    "friesland": ["friesland"],
    "leeuwarden": ["friesland"],
    "groningen": ["groningen"],
    "drenthe": ["drenthe"],
    "assen": ["drenthe"],
    "emmen": ["drenthe"],
    "overijssel": ["overijssel"],
    "twente": ["overijssel"],
    "zwolle": ["overijssel"],
    "enschede": ["overijssel"],
    "deventer": ["overijssel"],
    "hengelo": ["overijssel"],
    "flevoland": ["flevoland"],
    "almere": ["flevoland"],
    "lelystad": ["flevoland"],
    "gelderland": ["gelderland"],
    "arnhem": ["gelderland"],
    "nijmegen": ["gelderland"],
    "apeldoorn": ["gelderland"],
    "ede": ["gelderland"],
    "veenendaal": ["utrecht"],
    "foodvalley": ["gelderland"],
    "utrecht": ["utrecht"],
    "amersfoort": ["utrecht"],
    "noord-holland": ["noord-holland"],
    "noord holland": ["noord-holland"],
    "north holland": ["noord-holland"],
    "amsterdam": ["noord-holland"],
    "haarlem": ["noord-holland"],
    "zaandam": ["noord-holland"],
    "alkmaar": ["noord-holland"],
    "zuid-holland": ["zuid-holland"],
    "zuid holland": ["zuid-holland"],
    "south holland": ["zuid-holland"],
    "rotterdam": ["zuid-holland"],
    "den haag": ["zuid-holland"],
    "the hague": ["zuid-holland"],
    "leiden": ["zuid-holland"],
    "delft": ["zuid-holland"],
    "zoetermeer": ["zuid-holland"],
    "dordrecht": ["zuid-holland"],
    "zeeland": ["zeeland"],
    "middelburg": ["zeeland"],
    "vlissingen": ["zeeland"],
    "goes": ["zeeland"],
    "noord-brabant": ["noord-brabant"],
    "noord brabant": ["noord-brabant"],
    "brabant": ["noord-brabant"],
    "eindhoven": ["noord-brabant"],
    "tilburg": ["noord-brabant"],
    "breda": ["noord-brabant"],
    "den bosch": ["noord-brabant"],
    "'s-hertogenbosch": ["noord-brabant"],
    "helmond": ["noord-brabant"],
    "limburg": ["limburg"],
    "maastricht": ["limburg"],
    "heerlen": ["limburg"],
    "venlo": ["limburg"],
    "sittard": ["limburg"],
    "roermond": ["limburg"],
}
_PATTERN = re.compile(
    r"(?<![\w-])(" + "|".join(re.escape(a) for a in sorted(_ALIASES, key=len, reverse=True)) + r")(?![\w-])"
)


_SINGLE_WORD = sorted(a for a in _ALIASES if " " not in a and len(a) >= 6)

# Place names that are also ordinary words ("op te leiden", "it goes", "ede" in a sentence).
# They count as places only after a word that introduces a place, or written with a capital
# in the middle of the question.
_AMBIGUOUS = frozenset({"leiden", "goes", "ede", "best", "epe", "zeist"})
_PLACE_BEFORE = re.compile(
    r"(?:\bin|\buit|\bbij|\bnaar|\brond|\brondom|\bregio|\bgemeente|\bprovincie|\bnear|\bfrom|\baround|"
    r"\bomgeving|\bbuurt van|\bwoon|\bwerk)\s+$"
)


def _is_place(original: str, folded: str, start: int, word: str) -> bool:
    """Is this mention of ``word`` a place? Always, unless it is also an ordinary word."""
    if word not in _AMBIGUOUS or _PLACE_BEFORE.search(folded[:start]):
        return True
    # a capital mid-question ("werk je in ... Leiden?") is a name; positions agree unless
    # folding removed accents before this point
    same = len(folded) == len(original)
    return same and start > 0 and original[start : start + 1].isupper()


@lru_cache(maxsize=8192)
def _near_place(word: str) -> str | None:
    """The place name one typo away from ``word``, if any (cached: questions share most words,
    and the comparison with every place name is the slow part of a question's analysis)."""
    close = difflib.get_close_matches(word, _SINGLE_WORD, n=1, cutoff=0.85)
    return close[0] if close else None


def find_regions(text: str | None, fuzzy: bool = False) -> list[str]:
    """Province slugs named in ``text``, in order of first mention, without repeats.

    With ``fuzzy``, a word one typo away from a place name counts too ("utreht")."""
    if not text:
        return []
    folded = fold(text)
    found: list[str] = []
    for match in _PATTERN.finditer(folded):
        if not _is_place(text, folded, match.start(), match.group(1)):
            continue
        for slug in _ALIASES[match.group(1)]:
            if slug not in found:
                found.append(slug)
    if fuzzy and not found:
        for word in re.findall(r"[a-z][a-z'-]{4,}", folded):
            close = _near_place(word)
            if close in _AMBIGUOUS:
                continue  # the exact word was not taken as a place above; a near one is not either
            for slug in _ALIASES[close] if close else []:
                if slug not in found:
                    found.append(slug)
    return found


@lru_cache(maxsize=50_000)  # the same sentences are checked for every question
def mask_places(text: str) -> str:
    """``text`` folded, with every province and place name replaced by one token: sentences
    that differ only in the province they name ("Werkgevers in Drenthe …", "… in Limburg …")
    become equal."""
    return _PATTERN.sub("<regio>", fold(text))


def normalize_region(value: str | None) -> str | None:
    """Accept 'Noord-Brabant', 'brabant', 'noord_brabant' …; None if not a province."""
    if not value:
        return None
    regions = find_regions(value.replace("_", "-"))
    return regions[0] if regions else None
