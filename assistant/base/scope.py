"""Questions the assistant must refuse whatever the documents say.

- Another country's rules ("Blue Card in Germany", "werkvergunning België", "Duitse
  instanties", "H-1B"): the documents cover the Netherlands only, and quoting Dutch rules as an
  answer would mislead. A country of origin ("a developer from India") is fine.
- Requests to deceive an authority ("hoe laat ik het salaris hoger lijken voor de IND"): the
  assistant explains the real rules, never how to bend them.
"""

from __future__ import annotations

import re

from assistant.base.text import fold

_COUNTRIES = (
    "duitsland|germany|belgie|belgium|frankrijk|france|spanje|spain|engeland|england|uk|verenigd koninkrijk|"
    "united kingdom|groot-brittannie|great britain|britain|ierland|ireland|canada|amerika|america|usa|the us|"
    "verenigde staten|united states|australie|australia|zweden|sweden|denemarken|denmark|noorwegen|norway|"
    "zwitserland|switzerland|oostenrijk|austria|italie|italy|portugal|polen|poland|india|china|japan|dubai|"
    "singapore|luxemburg|luxembourg|finland|new zealand|nieuw-zeeland"
)
_CITIES = (
    "berlijn|berlin|munchen|munich|hamburg|frankfurt|keulen|cologne|dusseldorf|brussel|brussels|antwerpen|"
    "antwerp|gent|ghent|luik|liege|parijs|paris|londen|london|dublin|new york|toronto|sydney|stockholm|zurich|wenen|vienna"
)
_ADJECTIVES = (
    "duitse|belgische|franse|britse|engelse|ierse|amerikaanse|canadese|australische|zweedse|deense|noorse|"
    "zwitserse|oostenrijkse|spaanse|italiaanse|poolse|german|belgian|french|british|irish|american|canadian|"
    "australian|swedish|danish|norwegian|swiss|austrian|spanish|italian|polish"
)
_RULE_WORDS = (
    "regels|regeling|instanties|instantie|overheid|visum|visa|vergunning|werkvergunning|verblijfsvergunning|"
    "blue card|blauwe kaart|authorities|authority|rules|permit|work permit|residence permit|belastingdienst|"
    "belasting|tax|immigratie|immigration|salariscriterium|salary threshold|uitkering|subsidie|wetgeving|law|"
    "laws|arbeidsmarkt|job market|labour market|labor market"
)
_FOREIGN_RULE = re.compile(
    rf"\b(in|voor|for|naar|to|into|uit het|within|binnen)\s+(de |het |the )?({_COUNTRIES}|{_CITIES})\b"
    rf"|\b({_COUNTRIES}|{_CITIES})'s\b"
    rf"|\b({_ADJECTIVES})\s+({_RULE_WORDS})\b"
    rf"|\b({_RULE_WORDS})\s+(in |van |voor |for |of )?(de |het |the )?({_COUNTRIES}|{_CITIES})\b"
    rf"|\b(does|do|has|have|heeft|hebben|kent|kennen)\s+(de |het |the )?({_COUNTRIES})\b"
    rf"|^(and|en|what about|how about|hoe zit het met|en in|and in|en voor|and for)\s+(de |het |the )?({_COUNTRIES}|{_CITIES})\b"
    r"|\bh-?1b\b|\bgreen card\b",
    re.I,
)


# Where the asker lived, worked or studied is their history, not the rules asked about:
# "im dutch but lived in singapore for 8 years. can i get the 30% ruling?" asks Dutch rules.
_HISTORY = re.compile(
    r"\b(lived|living|live|worked|working|studied|studying|born|grew up|raised|stayed|been|"
    r"woonde|woonden|gewoond|woon|wonen|werkte|werkten|gewerkt|studeerde|gestudeerd|geboren|opgegroeid|"
    r"verbleef|gezeten|afgestudeerd|graduated|"
    # a degree earned there: "my masters at a uni in india", "mijn diploma uit/in China"
    r"masters?|master's|bachelors?|bachelor's|degree|diploma|uni|university|universiteit|hogeschool|college|phd)\b(\s+[\w'-]+){0,3}?\s+(in|at)\s+(de |het |the )?"
    rf"({_COUNTRIES}|{_CITIES})\b"
    # Dutch puts the participle last: "10 jaar in Berlijn gewerkt", "mijn master in China gehaald"
    rf"|\b(in|at)\s+(de |het |the )?({_COUNTRIES}|{_CITIES})\b(\s+[\w'-]+){{0,2}}?\s+"
    r"(gewerkt|gewoond|gestudeerd|geboren|opgegroeid|afgestudeerd|gehaald|behaald|gedaan|gezeten)\b",
    re.I,
)


