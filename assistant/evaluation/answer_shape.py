"""Does an answer *answer*: is a fact up front, how long is it, how easy is it to read?

Measured on the plain answer text (``Answer.text``), the same text the fact matching uses:

- **words**: tokens between white space that contain a letter or a digit, after the
  citation markers (``[1]``, ``[1, 2]``) are removed. ``€ 5.942`` is one word (the ``€``
  alone is none), ``ICT-professionals`` is one word.
- **first 40 words**: the first 40 of those words, joined by spaces; a fact group is "up
  front" when one of its alternatives occurs there under the matching rules of
  :mod:`.matching`.
- **readability**: Flesch–Douma, the Dutch adaptation of Flesch Reading Ease:
  ``206.835 − 0.93 × (words / sentences) − 77 × (syllables / words)``; higher is easier
  (roughly: above 60 easy, 30–60 average to hard, below 30 very hard). It is computed on the
  text without citation markers, URLs and notice lines (lines equal to one of
  ``Answer.notices``), and only for Dutch text (``assistant.base.text.detect_language`` on
  that text): an English answer (quoted from an English edition) gets the English Flesch
  Reading Ease instead, ``206.835 − 1.015 × (words / sentences) − 84.6 × (syllables /
  words)`` with pyphen's ``en_US`` dictionary (``readability_en``; the two scales are not
  comparable). Sentences: every line is a sentence of its own (lead-in, list items), and
  within a line a word ending in ``.``, ``!`` or ``?`` ends a sentence, unless it is a known
  abbreviation (``ca.``, ``bijv.``, ``o.a.``, ``nr.`` ...) — so ``60.000`` and ``ca. 5
  maanden`` do not split. Syllables: pyphen's bundled hyphenation dictionary, per part of a
  hyphenated word: hyphenation points + 1; a part without letters (a number) counts as one
  syllable. For Dutch this is textstat's syllable count (``textstat.set_lang("nl")``), with a
  sentence split that knows Dutch numbers and abbreviations; on plain prose it gives
  textstat's ``flesch_reading_ease`` exactly.

- **answer baseline**: the first 120 words of the best passage of the same retrieval
  (what a search engine would show), scored with the same fact matching and measures.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

from assistant.base.text import detect_language
from assistant.evaluation.matching import find_any

Row = dict[str, Any]
FIRST_WORDS = 40
BASELINE_WORDS = 120

_MARKER = re.compile(r"\s*\[\d+(?:\s*[,;–-]\s*\d+)*\]")
_URL = re.compile(r"(?:https?://|www\.)\S+")
_EDGE = re.compile(r"^[^\w]+|[^\w]+$")
_PARTS = re.compile(r"[-–/]+")
_CLOSERS = "\"'”’)]*_"
# Lower-case words that end in a full stop without ending the sentence.
ABBREVIATIONS = frozenset(
    {
        "ca",
        "bijv",
        "bv",
        "o.a",
        "m.b.t",
        "m.n",
        "d.w.z",
        "i.p.v",
        "t.o.v",
        "t/m",
        "nr",
        "nrs",
        "vs",
        "incl",
        "excl",
        "max",
        "min",
        "mln",
        "mld",
        "mrd",
        "blz",
        "p",
        "pag",
        "art",
        "jl",
        "e.d",
        "enz",
        "etc",
        "e.g",
        "i.e",
        "approx",
        "no",
        "dhr",
        "mevr",
        "mr",
        "dr",
        "prof",
        "ing",
        "drs",
    }
)


def strip_markers(text: str) -> str:
    """The answer without its citation markers."""
    return _MARKER.sub("", text or "")


def words(text: str) -> list[str]:
    """The words of ``text`` (markers removed; tokens with a letter or a digit)."""
    return [t for t in strip_markers(text).split() if any(c.isalnum() for c in t)]


def word_count(text: str) -> int:
    return len(words(text))


def first_words(text: str, n: int = FIRST_WORDS) -> str:
    return " ".join(words(text)[:n])


def fact_up_front(text: str, fact_groups: Iterable[Sequence[str]], n: int = FIRST_WORDS) -> bool:
    """Does an alternative of at least one fact group occur in the first ``n`` words?"""
    head = first_words(text, n)
    return bool(head) and any(find_any(head, list(group)) is not None for group in fact_groups)


# Flesch Reading Ease per language: (base, per word per sentence, per syllable per word).
FLESCH = {"nl": (206.835, 0.93, 77.0), "en": (206.835, 1.015, 84.6)}
PYPHEN = {"nl": "nl_NL", "en": "en_US"}


@lru_cache(maxsize=2)
def _dictionary(lang: str = "nl") -> Any:
    import pyphen

    return pyphen.Pyphen(lang=PYPHEN[lang])


@lru_cache(maxsize=50_000)
def syllables(word: str, lang: str = "nl") -> int:
    """Syllables of one word: pyphen hyphenation points + 1 per part; a number is one."""
    total = 0
    for part in _PARTS.split(_EDGE.sub("", word.lower())):
        if not part:
            continue
        if any(c.isalpha() for c in part):
            total += len(_dictionary(lang).positions(part)) + 1
        else:
            total += 1
    return max(total, 1)


def _ends_sentence(token: str) -> bool:
    bare = token.rstrip(_CLOSERS)
    if not bare or bare[-1] not in ".!?":
        return False
    if bare[-1] in "!?":
        return True
    stem = _EDGE.sub("", bare.lower().rstrip("."))
    is_abbreviation = stem in ABBREVIATIONS or (len(stem) == 1 and stem.isalpha())
    return not is_abbreviation


def readable_text(text: str, notices: Sequence[str] = ()) -> str:
    """What readability is computed on: no markers, no URLs, no notice lines."""
    drop = {strip_markers(n).strip() for n in notices if n and n.strip()}
    lines = []
    for line in (text or "").splitlines():
        bare = strip_markers(line).strip()
        if not bare or bare in drop or any(d in bare for d in drop if len(d) > 20):
            continue
        lines.append(_URL.sub("", bare))
    return "\n".join(lines)


def sentence_words(text: str) -> list[list[str]]:
    """Sentences (each a list of words) of already cleaned text."""
    out: list[list[str]] = []
    for line in text.splitlines():
        current: list[str] = []
        for token in line.split():
            if any(c.isalnum() for c in token):
                current.append(token)
            if current and _ends_sentence(token):
                out.append(current)
                current = []
        if current:
            out.append(current)
    return out


def flesch(text: str, notices: Sequence[str] = (), lang: str = "nl") -> float | None:
    """Flesch reading ease of ``text`` with the weights of ``lang`` (None when it has no words)."""
    sentences = sentence_words(readable_text(text, notices))
    ws = [w for s in sentences for w in s]
    if not ws:
        return None
    base, per_sentence, per_syllable = FLESCH[lang]
    syl = sum(syllables(w, lang) for w in ws)
    return base - per_sentence * (len(ws) / len(sentences)) - per_syllable * (syl / len(ws))


def flesch_douma(text: str, notices: Sequence[str] = ()) -> float | None:
    """Flesch–Douma reading ease of (Dutch) ``text``; None when it has no words."""
    return flesch(text, notices, "nl")


def readability(text: str, notices: Sequence[str] = ()) -> tuple[str, float | None]:
    """(language of the text, its Flesch score in that language's weights)."""
    lang = detect_language(readable_text(text, notices), default="nl")
    return lang, flesch(text, notices, lang if lang in FLESCH else "nl")


# --- per case -----------------------------------------------------------------------------
def fact_groups(row: Row) -> list[list[str]]:
    """The fact groups of a row: scored (``{"alternatives": [...], "matched": ...}``) or as in the case."""
    return [list(f.get("alternatives") or []) if isinstance(f, dict) else list(f) for f in row.get("facts") or []]


def answered(row: Row) -> bool:
    """An answer was given (not a refusal, not an error, not empty)."""
    return not row.get("abstained") and not row.get("error") and bool((row.get("answer") or "").strip())


def case_shape(row: Row) -> dict[str, Any]:
    """Words, fact-up-front and readability of one row's answer (None where not measured)."""
    text = row.get("answer") or ""
    given = answered(row)
    groups = fact_groups(row)
    lang, score = readability(text, row.get("notices") or ()) if given else (None, None)
    return {
        "words": word_count(text) if given else None,
        "first40": (given and fact_up_front(text, groups)) if row.get("answerable") and groups else None,
        "text_lang": lang,
        "readability": score if lang == "nl" else None,
        "readability_en": score if lang == "en" else None,
    }


def shape_of(row: Row) -> dict[str, Any]:
    return row.get("answer_shape") or case_shape(row)


# --- the answer baseline -----------------------------------------------------------------
def baseline_answer(row: Row, n: int = BASELINE_WORDS) -> str:
    """The first ``n`` words of the best retrieved passage ("" when nothing was retrieved)."""
    retrieved = sorted(row.get("retrieved") or [], key=lambda p: p.get("rank", 0))
    return " ".join(retrieved[0].get("text", "").split()[:n]) if retrieved else ""


def baseline_case(row: Row) -> dict[str, Any] | None:
    """The baseline's answer to an answerable case, scored like an answer."""
    if not row.get("answerable"):
        return None
    text = baseline_answer(row)
    b: Row = {
        "answerable": True,
        "answer": text,
        "abstained": not text,
        "facts": [{"alternatives": g, "matched": find_any(text, g)} for g in fact_groups(row)],
    }
    return {"text": text, "facts": b["facts"], "answer_shape": case_shape(b)}


def baseline_rows(rows: Iterable[Row]) -> list[Row]:
    """Rows for :func:`assistant.evaluation.metrics.metrics` of the baseline, one per case."""
    out: list[Row] = []
    for r in rows:
        b = r.get("answer_baseline")
        if not b:
            continue
        out.append(
            {k: r.get(k) for k in ("id", "category", "lang", "audience", "file", "evidence")}
            | {
                "answerable": True,
                "answer": b["text"],
                "abstained": not b["text"],
                "facts": b["facts"],
                "answer_shape": b["answer_shape"],
                "error": None,
            }
        )
    return out
