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


def without_places(text: str) -> str:
    """``text`` without the places it names; when it names none exactly, without a word one
    typo away from one ("utreht"), as :func:`find_regions` with ``fuzzy`` reads it.

    A search steered to a province need not match the place's name as well: counted twice,
    the name lets a province page that only names the place outrank the page that answers
    what is asked ("ik heb in Delft gestudeerd, kan ik het zoekjaar krijgen?")."""
    folded = fold(text)
    base = text if len(folded) == len(text) else folded  # keep the asker's casing where positions agree
    spans = [m.span() for m in _PATTERN.finditer(folded) if _is_place(text, folded, m.start(), m.group(1))]
    if not spans:
        spans = [m.span() for m in re.finditer(r"[a-z][a-z'-]{4,}", folded) if _typo_of_place(m.group(0))]
    for start, end in reversed(spans):
        base = f"{base[:start]} {base[end:]}"
    base = re.sub(r"\(\s*(,\s*)*\)", " ", base)  # the brackets of a province named after a place
    return re.sub(r"\s+", " ", base).strip()


def _typo_of_place(word: str) -> str | None:
    """The place ``word`` is a typo of, unless that place is also an ordinary word."""
    close = _near_place(word)
    return None if close in _AMBIGUOUS else close


# How an asker says where they live, work or studied ("ik woon in", "we zijn een bedrijf uit",
# "I did my master's in", "our firm is based in"): the place then describes the asker.
_ASKER = re.compile(r"\b(ik|we|wij|i|i'm|im|my|mijn|m'n|mn|our|ons|onze)\b")
_LIFE_VERB = re.compile(
    r"\b(woon\w*|wonen|werk|werkt?e?n?|zit|zitten|studeer\w*|gestudeerd|afgestudeerd|studied|study\w*|"
    r"graduat\w*|live[sd]?|living|work(s|ed|ing)?|based|gevestigd|located|kom|kwam|come|came|moved|verhuis\w*|"
    r"geboren|born|zijn|am|are|ben|'m|did|from|uit|"
    # what the asker has there: "my master's in Delft", "ons bedrijf in Eindhoven"
    r"master\w*|bachelor\w*|studie|opleiding|degree|company|firm|business|startup|bedrijf|organisatie|werkgever|"
    r"employer|office|kantoor)\b"
)
_ASKER_START = re.compile(r"^\s*(woon|werk|zit|studeer|ben|kom|live|work|study|studied)\b")
_CLAUSE_END = re.compile(r"[,.;:?!()]|\s(en|and|maar|but|dus|so|want|because)\s")


def _clause_at(folded: str, start: int, end: int) -> str:
    """The clause of ``folded`` around the span: up to the nearest punctuation or conjunction."""
    left = max((m.end() for m in _CLAUSE_END.finditer(folded, 0, start)), default=0)
    right = next((m.start() for m in _CLAUSE_END.finditer(folded, end)), len(folded))
    return folded[left:right]


def asker_places(text: str | None) -> list[str]:
    """Province slugs named in ``text`` only to say where the asker lives, works or studied
    ("ik woon in Zwolle en …", "I did my master's in Delft, …", "ons bedrijf in Eindhoven …").

    Every mention must be of that kind; a name in brackets glosses the place before it and
    does not count. Whether such a place is still what the question is about (the asker's
    "is er hier iets voor mij?") is for the search to judge, not for the wording."""
    if not text:
        return []
    folded = fold(text)
    personal: dict[str, bool] = {}
    depth_at = _bracket_depths(folded)
    for match in _PATTERN.finditer(folded):
        if not _is_place(text, folded, match.start(), match.group(1)) or depth_at[match.start()]:
            continue
        clause = _clause_at(folded, match.start(), match.end())
        mine = bool(_LIFE_VERB.search(clause) and (_ASKER.search(clause) or _ASKER_START.match(clause)))
        for slug in _ALIASES[match.group(1)]:
            personal[slug] = personal.get(slug, True) and mine
    return [slug for slug, mine in personal.items() if mine]


def _bracket_depths(text: str) -> list[int]:
    """For each position of ``text``, how many brackets are open there."""
    depths, depth = [], 0
    for ch in text:
        depth += ch == "("
        depths.append(depth)
        depth -= ch == ")" and depth > 0
    return depths


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
