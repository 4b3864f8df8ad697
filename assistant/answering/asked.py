"""What a question asks for, so the answer can lead with it.

A sentence that shares words with the question is not yet an answer: "tot welke leeftijd kan
ik lenen?" wants an age, "wat kost Codam?" an amount (or "gratis"), "for a 32-year-old in 2026"
the 2026 row for 30 and older. :func:`analyse` turns the question (and, for a follow-up, the
earlier one) into an :class:`Asked`: the kinds of answer it expects and the constraints the
asker gives. :meth:`Asked.fit` then says how well a piece of text answers that: it holds the
asked kind, names the asked year, and its age rule includes the asker's age.

Plain rules over Dutch and English cue words; no model. They are deliberately broad: a kind
only adds to a sentence's score, it never removes a sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from assistant.base.text import STOPWORDS, fold, stem

# Words that say what is asked, not what it is about ("tot welke leeftijd", "wat kost"): the
# subject of a question is in its other words.
ASK_WORDS = frozenset(
    [
        "leeftijd",
        "oud",
        "kost",
        "kosten",
        "prijs",
        "bedrag",
        "duur",
        "lang",
        "termijn",
        "datum",
        "deadline",
        "procent",
        "percentage",
        "rente",
        "verschil",
        "age",
        "old",
        "cost",
        "costs",
        "price",
        "long",
        "deadline",
        "percentage",
        "difference",
        "when",
    ]
)
ASK_STEMS = frozenset(stem(w) for w in ASK_WORDS)

# --- the kinds of answer ---------------------------------------------------------------------
_KIND_CUES: dict[str, str] = {
    "amount": r"hoeveel (geld|euro|krijg|kost|betaal|subsidie|vergoed|leen|lenen|mag ik lenen|is er|bedraagt|verdien)"
    r"|hoeveel (kan|kun|kunnen|mag|mogen) (ik|je|we|wij|u|jullie|hij|zij|ze)\b[^.?!]{0,20}\b(krijg\w*|lenen|ontvang\w*)"
    # "moet ik zelf iets betalen?", "what's the subsidy per student?": a sum (or "gratis") answers
    r"|\b(moet|moeten|hoef|hoeven) (ik|je|jij|we|wij|u) (zelf |er |dan )?(iets |wat |nog |niets |niks )?(te )?(bij)?betalen\b"
    r"|\bbetaal ik\b|\bdo i (have to |need to )?pay\b|\bper (student|leerling|deelnemer|cursist|plek|leerwerkplek)\b"
    r"|wat kost|wat kosten|kosten|\bkost\b|hoe duur|bedrag|salaris\w*|loon\w*|looncriterium|verdienen|"
    r"\b(het|welk|hoeveel|totale|jaarlijkse?|the|what|total|annual) budget|budget (van|voor|of|for)\b|"
    r"\bmax(imum|imaal)?\b|\bhoogste\b|at most|"
    r"vergoeding|leges|prijs|tarief|how much|cost|costs|fee|fees|salary|salaries|threshold|amount|price|"
    r"how much .*(borrow|lend|get|receive)|is (it|there) free|gratis\?",
    "percentage": r"procent|percentage|(?<!\d)\s%|rente|interest|korting|\bpercent\b|what share|welk deel|"
    r"how much of (the|all)|what (part|proportion|fraction)|hoeveel van (de|het|alle)|welk (gedeelte|aandeel)",
    # "hoeveel" with a thing to count ("hoeveel organisaties"), not money, time, a share or a verb
    "count": r"\bhow (far|low|high) (could|can|will|would|does|did|might)\b|\bhoe (ver|laag|hoog) (kan|zou|gaat|komt)\b|"
    r"hoeveel (?!(geld|euro|eur|jaar|jaren|maand|maanden|weken|dagen|uur|procent|rente|subsidie|leges|"
    r"salaris|loon|kost|kosten|krijg|krijgen|krijgt|betaal|betalen|mag|mogen|kan|kun|kunnen|moet|moeten|is|zijn|wordt|"
    r"leen|lenen|verdien|bedraagt|duurt|tijd|"
    r"meer|minder|extra|%)\b)[a-z']{3,}|how many|aantal|number of",
    "age": r"leeftijd|hoe oud|tot welke leeftijd|vanaf welke leeftijd|te oud|age limit|how old|too old|maximum age|"
    r"\bage\b|jonger dan|ouder dan|onder de \d|boven de \d|under \d|over \d",
    # "when" asks only as a question word ("when can I apply?"), not "I learn better when someone explains"
    "date": r"wanneer|tot wanneer|vanaf wanneer|sinds wanneer|welke datum|deadline|uiterlijk|"
    r"(?:^|[.?!,;]\s*|\band\s+)when\b|\bwhen (is|are|does|do|can|could|will|would|did|was|were|should|must|may|has|have)\b|until when|"
    r"from when|since when|which date|what date|start\w* (het|de|it)|open\w* (de|het)|sluit|closes?|"
    r"nog (aanvragen|open)|still (open|apply)|welk jaar|which year",
    "duration": r"hoe lang|hoelang|how long|hoe snel|how (fast|quickly|soon)|duur|looptijd|termijn|beslistermijn|geldig|valid for|binnen hoeveel"
    r"|processing time|decision (time|period)|wachttijd|doorlooptijd|behandeltijd|behandelingsduur",
    "who": r"\bwie\b|welke (organisatie|instantie|partij|bedrijven)|bij wie|who|which (organisation|organization|"
    r"body|agency)|whom",
    "where": r"\bwaar\b|waarheen|bij welk|where|which website|welke website|loket",
    "how": r"\bhoe (kan|moet|vraag|werkt|doe|regel|kom|krijg|meld|schrijf|begin|ga)|\bhoe en wanneer\b|"
    r"\bvraag (ik|je|we|wij|u)\b[^?.!]{0,40}\baan\b|how (do|can|does|to|should)|"
    r"stappen|aanvragen|aanvraag|apply|application|procedure|steps",
    "options": r"welke (opties|optie|mogelijkheden|mogelijkheid|regelingen|regeling|routes|route|subsidies|subsidie|"
    r"programma|opleidingen|opleiding|manieren|vormen|soorten|voorwaarden|eisen|stappen)|wat zijn (de|mijn|jouw) (\w+ )?(opties|mogelijkheden|regelingen|pijlers|"
    r"onderdelen|stappen|voorwaarden|eisen|regels|actielijnen|doelen|maatregelen|acties|criteria)|"
    r"which (options|schemes|programmes|programs|routes|conditions|requirements)|what (options|schemes|programmes|"
    r"programs|conditions|requirements|routes|ways) |what are (the|my) (\w+ )?(options|conditions|requirements|steps|pillars|"
    r"routes|ways|possibilities|choices|goals|aims|action lines|measures|components|parts)|welke (wegen|routes|trajecten)|"
    r"kan ik kiezen|alternatie|aan welke (voorwaarden|eisen)",
    "difference": r"verschil|verschillen|difference|differ|versus|\bvs\b|vergeleken met|compared|\bcompare\b|"
    r"\bvergelijk\w*|\bverhoudt\b|\bten opzichte van\b",
    "why": r"\bwaarom\b|\bhoe komt het\b|\bwhy\b|\bhow come\b|\bwat is de reden\b|\bwhat is the reason\b",
    # where the money comes from: "wie betaalt dat?", "hoe komt zo'n fonds aan zijn geld?"
    "funder": r"\bwie (betaalt|betalen|financiert|financieren|subsidieert)\b|\bzelf betalen of\b|"
    r"\b(of|or) (doet|betaalt|pays) (de|mijn|onze|the|my|our) (werkgever|baas|employer|boss)\b|\bwho (pays|funds|finances)\b|"
    r"\bwho (would|can|could|will) (be able to )?(put|pay|contribute|deposit)\b|"
    r"\bwaar komt (het|dat|de|die) (geld|budget|financiering)\b|\baan (zijn|hun|het|haar) geld\b|"
    r"\bwhere does the (money|funding|budget) come from\b|\bhoe (wordt|worden) (het|dat|de|die) \w* ?gefinancierd\b",
    "definition": r"^(wat is|wat zijn|wat betekent|wat houdt|what is|what are|what does .* mean|wat doet)\b",
    "yesno": r"^(kan|kun|mag|moet|is|zijn|krijg|heb|kom|valt|geldt|telt|bestaat|klopt|can|may|do|does|is|am|are|will|"
    r"should|could|would)\b"
    # Dutch puts the verb first in any yes/no question: "halen we …", "werken de meeste …"
    r"|^(?!(wat|wie|waar|wanneer|hoe|hoeveel|hoelang|welke?|waarom|waarmee|waarvoor|what|who|where|when|how|which|"
    r"why)\b)[a-z]+ (we|wij|ik|je|jij|u|het|de|dat|dit|er|ze|zij|hij|mijn|onze|jullie)\b.*\?\s*$"
    # a claim to check: "mijn baas zegt …, klopt dat?", "… is that true?"
    r"|\b(klopt (dat|het|dit)|is dat (zo|waar)|klopt dat echt|is (that|this|it) (true|right|correct)|right\?\s*$)",
}
_KIND_RES = {kind: re.compile(rf"(?:{cue})", re.I) for kind, cue in _KIND_CUES.items()}
# "hoeveel" with money named a few words on: the words between are what it is for
_MONEY_COUNTED = re.compile(r"\bhoeveel\b[^.?!]{0,30}\b(subsidie|vergoeding|geld|euro|budget)\b", re.I)
# a compound such as "studiekosten" names the topic; "wat kost", "hoeveel", "de kosten" ask the costs
_COST_COMPOUND = re.compile(r"\w+kosten\b", re.I)
_COST_ASKED = re.compile(r"\bhoeveel\b|\bkost\b|\b(de|die|welke) kosten\b|\bbedrag|how much|\bcosts?\b", re.I)

_NUMBER_WORDS = (
    r"kwart|helft|quarter|twee|drie|vier|vijf|zes|zeven|acht|negen|tien|elf|twaalf|twintig|honderd|duizend|miljoen|"
    r"two|three|four|five|six|seven|eight|nine|ten|twelve|twenty|hundred|thousand|million"
)
_COUNT_NOUN = re.compile(r"\b(?:hoeveel|how many) ([a-z][a-z'-]{2,})", re.I)

# What text of each kind looks like. A sentence that matches the asked kind is a candidate
# answer; one that only shares words is context.
_MONTHS = (
    r"januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|december|"
    r"january|february|march|june|july|august|october"
)
_FORM: dict[str, re.Pattern[str]] = {
    "amount": re.compile(
        r"€|\beuro\b|\beur\b|per maand|per jaar|gratis|kosteloos|geen kosten|"
        r"niets (te )?betalen|betaal je niets|free of charge|(?<!-)\bfree\b|no cost|costs nothing",
        re.I,
    ),
    # a share, not the word "percentage"
    "percentage": re.compile(r"\d\s?%|\d\s?(procent|percent)\b|\b(een kwart|de helft|a quarter|half of)\b", re.I),
    # a number that is not a year ("60.000 per jaar", "1 miljoen"; not "in 2030")
    "count": re.compile(rf"\b(?!(?:19|20)\d\d\b)\d[\d.,]*\b(?!\s?(%|procent|euro))|\b({_NUMBER_WORDS})\b", re.I),
    "age": re.compile(
        r"\b\d{2} jaar (en|of) (ouder|jonger|meer)|jonger (\w+ )?dan \d|ouder (\w+ )?dan \d|leeftijd|aow|pensioen|"
        r"years? old|\bunder \d{2}\b|\bover \d{2}\b|\baged? \d|\d{2}(-| )jarige|\d{2}\+|\d{2}e verjaardag|"
        r"younger than|older than",
        re.I,
    ),
    "date": re.compile(
        rf"\b(19|20)\d\d\b|\b({_MONTHS})\b|vanaf|sinds|tot en met|uiterlijk|deadline|since|until"
        # a deadline set by an event: "vóór het einde van het jaar", "before the start of the course"
        r"|\bv[oó]{2}r (het|de) (einde|eind|start|begin)\b|\bbefore the (end|start|beginning)\b"
        r"|\b(start|ingangs|aanvraag|begin|eind|ontvangst)datum\b|\b(start|application|end) date\b",
        re.I,
    ),
    "duration": re.compile(
        # not an age row ("30 jaar en ouder", "25 years old")
        r"\b\d+\s?(dagen|dag|weken|week|maanden|maand|jaar|jaren|uur|days?|weeks?|months?|years?|hours?)\b"
        r"(?!\s+(en|of|or|and)\s+(ouder|jonger|older|younger|over)|\s+(oud|old)\b)|halfjaar|"
        r"\b(een|één|one|half|halve|binnen|within) (uur|dag|week|maand|jaar|hour|day|week|month|year)\b|(?<!\d )\ba year\b",  # not "€ 48,013 a year"
        re.I,
    ),
    "who": re.compile(
        r"\b(DUO|UWV|IND|RVO|Belastingdienst|gemeente|werkgever|werkgevers|provincie|O&O|fonds|ministerie|"
        r"employer|employers|municipality|Uitvoering Van Beleid|fracties|fractie|Kamerleden|"
        # political parties, for "welke partijen waren kritisch?"
        r"D66|VVD|CDA|PVV|PvdA|GroenLinks|GL-PvdA|NSC|BBB|SP|ChristenUnie|SGP|Volt|JA21|DENK|PvdD)\b"
    ),
    "why": re.compile(
        r"\b(omdat|doordat|vanwege|want|reden|redenen|oorzaak|als gevolg|als bezuiniging|daardoor|because|due to|"
        r"reason|reasons|as a result|caused by|as a (spending )?cut|verklaring|verklaart|explanation|explains)\b",
        re.I,
    ),
    "funder": re.compile(
        r"\bkomt (meestal |vooral |deels |vaak )?(uit|van)\b|\bbetaald (door|uit)\b|\bbetalen mee\b|financier\w*|"
        r"gefinancierd|\bheffing\b|\bstorten\b|\bpaid (by|for|from|into)\b|\bfunded\b|\bfunding from\b|"
        r"comes from|contribut\w*|put money|\bpay into\b"
        # "€ 15 miljoen, uit het Nationaal Programma Groningen": a fund or programme pays
        r"|\b(uit|van|from|by) (het|de|the) ([\w-]+ ){0,3}(programma|programme|program|fonds|fund)\b"
        r"|\b(gedeeld|betaald|vergoed|shared|paid|covered) (door|by)\b",
        re.I,
    ),
    "free": re.compile(r"gratis|kosteloos|geen kosten|niets (te )?betalen|free of charge|(?<!-)\bfree\b|no cost", re.I),
    "salary": re.compile(r"salaris\w*|looncriterium|\bloon\b|bruto|per maand|salary|gross|income", re.I),
    "where": re.compile(r"\bvia\b|website|\bwww\.|\.nl\b|online|loket|mijn ?duo|digitaal|through|\bat\b", re.I),
    "how": re.compile(
        r"aanvragen|vraag[a-z]* .{0,40}aan\b|aanvraag|meld|inschrijven|schrijf .{0,30}in\b|stap|eerst|daarna|"
        r"apply|application|register|submit|first|then",
        re.I,
    ),
}

_STATUS_CUES = re.compile(
    r"\bnog\b|\bplan(nen|s)?\b|gepland|aanscherp|verscherp|\bstrenger(e)?\b|\bstricter\b|\btighten\w*|straks|toekomst|komend|voortaan|gaat .* veranderen|verander|nieuwe regel|"
    r"beeindig|gestopt|afgeschaft|bestaat .* nog|still|anymore|ended|stopped|planned|future|will change|upcoming|stap",
    re.I,
)
_STATUS_FORM = re.compile(
    r"afgeschaft|beeindigd|beëindigd|bestaat niet meer|niet meer|gestopt|vervalt|vervallen|loopt (nog )?tot|"
    r"tot en met|nog steeds|nog open|gesloten|wordt vervangen|vervangen door|\bplan(nen|s)?\b|voorstel|wetsvoorstel|"
    r"ingangsdatum|gaat .* (omhoog|omlaag|naar)|abolished|ended|no longer|still open|replaced|planned|proposal",
    re.I,
)
# What an amount is of: paying a person (a salary) is not paying an authority (fees, costs).
_SALARY_ASKED = re.compile(
    r"salaris|\bloon|looncriterium|inkomenseis|verdien|salary|salaries|\bwages?\b|\bearn|income requirement",
    re.I,
)
_FEE_ASKED = re.compile(
    r"\bleges\b|\bfees?\b|\btarie|aanvraag kost|kost (de|een|het) aanvraag|application cost"
    # what something costs (unless a salary is asked too: then both senses stay)
    r"|\b(wat|hoeveel) kost(en)?\b|how much (does|do|is|are)\b.{0,40}\bcosts?\b|what does\b.{0,40}\bcost\b",
    re.I,
)
_FEE_FORM = re.compile(r"\bleges\b|\bfees?\b|\bkost(en|te)?\b|\bcosts?\b|\btarie|\bprijs", re.I)
_FREE_ASKED = re.compile(r"\bgratis\b|kosteloos|\bfree\b|for nothing|niets kost|niks kost", re.I)
# An academic or school year as a span ("studiejaar 2024-2025", "2024/2025"): a row for
# 2023-2024 names 2024 too, but it is not the asked year.
_SPAN = re.compile(r"\b(20[1-3]\d)\s?[-–/]\s?(20[1-3]\d)\b")
# Levels of Dutch education: "mbo" in the question wants the mbo amount, not the hbo/wo one.
_LEVEL = re.compile(r"\b(mbo|hbo|wo|vmbo|havo|vwo|bachelor|master|associate degree)\b", re.I)
# A rate asked ("elk jaar", "per maand"): the figure per that period, not a total.
_RATE_ASKED = {
    "year": re.compile(
        r"\b(per jaar|elk jaar|ieder jaar|jaarlijks|per year|each year|every year|a year|annual\w*)\b", re.I
    ),
    "month": re.compile(r"\b(per maand|elke maand|maandelijks|per month|each month|a month|monthly)\b", re.I),
}
_RATE_FORM = {
    "year": re.compile(r"\b(per jaar|jaarlijks|elk jaar|per year|a year|annual\w*|each year)\b", re.I),
    "month": re.compile(r"\b(per maand|maandelijks|bruto maand\w*|per month|a month|monthly)\b", re.I),
}
# A reply to a yes/no question ("Waarschijnlijk niet: …") answers that question, not another.
REPLY_OPENING = re.compile(
    r"^(ja|nee|jazeker|zeker|waarschijnlijk( niet)?|misschien|meestal( niet)?|niet per se|yes|no|probably( not)?|"
    r"not necessarily|usually( not)?)\b\s*[,:.;!]",
    re.I,
)
CURRENT_YEAR = date.today().year
_VALIDITY_ASKED = re.compile(
    r"geldig|valid|blijven|\bstay\b|hoe lang (mag|kan) ik|how long (can|may) (i|you|she|he|we)", re.I
)
_DECISION = re.compile(
    r"beslis|besluit|streeftermijn|decision|decide|target period|behandel|processing|wachten|\bwait", re.I
)
# a day and a month, or a month and a year ("3 februari", "oktober 2024"), not a bare month
_FULL_DATE = re.compile(rf"\b\d{{1,2}} ({_MONTHS})\b|\b({_MONTHS}) (19|20)\d\d\b", re.I)
_PAST = re.compile(r"\b(werd|werden|was|waren|hadden|did|were|happened|ooit)\b", re.I)
_YEARLY = frozenset({"amount", "percentage", "salary", "fee", "age", "date"})  # values that change with the year
_SPECIFIC = frozenset({"amount", "percentage", "age", "duration", "date", "count"})
SPECIFIC_KINDS = _SPECIFIC  # kinds whose answer has a form: a number, a date, an amount
_YEAR = re.compile(r"\b(20[1-3]\d)\b")
# "vanaf 1 januari 2027", "from 2027", "per 2025": a rule from that year on, so it answers a
# question about a later year; "tot en met 2026", "until 2026": up to that year
_ON_FROM = re.compile(
    rf"\b(?:vanaf|from|per|since|sinds|starting|na|after)\s+(?:\d{{1,2}}\s+)?(?:(?:{_MONTHS})\s+)?(20[1-3]\d)\b", re.I
)
_UP_TO = re.compile(
    rf"\b(?:tot en met|t/m|until|up to and including|through)\s+(?:\d{{1,2}}\s+)?(?:(?:{_MONTHS})\s+)?"
    r"(?:studiejaar\s+|school year\s+)?(20[1-3]\d)\b",
    re.I,
)


_YEAR_ROW = re.compile(r"^\W*(?:(?:begin|eind|medio|early|end of|mid)\s+)?20[1-3]\d\b[^.:]{0,20}:", re.I)


# "(peildatum besluit eind 2024, indicatief)", "(as of 2025, check with the IND)": the date of
# the source, not the year a figure is for.
_REFERENCE_DATE = re.compile(r"\((?:peildatum|as of)\b[^()]*\)", re.I)


def figure_text(text: str) -> str:
    """``text`` without its reference dates, when it names a year besides them: "Vanaf 2027
    stijgt de norm (peildatum besluit eind 2024)" is about 2027, not 2024."""
    rest = _REFERENCE_DATE.sub("", text)
    return rest if _YEAR.search(rest) else text


