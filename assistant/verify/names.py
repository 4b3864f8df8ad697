"""Names a sentence may not swap: organisations, programmes and places.

:func:`corpus_entities` collects the names of the indexed corpus (capitalised mid-sentence,
or acronyms); :func:`entities` finds the names in a generated sentence and
:func:`entity_in` looks one up in the cited passages.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from assistant.base.text import STOPWORDS, chunk_sentences, fold
from assistant.verify.evidence import Evidence
from assistant.verify.lexicon import EN_ALWAYS_CAPITAL

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


def entities(text: str, lang: str, known: frozenset[str]) -> list[str]:
    """Organisations and other proper names in ``text`` (not sentence-initial words); in
    English, which capitalises more than names, only acronyms and the ``known`` names."""
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
            if f in STOPWORDS or f in EN_ALWAYS_CAPITAL or len(f) < 2:
                continue
            if lang == "en" and not acronym and f not in known:
                continue
            found.append(f)
    return list(dict.fromkeys(found))


def entity_in(entity: str, evidence: Sequence[Evidence]) -> bool:
    """Does a cited passage name ``entity`` (also as the start of a longer word, or nearly, or
    spelled out when ``entity`` is an acronym)?"""
    for ev in evidence:
        if entity in ev.folded_words or entity in ev.initialisms:
            return True
        if len(entity) >= 4 and any(
            (w.startswith(entity) or (len(w) >= 4 and entity.startswith(w) and len(entity) - len(w) <= 3))
            for w in ev.folded_words
        ):
            return True
    return False
