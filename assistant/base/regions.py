"""Recognise Dutch provinces (and the places people name instead) in text.

Used to steer retrieval: "ik woon in Friesland" or a profile region prefers that
province's documents and national ones over another province's pages.
"""

from __future__ import annotations

import difflib
import re

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


def find_regions(text: str | None, fuzzy: bool = False) -> list[str]:
    """Province slugs named in ``text``, in order of first mention, without repeats.

    With ``fuzzy``, a word one typo away from a place name counts too ("utreht")."""
    if not text:
        return []
    folded = fold(text)
    found: list[str] = []
    for match in _PATTERN.finditer(folded):
        for slug in _ALIASES[match.group(1)]:
            if slug not in found:
                found.append(slug)
    if fuzzy and not found:
        for word in re.findall(r"[a-z][a-z'-]{4,}", folded):
            close = difflib.get_close_matches(word, _SINGLE_WORD, n=1, cutoff=0.85)
            for slug in _ALIASES[close[0]] if close else []:
                if slug not in found:
                    found.append(slug)
    return found


# Places outside the Netherlands. Named as the place a rule applies ("in Duitsland",
# "for Canada"), they mean the question is about another country's rules, which the
# documents do not cover. A country of origin ("a developer from India") is fine.
_FOREIGN = (
    "duitsland|germany|belgie|belgium|frankrijk|france|spanje|spain|engeland|england|uk|verenigd koninkrijk|"
    "united kingdom|ierland|ireland|canada|amerika|america|usa|us|verenigde staten|united states|australie|"
    "australia|zweden|sweden|denemarken|denmark|noorwegen|norway|zwitserland|switzerland|oostenrijk|austria|"
    "italie|italy|portugal|polen|poland|india|china|japan|dubai|singapore"
)
_FOREIGN_RULE = re.compile(
    rf"\b(in|voor|for|naar|to|into|of|van) (de |het |the )?({_FOREIGN})\b|\b(h-?1b|green card|{_FOREIGN})'s\b|\bh-?1b\b",
    re.I,
)


def foreign_jurisdiction(text: str) -> bool:
    """Does the question ask about another country's rules or labour market?"""
    return bool(_FOREIGN_RULE.search(fold(text)))


def normalize_region(value: str | None) -> str | None:
    """Accept 'Noord-Brabant', 'brabant', 'noord_brabant' …; None if not a province."""
    if not value:
        return None
    regions = find_regions(value.replace("_", "-"))
    return regions[0] if regions else None