def years_covered(text: str, asked: frozenset[int]) -> bool | None:
    """Does ``text`` speak about an asked year: names it, or states a rule from an earlier
    year on ("vanaf 2027" for 2028) or up to a later one ("tot en met 2026" for 2025)?
    None when the text names no year."""
    found = {int(y) for y in _YEAR.findall(text)}
    if not found:
        return None
    if found & asked:
        return True
    if _YEAR_ROW.match(text):
        return False  # a row of a table by year ("begin 2024: …, vanaf juni 2024 …"): later rows replace it
    starts = [int(y) for y in _ON_FROM.findall(text)]
    ends = [int(y) for y in _UP_TO.findall(text)]
    return any(a >= y for a in asked for y in starts) or any(a <= y for a in asked for y in ends)


_AGE_IN_QUESTION = [
    re.compile(r"\b(\d{2})[- ]?(?:jaar|jarige|jr)\b", re.I),
    re.compile(r"\bben (?:nu |al )?(\d{2})\b", re.I),
    re.compile(
        r"\b(?:i am|i'm|im|aged?|age of|is|was|were|turn|turned|word|werd) (\d{2})\b(?!\s?(?:%|procent|percent))", re.I
    ),
    # "en als ik 35 ben?", "als hij 27 is", "wanneer ze 29 wordt": the age before the verb
    re.compile(r"\b(?:ik|je|jij|hij|zij|ze|u) (?:al |nu |straks )?(\d{2}) (?:ben|bent|is|was|word|wordt|werd)\b", re.I),
    re.compile(r"\b(\d{2})[- ]?years?[- ]?old\b", re.I),
    re.compile(r"\b(\d{2})[- ]?(?:year|yr)s?\b(?! (?:ago|later))", re.I),
    re.compile(
        r"\b(?:iemand|een|kennismigrant|migrant|werknemer|medewerker|man|vrouw|persoon|developer|programmeur|"
        r"sollicitant|kandidaat|someone|person|employee|candidate|applicant) (?:van|of|aged) (\d{2})\b",
        re.I,
    ),
]
# Age rules in text: (pattern, lower bound from the number?, upper bound from the number?).
_AGE_RULES: list[tuple[re.Pattern[str], str]] = [
    (
        re.compile(
            r"jonger (?:\w+ )?dan (\d{2})|onder de (\d{2})|younger than (\d{2})|under (\d{2})|below (\d{2})|"
            r"(?:be|are) under (\d{2})",
            re.I,
        ),
        "lt",
    ),
    (re.compile(r"tot (?:de leeftijd van |je |aan je )?(\d{2})(?: jaar)?\b|up to (?:the age of )?(\d{2})", re.I), "le"),
    (
        re.compile(
            r"(\d{2}) jaar (?:en|of) ouder|(\d{2}) jaar of meer|ouder dan (\d{2})|boven de (\d{2})|vanaf (\d{2}) jaar|"
            r"(\d{2}) and over|(\d{2}) years or older|"
            r"(\d{2}) and older|(\d{2}) or older|(\d{2}) years and over|over (\d{2})|older than (\d{2})|(\d{2})\+|"
            r"from (?:the age of )?(\d{2})",
            re.I,
        ),
        "ge",
    ),
]
_ROLE = {
    "employee": re.compile(r"\b(als|ben) (werknemer|medewerker|in loondienst)\b|\bas an? employee\b", re.I),
    "employer": re.compile(r"\b(als|ben|wij zijn) (een )?(werkgever|bedrijf|mkb)|\bas an? (employer|company)\b", re.I),
    "jobseeker": re.compile(r"\b(werkloos|ww|werkzoekend|bijstand|uitkering|unemployed|jobseeker)\b", re.I),
    "self": re.compile(r"\bzelf (aanvragen|aanvraag|regelen)|\bmyself\b|\bmijzelf\b|\bzelfstandige|\bzzp", re.I),
}
_ROLE_TEXT = {
    "employee": re.compile(r"\b(werknemer|werknemers|medewerker|employee|employees|werkenden)\b", re.I),
    "employer": re.compile(r"\b(werkgever|werkgevers|employer|employers|bedrijven|mkb)\b", re.I),
    "jobseeker": re.compile(r"\b(ww|werkloos|werkzoekende|werkzoekenden|uitkering|jobseekers?)\b", re.I),
    "self": re.compile(r"\b(zelf|zzp|zelfstandige|zelfstandigen|self-employed|yourself)\b", re.I),
}


