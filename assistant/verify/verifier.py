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
``wegwijzer verify-eval --fit`` (see README); the fitted values are the defaults below. The rules
themselves live in :mod:`assistant.verify.rules`, the passage analysis in
:mod:`assistant.verify.evidence` (see the package docstring for the module map).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from assistant.base.numbers import NumberSet, mentions, unsupported
from assistant.base.regions import find_regions
from assistant.base.text import fold, words
from assistant.verify.evidence import YEAR, Evidence, negated
from assistant.verify.generated import split_citations
from assistant.verify.lexicon import STILL
from assistant.verify.names import corpus_entities, entities, entity_in
from assistant.verify.rules import (
    other_language,
    overclaims,
    overlap,
    polarity_flip,
    sentence_words,
    unbound_numbers,
)

__all__ = [
    "DEFAULT_THRESHOLDS",
    "Evidence",
    "Features",
    "Thresholds",
    "Verdict",
    "Verifier",
    "corpus_entities",
]


@dataclass(frozen=True)
class Thresholds:
    """Decision thresholds of criterion (d); fitted on labelled data (see module doc)."""

    overlap_keep: float = 0.65  # keep on word overlap alone at or above this
    overlap_min: float = 0.2  # below this: drop without embedding
    similarity_keep: float = 0.89  # in between: keep if E5 similarity reaches this
    similarity_keep_cross: float = 0.845  # the same for an English sentence over Dutch passages
    clause_match: float = 0.5  # a passage clause "restates" a sentence clause from this overlap


DEFAULT_THRESHOLDS = Thresholds()


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

    def similarity(self, sentence: str, evidence: Sequence[Evidence]) -> float | None:
        """Best E5 cosine between the sentence and a sentence of the cited passages."""
        mats = [ev.sentence_vectors for ev in evidence if ev.sentence_vectors is not None and len(ev.sentence_vectors)]
        if self.embed is None or not mats:
            return None
        vec = np.asarray(self.embed(sentence), dtype=np.float32)
        self.embedded += 1
        return float(max(float(np.max(m @ vec)) for m in mats))

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
        if other_language(plain, lang):
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
        absent = [e for e in entities(plain, lang, self.known_entities) if not entity_in(e, evs)]
        if absent:
            f.rule = "name_not_in_source:" + ",".join(absent)
            return f
        unitless = [m for m in mentions(plain) if not YEAR.match(m.text) and combined.unit_conflict(m)]
        if unitless:
            f.rule = "number_unit_differs:" + ",".join(m.text for m in unitless)
            return f
        unbound = unbound_numbers(plain, evs)
        if unbound:
            f.rule = "number_not_for_that_year:" + ",".join(f"{v:g}" for v in unbound)
            return f
        if STILL.search(plain) and not negated(plain) and any(ev.ended for ev in evs):
            f.rule = "status_conflict"
            return f
        absolute = overclaims(plain, evs)
        if absolute:
            f.rule = "overclaim:" + ",".join(absolute)
            return f
        f.cross_language = lang == "en" and any(ev.lang == "nl" for ev in evs)
        ws = sentence_words(plain)
        if not ws and not any(m.kind == "number" for m in mentions(plain)):
            f.rule = "no_content"  # "Ja [1].": nothing a passage could support
            return f
        f.overlap = overlap(ws, evs)
        f.polarity_flip = polarity_flip(plain, evs, self.t.clause_match)
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
