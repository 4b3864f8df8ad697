"""Status audit: every document's ``status`` is what a reader would conclude from its text.

The answerers attach a notice to what they quote ("STAP-budget is beëindigd", "nog geen regeling,
alleen een plan") from the front matter ``status``. A scheme that ended but is marked ``active``
is quoted as if you could still apply, so these rules check status against the text itself,
over every Markdown document with front matter (Dutch and English editions alike):

1. A scheme (``kind: scheme``) whose end date has passed has ``status: ended``; a document marked
   ``ended`` says when it ended (and that date has passed); the key ``ended`` only appears on
   ended documents.
2. Every ``status: planned`` document names a year in its title or introduction, so the reader
   knows how old the plan is.
3. An ended document does not open as if the scheme were open: its introduction and its first
   section say that it ended, and no sentence there says you can apply or use it now.
4. Outside ended documents, a paragraph or list item that names a scheme together with a period
   that is over ("liep van 2016 tot 2019", "2016–2019", "tot en met 2020") says in its first
   sentence that the scheme ended, unless its section heading already marks the section as
   history ("(gestopt)", "Eerdere …", "Wat bestaat niet meer?"). A past application round of a
   running scheme ("van 2 juni tot 17 september 2025 kon je aanvragen") is not an ended scheme
   and does not count. That first sentence is what an
   answer quotes first. (This is the rule behind the Gelderland subsidy of 2016–2019 that once
   opened an employer answer from an ``active`` province page.)

How end dates are found, robustly:

- The front matter key ``ended`` wins: ``"YYYY-MM-DD"`` is the day from which the scheme no
  longer applied ("per 1 januari 2024"), ``"YYYY-MM"`` or ``"YYYY"`` the month or year in which
  it ended (for a page about several schemes: the last of them).
- Otherwise only the title and the introduction (the text before the first ``## ``) are read
  for the scheme's own end date, because the body also names end dates of predecessors and
  earlier rounds ("Eerder liep SLIM tot eind 2024") that are not the scheme's end. Phrases,
  Dutch and English: "beëindigd/gestopt/afgeschaft/vervallen per <datum>", "per <datum>
  afgeschaft", "loopt/verlengd tot (en met) <datum|jaar|studiejaar 2027/2028>", "ended on
  <date>", "runs/extended until / up to and including <date|year|the 2027/2028 school year>".
- A date is the last day the scheme ran: "tot 1 januari 2030" and "per 1 januari 2024" mean the
  day before; "tot en met", a month or a year mean the end of it; "2027/2028" means the end of
  the later year (no month is guessed). A scheme has ended when that day is before today.
- Parenthesised peildata ("(peildatum 2020–2024, …)", "(as of 2024)") are not periods of a
  scheme and are ignored by rule 4.

These rules use today's date: when a period in the text runs out (for example a transitional
rule "tot en met 2026"), the test fails until someone updates the wording or the status.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta
from pathlib import Path

import pytest

from assistant.base.settings import PROJECT_ROOT
from ingest.load import discover, split_front_matter

CORPUS = PROJECT_ROOT / "corpus"
TODAY = date.today()

MONTHS = {
    **{
        m: i
        for i, m in enumerate(
            [
                "januari",
                "februari",
                "maart",
                "april",
                "mei",
                "juni",
                "juli",
                "augustus",
                "september",
                "oktober",
                "november",
                "december",
            ],
            start=1,
        )
    },
    **{
        m: i
        for i, m in enumerate(
            [
                "january",
                "february",
                "march",
                "april",
                "may",
                "june",
                "july",
                "august",
                "september",
                "october",
                "november",
                "december",
            ],
            start=1,
        )
    },
}
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_YEAR = r"(?:19|20)\d{2}"
DATE = rf"(?:(?:\d{{1,2}}\s+)?(?:{_MONTH})\s+)?{_YEAR}(?:\s*/\s*{_YEAR})?"

ENDED_WORDS = (
    r"verlopen|gestopt|stopte|stopten|beëindigd|beeindigd|afgeschaft|vervallen|verviel|gesloten|niet meer"
    r"|bestaat niet|bestaan niet|afgelopen|ended|expired|stopped|closed|abolished|no longer|ran out|used up"
)
ENDED = re.compile(rf"\b(?:{ENDED_WORDS})\b", re.I)
HISTORY_HEADING = re.compile(
    rf"\b(?:{ENDED_WORDS}|eerdere|vroeger|historisch|voorloper|earlier|former|previous|history)\b", re.I
)

# The scheme's own end, in its title or introduction. Group "date"; group "incl" marks "tot en
# met" / "up to and including" (through that day) as opposed to "tot" / "per" (stops on it).
END_PHRASES = [
    re.compile(
        rf"\b(?:beëindigd|beeindigd|gestopt|afgeschaft|vervallen|gesloten|stopte|verviel)\s+(?:per|op|sinds|vanaf|in)\s+(?P<date>{DATE})",
        re.I,
    ),
    re.compile(
        rf"\bper\s+(?P<date>{DATE})\s+(?:is\s+|zijn\s+|werd\s+|wordt\s+)?(?:beëindigd|beeindigd|gestopt|afgeschaft|vervallen)",
        re.I,
    ),
    re.compile(
        rf"\b(?:loopt|liep|lopen|liepen|verlengd|geldt|gold|duurt|duurde)\b[^.\n]{{0,60}}?\btot\s+(?P<incl>en met\s+)?(?:studiejaar\s+)?(?P<date>{DATE})",
        re.I,
    ),
    re.compile(rf"\b(?:ended|stopped|abolished|closed|expired)\s+(?:on|in|from|as of)\s+(?P<date>{DATE})", re.I),
    re.compile(
        rf"\b(?:runs|ran|run|extended|continues|continued|applies|applied|lasts|lasted)\b[^.\n]{{0,60}}?\b(?:until|till|(?P<incl>up to and including|through))\s+(?:the\s+)?(?P<date>{DATE})",
        re.I,
    ),
]

# A period in running text that may be over (rule 4).
PERIODS = [
    re.compile(rf"\b(?:van|from)\s+[^.\n]{{0,25}}?\b(?:tot|to|until)\s+(?P<incl>en met\s+)?(?P<date>{DATE})", re.I),
    re.compile(rf"\b{_YEAR}\s*[–-]\s*(?P<date>{_YEAR})\b"),
    re.compile(
        rf"\b(?:liep|liepen|bestond|bestonden|ran|existed)\b[^.\n]{{0,60}}?\b(?:tot|until|to)\s+(?P<incl>en met\s+)?(?P<date>{DATE})",
        re.I,
    ),
    re.compile(rf"\b(?P<incl>tot en met|up to and including)\s+(?:studiejaar\s+|the\s+)?(?P<date>{DATE})", re.I),
]
APPLICATION_ROUND = re.compile(
    r"\b(?:aanvragen|aanvraag|aanvraagperiode|tijdvak|ronde|apply|application|round)\b", re.I
)
SCHEME_WORD = re.compile(r"\w*(?:regeling|subsidie|voucher|budget|scheme|subsidy|grant)\w*", re.I)
PEILDATUM_PARENS = re.compile(r"\([^()]*\b(?:peildatum|as of|stand|version|versie)\b[^()]*\)", re.I)

OPEN_NOW = [
    re.compile(r"\b(?:kun|kunt|kan|mag|mogen)\b[^.?!\n]*\b(?:aanvragen|aanvraag indienen|krijgen|gebruiken)\b", re.I),
    re.compile(r"\b(?:staat|is)\s+open\b|\bis geopend\b|\bopen for applications\b|\bis open\b", re.I),
    re.compile(r"\b(?:can|may)\b[^.?!\n]*\b(?:apply|get|use)\b", re.I),
]
NEGATION = re.compile(r"\b(?:niet|geen|nooit|not|no|never|cannot)\b", re.I)


def last_day(token: str, inclusive: bool) -> date:
    """The last day a scheme ran, from the date token of an end phrase (see the module docstring)."""
    token = " ".join(token.lower().split())
    years = re.findall(_YEAR, token)
    year = int(years[-1])
    if len(years) > 1:  # "2027/2028": a school year, the end of the later calendar year
        return date(year, 12, 31)
    parts = token.split()
    if len(parts) == 3:  # "1 januari 2030"
        day = date(year, MONTHS[parts[1]], int(parts[0]))
        return day if inclusive else day - timedelta(days=1)
    if len(parts) == 2:  # "december 2022"
        month = MONTHS[parts[0]]
        return date(year, month, calendar.monthrange(year, month)[1])
    return date(year, 12, 31)


def key_last_day(value: object) -> date:
    """``ended: "2024-01-01"`` -> 31 December 2023; ``"2022-12"`` -> 31 December 2022."""
    raw = str(value)
    match = re.fullmatch(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?", raw)
    assert match, f"ended must be YYYY, YYYY-MM or YYYY-MM-DD, not {raw!r}"
    year, month, day = int(match.group(1)), match.group(2), match.group(3)
    if day:
        return date(year, int(month), int(day)) - timedelta(days=1)
    if month:
        return date(year, int(month), calendar.monthrange(year, int(month))[1])
    return date(year, 12, 31)


def load(path: Path) -> tuple[dict, str, str, list[tuple[str, str]]]:
    """Front matter, title, introduction, and the ``## `` sections as (heading, body)."""
    meta, body = split_front_matter(path.read_text(encoding="utf-8"))
    title_match = re.search(r"^# (.+)$", body, re.M)
    title = str(meta.get("title") or (title_match.group(1) if title_match else ""))
    parts = re.split(r"^## ", body, flags=re.M)
    intro = re.sub(r"^# .+$", "", parts[0], flags=re.M).strip()
    sections = []
    for part in parts[1:]:
        heading, _, text = part.partition("\n")
        sections.append((heading.strip(), text))
    return meta, title, intro, sections