@dataclass(frozen=True)
class Asked:
    """The kinds of answer a question expects and the constraints its asker gives."""

    kinds: frozenset[str] = frozenset()
    years: frozenset[int] = frozenset()
    age: int | None = None
    roles: frozenset[str] = frozenset()
    about_status: bool = False  # asks about plans or ended schemes ("nog", "plan", "straks")
    spans: frozenset[tuple[int, int]] = frozenset()  # asked academic years ("2024-2025")
    levels: frozenset[str] = frozenset()  # asked levels of education ("mbo")
    rates: frozenset[str] = frozenset()  # asked periods ("per jaar": year)
    counted: str | None = None  # what "hoeveel …" counts, as a word start ("organisat")
    past: bool = False  # asks about the past ("wanneer werd …", "when was …"): an old year is the answer
    quantified: frozenset[str] = frozenset()  # what the asker gives a number of ("2 boetes"), as word starts

    def specific_form(self, text: str) -> bool:
        """Does ``text`` hold an answer of an asked kind that has a form (a number, a date …)?"""
        return any(_FORM[k].search(text) for k in self.kinds & _SPECIFIC)

    def fit(self, text: str) -> float:
        return _fit(self, text)

    def names_salary(self, text: str) -> bool:
        """Is the asked sense a salary and does ``text`` (a heading, say) name one?"""
        return "salary" in self.kinds and bool(_FORM["salary"].search(text))

    def older_row(self, text: str, lead: str) -> bool:
        """With no year asked and a lead giving this year's figures, is ``text`` the same kind of
        figure for an earlier year (last year's row under this year's)? Those only push the
        answer down; a question about the past or about a status wants them."""
        if self.years or self.spans or self.past or self.about_status or not self.specific_form(text):
            return False
        lead_years = {int(y) for y in _YEAR.findall(lead)}
        years = {int(y) for y in _YEAR.findall(text)}
        return bool(lead_years and years) and max(lead_years) >= CURRENT_YEAR and max(years) < max(lead_years)

    def conflicts(self, text: str) -> bool:
        """Does ``text`` state a row for another year or age than the asker's ("2025" when
        2026 is asked, "jonger dan 30" for a 45-year-old)?"""
        return _conflicts(self, text)

    def _conflicts(self, text: str) -> bool:
        spans = {(int(a), int(b)) for a, b in _SPAN.findall(text)} if self.spans else set()
        if spans:
            if not spans & self.spans:
                return True
        elif self.years and years_covered(figure_text(text), self.years) is False:
            return True
        return self.age is not None and age_rule_includes(text, self.age) is False

    def _fit(self, text: str) -> float:
        """How well ``text`` (a sentence, or a list item with its intro) answers: about 0 to 0.3.

        The asked kind counts most; a named year and an age rule either way decide between
        rows ("2025" vs "2026", "jonger dan 30" vs "30 jaar en ouder")."""
        score = 0.0
        for kind in self.kinds & _FORM.keys():
            if _FORM[kind].search(text):
                score += 0.12 if kind in _SPECIFIC else 0.08 if kind in ("salary", "free") else 0.05
        if "date" in self.kinds and _FULL_DATE.search(text):
            score += 0.05  # "op 3 februari 2023" answers "wanneer" better than "van 2023"
        if "validity" in self.kinds and _DECISION.search(text):
            score -= 0.1  # the decision period answers another "how long"
        if "decision" in self.kinds and _DECISION.search(text):
            score += 0.06  # "how long does the IND take?": the decision period, not a contract's length
        sense = self.kinds & {"salary", "fee"}
        if len(sense) == 1:  # an employer asking what to pay a migrant: the salary, not the fees
            is_fee, is_salary = bool(_FEE_FORM.search(text)), bool(_FORM["salary"].search(text))
            if (is_fee and not is_salary) if "salary" in sense else (is_salary and not is_fee):
                score -= 0.1
        found = {int(y) for y in _YEAR.findall(figure_text(text))}
        spans = {(int(a), int(b)) for a, b in _SPAN.findall(text)} if self.spans else set()
        if spans:
            score += 0.1 if spans & self.spans else -0.12  # the asked study year's row
        elif self.years and found:
            # the asked year's row, not another's; a rule from an earlier year on counts less
            # ("vanaf juni 2024" is still true in 2025, but the "2025:" row answers)
            this_year = bool(found & self.years)
            score += (
                (0.1 if this_year else 0.04) if this_year or years_covered(figure_text(text), self.years) else -0.12
            )
        elif found and not self.about_status and not self.past and (self.kinds & _YEARLY or not self.kinds):
            # no year asked: the current rules, not an earlier year's row
            # (when the question is whether a scheme still exists, the year it ended is the answer)
            newest = max(found)
            score += 0.04 if newest >= CURRENT_YEAR else -0.05 if newest <= CURRENT_YEAR - 2 else 0.0
        if self.age is not None:
            verdict = age_rule_includes(text, self.age)
            if verdict is not None and "yesno" in self.kinds and not self.kinds & _SPECIFIC:
                score += 0.12  # "kan ik als 60-jarige nog …?": the age rule decides, either way
            elif verdict is True:
                # the asker's age is a constraint; the rule that includes it answers only when
                # age or eligibility is asked ("ben 41, hoe vraag ik het aan?" wants the how)
                score += 0.12 if "age" in self.kinds or not self.kinds & (_SPECIFIC | {"how", "where", "who"}) else 0.03
            elif verdict is False:
                score -= 0.15
        for role in self.roles:
            if _ROLE_TEXT[role].search(text):
                score += 0.04
        if self.levels:
            named = {m.lower() for m in _LEVEL.findall(text)}
            if named and "yesno" in self.kinds and not self.kinds & _SPECIFIC:
                score += 0.06  # "is het ook voor mbo'ers?": who it is for decides, whichever level it names
            elif named:
                score += 0.06 if named & self.levels else -0.08  # the hbo/wo amount to an mbo student
        if self.counted and _counted_re(self.counted).search(text):
            score += 0.1  # "hoeveel organisaties" -> "meer dan 130 organisaties"
        elif any(_counted_re(word).search(text) for word in self.quantified):
            score += 0.1  # "we hebben 2 boetes gehad, kan dat nog?" -> the rule "3 of meer boetes"
        for rate in self.rates:
            if _RATE_FORM[rate].search(text):
                score += 0.06
        if REPLY_OPENING.match(text):
            score += 0.04 if "yesno" in self.kinds else -0.12
        if self.about_status and _STATUS_FORM.search(text):
            score += 0.1
        return score


