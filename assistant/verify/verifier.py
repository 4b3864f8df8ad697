"""Sentence-by-sentence verification of generated answers against their cited passages.

A generated sentence is kept only if

(a) it cites at least one passage, and only passages that were actually given;
(b) every number, amount, percentage and date in it occurs in a cited passage
    (:mod:`assistant.base.numbers` normalises 60.000/60000, zes/six/6, €/euro/EUR, miljoen);
(c) provinces and organisations it names occur in a cited passage, and it does not flip
    the polarity of the passage clause it restates ("wel" where the passage says "geen");
(d) a cited passage supports its content by a measured criterion: the share of its
    content words (Dutch-stemmed; English words through an EN->NL glossary, compounds
    split) that occur in the cited passages, and, for sentences whose word overlap is
    borderline, the E5 similarity between the sentence and the passage's sentences
    (the per-sentence vectors stored at ingest time, so only the generated sentence is
    embedded, and only when the overlap alone cannot decide);
(e) it is written in the asker's language.

The thresholds of (d) are fitted on the labelled pairs in ``eval/verification.yaml`` by
``wegwijzer verify-eval --fit`` (see README); the fitted values are the defaults below.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import yaml

from assistant.base.lexical import glossary
from assistant.base.numbers import _ENUMERATOR, NumberSet, mentions, number_set, unsupported
from assistant.base.regions import find_regions
from assistant.base.text import STOPWORDS, chunk_sentences, content_tokens, detect_language, fold, stem, words

VERIFY_GLOSSARY = Path(__file__).with_name("verify_glossary.yaml")


@dataclass(frozen=True)
class Thresholds:
    """Decision thresholds of criterion (d); fitted on labelled data (see module doc)."""

    overlap_keep: float = 0.65  # keep on word overlap alone at or above this
    overlap_min: float = 0.2  # below this: drop without embedding
    similarity_keep: float = 0.89  # in between: keep if E5 similarity reaches this
    similarity_keep_cross: float = 0.845  # the same for an English sentence over Dutch passages
    clause_match: float = 0.5  # a passage clause "restates" a sentence clause from this overlap


DEFAULT_THRESHOLDS = Thresholds()

# Words that say nothing about content: they neither support nor undermine a sentence.
_GENERIC = frozenset(
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
_NEGATIONS = frozenset(
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
_CLAUSE_SPLIT = re.compile(r"[:;]|,\s+(?=(?:maar|but|terwijl|while|want|omdat|because|dus|so)\b)|\s[–—-]\s", re.I)
_CITE = re.compile(r"\[\s*(\d+(?:\s*[,;]\s*\d+)*)\s*\]")
_EN_ALWAYS_CAPITAL = frozenset(
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
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
        "Europe",
        "European",
        "EU",
        "Internet",
    ]
)


@lru_cache
def _translations() -> dict[str, frozenset[str]]:
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


def split_citations(sentence: str) -> tuple[str, list[int]]:
    """('Zin [1][3].', ...) -> ('Zin.', [1, 3]); numbers in order of first mention."""
    cited: list[int] = []
    for group in _CITE.findall(sentence):
        for n in re.split(r"\s*[,;]\s*", group):
            if n.strip().isdigit() and int(n) not in cited:
                cited.append(int(n))
    plain = _CITE.sub("", sentence)
    plain = re.sub(r"\s+([.,;:!?])", r"\1", plain)
    return re.sub(r"\s{2,}", " ", plain).strip(), cited


@dataclass
class _Unit:
    tokens: frozenset[str]
    negated: bool
    direction: int  # +1 rises, -1 falls, 0 neither
    neg_scope: frozenset[str] = frozenset()  # content tokens right after a negation


def _neg_scope(text: str, width: int = 3) -> frozenset[str]:
    """Content tokens in the scope of each negation word (the next ``width`` ones)."""
    scope: set[str] = set()
    ws = words(text)
    for i, w in enumerate(ws):
        if w in _NEGATIONS:
            taken = 0
            for nxt in ws[i + 1 :]:
                if nxt in _NEGATIONS:
                    break
                if nxt[0].isdigit() or nxt in STOPWORDS or len(nxt) < 2:
                    continue
                scope.add(stem(nxt))
                taken += 1
                if taken >= width:
                    break
    return frozenset(scope)


_UP = frozenset(
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
_DOWN = frozenset(
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
_STILL = re.compile(
    r"\b(nog steeds|nog altijd|nog (?:gewoon )?(?:aan)?vragen|nog geldig|geldt nog|bestaat nog|loopt nog|"
    r"is nog open|nog mogelijk|still|no longer ended)\b",
    re.I,
)
_ENDED = re.compile(
    r"\b(afgeschaft|gestopt|beëindigd|beeindigd|teruggedraaid|vervallen|vervalt|bestaat niet meer|"
    r"niet meer|ended|abolished|stopped|discontinued|no longer|reversed)\b",
    re.I,
)
# Absolute words a sentence may use only if a cited passage is just as absolute.
_ABSOLUTE: dict[str, tuple[str, ...]] = {
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
_PERIODS = frozenset(["jaar", "maand", "week", "dag", "kwartaal", "year", "month", "week", "day", "quarter"])
_YEAR = re.compile(r"^(19[5-9]\d|20\d\d|2100)$")
_LIST_LINE = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")


def _negated(text: str) -> bool:
    return any(w in _NEGATIONS for w in words(text))


def _direction(text: str) -> int:
    ws = set(words(text))
    up, down = bool(ws & _UP), bool(ws & _DOWN)
    return 0 if up == down else (1 if up else -1)


def _values_and_years(text: str) -> tuple[frozenset[float], frozenset[float]]:
    """The quantities of a text and, apart, the years it names."""
    values: set[float] = set()
    years: set[float] = set()
    for m in mentions(text):
        if m.kind != "number":
            continue
        if m.scaled is None and _YEAR.match(str(int(m.value))) and float(m.value).is_integer():
            years.add(m.value)
        else:
            values.add(m.scaled if m.scaled is not None else m.value)
            if m.scaled is not None:
                values.add(m.value)
    return frozenset(values), frozenset(years)


def _clauses(text: str) -> list[str]:
    return [c.strip() for c in _CLAUSE_SPLIT.split(text) if c and c.strip()]


def _units(text: str) -> list[_Unit]:
    """Clauses of a passage with their polarity; list items under a negated heading
    ("Wat niet meetelt:") inherit its negation."""
    units: list[_Unit] = []
    inherited = False
    for line in text.split("\n"):
        raw = line.strip()
        if not raw:
            continue
        is_item = bool(_LIST_LINE.match(raw))
        if not is_item:
            inherited = False
        for sent in chunk_sentences(raw):
            for clause in _clauses(sent):
                toks = frozenset(content_tokens(clause))
                if toks:
                    inherit = is_item and inherited
                    scope = toks if inherit else _neg_scope(clause)
                    units.append(_Unit(toks, _negated(clause) or inherit, _direction(clause), scope))
        if raw.endswith(":") and _negated(raw):
            inherited = True
    return units


def _other_language(plain: str, lang: str) -> bool:
    """Is the sentence in the other language? Names ("Make IT Work") do not count."""
    kept = []
    for i, tok in enumerate(re.findall(r"\S+", plain)):
        core = tok.strip(".,;:!?()\"'")
        if core[:1].isupper() and (i > 0 or core.isupper() or len(core) <= 1 or fold(core) not in STOPWORDS):
            continue
        kept.append(tok)
    return detect_language(" ".join(kept), default=lang) != lang


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
    units: list[_Unit]
    ended: bool
    negated_only: frozenset[str]  # tokens the passage uses only under a negation
    statements: list[tuple[frozenset[float], frozenset[float]]]  # (values, year context) per sentence
    sentence_vectors: np.ndarray | None = None
    lang: str = "nl"

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
        units = _units(text)
        in_scope = set().union(*(u.neg_scope for u in units)) if units else set()
        outside: set[str] = set(content_tokens("\n".join(x for x in (title, section or "") if x)))
        for u in units:
            outside |= u.tokens - u.neg_scope
        statements: list[tuple[frozenset[float], frozenset[float]]] = []
        previous_years: frozenset[float] = frozenset()
        for sent in chunk_sentences(_ENUMERATOR.sub("", text)):
            values, years = _values_and_years(sent)
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
            ended=bool(_ENDED.search(full)),
            negated_only=frozenset(in_scope - outside),
            statements=statements,
            lang=lang,
            sentence_vectors=sentence_vectors,
        )


@dataclass
class Verdict:
    """The outcome for one sentence, with the measured features for reports."""

    kept: bool
    reason: str | None
    cited: list[int]
    overlap: float | None = None
    similarity: float | None = None
    ms: float = 0.0


@dataclass
class Features:
    """What the verifier measured about one sentence (before the threshold decision)."""

    plain: str
    cited: list[int]
    rule: str | None = None  # the first hard rule that failed, if any
    overlap: float = 0.0
    polarity_flip: bool = False
    cross_language: bool = False
    evidence: list[Evidence] = field(default_factory=list)


@dataclass
class _Word:
    surface: str
    variants: frozenset[str]


class Verifier:
    """Checks generated sentences against the passages they cite."""

    def __init__(
        self,
        thresholds: Thresholds = DEFAULT_THRESHOLDS,
        embed: Callable[[str], np.ndarray] | None = None,
        known_entities: Iterable[str] = (),
    ):
        self.t = thresholds
        self.embed = embed
        self.known_entities = frozenset(fold(e) for e in known_entities)
        self.embedded = 0  # sentences embedded (for the benchmark)

    # --- features -------------------------------------------------------------------
    @staticmethod
    def sentence_words(text: str) -> list[_Word]:
        trans = _translations()
        out: list[_Word] = []
        seen: set[str] = set()
        for w in words(text):
            if w[0].isdigit() or w in STOPWORDS or len(w) < 2:
                continue
            s = stem(w)
            if s in _GENERIC or s in seen:
                continue
            seen.add(s)
            variants = {s}
            variants |= trans.get(w, frozenset())
            if w.endswith("s") and w[:-1] in trans:
                variants |= trans[w[:-1]]
            out.append(_Word(w, frozenset(variants)))
        return out

    @staticmethod
    def _covered(variant: str, ev: Evidence) -> bool:
        if variant in ev.tokens:
            return True
        if len(variant) >= 5 and any(variant in t for t in ev.long_tokens):
            return True  # part of a Dutch compound: "budget" in "scholingsbudget"
        if len(variant) >= 8:  # a compound of two passage words: "scholings|subsidie"
            for t in ev.tokens:
                if len(t) >= 3 and variant.startswith(t):
                    rest = variant[len(t) :]
                    if rest in ev.tokens or (rest[:1] == "s" and rest[1:] in ev.tokens):
                        return True
        return False

    def overlap(self, ws: Sequence[_Word], evidence: Sequence[Evidence]) -> float:
        """Share of the sentence's content words that the cited passages contain."""
        if not ws:
            return 1.0
        hit = sum(any(self._covered(v, ev) for v in w.variants for ev in evidence) for w in ws)
        return hit / len(ws)

    def similarity(self, sentence: str, evidence: Sequence[Evidence]) -> float | None:
        """Best E5 cosine between the sentence and a sentence of the cited passages."""
        mats = [ev.sentence_vectors for ev in evidence if ev.sentence_vectors is not None and len(ev.sentence_vectors)]
        if self.embed is None or not mats:
            return None
        vec = np.asarray(self.embed(sentence), dtype=np.float32)
        self.embedded += 1
        return float(max(float(np.max(m @ vec)) for m in mats))

    def _entities(self, text: str, lang: str) -> list[str]:
        """Organisations and other proper names in ``text`` (not sentence-initial words)."""
        found: list[str] = []
        tokens = re.findall(r"[^\W\d_][\w'’-]*", text)
        for i, tok in enumerate(tokens):
            parts = [p for p in re.split(r"[-’']", tok) if p]
            for j, part in enumerate(parts):
                acronym = len(part) >= 2 and part.isupper()
                capital = part[:1].isupper() and not acronym and (i > 0 or j > 0)
                if not (acronym or capital):
                    continue
                f = fold(part)
                if f in STOPWORDS or f in _EN_ALWAYS_CAPITAL or len(f) < 2:
                    continue
                if lang == "en" and not acronym and f not in self.known_entities:
                    continue  # English capitalises more than names; check only known names
                found.append(f)
        return list(dict.fromkeys(found))

    @staticmethod
    def _entity_in(entity: str, evidence: Sequence[Evidence]) -> bool:
        for ev in evidence:
            if entity in ev.folded_words:
                return True
            if len(entity) >= 4 and any(
                (w.startswith(entity) or (len(w) >= 4 and entity.startswith(w) and len(entity) - len(w) <= 3))
                for w in ev.folded_words
            ):
                return True
        return False

    def _polarity_flip(self, sentence: str, evidence: Sequence[Evidence]) -> bool:
        """Does a clause of the sentence restate a passage clause with the opposite
        polarity ("wel" where the passage says "geen") or direction ("steeg"/"daalde")?"""
        units = [u for ev in evidence for u in ev.units]
        for clause in _clauses(sentence):
            ws = self.sentence_words(clause)
            if len(ws) < 2:
                continue
            scope = _neg_scope(clause)
            direction = _direction(clause)
            # a word the passages use only under a negation, stated without one
            for w in ws if not _negated(clause) else ():
                present = [v for v in w.variants if any(v in ev.tokens for ev in evidence)]
                if present and all(any(v in ev.negated_only for ev in evidence) for v in present):
                    return True
            best, matched = 0.0, []
            for u in units:
                hit = sum(any(v in u.tokens for v in w.variants) for w in ws) / len(ws)
                if hit > best + 1e-9:
                    best, matched = hit, [u]
                elif abs(hit - best) <= 1e-9:
                    matched.append(u)
            if best < self.t.clause_match:
                continue
            polarities = set()
            for u in matched:
                shared = {v for w in ws for v in w.variants if v in u.tokens}
                s_neg = bool({v for w in ws if stem(w.surface) in scope for v in w.variants} & shared)
                u_neg = bool(u.neg_scope & shared)
                polarities.add(s_neg == u_neg)
            if True not in polarities:
                return True
            if direction and all(u.direction == -direction for u in matched):
                return True
        return False

    @staticmethod
    def _overclaims(plain: str, evidence: Sequence[Evidence]) -> list[str]:
        """Absolute words ("altijd", "every", "volledig") no cited passage backs."""
        out = []
        ws = words(plain)
        for i, w in enumerate(ws):
            alts = _ABSOLUTE.get(w)
            if alts and i + 1 < len(ws) and ws[i + 1] in _PERIODS:
                continue  # "elk jaar", "every month": a rate, not a universal claim
            if alts and not any(a in ev.folded_words for a in alts for ev in evidence):
                out.append(w)
        return out

    @staticmethod
    def _unbound_numbers(plain: str, evidence: Sequence[Evidence]) -> list[float]:
        """Quantities stated for a year that no passage statement gives for that year."""
        values, years = _values_and_years(plain)
        if not values or not years:
            return []
        out = []
        for v in values:
            ok = False
            for ev in evidence:
                for vals, context in ev.statements:
                    if any(abs(v - x) <= 1e-6 * max(1.0, abs(v)) for x in vals) and (not context or years <= context):
                        ok = True
                        break
                if ok:
                    break
            if not ok:
                out.append(v)
        return out

    def features(self, sentence: str, evidence: dict[int, Evidence], lang: str = "nl") -> Features:
        """Hard rules (a), (b), (c), (e) and the word overlap of (d)."""
        plain, cited = split_citations(sentence)
        f = Features(plain, cited)
        if not cited:
            f.rule = "no_citation"
            return f
        unknown = [n for n in cited if n not in evidence]
        if unknown:
            f.rule = f"cites_passage_not_given:{','.join(map(str, unknown))}"
            return f
        if not words(plain):
            f.rule = "empty"
            return f
        if _other_language(plain, lang):
            f.rule = "wrong_language"
            return f
        evs = f.evidence = [evidence[n] for n in cited]
        units: dict[float, set[tuple[bool, bool]]] = {}
        for ev in evs:
            for v, u in ev.numbers.units.items():
                units.setdefault(v, set()).update(u)
        combined = NumberSet(
            set().union(*(ev.numbers.values for ev in evs)), set().union(*(ev.numbers.months for ev in evs)), units
        )
        missing = unsupported(plain, combined)
        if missing:
            f.rule = "number_not_in_source:" + ",".join(m.text for m in missing)
            return f
        cited_regions = set().union(*(ev.regions for ev in evs))
        other_regions = [r for r in find_regions(plain) if r not in cited_regions]
        if other_regions:
            f.rule = "region_not_in_source:" + ",".join(other_regions)
            return f
        absent = [e for e in self._entities(plain, lang) if not self._entity_in(e, evs)]
        if absent:
            f.rule = "name_not_in_source:" + ",".join(absent)
            return f
        unitless = [m for m in mentions(plain) if not _YEAR.match(m.text) and combined.unit_conflict(m)]
        if unitless:
            f.rule = "number_unit_differs:" + ",".join(m.text for m in unitless)
            return f
        unbound = self._unbound_numbers(plain, evs)
        if unbound:
            f.rule = "number_not_for_that_year:" + ",".join(f"{v:g}" for v in unbound)
            return f
        if _STILL.search(plain) and not _negated(plain) and any(ev.ended for ev in evs):
            f.rule = "status_conflict"
            return f
        overclaims = self._overclaims(plain, evs)
        if overclaims:
            f.rule = "overclaim:" + ",".join(overclaims)
            return f
        f.cross_language = lang == "en" and any(ev.lang == "nl" for ev in evs)
        ws = self.sentence_words(plain)
        if not ws and not any(m.kind == "number" for m in mentions(plain)):
            f.rule = "no_content"  # "Ja [1].": nothing a passage could support
            return f
        f.overlap = self.overlap(ws, evs)
        f.polarity_flip = self._polarity_flip(plain, evs)
        return f

    def decide(self, f: Features, similarity: Callable[[], float | None]) -> Verdict:
        if f.rule:
            return Verdict(False, f.rule, f.cited)
        if f.overlap < self.t.overlap_min:
            return Verdict(False, "unsupported", f.cited, f.overlap)
        if f.polarity_flip:
            return Verdict(False, "negation_mismatch", f.cited, f.overlap)
        if f.overlap >= self.t.overlap_keep:
            return Verdict(True, None, f.cited, f.overlap)
        sim = similarity()
        needed = self.t.similarity_keep_cross if f.cross_language else self.t.similarity_keep
        if sim is not None and sim >= needed:
            return Verdict(True, None, f.cited, f.overlap, sim)
        return Verdict(False, "unsupported", f.cited, f.overlap, sim)

    # --- the decision ---------------------------------------------------------------------
    def check(self, sentence: str, evidence: dict[int, Evidence], lang: str = "nl") -> Verdict:
        """Verify one generated sentence (with its [n] markers) against the given passages."""
        t0 = time.perf_counter()
        f = self.features(sentence, evidence, lang)
        verdict = self.decide(f, lambda: self.similarity(f.plain, f.evidence))
        verdict.ms = (time.perf_counter() - t0) * 1000
        return verdict


