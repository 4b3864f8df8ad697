"""Numbers, amounts, percentages and dates in Dutch and English text, normalised.

The verifier keeps a generated sentence only if every number it states occurs in a passage
it cites. "60.000", "60,000" and "60000" are one value; "zes", "six" and "6" too; "€ 120
miljoen", "120 million euro" and "120.000.000" all mean 1.2e8, and "€120-180 miljoen"
names both 1.2e8 and 1.8e8. Currency signs and words (€, euro, EUR) are not numbers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from assistant.base.text import fold, split_sentences

_WORD_VALUES: dict[str, float] = {
    # Dutch
    "nul": 0,
    "twee": 2,
    "drie": 3,
    "vier": 4,
    "vijf": 5,
    "zes": 6,
    "zeven": 7,
    "acht": 8,
    "negen": 9,
    "tien": 10,
    "elf": 11,
    "twaalf": 12,
    "dertien": 13,
    "veertien": 14,
    "vijftien": 15,
    "zestien": 16,
    "zeventien": 17,
    "achttien": 18,
    "negentien": 19,
    "twintig": 20,
    "dertig": 30,
    "veertig": 40,
    "vijftig": 50,
    "zestig": 60,
    "zeventig": 70,
    "tachtig": 80,
    "negentig": 90,
    "honderd": 100,
    # English
    "zero": 0,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
    "hundred": 100,
}
# "een"/"one"/"a" are articles or pronouns far more often than numbers: they count as 1
# only before a scale word ("een miljoen", "one million", "a billion"). Accented "één" is
# always the number.
_ONE_BEFORE_SCALE = {"een", "one", "a", "an"}
_SCALES: dict[str, float] = {
    "duizend": 1e3,
    "thousand": 1e3,
    "k": 1e3,
    "miljoen": 1e6,
    "million": 1e6,
    "millions": 1e6,
    "mln": 1e6,
    "mio": 1e6,
    "m": 1e6,
    "miljard": 1e9,
    "billion": 1e9,
    "billions": 1e9,
    "mld": 1e9,
    "mrd": 1e9,
    "bn": 1e9,
}
# Tokens allowed between a number and the scale word it shares with a range:
# "€120-180 miljoen", "120 tot 180 miljoen", "between 120 and 180 million".
_RANGE_GLUE = {"-", "–", "—", "tot", "a", "à", "en", "and", "to", "or", "of", "€", "euro", "eur"}

_MONTHS: dict[str, int] = {
    "januari": 1,
    "january": 1,
    "jan": 1,
    "februari": 2,
    "february": 2,
    "feb": 2,
    "maart": 3,
    "march": 3,
    "mrt": 3,
    "april": 4,
    "apr": 4,
    "mei": 5,
    "may": 5,
    "juni": 6,
    "june": 6,
    "jun": 6,
    "juli": 7,
    "july": 7,
    "jul": 7,
    "augustus": 8,
    "august": 8,
    "aug": 8,
    "september": 9,
    "sept": 9,
    "sep": 9,
    "oktober": 10,
    "october": 10,
    "okt": 10,
    "oct": 10,
    "november": 11,
    "nov": 11,
    "december": 12,
    "dec": 12,
}
# Month words that are also ordinary words count only next to a number ("1 may", "May 2024").
_AMBIGUOUS_MONTHS = {
    "may",
    "march",
    "jan",
    "dec",
    "sep",
    "apr",
    "aug",
    "jun",
    "jul",
    "nov",
    "oct",
    "okt",
    "mrt",
    "feb",
    "sept",
}

_TOKEN = re.compile(r"\d+(?:[.,]\d+)*|[^\W\d_]+|[€%–—-]", re.UNICODE)
_ENUMERATOR = re.compile(r"^\s*\d{1,2}[.)](?:\s+|$)", re.M)  # "2. De scholing ...": a list number, not a quantity
_CITATION = re.compile(r"\[\s*\d+(?:\s*[,;]\s*\d+)*\s*\]")
_URL = re.compile(r"https?://\S+")


def _parse_number(token: str) -> float | None:
    if re.fullmatch(r"\d{1,3}(?:[.,]\d{3})+", token):
        return float(re.sub(r"[.,]", "", token))
    if re.fullmatch(r"\d+(?:[.,]\d+)?", token):
        return float(token.replace(",", "."))
    return None  # e.g. "1.2.3": a version or an odd list, not a quantity


@dataclass(frozen=True)
class Mention:
    """One number in a text: its literal value and, with a scale word, the full value."""

    text: str
    value: float
    scaled: float | None = None
    kind: str = "number"  # or "month": dates are checked by their month too
    percent: bool = False  # "36%", "36 procent"
    rate: bool = False  # "60.000 per jaar", "jaarlijks 60.000", "each year"
    pos: int = field(default=-1, compare=False, repr=False)


@dataclass
class NumberSet:
    """All values a passage names, raw and scaled, for tolerant membership tests."""

    values: set[float] = field(default_factory=set)
    months: set[int] = field(default_factory=set)
    units: dict[float, set[tuple[bool, bool]]] = field(default_factory=dict)  # value -> {(percent, rate)}

    def unit_conflict(self, mention: Mention) -> bool:
        """Does the passage give this number only as a yearly/monthly rate (or only as a
        percentage) while the sentence states it without (or the other way round for %)?"""
        if mention.kind != "number":
            return False
        value = mention.scaled if mention.scaled is not None else mention.value
        found = self.units.get(value)
        if not found:
            found = next((u for v, u in self.units.items() if abs(v - value) <= 1e-6 * max(1.0, abs(value))), None)
        if not found:
            return False
        if mention.percent != any(p for p, _ in found) and (mention.percent or all(p for p, _ in found)):
            return True
        return all(r for _, r in found) and not mention.rate

    def has(self, value: float) -> bool:
        if value in self.values:
            return True
        return any(abs(v - value) <= 1e-6 * max(1.0, abs(value)) for v in self.values)

    def supports(self, mention: Mention) -> bool:
        if mention.kind == "month":
            return int(mention.value) in self.months
        if mention.scaled is not None:
            return self.has(mention.scaled)
        return self.has(mention.value)


def mentions(text: str) -> list[Mention]:
    """The numbers a text states, with scale words applied ("1,2 miljoen" -> 1.2e6)."""
    text = _URL.sub(" ", _CITATION.sub(" ", _ENUMERATOR.sub(" ", text)))
    raw_tokens = _TOKEN.findall(text)
    tokens = [fold(t) if not t[0].isdigit() else t for t in raw_tokens]
    out: list[Mention] = []
    pending: list[int] = []  # indexes into out waiting for a shared scale word
    for i, tok in enumerate(tokens):
        value: float | None = None
        if tok[0].isdigit():
            value = _parse_number(tok)
            glued = re.fullmatch(r"(\d{1,3}(?:[.,]\d{3})+)(\d{1,2})", tok)
            if glued:  # a footnote number glued to an amount in PDF text: "670.0007"
                out.append(Mention(glued.group(1), float(re.sub(r"[.,]", "", glued.group(1)))))
        elif raw_tokens[i].lower() in {"één", "eén"}:
            value = 1.0
        elif tok in _WORD_VALUES:
            value = float(_WORD_VALUES[tok])
        elif (
            tok in _ONE_BEFORE_SCALE
            and i + 1 < len(tokens)
            and tokens[i + 1] in _SCALES
            and tokens[i + 1] not in {"k", "m"}
        ):
            value = 1.0
        if value is not None:
            out.append(Mention(raw_tokens[i], value, pos=i))
            pending.append(len(out) - 1)
            continue
        if tok in _MONTHS:
            near_number = (i > 0 and tokens[i - 1][0].isdigit()) or (i + 1 < len(tokens) and tokens[i + 1][0].isdigit())
            if tok not in _AMBIGUOUS_MONTHS or near_number:
                out.append(Mention(raw_tokens[i], float(_MONTHS[tok]), kind="month"))
            pending = []
            continue
        if tok in _SCALES and pending:
            if tok in {"k", "m"} and not (i > 0 and tokens[i - 1][0].isdigit()):
                pending = []
                continue
            last = out[pending[-1]]
            for j in pending:
                m = out[j]
                # a range shares its scale ("120-180 miljoen"); a year before it does not
                if j != pending[-1] and not (m.value <= last.value and m.value < 1000):
                    continue
                out[j] = replace(m, text=m.text + " " + raw_tokens[i], scaled=m.value * _SCALES[tok])
            pending = []
            continue
        if tok in _RANGE_GLUE:
            continue
        pending = []
    return [_with_units(m, tokens) for m in out]


_PERIOD_WORDS = {"jaar", "maand", "week", "dag", "uur", "kwartaal", "year", "month", "day", "hour", "quarter"}
_RATE_WORDS = {
    "jaarlijks",
    "jaarlijkse",
    "maandelijks",
    "maandelijkse",
    "wekelijks",
    "dagelijks",
    "annually",
    "annual",
    "yearly",
    "monthly",
    "weekly",
    "daily",
}
_RATE_LEAD = {"per", "a", "an", "each", "every", "elk", "elke", "ieder", "iedere"}


def _with_units(m: Mention, tokens: list[str]) -> Mention:
    if m.kind != "number" or m.pos < 0:
        return m
    i = m.pos
    nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
    percent = nxt in {"%", "procent", "percent", "pct"}
    window = tokens[max(0, i - 8) : i + 7]
    rate = any(t in _RATE_WORDS for t in window) or any(
        a in _RATE_LEAD and b in _PERIOD_WORDS for a, b in zip(window, window[1:])
    )
    return replace(m, percent=percent, rate=rate)


def number_set(text: str) -> NumberSet:
    """Every value ``text`` names: the literal numbers and their scaled forms."""
    values: set[float] = set()
    months: set[int] = set()
    units: dict[float, set[tuple[bool, bool]]] = {}
    pieces = [s for line in _ENUMERATOR.sub("", text).split("\n") for s in split_sentences(line)] or [text]
    for m in (m for piece in pieces for m in mentions(piece)):
        if m.kind == "month":
            months.add(int(m.value))
            continue
        values.add(m.value)
        units.setdefault(m.scaled if m.scaled is not None else m.value, set()).add((m.percent, m.rate))
        if m.scaled is not None:
            values.add(m.scaled)
    return NumberSet(values, months, units)


def unsupported(sentence: str, evidence: NumberSet) -> list[Mention]:
    """Numbers in ``sentence`` that ``evidence`` does not name."""
    return [m for m in mentions(sentence) if not evidence.supports(m)]