@lru_cache(maxsize=50_000)
def _fit(asked: Asked, text: str) -> float:
    """:meth:`Asked.fit`, cached: the same units are scored for the same question's kinds."""
    return asked._fit(text)


@lru_cache(maxsize=256)
def _counted_re(word: str) -> re.Pattern[str]:
    """A number (or number word) followed within three words by ``word``."""
    # "42% van de Europeanen" counts them as a share
    return re.compile(rf"(\d[\d.,]*(?:\s?%)?|\b(?:{_NUMBER_WORDS}))\s+(?:\S+\s+){{0,2}}{re.escape(word)}", re.I)


def counted_word(question: str) -> str | None:
    """What "hoeveel …"/"how many …" counts, cut to a word start that matches its forms
    ("organisaties" -> "organisat", "mensen" -> "mens"); None if nothing is counted."""
    match = _COUNT_NOUN.search(question)
    if not match:
        return None
    word = match.group(1).lower()
    if word in STOPWORDS:  # "met hoeveel dan?": nothing named
        return None
    return word[: max(4, len(word) - 3)]


@lru_cache(maxsize=50_000)
def _conflicts(asked: Asked, text: str) -> bool:
    return asked._conflicts(text)


@lru_cache(maxsize=20_000)
def age_rule_includes(text: str, age: int) -> bool | None:
    """Does an age rule in ``text`` include ``age``? None when the text states no age rule."""
    verdicts: list[bool] = []
    for pattern, op in _AGE_RULES:
        for match in pattern.finditer(text):
            bound = int(next(g for g in match.groups() if g))
            if not 15 <= bound <= 80:
                continue
            verdicts.append(age < bound if op == "lt" else age <= bound if op == "le" else age >= bound)
    if not verdicts or len(set(verdicts)) > 1:
        return None  # no rule, or rows for several ages (a whole table): not this text's point
    return verdicts[0]