# --- reading a generated answer as it streams ---------------------------------------------
_MARKDOWN = re.compile(r"\*\*|__|`")
_LIST_MARK = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+", re.M)
_HEADING = re.compile(r"^\s*#+\s*", re.M)
_SOURCE_LABEL = re.compile(
    r"\(?\b(?:bron(?:nen)?|sources?|zie|see|passages?|passage|referenties?|references?)\s*:?\s*((?:\[\s*\d+(?:\s*[,;]\s*\d+)*\s*\](?:[ \t]*(?:,|en|and|&)?[ \t]*)?)+)\)?",
    re.I,
)
_PASSAGE_WORD = re.compile(r"\[\s*(?:passage|bron|source)\s+(\d+)\s*\]", re.I)
_CITE_AFTER_STOP = re.compile(r"([.!?])((?:\s*\[\s*\d+(?:\s*[,;]\s*\d+)*\s*\])+)")
_NBSP = re.compile(r"[\u00a0\u2009\u202f]")


def normalise_generated(text: str) -> str:
    """Model output -> plain prose whose citation markers sit before the full stop."""
    text = _NBSP.sub(" ", text)
    text = re.sub(r"\s*(?:\.\.\.|…)\s*", " ", text)
    text = _PASSAGE_WORD.sub(r"[\1]", text)
    text = _MARKDOWN.sub("", text)
    text = _HEADING.sub("", text)
    text = _LIST_MARK.sub("", text)
    text = _SOURCE_LABEL.sub(lambda m: " " + m.group(1).strip(), text)
    text = _CITE_AFTER_STOP.sub(lambda m: " " + re.sub(r"\s+", "", m.group(2)) + m.group(1), text)
    text = re.sub(r"(?<=\d)\]\s+\[(?=\d)", "][", text)
    text = re.sub(r"[ \t]+([.!?])", r"\1", text)
    return text


