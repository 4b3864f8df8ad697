"""Language helpers shared by ingestion, retrieval, answering and evaluation.

Dutch-stemmed tokens (Snowball via PyStemmer, pinned in pyproject because its Dutch
algorithm changed between versions), sentence splitting that survives Dutch
abbreviations and amounts, accent folding, and a light NL/EN language guess.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import Stemmer

_STEMMER = Stemmer.Stemmer("dutch")

STOPWORDS_NL = frozenset(
    [
        "aan",
        "al",
        "alle",
        "alleen",
        "als",
        "altijd",
        "andere",
        "ben",
        "bij",
        "daar",
        "dan",
        "dat",
        "de",
        "der",
        "deze",
        "die",
        "dit",
        "doch",
        "doen",
        "door",
        "dus",
        "een",
        "eens",
        "en",
        "er",
        "ge",
        "geen",
        "geweest",
        "haar",
        "had",
        "heb",
        "hebben",
        "heeft",
        "hem",
        "het",
        "hier",
        "hij",
        "hoe",
        "hun",
        "iemand",
        "iets",
        "ik",
        "in",
        "is",
        "ja",
        "je",
        "jij",
        "jou",
        "jouw",
        "kan",
        "kon",
        "kunnen",
        "maar",
        "me",
        "meer",
        "men",
        "met",
        "mij",
        "mijn",
        "moet",
        "na",
        "naar",
        "niet",
        "niets",
        "nog",
        "nu",
        "of",
        "om",
        "omdat",
        "onder",
        "ons",
        "ook",
        "op",
        "over",
        "reeds",
        "te",
        "tegen",
        "toch",
        "toen",
        "tot",
        "u",
        "uit",
        "uw",
        "van",
        "veel",
        "voor",
        "want",
        "waren",
        "was",
        "wat",
        "we",
        "wel",
        "werd",
        "wezen",
        "wie",
        "wil",
        "worden",
        "wordt",
        "zal",
        "ze",
        "zelf",
        "zich",
        "zij",
        "zijn",
        "zo",
        "zonder",
        "zou",
        "m'n",
        "z'n",
        "d'r",
        "hoeveel",
        "welke",
        "waar",
        "wanneer",
        "waarom",
        "kun",
        "kunt",
        "mag",
        "mogen",
        "moeten",
        "heb",
        "graag",
        "even",
        "eigenlijk",
        "gewoon",
        "echt",
        "ik'm",
        "jullie",
        "zit",
        "zitten",
        "hoor",
        "nou",
        "eh",
        "he",
        "hé",
        "hallo",
        "hoi",
        "dag",
        "dank",
        "bedankt",
        "please",
        "iemand",
        "ergens",
    ]
)
STOPWORDS_EN = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "if",
        "of",
        "to",
        "in",
        "on",
        "at",
        "by",
        "for",
        "with",
        "about",
        "as",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "do",
        "does",
        "did",
        "have",
        "has",
        "had",
        "i",
        "you",
        "he",
        "she",
        "it",
        "we",
        "they",
        "me",
        "my",
        "your",
        "our",
        "their",
        "this",
        "that",
        "these",
        "those",
        "what",
        "which",
        "who",
        "whom",
        "how",
        "why",
        "when",
        "where",
        "there",
        "here",
        "can",
        "could",
        "should",
        "would",
        "will",
        "shall",
        "may",
        "might",
        "must",
        "not",
        "no",
        "yes",
        "so",
        "than",
        "then",
        "too",
        "very",
        "just",
        "also",
        "any",
        "some",
        "all",
        "from",
        "into",
        "out",
        "up",
        "down",
        "over",
        "under",
        "again",
        "more",
        "most",
        "much",
        "many",
        "tell",
        "please",
        "hi",
        "hello",
        "thanks",
        "thank",
        "get",
        "got",
    ]
)
# "per" (per maand, per year) carries no topic in either language; left in, it made
# "how much can I borrow per year?" look like a question with a subject of its own.
STOPWORDS = STOPWORDS_NL | STOPWORDS_EN | {"per"}

_TOKEN_RE = re.compile(r"[0-9]+(?:[.,][0-9]+)*|[^\W\d_]+(?:['’-][^\W\d_]+)*", re.UNICODE)


_COMBINING = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


def fold(text: str) -> str:
    """Lower-case and strip accents ("één" -> "een"), so matching ignores typography."""
    lowered = text.lower()
    if lowered.isascii():  # most text: nothing to strip
        return lowered
    return _COMBINING.sub("", unicodedata.normalize("NFKD", lowered))


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


_ABBREV = r"(?:o\.a|bijv|bv|m\.b\.t|d\.w\.z|t\.m|t/m|i\.p\.v|c\.q|ca|nr|art|min|mr|dr|drs|ir|prof|jl|incl|excl|e\.d|z\.o\.z|resp|vs|etc|e\.g|i\.e|mln|mld|max|min)"
_SENT_END = re.compile(r"(?<=[.!?])[\"”’)]*\s+(?=[\"“‘(]?[A-ZÀ-Ý0-9€•])")


def split_sentences(text: str) -> list[str]:
    """Split prose into sentences; keeps 'o.a.', '€ 4.357' and 'nr. 41822' intact."""
    text = re.sub(r"\s+", " ", text).strip()
    if not text:
        return []
    protected = re.sub(rf"\b({_ABBREV})\.", lambda m: m.group(1).replace(".", "§") + "§", text, flags=re.I)
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


# Text in a document or message that tries to instruct a model. Such sentences are data: the
# extractive answerer never quotes them and the LLM answerer removes them from passages. The
# patterns match text after :func:`normalize_untrusted`, so look-alike letters, zero-width
# characters, full-width or letter-spaced words do not slip past; tests/fixtures/injection/
# holds the phrasings they must catch and tests/faults/test_injection.py checks them and that no
# sentence of the shipped corpus matches.

# Letters that look like Latin ones (Cyrillic, Greek, others), folded to the Latin letter.
_HOMOGLYPHS = str.maketrans(
    {
        **dict.fromkeys("аАαΑ", "a"),
        **dict.fromkeys("вВβΒ", "b"),
        **dict.fromkeys("сСϲ", "c"),
        **dict.fromkeys("ԁ", "d"),
        **dict.fromkeys("еЕεΕ", "e"),
        **dict.fromkeys("ɡ", "g"),
        **dict.fromkeys("һНηΗ", "h"),
        **dict.fromkeys("іІιΙӏı", "i"),
        **dict.fromkeys("јЈ", "j"),
        **dict.fromkeys("кКκΚ", "k"),
        **dict.fromkeys("мМμΜ", "m"),
        **dict.fromkeys("ոΝ", "n"),
        **dict.fromkeys("оОοΟσ", "o"),
        **dict.fromkeys("рРρΡ", "p"),
        **dict.fromkeys("ԛ", "q"),
        **dict.fromkeys("ѕЅ", "s"),
        **dict.fromkeys("тТτΤ", "t"),
        **dict.fromkeys("υ", "u"),
        **dict.fromkeys("νѵ", "v"),
        **dict.fromkeys("ԝ", "w"),
        **dict.fromkeys("хХχΧ", "x"),
        **dict.fromkeys("уУγΥ", "y"),
        **dict.fromkeys("ΖΖ", "z"),
    }
)
_LEET = str.maketrans("013457@$!|", "oieastasii")
# format characters (zero-width spaces and joiners, bidi controls, soft hyphens) and controls
_INVISIBLE = re.compile(
    r"[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\x00-\x08\x0b-\x1f\x7f]"
)
_SPACED = re.compile(r"(?<![\w])(?:\w[ .\-_*/|]){3,}\w(?![\w])")


def normalize_untrusted(text: str) -> str:
    """Text as an injection check sees it: NFKC (full-width and styled letters to plain ones),
    invisible and control characters removed, look-alike letters folded to Latin, accents
    folded, lower case, letter-spaced words ("i g n o r e") joined, spaces collapsed."""
    if not text.isascii():
        text = _INVISIBLE.sub("", unicodedata.normalize("NFKC", text)).translate(_HOMOGLYPHS)
    else:
        text = _INVISIBLE.sub("", text)
    text = fold(text)
    text = _SPACED.sub(lambda m: re.sub(r"[ .\-_*/|]", "", m.group(0)), text)
    return re.sub(r"\s+", " ", text).strip()


_VERB_EN = r"(?:ignore|ignoring|disregard|forget|skip|override|overrule|bypass|neglect|drop|discard|abandon|set aside)"
_PREV_EN = r"(?:previous|prior|above|earlier|preceding|foregoing|former|initial|original|old|existing|all|any|your|the|these|those|system)"
_WHAT_EN = (
    r"(?:instructions?|directions?|directives?|rules?|prompts?|guidelines?|commands?|context|orders?|messages?|"
    r"guidance|constraints?|restrictions?|programming|policies|policy|safeguards?|text)"
)
_VERB_NL = (
    r"(?:negeer|negeren|vergeet|vergeten|overschrijf|omzeil|passeer|schrap|verwerp|laat\b[^.!?\n]{0,30}\b(?:varen|los|vallen)|"
    r"sla\b[^.!?\n]{0,30}\bover|houd je niet\b[^.!?\n]{0,10}\baan)"
)
_WHAT_NL = (
    r"(?:instructies?|opdrachten?|regels?|aanwijzingen?|richtlijnen?|prompts?|context|berichten?|afspraken|"
    r"beperkingen?|voorschriften?|bovenstaande|voorgaande|hierboven|hiervoor)"
)
INJECTION = re.compile(
    "|".join(
        [
            # ignore / forget what came before
            rf"\b{_VERB_EN}\b[^.!?\n]{{0,40}}?\b{_PREV_EN}\b[^.!?\n]{{0,30}}?\b(?:{_WHAT_EN}|everything|anything)\b",
            rf"\b{_VERB_EN}\b[^.!?\n]{{0,20}}?\b(?:the above|everything above|all of the above|what (?:was said|came|is written) before|everything (?:before|so far))",
            rf"\b{_VERB_NL}\b[^.!?\n]{{0,40}}?\b{_WHAT_NL}\b",
            r"\b(?:vergeet|negeer)\b[^.!?\n]{0,20}\b(?:alles|al het)\b",
            rf"\bsla\b[^.!?\n]{{0,30}}\b{_WHAT_NL}\b[^.!?\n]{{0,10}}\bover\b",
            # a new task or rule slipped in
            r"\b(?:new|updated|real|actual|hidden|secret|additional) (?:instructions?|task|tasks|rules?|orders?|directives?|prompt)\s*:",
            r"\b(?:nieuwe|echte|geheime|aanvullende|extra) (?:opdracht|opdrachten|instructies?|taak|taken|regels?|prompt)\s*:",
            r"(?:^|\s)(?:system|systeem|assistant|developer|admin)\s*(?:prompt|message|bericht)?\s*:\s",
            r"\b(?:system ?prompt|systeemprompt|systeembericht|initial prompt|hidden prompt|jailbreak|jailbroken)\b",
            r"\b(?:developer|debug|god|admin|dan|unrestricted|unfiltered|ontwikkelaars|beheerders|onbeperkte) ?(?:mode|modus)\b",
            r"\bdo anything now\b|<\|im_(?:start|end)\|>|\[/?(?:inst|system)\]|#{2,} ?(?:instruction|system|prompt)",
            # who the model is
            r"\b(?:you are now|you're now|from now on,? you|you will now|you must now|you are no longer|you are not an? (?:ai|assistant))\b",
            r"\b(?:je bent nu|jij bent nu|u bent nu|vanaf nu ben je|vanaf nu (?:antwoord|zeg|doe|geef|schrijf) je|je bent geen)\b",
            r"\b(?:act as|acting as|pretend (?:to be|you are|that you)|roleplay|role-play|role play|play the role|impersonate|simulate being|behave as|behave like)\b",
            r"\b(?:doe alsof|speel (?:de rol|een rol|dat je)|stel je voor dat je|gedraag je als|neem de rol|rollenspel|in de rol van een?)\b",
            r"\blet'?s play a game\b|\blaten we een spel",
            # what the model should say or do
            r"\b(?:antwoord|answer|reply|respond|zeg|say|schrijf|write|output|print)\b[^.!?\n]{0,30}\b(?:voortaan|from now on|alleen nog|uitsluitend|only|always|altijd)\b[^.!?\n]{0,20}\b(?:met|with)\b",
            r"\b(?:reveal|print|show|repeat|output|leak|display|tell me|give me)\b[^.!?\n]{0,20}\b(?:your|the|je|jouw)\b[^.!?\n]{0,15}\b(?:system ?prompt|instructions|initial prompt|hidden prompt|rules|prompt)\b",
            r"\b(?:geef|toon|herhaal|laat|onthul|print)\b[^.!?\n]{0,20}\b(?:je|jouw|de)\b[^.!?\n]{0,15}\b(?:systeemprompt|instructies|prompt|regels)\b[^.!?\n]{0,20}\b(?:zien|weer|prijs|op)?",
            r"\b(?:tell|inform) the user\b|\b(?:vertel|zeg) (?:de|tegen de) (?:gebruiker|lezer|vraagsteller)\b",
            r"\b(?:do not|don't|never) (?:tell|mention|cite|reveal|say)\b[^.!?\n]{0,20}\b(?:user|anyone|source|sources)\b",
            r"\b(?:zonder|without) (?:enige |any )?(?:beperkingen|restrictions|filters?|limits|censorship|censuur)\b",
            r"\b(?:the (?:correct|real|true|actual) answer is|het (?:juiste|echte|correcte) antwoord is)\b",
        ]
    ),
    re.I,
)


@lru_cache(maxsize=50_000)
def is_injection(sentence: str) -> bool:
    """Does ``sentence`` try to instruct a model (after :func:`normalize_untrusted`, also with
    digits read as letters: "1gn0re")?"""
    text = normalize_untrusted(sentence)
    return bool(INJECTION.search(text)) or (
        any(c.isdigit() or c in "@$!|" for c in text) and bool(INJECTION.search(text.translate(_LEET)))
    )
