"""Quotable units of a passage: what the extractive answerer may put in front of a user.

A loose sentence is often not quotable on its own. A list item needs the sentence that
introduces its list ("Twee soorten aanvragers kunnen SLIM-subsidie krijgen:"), an intro needs
its items, and a sentence that leans on the one before it ("Dan geldt …", "Dat moet binnen
3 jaar …") needs that one. :func:`passage_sentences` reads a chunk into :class:`Sentence`
records aligned one-to-one with :func:`assistant.base.text.chunk_sentences` (whose vectors
ingest stored), and :func:`unit_for` turns one sentence into the smallest coherent unit that
holds it, or None when no coherent unit exists.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from assistant.base.text import _line_sentences, fold, is_injection

# First words that make a sentence lean on the one before it.
_LEANS = frozenset(
    [
        "dan",
        "dat",
        "die",
        "dit",
        "deze",
        "daarom",
        "daarmee",
        "daarvoor",
        "daarnaast",
        "daardoor",
        "daarbij",
        "daarin",
        "daarna",
        "hierdoor",
        "hiervoor",
        "hiermee",
        "hierbij",
        "ook",
        "zo",
        "ze",
        "zij",
        "hij",
        "wel",
        "maar",
        "bovendien",
        "verder",
        "tevens",
        "zulke",
        "zo'n",
        "this",
        "that",
        "these",
        "those",
        "it",
        "they",
        "then",
        "also",
        "so",
        "however",
        "but",
        "such",
    ]
)
# "In 2026 is dat …", "Voor werkgevers geldt dit …": the pronoun comes after a short opening.
_LEANS_LATE = re.compile(
    r"^(in|voor|vanaf|sinds|bij|tot|na|per|for|from|since|in) [^,.]{1,25}? (is|was|wordt|werd|zijn|waren|geldt|gold|"
    r"kost|kostte|is|was|are|were|costs?) (dat|dit|die|deze|ze|that|this|it|they)\b"
    # "In 2026 is het € 5.080" leans; "In alle provincies wordt het belang …" does not ("het" is an article)
    r"|^(in|voor|vanaf|sinds|bij|tot|na|per) [^,.]{1,25}? (is|was|wordt|werd|geldt|gold|kost|kostte) het"
    r"(?= (?:[^a-z ]|nog\b|al\b|ook\b|dan\b|wel\b|niet\b|meer\b|minder\b|maximaal|minimaal|ongeveer|circa)|[.,]|$)"
    # "Vraag dan …", "Kijk daarvoor …"; not a comparison ("Minder dan een kwart …")
    r"|^(?!(?:meer|minder|groter|kleiner|ouder|jonger|hoger|lager|later|eerder|langer|korter|beter|vaker|sneller|"
    r"anders|liever|duurder|goedkoper|strenger|ruimer) dan\b)\w+ (dan|daarom|daarvoor|daarmee|hiervoor|dus)\b"
    r"|^(let op|note|attentie|tip|pas op): (dit|dat|deze|die|het|this|that|it)\b"
    # "Vraag dat na bij Codam.", "Controleer dit altijd bij de IND.": what to check, the sentence before says
    r"|^\w+ (dat|dit|het) (na|aan|op|uit|zelf|altijd|eerst|even|dan|wel|goed|bij|voor|before)\b"
    # "Het is per 2024 afgeschaft." points back; "Het is belangrijk dat …", "Het kan om … gaan" do not
    r"|^het (is|was|wordt|werd|kan|kon|moet|gaat|ging|geldt|gold|bestaat|blijft|liep|loopt|stopt|stopte|kost|kostte)\b"
    r"(?!.*\b(om|dat|te|of|wat|hoe|wie|waar)\b)"
    r"|^(\S+ ){0,10}dus\b"  # "Als zij-instromer kun je … dus niet …": a conclusion of what came before
    r"|^(\S+ ){1,4}(deze|dit|zo'n|zulke|these|this|such) (\w+ )?(subsidie|regeling|lening|vergunning|opleiding|route|"
    r"aanvraag|kosten|bedrag|bedragen|norm|termijn|plan|scheme|loan|permit|course|amount|threshold|rule)"
)
# Sentences about the text itself or pointing elsewhere inform no one who asked a question.
_POINTER = re.compile(
    r"^(meer (uitleg|informatie|info|hierover)|zie (ook )?|lees (ook |meer |verder )?|see (also )?|more (information|details))"
    r"|staat (verder )?(uitgelegd|beschreven) (onder|in|op|bij)|staat op de pagina|zie de pagina|zie \"|"
    r"\b(deze pagina|dit document|deze tekst|dit overzicht|hieronder|hierboven|this page|this document|below|above)\b|"
    r"samenvatting in eigen woorden|daarna staan|daarna volgen de|^after that come|^denk (bijvoorbeeld )?aan\b|^(think of|for example, think)\b",
    re.I,
)
_NUMBER = re.compile(r"\d")
_ITEM = re.compile(r"^\s*(?:[-*•]|\d{1,2}[.)])\s")


# "zo toch", "op die manier" inside a sentence point back as much as an opening "Dat": "Een
# developer zonder diploma kan zo toch een Blauwe Kaart krijgen" needs the way it names.
_LEANS_INSIDE = re.compile(
    r"\b(zo toch|zo ook|op die manier|op deze manier|in that way|that way|this way)\b"
    # "ICT is een van die sectoren.": which sectors, the sentence before says
    r"|\b(een|één|one) (van|of) (die|deze|these|those) \w+"
)
_ABOUT = re.compile(r"^(zo'n|zo’n) (\d|ruim|bijna|een|twee|drie|vier|vijf|tien|honderd|duizend)")  # "Zo'n 70%" = about


@lru_cache(maxsize=50_000)
def leans(sentence: str) -> bool:
    """Does the sentence open with words that need the previous one ("Dat moet …", "In 2026
    is dat € 5.080", "Vraag dan …"), or point back inside ("kan zo toch …")?"""
    folded = fold(sentence)
    if _ABOUT.match(folded):
        return False
    first = fold(sentence.split(" ", 1)[0]).strip(",.:;")
    return first in _LEANS or bool(_LEANS_LATE.match(folded)) or bool(_LEANS_INSIDE.search(folded))


@dataclass(frozen=True)
class Sentence:
    """One quotable sentence of a chunk, with where it stands."""

    index: int  # position in chunk_sentences(chunk.text): the row of its stored vector
    text: str
    line: int  # which line of the chunk (a paragraph or a list item)
    item: bool  # a list item
    intro: int | None  # for an item: the index of the sentence that introduces its list
    usable: bool  # may stand in an answer (not a pointer, an instruction or a rhetorical question)

    @property
    def leans(self) -> bool:
        return leans(self.text)

    @property
    def is_intro(self) -> bool:
        return not self.item and self.text.endswith(":")


CHUNK_CACHE = 8192  # chunks whose sentences stay split (the shipped corpus has 460)


@lru_cache(maxsize=CHUNK_CACHE)
def passage_sentences(text: str) -> tuple[Sentence, ...]:
    """The sentences of a chunk as :func:`chunk_sentences` splits them, with their structure
    (cached by text: a chunk's text never changes under its id)."""
    out: list[Sentence] = []
    intro: int | None = None
    for line_no, raw in enumerate(text.split("\n")):
        is_item = bool(_ITEM.match(raw))
        sentences = _line_sentences(raw)
        if not sentences:
            if raw.strip() and not is_item:
                intro = None  # a heading or table between an intro and what follows
            continue
        for s in sentences:
            words = len(s.split())
            usable = (
                not is_injection(s)
                and not _POINTER.search(s)
                # "Daarin staat:" introduces a list (and brings the sentence it leans on)
                and (
                    words >= 3 or (is_item and bool(_NUMBER.search(s))) or (words == 2 and s.endswith(":") and leans(s))
                )
            )
            out.append(Sentence(len(out), s, line_no, is_item, intro if is_item else None, usable))
        if not is_item:
            intro = len(out) - 1 if sentences[-1].endswith(":") else None
    return tuple(out)


def list_items(sentences: Sequence[Sentence], intro: int) -> list[int]:
    """Indices of the items under the intro sentence ``intro``."""
    return [s.index for s in sentences if s.intro == intro]


def _opens_on_its_subject(sentences: Sequence[Sentence], j: int) -> bool:
    """A paragraph that opens with "Het is …" under a heading speaks of the heading's subject
    (the scheme the section is about), not of the paragraph before it."""
    first_on_line = j == 0 or sentences[j - 1].line != sentences[j].line
    return first_on_line and fold(sentences[j].text).startswith("het ")


def _with_antecedents(sentences: Sequence[Sentence], i: int) -> list[int] | None:
    """``i`` preceded by the sentences it leans on (at most two back), or None when they are
    not in the chunk or are not plain sentences."""
    members = [i]
    j = i
    while sentences[j].leans and not _opens_on_its_subject(sentences, j):
        prev = j - 1
        if prev < 0 or sentences[prev].item or sentences[prev].is_intro or len(members) >= 3:
            return None
        if len(sentences[prev].text.split()) < 3:  # "De werkgever." answers a question not shown
            return None
        members.insert(0, prev)
        j = prev
    return members


def unit_for(sentences: Sequence[Sentence], i: int) -> tuple[int, ...] | None:
    """The smallest coherent unit that holds sentence ``i``, as sentence indices in reading
    order; None if ``i`` cannot be quoted coherently (a pointer, or a leaning sentence whose
    antecedent is not in the chunk)."""
    s = sentences[i]
    if not s.usable:
        return None
    if s.item:
        if s.intro is None:
            return None if s.leans else (i,)
        if not sentences[s.intro].usable:
            return None
        head = _with_antecedents(sentences, s.intro)
        return None if head is None else (*head, i)
    items: list[int] = []
    if s.is_intro:
        items = list_items(sentences, i)
        if not items:
            return None  # an intro without its items is a fragment
    head = _with_antecedents(sentences, i)
    return None if head is None else (*head, *items)