def generated_sentences(text: str, final: bool) -> list[str]:
    """Sentences of a (partial) generated answer; the last one only when ``final``.

    A sentence counts as complete once the next one has begun: its citation markers may
    still follow its full stop ("... nodig. [1]").
    """
    norm = normalise_generated(text)
    lines = [ln.strip() for ln in re.split(r"\n\s*\n|\n", norm)]
    out: list[str] = []
    from assistant.base.text import split_sentences

    for ln in lines:
        if ln:
            out.extend(split_sentences(ln))
    # a line of citation markers only belongs to the sentence before it
    merged: list[str] = []
    for s in out:
        if merged and re.fullmatch(r"(?:\s*\[\s*\d+(?:\s*[,;]\s*\d+)*\s*\]\s*[.,]?)+", s):
            prev = merged.pop()
            stop = prev[-1] if prev and prev[-1] in ".!?" else ""
            merged.append((prev[:-1] if stop else prev) + " " + s.strip(" .,") + stop)
        else:
            merged.append(s)
    if final:
        return merged
    # the segment being written may still turn out to be a "Bron: [1]" label of the
    # sentence before it: hold that sentence back until the segment says otherwise
    if merged and _could_be_label(merged[-1]):
        return merged[:-2]
    return merged[:-1]


_LABEL_WORDS = ("bron", "bronnen", "source", "sources", "zie", "see", "passage", "passages", "referentie", "reference")