def own_end_days(meta: dict, title: str, intro: str) -> list[date]:
    if meta.get("ended") is not None:
        return [key_last_day(meta["ended"])]
    days = []
    for pattern in END_PHRASES:
        for m in pattern.finditer(f"{title}\n{intro}"):
            days.append(last_day(m.group("date"), inclusive=bool(m.groupdict().get("incl"))))
    return days


def sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.?!:;])\s+", text.strip()) if s]


def content_lines(text: str) -> list[str]:
    return [
        line.strip().lstrip("-*0123456789. ").strip()
        for line in text.split("\n")
        if line.strip()
        and not re.match(r"^\s*(?:bron|bronnen|source|sources)\b", line, re.I)
        and not line.lstrip().startswith(("|", "#"))
    ]


DOCS = [p for p in discover(CORPUS) if p.suffix == ".md" and split_front_matter(p.read_text(encoding="utf-8"))[0]]
IDS = [str(p.relative_to(CORPUS)) for p in DOCS]
META = {p: split_front_matter(p.read_text(encoding="utf-8"))[0] for p in DOCS}


def by_status(*statuses: str) -> list[Path]:
    return [p for p in DOCS if META[p].get("status") in statuses]


def rel(path: Path) -> str:
    return str(path.relative_to(CORPUS))