_AGE_BOUND_IN_QUESTION = re.compile(
    r"\b(?:(over|above|older than|boven de|ouder dan)|(under|below|younger than|onder de|jonger dan)) (\d{2})\b", re.I
)


def asker_age(question: str) -> int | None:
    """'ik ben 45', 'a 32-year-old', '32 jaar' -> the age; 'someone over 30' -> 31;
    None if none is given (16–80)."""
    for pattern in _AGE_IN_QUESTION:
        match = pattern.search(question)
        if match and 16 <= int(match.group(1)) <= 80:
            return int(match.group(1))
    bound = _AGE_BOUND_IN_QUESTION.search(question)
    if bound and 16 <= int(bound.group(3)) <= 80:
        return int(bound.group(3)) + (1 if bound.group(1) else -1)
    return None


_QUANTIFIED = re.compile(r"\b(?!(?:19|20)\d\d\b)\d+\s+([a-z][a-z'-]{3,})")  # not a year ("in 2023 gedaald")
_NOT_QUANTIFIED = frozenset(
    "jaar jarige jarig jaren year years euro eur procent percent maand maanden month months keer times".split()
)


def quantified_words(folded: str) -> frozenset[str]:
    """What the asker states a number of ("we hebben 2 boetes gehad", "12 medewerkers"), cut to
    word starts as :func:`counted_word` does; not ages, years, sums or shares."""
    found = {m.group(1) for m in _QUANTIFIED.finditer(folded)}
    return frozenset(w[: max(4, len(w) - 3)] for w in found if w not in _NOT_QUANTIFIED and w not in STOPWORDS)


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_WH_ASK = re.compile(r"\b(hoeveel|hoe|wat|welke?|wanneer|waarom|wie|waar|hoelang|how|what|which|when|why|who|where)\b")
# Nouns that name an amount as the subject of a claim ("is het salariscriterium genoeg?")
_AMOUNT_NOUNS = re.compile(
    r"\w*(salaris|loon|looncriterium|criterium|bedrag|budget|vergoeding|norm)\w*|\bmax(imum|imaal|imale)?\b|"
    r"\b(salary|salaries|threshold|amount|maximum|wage|criterion)\b"
)

