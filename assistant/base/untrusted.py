"""Untrusted text: :func:`normalize_untrusted` and the :data:`INJECTION` patterns behind
:func:`is_injection`.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from assistant.base.folding import fold

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
