"""The verifier's word lists: what carries no content, negates, rises or falls, says a scheme
still runs or has ended, claims absolutely; and English words with their Dutch stems.

Plain data for :mod:`assistant.verify.evidence` and :mod:`assistant.verify.rules`; the
EN->NL translations merge the shared glossary (:mod:`assistant.base.lexical`) with
``verify_glossary.yaml`` next to this module.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml

from assistant.base.dates import MONTHS
from assistant.base.lexical import glossary
from assistant.base.text import content_tokens, fold

VERIFY_GLOSSARY = Path(__file__).with_name("verify_glossary.yaml")

# Words that say nothing about content: they neither support nor undermine a sentence.
GENERIC = frozenset(
    content_tokens(
        "volgens document documenten passage passages bron bronnen tekst staat staan genoemd noemt noemen "
        "zegt zeggen aangegeven ongeveer circa namelijk daarnaast verder bovendien belangrijk hierbij daarbij "
        "hiervoor daarvoor worden wordt werd gaat gaan komt komen krijgen hebt heeft hebben sprake "
        "according document documents passage passages source sources text says say states stated mentioned "
        "mentions about approximately around namely also additionally furthermore important there will "
        "would can could should must may might one ones thing things way ways lot lots total onder boven "
        "note let op je jij jouw your you "
        # light verbs carry no claim of their own
        "kom komt kwam kwamen gekomen ga gaat ging gingen gegaan maak maakt maakte gemaakt geef geeft gaf gaven "
        "gegeven sta staat stond stonden blijkt bleek hoeft hoef laat liet "
        "get gets got come comes came go goes went make makes made take takes took become becomes became "
        "is are was were be been has have had do does did "
        # English function words whose Dutch equivalents are stop words (so never in passages)
        "below above until since after before between among than then into onto upon per cent"
    )
)
NEGATIONS = frozenset(
    [
        "niet",
        "geen",
        "nooit",
        "niets",
        "niemand",
        "nergens",
        "zonder",
        "not",
        "no",
        "never",
        "none",
        "nothing",
        "nobody",
        "without",
        "cannot",
        "can't",
        "don't",
        "doesn't",
        "isn't",
        "aren't",
        "won't",
        "wasn't",
        "weren't",
        "didn't",
        "hasn't",
        "haven't",
        "nor",
    ]
)

EN_ALWAYS_CAPITAL = frozenset(
    fold(w)
    for w in [
        "I",
        "English",
        "Dutch",
        "Netherlands",
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
        *MONTHS["en"],
        "Europe",
        "European",
        "EU",
        "Internet",
    ]
)


@lru_cache
def translations() -> dict[str, frozenset[str]]:
    """English word -> Dutch content stems, from both glossaries."""
    table: dict[str, set[str]] = {}
    extra = yaml.safe_load(VERIFY_GLOSSARY.read_text(encoding="utf-8")) or {}
    merged: dict[str, list[str]] = {}
    for source in (glossary(), extra):
        for k, vs in source.items():
            merged.setdefault(fold(str(k)), []).extend(str(v) for v in (vs if isinstance(vs, list) else [vs]))
    for k, vs in merged.items():
        stems = table.setdefault(k, set())
        for v in vs:
            stems.update(content_tokens(v))
    return {k: frozenset(v) for k, v in table.items()}


UP = frozenset(
    [
        "stijgt",
        "stijgen",
        "steeg",
        "stegen",
        "gestegen",
        "stijging",
        "toename",
        "toenemen",
        "neemt",
        "groeit",
        "groeien",
        "groeide",
        "gegroeid",
        "verhoogd",
        "verhoging",
        "hoger",
        "increase",
        "increases",
        "increased",
        "rise",
        "rises",
        "rose",
        "risen",
        "grow",
        "grows",
        "grew",
        "grown",
        "higher",
    ]
)
DOWN = frozenset(
    [
        "daalt",
        "dalen",
        "daalde",
        "daalden",
        "gedaald",
        "daling",
        "afname",
        "afnemen",
        "krimpt",
        "kromp",
        "gekrompen",
        "verlaagd",
        "verlaging",
        "lager",
        "decrease",
        "decreases",
        "decreased",
        "decline",
        "declines",
        "declined",
        "fall",
        "falls",
        "fell",
        "fallen",
        "drop",
        "drops",
        "dropped",
        "shrink",
        "shrinks",
        "shrank",
        "lower",
    ]
)
# A sentence that says a scheme still runs, over a passage that says it ended.
STILL = re.compile(
    r"\b(nog steeds|nog altijd|nog (?:gewoon )?(?:aan)?vragen|nog geldig|geldt nog|bestaat nog|loopt nog|"
    r"is nog open|nog mogelijk|still|no longer ended)\b",
    re.I,
)
ENDED = re.compile(
    r"\b(afgeschaft|gestopt|beëindigd|beeindigd|teruggedraaid|vervallen|vervalt|bestaat niet meer|"
    r"niet meer|ended|abolished|stopped|discontinued|no longer|reversed)\b",
    re.I,
)
# Absolute words a sentence may use only if a cited passage is just as absolute.
ABSOLUTE: dict[str, tuple[str, ...]] = {
    "altijd": ("altijd",),
    "always": ("altijd",),
    "elke": ("elk", "elke", "ieder", "iedere", "alle", "iedereen"),
    "elk": ("elk", "elke", "ieder", "iedere", "alle"),
    "ieder": ("elk", "elke", "ieder", "iedere", "alle", "iedereen"),
    "iedere": ("elk", "elke", "ieder", "iedere", "alle"),
    "every": ("elk", "elke", "ieder", "iedere", "alle", "iedereen"),
    "each": ("elk", "elke", "ieder", "iedere", "per"),
    "any": ("elk", "elke", "ieder", "iedere", "alle", "iedereen"),
    "all": ("alle", "allemaal", "iedereen", "elk", "elke"),
    "alle": ("alle", "allemaal", "iedereen", "elk", "elke"),
    "iedereen": ("iedereen", "alle", "ieder", "iedere"),
    "everyone": ("iedereen", "alle"),
    "everybody": ("iedereen", "alle"),
    "volledig": ("volledig", "volledige", "helemaal", "geheel"),
    "volledige": ("volledig", "volledige", "helemaal", "geheel"),
    "fully": ("volledig", "volledige", "helemaal", "geheel"),
    "entire": ("volledig", "volledige", "geheel", "hele"),
    "gegarandeerd": ("gegarandeerd", "garantie", "baangarantie"),
    "guaranteed": ("gegarandeerd", "garantie", "baangarantie"),
    "gratis": ("gratis", "kosteloos"),
    "free": ("gratis", "kosteloos", "vrije", "vrij", "onbelast"),
    "verplicht": ("verplicht", "moet", "moeten", "eis"),
    "mandatory": ("verplicht", "moet", "moeten", "eis"),
}
PERIODS = frozenset(["jaar", "maand", "week", "dag", "kwartaal", "year", "month", "week", "day", "quarter"])
