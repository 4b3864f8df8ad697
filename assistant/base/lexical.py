"""BM25 over Dutch-stemmed tokens (bm25s), with a small EN->NL glossary for queries.

The dense model already crosses languages; the glossary lets the lexical side match an
English question ("salary threshold") to Dutch passages ("salariscriterium") as well.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import bm25s
import numpy as np
import yaml

from assistant.base.text import content_tokens

GLOSSARY_PATH = Path(__file__).with_name("glossary.yaml")


@lru_cache
def glossary() -> dict[str, list[str]]:
    """English word (folded) -> Dutch words, from ``glossary.yaml``."""
    data = yaml.safe_load(GLOSSARY_PATH.read_text(encoding="utf-8")) or {}
    return {str(k).lower(): [str(v) for v in (vs if isinstance(vs, list) else [vs])] for k, vs in data.items()}


# A separable verb split by "te" ("op te leiden", "om te scholen", "aan te vragen"): the
# documents say "opleiden", "omscholing", "aanvragen".
_SPLIT_VERB = re.compile(r"\b(op|om|aan|in|terug|bij|mee|af|uit|door|over|toe|na|voor)\s+te\s+([a-zë]{3,})\b", re.I)
# "hoeveel ICT'ers moeten er bij komen?": written apart, "bijkomen" (growth) reads as two stopwords
_SPLIT_BIJKOMEN = re.compile(r"\ber\s*bij\s+(?:komen|komt|kwamen|gekomen)\b", re.I)


# A person named after a level of education or a form of work ("mbo'ers", "een hbo'er",
# "zzp'ers"): the documents mostly name the level itself ("mbo-opleiding", "in het mbo").
# ("ict'ers" is left alone: "ict" is in nearly every passage and would only add noise.)
_ABBREVIATION_PERSON = re.compile(r"\b(mbo|hbo|wo|vmbo|havo|vwo|zzp|mkb)['’]ers?\b", re.I)


def query_tokens(question: str) -> list[str]:
    """Stemmed query tokens plus Dutch stems of glossary translations, and the abbreviation
    inside a word for its people ("mbo" of "mbo'ers")."""
    tokens = content_tokens(question)
    gloss = glossary()
    joined = [a + b for a, b in _SPLIT_VERB.findall(question.lower())]
    joined += ["bijkomen"] * bool(_SPLIT_BIJKOMEN.search(question))
    extra: list[str] = [t for word in joined for t in content_tokens(word)]
    extra += [t for base in _ABBREVIATION_PERSON.findall(question) for t in content_tokens(base)]
    for word in [*question.lower().replace("?", " ").replace(",", " ").split(), *joined]:
        for nl in gloss.get(word.strip(".!'\""), []):
            extra.extend(content_tokens(nl))
    return tokens + [t for t in dict.fromkeys(extra) if t not in tokens]


class BM25Index:
    """In-memory BM25 over chunk texts; rebuilt whenever the store changes.

    ``k1`` (term-frequency saturation) and ``b`` (length normalisation) are the settings
    ``bm25_k1`` and ``bm25_b``; the defaults are the usual ones (Robertson, Lucene)."""

    def __init__(self, texts: list[str], k1: float = 1.2, b: float = 0.75):
        self.size = len(texts)
        self._bm25 = bm25s.BM25(k1=k1, b=b)
        corpus = [content_tokens(t) or ["_"] for t in texts]
        if corpus:
            self._bm25.index(corpus, show_progress=False)
        self._vocab = self._bm25.vocab_dict if corpus else {}

    def scores(self, tokens: list[str]) -> np.ndarray:
        known = [t for t in tokens if t in self._vocab]
        if not known or self.size == 0:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._bm25.get_scores(known), dtype=np.float32)
