"""What a question means in its conversation: a follow-up, a new topic, or too broad to answer.

Plain rules over the question's form and the corpus statistics (document frequencies, IDF),
used by :class:`~assistant.core.assistant.Assistant` before it searches and answers.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Container, Mapping

from assistant.answering.asked import ASK_WORDS, analyse
from assistant.base.lexical import query_tokens
from assistant.base.regions import find_regions
from assistant.base.text import STOPWORDS, content_tokens, fold, stem, words
from assistant.base.types import Retrieval

_FOLLOWUP_START = re.compile(
    r"^(en|and|maar|but|of|or|ook|also|wat als|what if|what about|how about|hoe zit het|hoe zit dat|"
    r"en als|and if|en voor|and for|en in|and in|en bij|en wat|and what|en hoe|and how|dus|so)\b",
    re.I,
)
# A level of education, or its people ("hbo'ers"): a constraint a follow-up may change, like a
# year or a place, not the subject it keeps.
_LEVEL_WORD = re.compile(r"^(mbo|hbo|wo|vmbo|havo|vwo)(['’]ers?|-?er)?$")
_YEAR_WORD = re.compile(r"20[0-4]\d")
# Words that point back to what was said before.
_ANAPHORA = frozenset(
    "dat die dit deze daar daarvan daarvoor hiervoor daarmee ervoor erover het hij zij ze hun "
    "that this these those it its there they them he she".split()
)


# A question word alone ("hoeveel?", "waarom", "how?"): it needs a subject before anything.
_BARE_QUESTION = re.compile(
    r"^\s*(hoeveel|hoe|waarom|wanneer|waar|wie|wat|welke|how much|how|why|when|where|who|what|which)\s*[?!.]*\s*$"
)
# A word in this many chunks or more is a field, not a subject ("subsidie", "omscholen").
GENERIC_IDF = 2.5
# What the assistant knows about, offered when a question names no subject at all.
TOPICS = {
    "nl": [
        "Omscholen naar ICT",
        "Wie betaalt mijn opleiding?",
        "Internationaal ICT-talent aannemen",
        "Plannen per provincie",
    ],
    "en": [
        "Retraining for an ICT job",
        "Who pays for my training?",
        "Hiring international ICT talent",
        "Plans per province",
    ],
}


def bare_question(question: str) -> bool:
    """A question word alone ("hoeveel?", "how?"): there is nothing to search for yet."""
    return bool(_BARE_QUESTION.match(fold(question)))


def leans_on_earlier(question: str) -> bool:
    """Does the question point back by its form: "En in Limburg?", "hoeveel is daar voor …"?"""
    folded = fold(question.strip())
    words = set(re.findall(r"[\w']+", folded))
    return bool(_FOLLOWUP_START.match(folded)) or bool(words & _ANAPHORA)


def is_followup(question: str) -> bool:
    """Does the question lean on an earlier turn ("En in Limburg?", "and for under 30s?")."""
    toks = content_tokens(question)
    if _FOLLOWUP_START.match(fold(question.strip())):
        return True
    return len(toks) <= 2 or (len(toks) <= 5 and leans_on_earlier(question))


def topic_of(question: str, idf: Callable[[str], float], limit: int = 4, subjects: Container[str] = frozenset()) -> str:
    """The words that name the subject of an earlier question ("levenlanglerenkrediet" of
    "tot welke leeftijd kan ik levenlanglerenkrediet lenen?"): its rarer content words.

    A follow-up is searched with these and its own words, so what it asks ("how much per
    year?") is not drowned by what the earlier question asked ("tot welke leeftijd"). The
    earlier question's years come along, after the subject: "en als ik 29 ben?" after "welk
    salaris in 2026?" still wants 2026's figures. A follow-up that names a year of its own
    ("en voor 2024?") then searches both years, and the answer takes its row from the new one
    (:func:`~assistant.answering.asked.analyse` prefers the follow-up's own constraints)."""
    picked = [
        w
        for w in words(question)
        if not w.isdigit()
        and w not in STOPWORDS
        and w not in ASK_WORDS
        and not find_regions(w)  # the place comes from the new question, or else from region steering
        and not _LEVEL_WORD.match(w)  # so does the level ("hbo'ers" -> "en voor mbo'ers?")
        and (idf(stem(w)) >= 2.0 or stem(w) in subjects)  # rare, or what a document is named after
    ]
    years = [w for w in words(question) if _YEAR_WORD.fullmatch(w)]
    return " ".join(dict.fromkeys(picked[:limit] + years)) if picked else question


def is_new_topic(question: str, df: Mapping[str, int]) -> bool:
    """Does the question bring a subject the corpus has never seen ("en wie wordt
    landskampioen?")? Then it is not a follow-up and must not borrow relevance from the
    earlier question. One unseen word among known ones ("en hoeveel geld is daar voor
    vrijgemaakt?") is not enough when the question points back by its form."""
    known = [t for t in query_tokens(question) if t in df]
    # an English word whose Dutch translation the corpus knows ("borrow") is not unseen
    unseen = [
        w
        for w in words(question)
        if not w.isdigit() and w not in STOPWORDS and stem(w) not in df and not set(query_tokens(w)) & set(df)
    ]
    if not unseen:
        return False
    if not known:
        return True
    return not leans_on_earlier(question) and len(unseen) >= len(known)


def clarify_choices(question: str, retrieval: Retrieval, idf: Callable[[str], float]) -> list[str] | None:
    """For a one-word question that many documents answer differently ("subsidie",
    "kennismigratie"), the titles of the 2–4 best documents to choose from; else None."""
    tokens = content_tokens(question)
    if len(tokens) != 1 or analyse(question).kinds - {"definition", "yesno"}:
        return None
    if idf(tokens[0]) >= GENERIC_IDF:  # a name ("codam", "zoekjaar"): answer it
        return None
    titles: list[str] = []
    for p in retrieval.passages:
        title = re.sub(r"\s*\([^)]*\)", "", p.chunk.title).strip()
        if title and title not in titles and p.chunk.meta.get("status") != "ended":
            titles.append(title)
    return titles[:4] if len(titles) >= 3 else None