# "is er een maximum?" asks what exists; "met 5000 euro salaris?" compares a figure with the rule
# "klopt het dat de looneis omhoog gaat?" checks a statement about the figure: the figures answer
_EXISTS_OR_FIGURE = re.compile(
    r"^(is|zijn|bestaat|bestaan) er\b|\b(is|are) there\b|\d|€|\beuro\b|\bklopt (het|dat)\b|\b(is it|is that) true\b"
)


def _question_sentences(folded: str) -> list[str]:
    """The sentences of the text that end in "?"."""
    return [part.strip() for part in _SENTENCE_END.split(folded) if part.rstrip().endswith("?")]


def asking_sentence(folded: str) -> str:
    """The sentence that asks: the last one ending in "?" ("we bieden precies het
    salariscriterium. is dat altijd genoeg?"), or the whole text when none does."""
    asks = _question_sentences(folded)
    return asks[-1] if asks else folded


_OTHER_ASKS = frozenset({"date", "duration", "age", "who", "where", "how"})  # asks that an amount does not answer


def _claim_kinds(kinds: set[str], folded: str) -> set[str]:
    """A yes/no question about a claim ("is dat altijd genoeg voor de IND?", "kan het bedrag
    ook lager uitvallen?") is answered by the sentence that confirms or denies it, not by
    the amount it names: an amount named only as a noun, with no "hoeveel"/"what", is its
    topic. The sentence that asks decides; the situation before it is context."""
    ask = asking_sentence(folded)
    named_only = not _KIND_RES["amount"].search(_AMOUNT_NOUNS.sub(" ", ask))
    if kinds & _OTHER_ASKS and kinds & {"amount", "salary", "fee"} and named_only:
        # "which date counts for the salary threshold?": a date, not the threshold
        return kinds - {"amount", "salary", "fee", "percentage"}
    if ask == folded and "yesno" not in kinds:
        return kinds
    if (
        not _KIND_RES["yesno"].search(ask)
        or _EXISTS_OR_FIGURE.search(ask)
        or _WH_ASK.search(" ".join(_question_sentences(folded)))
    ):
        return kinds
    kinds = kinds | {"yesno"}
    if kinds & {"amount", "salary", "fee"} and named_only:
        kinds -= {"amount", "salary", "fee", "percentage"}
    return kinds


