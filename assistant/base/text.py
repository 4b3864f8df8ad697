"""Language helpers shared by ingestion, retrieval, answering and evaluation.

Dutch-stemmed tokens (Snowball via PyStemmer, pinned in pyproject because its Dutch
algorithm changed between versions), sentence splitting that survives Dutch
abbreviations and amounts, accent folding, and a light NL/EN language guess.
"""

from __future__ import annotations

import re
from functools import lru_cache

import Stemmer

# Stopwords, folding and the untrusted-text checks live in their own modules; importers use them from here.
from assistant.base.folding import fold
from assistant.base.stopwords import STOPWORDS, STOPWORDS_EN, STOPWORDS_NL
from assistant.base.untrusted import INJECTION, is_injection, normalize_untrusted

__all__ = [
    "INJECTION",
    "STOPWORDS",
    "STOPWORDS_EN",
    "STOPWORDS_NL",
    "chunk_sentences",
    "content_tokens",
    "detect_language",
    "fold",
    "is_injection",
    "normalize_number",
    "normalize_untrusted",
    "sentence_intros",
    "split_sentences",
    "stem",
    "token_set",
    "words",
]

_STEMMER = Stemmer.Stemmer("dutch")

_TOKEN_RE = re.compile(r"[0-9]+(?:[.,][0-9]+)*|[^\W\d_]+(?:['’-][^\W\d_]+)*", re.UNICODE)


def normalize_number(token: str) -> str:
    """'60.000', '60,000' and '60000' become '60000'; '2,5' stays a decimal '2.5'."""
    if re.fullmatch(r"\d{1,3}(?:[.,]\d{3})+", token):
        return re.sub(r"[.,]", "", token)
    return token.replace(",", ".")


def words(text: str) -> list[str]:
    """Folded word and number tokens, hyphenated compounds also split into their parts."""
    out: list[str] = []
    for tok in _TOKEN_RE.findall(fold(text)):
        if tok[0].isdigit():
            out.append(normalize_number(tok))
            continue
        tok = tok.replace("’", "'")
        out.append(tok)
        if "-" in tok:
            out.extend(p for p in tok.split("-") if p)
    return out


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    return _STEMMER.stemWord(word)


def content_tokens(text: str) -> list[str]:
    """Stemmed tokens without stop words: what BM25 indexes and overlap measures compare."""
    return [stem(w) for w in words(text) if w not in STOPWORDS and (len(w) > 1 or w.isdigit())]


@lru_cache(maxsize=50_000)
def token_set(text: str) -> frozenset[str]:
    """:func:`content_tokens` as a set, cached: chunk and sentence texts recur across answers."""
    return frozenset(content_tokens(text))


_ABBREV = r"(?:o\.a|bijv|bv|m\.b\.t|d\.w\.z|t\.m|t/m|i\.p\.v|c\.q|ca|nr|art|min|mr|dr|drs|ir|prof|jl|incl|excl|e\.d|z\.o\.z|resp|vs|etc|e\.g|i\.e|mln|mld|max|min|jan|feb|aug|sept|okt|oct|nov|dec|blz|vol)"
_SENT_END = re.compile(r"(?<=[.!?])[\"”’)]*\s+(?=[\"“‘(]?[A-ZÀ-Ý0-9€•])")


def split_sentences(text: str) -> list[str]:
    """Split prose into sentences; keeps 'o.a.', '€ 4.357' and 'nr. 41822' intact."""
    text = re.sub(r"\s+", " ", text).strip()
    if not text:
        return []
    protected = re.sub(rf"\b({_ABBREV})\.", lambda m: m.group(1).replace(".", "§") + "§", text, flags=re.I)
    protected = re.sub(r"\b(no|nos|p|pp)\.(?= ?\d)", r"\1§", protected, flags=re.I)  # "no. 842", "p. 4"
    parts = _SENT_END.split(protected)
    return [p.replace("§", ".").strip() for p in parts if p.strip()]


_EN_HINTS = frozenset(
    [
        "the",
        "what",
        "which",
        "who",
        "how",
        "is",
        "are",
        "does",
        "do",
        "can",
        "could",
        "should",
        "would",
        "will",
        "my",
        "our",
        "your",
        "for",
        "of",
        "with",
        "many",
        "much",
        "need",
        "needed",
        "salary",
        "salaries",
        "province",
        "migrant",
        "migrants",
        "scheme",
        "schemes",
        "funding",
        "pay",
        "retrain",
        "retraining",
        "work",
        "worker",
        "workers",
        "job",
        "jobs",
        "hire",
        "hiring",
        "employer",
        "employee",
        "visa",
        "where",
        "why",
        "when",
        "there",
        "their",
        "about",
        "get",
        "allowed",
        "still",
        "apply",
        "i",
        "you",
    ]
)
_NL_HINTS = frozenset(
    [
        "de",
        "het",
        "een",
        "wat",
        "wie",
        "hoe",
        "is",
        "zijn",
        "kan",
        "kun",
        "kunt",
        "ik",
        "mijn",
        "wij",
        "we",
        "onze",
        "voor",
        "van",
        "met",
        "hoeveel",
        "welke",
        "waar",
        "waarom",
        "wanneer",
        "er",
        "nog",
        "moet",
        "moeten",
        "mag",
        "mogen",
        "nodig",
        "en",
        "ook",
        "of",
        "als",
        "bij",
        "naar",
        "om",
        "te",
        "niet",
        "geen",
        "omscholen",
        "omscholing",
        "werkgever",
        "subsidie",
        "regeling",
        "provincie",
        "zij",
        "instromer",
    ]
)


def detect_language(text: str, default: str = "nl") -> str:
    """Guess 'nl' or 'en' from function words; ties keep the default (Dutch)."""
    toks = [w for w in words(text) if not w[0].isdigit()]
    en = sum(t in _EN_HINTS for t in toks)
    nl = sum(t in _NL_HINTS for t in toks)
    if en > nl:
        return "en"
    if nl > en:
        return "nl"
    return default


_SOURCE_LINE = re.compile(r"^(bron|bronnen|source|sources)\s*(\(.*?\))?\s*:", re.I)
_URL_IN_PARENS = re.compile(r"\s*\(?https?://[^\s)]+\)?")


def sentence_intros(text: str) -> list[int | None]:
    """For each sentence of :func:`chunk_sentences`, the index of the sentence that
    introduces its list ("Vanaf 1 januari 2026 gelden deze leges:"), or None. A quoted list
    item without its intro is a fragment; the answerer quotes the intro with it."""
    intros: list[int | None] = []
    intro: int | None = None
    index = 0
    for raw in text.split("\n"):
        stripped = raw.strip()
        is_item = stripped[:1] in {"-", "*", "•"} or bool(re.match(r"^\d{1,2}[.)]\s", stripped))
        sentences = _line_sentences(raw)
        if not sentences:
            continue
        intros.extend([intro if is_item else None] * len(sentences))
        if not is_item:
            intro = index + len(sentences) - 1 if sentences[-1].endswith(":") else None
        index += len(sentences)
    return intros


def _line_sentences(line: str) -> list[str]:
    line = line.strip().lstrip("-*• ").strip()
    if not line or line.startswith(("#", "|")) or _SOURCE_LINE.match(line):
        return []
    line = _URL_IN_PARENS.sub("", line).strip()
    return split_sentences(line) if line else []


def chunk_sentences(text: str) -> list[str]:
    """Quotable sentences of a chunk: list items count as sentences; 'Bron:' lines and
    bare URLs are left out (the citation links to the source instead)."""
    out: list[str] = []
    for line in text.split("\n"):
        out.extend(_line_sentences(line))
    return out
