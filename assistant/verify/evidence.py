"""Passage analysis: each cited passage prepared once per answer as :class:`Evidence`.

A passage's content tokens, numbers, regions and words, and its clauses (:class:`Clause`)
with their polarity (negated or not, and which tokens a negation governs), direction (rises,
falls) and the quantities it states per year: what the rules in :mod:`assistant.verify.rules`
compare a generated sentence with.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from assistant.base.numbers import _ENUMERATOR, NumberSet, mentions, number_set
from assistant.base.regions import find_regions
from assistant.base.text import STOPWORDS, chunk_sentences, content_tokens, stem, words
from assistant.verify.lexicon import DOWN, ENDED, NEGATIONS, UP

_CLAUSE_SPLIT = re.compile(r"[:;]|,\s+(?=(?:maar|but|terwijl|while|want|omdat|because|dus|so)\b)|\s[–—-]\s", re.I)
YEAR = re.compile(r"^(19[5-9]\d|20\d\d|2100)$")
_LIST_LINE = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")


@dataclass
class Clause:
    tokens: frozenset[str]
    negated: bool
    direction: int  # +1 rises, -1 falls, 0 neither
    neg_scope: frozenset[str] = frozenset()  # content tokens right after a negation


def neg_scope(text: str, width: int = 3) -> frozenset[str]:
    """Content tokens in the scope of each negation word (the next ``width`` ones)."""
    scope: set[str] = set()
    ws = words(text)
    for i, w in enumerate(ws):
        if w in NEGATIONS:
            taken = 0
            for nxt in ws[i + 1 :]:
                if nxt in NEGATIONS:
                    break
                if nxt[0].isdigit() or nxt in STOPWORDS or len(nxt) < 2:
                    continue
                scope.add(stem(nxt))
                taken += 1
                if taken >= width:
                    break
    return frozenset(scope)


def negated(text: str) -> bool:
    return any(w in NEGATIONS for w in words(text))


def direction(text: str) -> int:
    ws = set(words(text))
    up, down = bool(ws & UP), bool(ws & DOWN)
    return 0 if up == down else (1 if up else -1)


def values_and_years(text: str) -> tuple[frozenset[float], frozenset[float]]:
    """The quantities of a text and, apart, the years it names."""
    values: set[float] = set()
    years: set[float] = set()
    for m in mentions(text):
        if m.kind != "number":
            continue
        if m.scaled is None and YEAR.match(str(int(m.value))) and float(m.value).is_integer():
            years.add(m.value)
        else:
            values.add(m.scaled if m.scaled is not None else m.value)
            if m.scaled is not None:
                values.add(m.value)
    return frozenset(values), frozenset(years)


def clauses(text: str) -> list[str]:
    return [c.strip() for c in _CLAUSE_SPLIT.split(text) if c and c.strip()]


def passage_clauses(text: str) -> list[Clause]:
    """Clauses of a passage with their polarity; list items under a negated heading
    ("Wat niet meetelt:") inherit its negation."""
    units: list[Clause] = []
    inherited = False
    for line in text.split("\n"):
        raw = line.strip()
        if not raw:
            continue
        is_item = bool(_LIST_LINE.match(raw))
        if not is_item:
            inherited = False
        for sent in chunk_sentences(raw):
            for clause in clauses(sent):
                toks = frozenset(content_tokens(clause))
                if toks:
                    inherit = is_item and inherited
                    scope = toks if inherit else neg_scope(clause)
                    units.append(Clause(toks, negated(clause) or inherit, direction(clause), scope))
        if raw.endswith(":") and negated(raw):
            inherited = True
    return units


_CAPITALISED_RUN = re.compile(r"(?:\b[A-Z][a-z]+(?:\s+|$)){2,6}")


def initialisms(text: str) -> frozenset[str]:
    """The initials of two or more adjacent capitalised words ("Koersdocument Human Capital
    Agenda" -> "hca", among others), so a sentence may write a name the passage spells out
    as its acronym."""
    found: set[str] = set()
    for m in _CAPITALISED_RUN.finditer(text):
        initials = "".join(w[0] for w in m.group(0).split()).lower()
        n = len(initials)
        found.update(initials[i:j] for i in range(n) for j in range(i + 2, n + 1))
    return frozenset(found)


@dataclass
class Evidence:
    """One passage as the verifier sees it, prepared once per answer."""

    n: int
    text: str
    tokens: frozenset[str]
    long_tokens: tuple[str, ...]
    numbers: NumberSet
    regions: frozenset[str]
    folded_words: frozenset[str]
    units: list[Clause]
    ended: bool
    negated_only: frozenset[str]  # tokens the passage uses only under a negation
    statements: list[tuple[frozenset[float], frozenset[float]]]  # (values, year context) per sentence
    sentence_vectors: np.ndarray | None = None
    lang: str = "nl"
    initialisms: frozenset[str] = frozenset()  # "hca" for "Human Capital Agenda"

    @classmethod
    def build(
        cls,
        n: int,
        text: str,
        title: str = "",
        section: str | None = None,
        sentence_vectors: np.ndarray | None = None,
        lang: str = "nl",
    ) -> Evidence:
        full = "\n".join(x for x in (title, section or "", text) if x)
        tokens = frozenset(content_tokens(full))
        units = passage_clauses(text)
        in_scope = set().union(*(u.neg_scope for u in units)) if units else set()
        outside: set[str] = set(content_tokens("\n".join(x for x in (title, section or "") if x)))
        for u in units:
            outside |= u.tokens - u.neg_scope
        statements: list[tuple[frozenset[float], frozenset[float]]] = []
        previous_years: frozenset[float] = frozenset()
        for sent in chunk_sentences(_ENUMERATOR.sub("", text)):
            values, years = values_and_years(sent)
            context = years or previous_years
            statements.append((values, context))
            previous_years = years
        return cls(
            n=n,
            text=full,
            tokens=tokens,
            long_tokens=tuple(t for t in tokens if len(t) >= 6 and not t[0].isdigit()),
            numbers=number_set(full),
            regions=frozenset(find_regions(full)),
            folded_words=frozenset(words(full)),
            units=units,
            ended=bool(ENDED.search(full)),
            negated_only=frozenset(in_scope - outside),
            statements=statements,
            lang=lang,
            sentence_vectors=sentence_vectors,
            initialisms=initialisms(full),
        )