@lru_cache(maxsize=4096)
def analyse(question: str, earlier: str | None = None) -> Asked:
    """What ``question`` asks; for a follow-up, ``earlier`` (the previous question) fills in
    the constraints the new question leaves out ("en in 2026?" keeps the earlier age).

    Cached: the search (its kind boost) and the composer both ask it of the same question,
    and :class:`Asked` is frozen."""
    q = question.strip()
    folded = fold(q)
    kinds = {kind for kind, cue in _KIND_RES.items() if cue.search(folded)}
    if _MONEY_COUNTED.search(folded):
        kinds = (kinds - {"count"}) | {"amount"}  # "hoeveel SLIM-subsidie kunnen we krijgen?": money, not a count
    if "count" in kinds:
        kinds.discard("amount")
    if "yesno" in kinds and _COST_COMPOUND.search(folded) and not _COST_ASKED.search(folded):
        kinds.discard("amount")  # "mag mijn werkgever studiekosten aftrekken?": the costs are the topic
    if "duration" in kinds and _VALIDITY_ASKED.search(folded) and not _DECISION.search(folded):
        kinds.add("validity")  # how long a permit lasts, not how long the IND takes to decide
    elif "duration" in kinds and _DECISION.search(folded):
        kinds.add("decision")
    if re.search(
        r"(betalen|betaal|pay)\b.*\b(kennismigrant|migrant|werknemer|developer|medewerker|employee|programmeur)"
        r"|\b(kennismigrant|migrant|werknemer|developer|medewerker|employee|programmeur)\w*\b.*\b(betalen|pay|paid|earn|verdienen)\b",
        folded,
    ):
        kinds |= {"amount", "salary"}  # paying a person: the salary, not the fees
    if "amount" in kinds and re.search(
        r"hoeveel\b[^.?!]{0,30}\b(subsidie|vergoeding|steun|bijdrage)|hoeveel (krijg)|how much (subsidy|funding)",
        folded,
    ):
        kinds.add("percentage")  # a subsidy is often a share of the costs
    if "amount" in kinds and re.search(r"\d\s?%|procent|percent", folded):
        kinds.add("percentage")  # "how much is the 30% ruling then?": a percentage answers
    if _SALARY_ASKED.search(folded):
        kinds |= {"amount", "salary"}
    if _FEE_ASKED.search(folded):
        kinds |= {"amount", "fee"}
    if _FREE_ASKED.search(folded):
        kinds.add("free")  # "zijn er gratis opleidingen?": "kosteloos" answers it
    kinds = _claim_kinds(kinds, folded)
    years = {int(y) for y in _YEAR.findall(q)}
    spans = {(int(a), int(b)) for a, b in _SPAN.findall(q)}
    levels = {m.lower() for m in _LEVEL.findall(q)}
    rates = {rate for rate, pattern in _RATE_ASKED.items() if pattern.search(folded)}
    counted = counted_word(folded) if "count" in kinds else None
    past = bool(_PAST.search(folded))
    age = asker_age(q)
    roles = {role for role, pattern in _ROLE.items() if pattern.search(folded)}
    if earlier:
        before = analyse(earlier)
        if not kinds - {"yesno", "definition"}:
            kinds |= set(before.kinds)
        years = years or set(before.years)
        age = age if age is not None else before.age
        roles = roles or set(before.roles)
        spans = spans or set(before.spans)
        levels = levels or set(before.levels)
        rates = rates or set(before.rates)
    # "hoeveel jaar / how many years" asks a duration, "hoe oud" an age, not an amount
    if re.search(r"hoeveel (jaar|maanden|weken|dagen)|how many (years|months|weeks|days)", folded):
        kinds = (kinds - {"count", "amount"}) | {"duration"}
    about_status = bool(_STATUS_CUES.search(folded))
    return Asked(
        frozenset(kinds),
        frozenset(years),
        age,
        frozenset(roles),
        about_status,
        frozenset(spans),
        frozenset(levels),
        frozenset(rates),
        counted,
        past,
        quantified_words(folded),
    )