def foreign_jurisdiction(text: str) -> bool:
    """Does the question ask about another country's rules or labour market?"""
    return bool(_FOREIGN_RULE.search(_HISTORY.sub(" ", fold(text))))


_AUTHORITIES = (
    r"ind|uwv|duo|belastingdienst|belasting|fiscus|rvo|gemeente|inspectie|svb|immigratiedienst|"
    r"immigration|tax (office|authority|administration)|authorities|overheid|government"
)
_DECEIT = (
    r"(hoger|lager|beter|mooier|groter|kleiner|anders) (laten )?(lijken|uitzien|voordoen|voorstellen|overkomen)"
    r"|op papier (hoger|lager|meer|minder|beter)|(hoger|lager|meer|minder) op papier"
    r"|\bnep\w*|\bfake\w*|\bvals\w*|vervals\w*|sjoemel\w*|fraude\w*|fraud\w*|frauder\w*|omzeil\w*|ontduik\w*"
    r"|voorlieg\w*|\bliegen|\blie to|misleid\w*|mislead\w*|bedrieg\w*|\bcheat\w*|\btrick\w*|\bfool\b"
    r"|look (higher|lower|better|bigger)|appear (higher|lower|larger)|inflate\w*|opblaz\w*|opkrikk\w*"
    r"|verzwijg\w*|verberg\w* voor|hide from|niet (vertellen|melden) aan|zonder dat (de )?(" + _AUTHORITIES + r")"
    r"|under the table|zwart (uitbetalen|betalen|werken)|cash in hand"
    # keeping something from them: "zodat ze niet merken …", "dat hoeven we toch niet te melden?"
    # a lower income stated so as to pay less: "een lager inkomen opgeven zodat ik minder terugbetaal"
    r"|\b(lager|hoger|minder|meer)e? (inkomen|salaris|loon|uren|omzet)\b[^.?!]{0,25}\b(op ?geven|opgeven|doorgeven|invullen|melden|opgeef)\b[^.?!]{0,30}\bzodat\b"
    r"|\b(report|declare|state|put down) (a )?(lower|higher) (income|salary|wage)\b[^.?!]{0,30}\bso (that )?(i|we|he|she)\b"
    r"|\bzodat (ze|hij|zij|die|men|de \w+|het \w+) (het |dat |dit )?niet (merkt|merken|ziet|zien|weet|weten|doorheeft|doorhebben|ontdekt|ontdekken)\b"
    r"|\btoch niet\b[^.?!]{0,40}\b(te )?(melden|vertellen|doorgeven|zeggen)\b"
    r"|\bwithout (them|him|her|the \w+|\w+) (knowing|noticing|finding out)\b"
    r"|\bso (that )?(they|it|he|she|the \w+) (don'?t|doesn'?t|won'?t|do not|does not|will not) (notice|find out|know|see)\b"
    r"|\b(don'?t|do not) (have|need) to (tell|report|inform)\b[^.?!]{0,60}\bright\b"
    r"|\b(doe|doen|deed)\b(\s\w+){0,2}\salsof\b|\bnet alsof\b|\bpretend\w*|\bmake (it|me|him|her) look\b"
    r"|\boverdrijv\w*|\bexaggerat\w*"
    # telling the authority something as an instruction: "zeg maar tegen de IND dat het hoger is"
    r"|\b(zeg|vertel|meld)\w* (maar|gewoon|dan maar)\b[^.?!]{0,60}\b(hoger|lager|meer|minder|groter|kleiner)\b"
    r"|\bjust (tell|say)\b[^.?!]{0,60}\b(higher|lower|more|less|bigger|smaller)\b"
    r"|(opgeven|opgegeven|invullen|ingevuld|vermelden|doorgeven|zetten|declareren|declare|report|state|put)\b[^.?!]{0,40}"
    r"\b(dan|than)\b[^.?!]{0,25}\b(echt|werkelijk|eigenlijk|in werkelijkheid|really|actually|in reality)\b"
)
_DECEIVE = re.compile(rf"({_DECEIT})", re.I)
_AUTHORITY = re.compile(
    rf"\b({_AUTHORITIES})\b|salaris|salary|loon|inkomen|income|papier|paper|aanvraag|application", re.I
)


def deceives_authority(text: str) -> bool:
    """Does the question ask how to mislead an authority (IND, UWV, DUO, Belastingdienst …)?"""
    folded = fold(text)
    return bool(_DECEIVE.search(folded)) and bool(_AUTHORITY.search(folded))