def test_the_rules_read_dates_as_people_write_them():
    assert last_day("1 januari 2024", inclusive=False) == date(2023, 12, 31)
    assert last_day("1 January 2030", inclusive=False) == date(2029, 12, 31)
    assert last_day("2027", inclusive=True) == date(2027, 12, 31)
    assert last_day("december 2022", inclusive=False) == date(2022, 12, 31)
    assert last_day("2027/2028", inclusive=True) == date(2028, 12, 31)
    assert key_last_day("2024-01-01") == date(2023, 12, 31)
    assert key_last_day("2019") == date(2019, 12, 31)
    found = own_end_days({}, "STAP-budget (beëindigd per 1 januari 2024)", "")
    assert found == [date(2023, 12, 31)]
    assert own_end_days({}, "", "The subsidy runs up to and including 2027 and is paid from STAP.") == [
        date(2027, 12, 31)
    ]
    assert own_end_days({}, "", "De regeling is verlengd tot en met studiejaar 2027/2028.") == [date(2028, 12, 31)]


@pytest.mark.parametrize("path", [p for p in DOCS if META[p].get("kind") == "scheme"], ids=rel)
def test_a_scheme_past_its_end_date_is_marked_ended(path):
    meta, title, intro, _ = load(path)
    days = own_end_days(meta, title, intro)
    passed = [d for d in days if d < TODAY]
    if passed:
        assert meta["status"] == "ended", (
            f"{rel(path)} ran until {max(passed):%d %B %Y} by its own text, but has status {meta['status']!r}"
        )
    if meta["status"] == "ended":
        assert days, f'{rel(path)} is ended but says nowhere when (add ended: "YYYY-MM-DD" or a date in the intro)'
        assert passed, f"{rel(path)} is ended, but its end date {max(days)} has not passed"


