"""A follow-up that changes one constraint, and a place that only says who asks (issue 12):
the plain-text rules behind them, without a model."""

from __future__ import annotations

import pytest

from assistant.answering.asked import analyse, asker_age
from assistant.base.lexical import query_tokens
from assistant.base.regions import asker_places, without_places
from assistant.base.text import stem
from assistant.base.types import Chunk
from assistant.core.conversation import is_new_topic, topic_of
from assistant.core.retrieval import OTHER_YEAR_PENALTY, YEAR_NAMED_BOOST, year_factor, years_named


@pytest.mark.parametrize(
    ("question", "age"),
    [
        ("en als ik 35 ben?", 35),
        ("en als hij 27 is?", 27),
        ("wat als ik 31 word?", 31),
        ("what if I was 28?", 28),
        ("and if she were 26?", 26),
        ("what was the 30% ruling?", None),
        ("hoeveel was het in 2024?", None),
    ],
)
def test_the_age_of_a_follow_up_is_read_wherever_the_verb_stands(question: str, age: int | None):
    assert asker_age(question) == age


def test_an_age_follow_up_keeps_the_earlier_year_and_takes_the_new_age():
    asked = analyse("what if I was 28?", "I'm 31, what salary does a highly skilled migrant need in 2026?")
    assert (asked.age, asked.years) == (28, frozenset({2026}))
    assert asked.fit("- jonger dan 30: € 4.357 per maand (peildatum 2026)") > asked.fit(
        "- 30 jaar en ouder: € 5.942 per maand (peildatum 2026)"
    )


def test_a_level_of_education_in_a_follow_up_is_searched_as_the_level():
    assert "mbo" in query_tokens("en voor mbo'ers?")
    assert "mbo" in query_tokens("is dat ook voor een mbo’er")
    df = {"mbo": 40, stem("omscholing"): 200}
    assert not is_new_topic("en voor mbo'ers?", df)


def test_the_earlier_level_is_a_constraint_not_the_topic():
    idf = {stem("codam"): 5.0, "hbo'er": 5.0, stem("hbo'ers"): 5.0}.get
    assert topic_of("Is Codam ook voor hbo'ers?", lambda t: idf(t) or 0.0) == "codam"


def test_a_scheme_named_in_the_earlier_question_stays_the_topic_though_its_word_is_common():
    """ "stap" occurs in many documents ("stap voor stap", the STAP-budget everywhere): not rare,
    but a document is named after it, so "hoeveel mensen vroegen het aan?" stays about STAP."""
    common = lambda t: 1.0  # noqa: E731
    assert topic_of("waarom is stap eigenlijk gestopt?", common) == "waarom is stap eigenlijk gestopt?"
    assert topic_of("waarom is stap eigenlijk gestopt?", common, subjects={stem("stap")}) == "stap"


@pytest.mark.parametrize(
    ("question", "places"),
    [
        ("ik heb in Delft gestudeerd, kan ik het zoekjaar krijgen?", ["zuid-holland"]),
        ("I did my master's in Delft, can I get the search year?", ["zuid-holland"]),
        ("ik woon in Zwolle en wil omscholen naar IT, wie betaalt dat?", ["overijssel"]),
        ("our firm is based in Eindhoven - how do we become a recognised sponsor?", ["noord-brabant"]),
        ("we zijn een mkb bedrijf uit groningen, kunnen we slim aanvragen?", ["groningen"]),
        ("ben in maastricht afgestudeerd, hoe lang duurt het zoekjaar?", ["limburg"]),
        # the place is what is asked about
        ("welke ICT-opleidingen zijn er in Groningen?", []),
        ("wat doet de regio Twente aan het ICT-tekort?", []),
        ("What is the province of Limburg doing about ICT talent?", []),
        ("ik wil weten wat er in Groningen is voor ICT-opleidingen", []),
        # named twice, once as the subject: the subject wins
        ("ik woon in Emmen, is er een omscholingsvoucher in Drenthe?", []),
    ],
)
def test_a_place_that_only_describes_the_asker_is_told_apart(question: str, places: list[str]):
    assert asker_places(question) == places


def test_a_province_added_in_brackets_after_a_city_does_not_count_as_a_second_mention():
    assert asker_places("ik heb in Delft gestudeerd, kan ik het zoekjaar krijgen? (Zuid-Holland)") == ["zuid-holland"]


@pytest.mark.parametrize(
    ("question", "rest"),
    [
        (
            "ik heb in Delft gestudeerd, kan ik het zoekjaar krijgen? (Zuid-Holland)",
            "ik heb in gestudeerd, kan ik het zoekjaar krijgen?",
        ),
        ("Wat doet utreht aan omscholing?", "Wat doet aan omscholing?"),
        ("Kan ik als werkzoekende in Leiden op te leiden?", "Kan ik als werkzoekende in op te leiden?"),
    ],
)
def test_the_places_are_taken_out_of_what_is_matched(question: str, rest: str):
    assert without_places(question) == rest


def _chunk(section: str, text: str) -> Chunk:
    return Chunk(chunk_id="d#1-x", doc_id="d", title="T", text=text, section=section)


def test_years_named_reads_a_range_as_every_year_in_it():
    assert years_named("Tabel: salariscriteria per jaar (2023–2026)") == {2023, 2024, 2025, 2026}
    assert years_named("Salariscriterium 2025") == {2025}
    assert years_named("Wat telt mee?") == set()


@pytest.mark.parametrize(
    ("section", "text", "expected"),
    [
        ("Salariscriterium 2025", "In 2025 was het € 5.688.", (0.0, OTHER_YEAR_PENALTY)),
        ("Tabel: salariscriteria per jaar (2023–2026)", "- 2024: € 5.331", (YEAR_NAMED_BOOST, 1.0)),
        ("Welk jaar en welke leeftijd gelden?", "Een aanvraag uit 2025 valt onder 2025.", (0.0, 1.0)),
        # a rule from an earlier year on still answers a later year
        ("Van 30% naar 27% vanaf 1 januari 2027", "Vanaf 2027 is het maximum 27%.", (0.0, 1.0)),
    ],
)
def test_an_asked_year_prefers_its_own_row_over_another_years_section(section, text, expected):
    asked = {2028} if "2027" in section else {2024}
    assert year_factor(_chunk(section, text), asked) == expected
    assert year_factor(_chunk(section, text), set()) == (0.0, 1.0)


def test_a_reference_date_does_not_make_a_sentence_about_the_asked_year():
    asked = analyse("en in 2024?", "Wat is de salarisnorm van de 30%-regeling?")
    row = "- 2024: € 46.107; jonger dan 30 met een master: € 35.048 (peildatum 2024, controleer bij de Belastingdienst)"
    later = "Vanaf 2027 stijgt de salarisnorm fors, indicatief naar € 50.436 (peildatum besluit eind 2024, indicatief)."
    assert asked.fit(row) > asked.fit(later)
    assert asked.conflicts(later) and not asked.conflicts(row)


def test_the_earlier_year_comes_along_with_the_topic():
    idf = {stem("salaris"): 3.0, stem("kennismigrant"): 3.0}.get
    topic = topic_of("welk salaris moet een kennismigrant in 2026 hebben?", lambda t: idf(t) or 0.0)
    assert topic == "salaris kennismigrant 2026"
    assert topic_of("wat is het in 2026?", lambda t: 0.0) == "wat is het in 2026?"  # no subject: the whole question
