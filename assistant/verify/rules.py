"""The rules a generated sentence must pass, as plain functions over its words and the
cited passages' :class:`~assistant.verify.evidence.Evidence`.

Word support (criterion (d) of :mod:`assistant.verify.verifier`): :func:`sentence_words`
and :func:`overlap`. Meaning: :func:`polarity_flip` (negation or direction opposite to the
clause it restates), :func:`overclaims` (absolute words no passage backs),
:func:`unbound_numbers` (a quantity given for another year), :func:`other_language`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.base.text import STOPWORDS, detect_language, fold, stem, words
from assistant.verify.evidence import Evidence, clauses, neg_scope, negated, values_and_years
from assistant.verify.evidence import direction as clause_direction
from assistant.verify.lexicon import ABSOLUTE, GENERIC, PERIODS, translations


@dataclass
class Word:
    """A content word of a sentence and the stems that count as it (Dutch stem, translations)."""

    surface: str
    variants: frozenset[str]


def sentence_words(text: str) -> list[Word]:
    """The content words of a sentence, each with its Dutch stem and translations."""
    trans = translations()
    out: list[Word] = []
    seen: set[str] = set()
    for w in words(text):
        if w[0].isdigit() or w in STOPWORDS or len(w) < 2:
            continue
        s = stem(w)
        if s in GENERIC or s in seen:
            continue
        seen.add(s)
        variants = {s}
        variants |= trans.get(w, frozenset())
        if w.endswith("s") and w[:-1] in trans:
            variants |= trans[w[:-1]]
        out.append(Word(w, frozenset(variants)))
    return out


def covered(variant: str, ev: Evidence) -> bool:
    """Does the passage contain this stem (also inside a compound, or as two of its words)?"""
    if variant in ev.tokens or variant in ev.initialisms:  # "hca": the passage says "Human Capital Agenda"
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


def overlap(ws: Sequence[Word], evidence: Sequence[Evidence]) -> float:
    """Share of the sentence's content words that the cited passages contain."""
    if not ws:
        return 1.0
    hit = sum(any(covered(v, ev) for v in w.variants for ev in evidence) for w in ws)
    return hit / len(ws)


def polarity_flip(sentence: str, evidence: Sequence[Evidence], clause_match: float) -> bool:
    """Does a clause of the sentence restate a passage clause with the opposite
    polarity ("wel" where the passage says "geen") or direction ("steeg"/"daalde")?"""
    units = [u for ev in evidence for u in ev.units]
    for clause in clauses(sentence):
        ws = sentence_words(clause)
        if len(ws) < 2:
            continue
        scope = neg_scope(clause)
        rising = clause_direction(clause)
        # a word the passages use only under a negation, stated without one
        for w in ws if not negated(clause) else ():
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
        if best < clause_match:
            continue
        polarities = set()
        for u in matched:
            shared = {v for w in ws for v in w.variants if v in u.tokens}
            s_neg = bool({v for w in ws if stem(w.surface) in scope for v in w.variants} & shared)
            u_neg = bool(u.neg_scope & shared)
            polarities.add(s_neg == u_neg)
        if True not in polarities:
            return True
        if rising and all(u.direction == -rising for u in matched):
            return True
    return False


def overclaims(plain: str, evidence: Sequence[Evidence]) -> list[str]:
    """Absolute words ("altijd", "every", "volledig") no cited passage backs."""
    out = []
    ws = words(plain)
    for i, w in enumerate(ws):
        alts = ABSOLUTE.get(w)
        if alts and i + 1 < len(ws) and ws[i + 1] in PERIODS:
            continue  # "elk jaar", "every month": a rate, not a universal claim
        if alts and not any(a in ev.folded_words for a in alts for ev in evidence):
            out.append(w)
    return out


def unbound_numbers(plain: str, evidence: Sequence[Evidence]) -> list[float]:
    """Quantities stated for a year that no passage statement gives for that year."""
    values, years = values_and_years(plain)
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


def other_language(plain: str, lang: str) -> bool:
    """Is the sentence in the other language? Names ("Make IT Work") do not count."""
    kept = []
    for i, tok in enumerate(re.findall(r"\S+", plain)):
        core = tok.strip(".,;:!?()\"'")
        if core[:1].isupper() and (i > 0 or core.isupper() or len(core) <= 1 or fold(core) not in STOPWORDS):
            continue
        kept.append(tok)
    return detect_language(" ".join(kept), default=lang) != lang