@pytest.mark.parametrize("path", DOCS, ids=rel)
def test_only_ended_documents_carry_an_end_date_key(path):
    meta = META[path]
    if "ended" in meta:
        assert meta["status"] == "ended", f"{rel(path)} has ended: {meta['ended']} but status {meta['status']!r}"
        assert key_last_day(meta["ended"]) < TODAY


@pytest.mark.parametrize("path", by_status("planned"), ids=rel)
def test_a_planned_document_names_when(path):
    _, title, intro, _ = load(path)
    assert re.search(rf"\b{_YEAR}\b", f"{title} {intro}"), f"{rel(path)}: a plan without a year in title or intro"


@pytest.mark.parametrize("path", by_status("ended"), ids=rel)
def test_an_ended_document_does_not_open_as_if_the_scheme_were_open(path):
    _, title, intro, sections = load(path)
    assert sections, f"{rel(path)} has no sections"
    heading, first = sections[0]
    assert ENDED.search(f"{title} {intro}"), f"{rel(path)}: the introduction does not say the scheme ended"
    first_sentences = sentences(" ".join(content_lines(first)))
    assert ENDED.search(heading) or (first_sentences and ENDED.search(first_sentences[0])), (
        f"{rel(path)}: the first section ({heading!r}) does not open by saying the scheme ended"
    )
    for sentence in sentences(" ".join(content_lines(intro) + content_lines(first))):
        for pattern in OPEN_NOW:
            if (
                pattern.search(sentence)
                and not NEGATION.search(sentence)
                and not re.search(r"\b(?:kon|konden|could)\b", sentence, re.I)
            ):
                pytest.fail(f"{rel(path)} presents the ended scheme as open: {sentence!r}")


def expired_mentions(path: Path) -> list[str]:
    """Lines of ``path`` that name a scheme and an elapsed period without saying it ended first."""
    _, _, intro, sections = load(path)
    found = []
    for heading, text in [("", intro), *sections]:
        if heading and HISTORY_HEADING.search(heading):
            continue
        for line in content_lines(text):
            plain = PEILDATUM_PARENS.sub("", line)
            if not SCHEME_WORD.search(plain):
                continue
            elapsed = [
                m
                for sentence in sentences(plain)
                if not APPLICATION_ROUND.search(sentence)  # a closed round, not a closed scheme
                for pattern in PERIODS
                for m in pattern.finditer(sentence)
                if last_day(m.group("date"), inclusive=True) < TODAY
            ]
            if not elapsed:
                continue
            first = sentences(plain)[0]
            if not ENDED.search(first):
                found.append(f"[{heading or 'intro'}] {line[:160]}")
    return found


@pytest.mark.parametrize("path", [p for p in DOCS if META[p].get("status") != "ended"], ids=rel)
def test_expired_schemes_are_marked_where_they_are_mentioned(path):
    assert expired_mentions(path) == []


def test_the_gelderland_subsidy_of_2016_2019_is_not_presented_as_current():
    """The regression: an employer answer opened with this subsidy from an active province page."""
    for path in DOCS:
        text = path.read_text(encoding="utf-8")
        if "2016" in text and re.search(r"Gelders\w* subsidie", text):
            meta = META[path]
            if meta.get("status") != "ended":
                for line in text.split("\n"):
                    if "Gelders" in line and re.search(r"2016", line):
                        assert ENDED.search(sentences(PEILDATUM_PARENS.sub("", line.lstrip("- ")))[0]), line
    ended = CORPUS / "regelingen" / "beeindigde-regelingen.md"
    assert "€ 200.000" in ended.read_text(encoding="utf-8")  # the amounts live on the ended page