def _could_be_label(segment: str) -> bool:
    m = re.fullmatch(r"\(?\s*([^\W\d_]*)\s*:?\s*[\[\]\d,;\s]*", segment.strip())
    if not m:
        return False
    word = m.group(1).lower()
    return not word or any(w.startswith(word) for w in _LABEL_WORDS)


@dataclass
class VerifiedText:
    """What the verifier made of a complete generated answer (used by tests and eval)."""

    kept: list[tuple[str, list[int]]] = field(default_factory=list)
    verdicts: list[tuple[str, Verdict]] = field(default_factory=list)


def verify_text(text: str, verifier: Verifier, evidence: dict[int, Evidence], lang: str) -> VerifiedText:
    result = VerifiedText()
    for sentence in generated_sentences(text, final=True):
        verdict = verifier.check(sentence, evidence, lang)
        result.verdicts.append((sentence, verdict))
        if verdict.kept:
            result.kept.append((split_citations(sentence)[0], verdict.cited))
    return result


_NAME = re.compile(r"(?<![\w])(?:[A-Z][A-Z0-9]{1,}|[A-Z][a-zà-ÿ]{2,})(?![\w])")


def corpus_entities(texts: Iterable[str]) -> set[str]:
    """Names that occur capitalised mid-sentence (or as acronyms) in the corpus texts: the
    organisations, programmes and places an English sentence may swap."""
    found: set[str] = set()
    for text in texts:
        for sent in chunk_sentences(text):
            for m in _NAME.finditer(sent):
                if m.start() == 0:
                    continue
                f = fold(m.group(0))
                if f not in STOPWORDS:
                    found.add(f)
    return found
