"""The extractive answer composer over hand-written passages: what a user would see first.

Every sentence vector is the question's own vector, so the embedding cannot tell sentences apart
and the rules decide (asked kind, constraints, word overlap, coherent units); no model, no store.
"""

from __future__ import annotations

import numpy as np
import pytest
from fakes import hashed_vector

from assistant.answering.asked import analyse, asker_age
from assistant.answering.extractive import ExtractiveAnswerer
from assistant.answering.protocol import AnswerRequest
from assistant.answering.units import passage_sentences, unit_for
from assistant.base.lexical import query_tokens
from assistant.base.settings import Settings
from assistant.base.text import chunk_sentences
from assistant.base.types import Answer, Chunk, Passage, Retrieval, Turn

pytestmark = pytest.mark.fast

SALARY = """Voor een aanvraag die in 2026 wordt ingediend, gelden deze bruto maandbedragen:

- 30 jaar en ouder: € 5.942 per maand (peildatum 2026, controleer bij de IND);
- jonger dan 30: € 4.357 per maand (peildatum 2026, controleer bij de IND);
- verlaagd criterium voor afgestudeerden: € 3.122 per maand.

Meer uitleg: "Zoekjaar hoogopgeleiden"."""

SALARY_2025 = """Voor een aanvraag die in 2025 is ingediend, golden deze bruto maandbedragen:

- 30 jaar en ouder: € 5.688 per maand (peildatum 2025);
- jonger dan 30: € 4.171 per maand (peildatum 2025)."""

LOAN = """Het Levenlanglerenkrediet is een lening van DUO voor je collegegeld.

Je moet jonger zijn dan 57. De leeftijdsgrens ging van 56 naar 57.

Je betaalt de lening terug binnen 15 jaar. Dat kan via Mijn DUO."""

CODAM = """Codam Coding College is een opleiding tot software engineer in Amsterdam. Codam is gratis: je betaalt geen collegegeld.

Andere trajecten kosten € 7.500 per deelnemer."""


def passage(text: str, doc: str, rank: int, section: str = "", **meta: object) -> Passage:
    chunk = Chunk(f"{doc}#{rank}", doc, text, title=doc, section=section or None, meta={"language": "nl", **meta})
    return Passage(chunk, score=1.0 - rank * 0.1, rank=rank + 1, dense=0.8 - rank * 0.01)


def answer(
    question: str, passages: list[Passage], turns: list[Turn] | None = None, idf: dict[str, float] | None = None
) -> Answer:
    qvec = hashed_vector(question)
    vectors = {p.chunk.chunk_id: np.stack([qvec for _ in chunk_sentences(p.chunk.text)]) for p in passages}
    followup = bool(turns)
    request = AnswerRequest(
        question=question,
        lang="en" if question.startswith(("What", "How", "my")) else "nl",
        query=f"{turns[-1].question} {question}" if turns else question,
        followup=followup,
        retrieval=Retrieval(passages, 0.9, qvec, query_tokens(question)),
        sentence_vectors=lambda ps: {p.chunk.chunk_id: vectors[p.chunk.chunk_id] for p in ps},
        idf=lambda token: (idf or {}).get(token, 1.0),
        conversation=tuple(turns or ()),
    )
    return ExtractiveAnswerer(Settings(llm_base_url=None, telegram_token=None)).compose(request)


def first_words(answer: Answer, n: int = 40) -> str:
    return " ".join(answer.text.split()[:n])


def test_age_and_year_pick_the_row_that_applies_to_the_asker() -> None:
    ps = [passage(SALARY_2025, "salaris", 0), passage(SALARY, "salaris", 1)]
    result = answer("Wat is het salariscriterium voor een kennismigrant van 32 jaar in 2026?", ps)
    assert "5.942" in result.lead[0].items[0], result.text
    assert "4.171" not in result.text and "5.688" not in result.text
    young = answer("my employee is 27, what salary is needed in 2026?", ps)
    assert "4.357" in first_words(young), young.text


def test_a_list_item_comes_with_its_intro_and_an_intro_with_its_items() -> None:
    result = answer("Hoeveel moet een kennismigrant verdienen in 2026?", [passage(SALARY, "salaris", 0)])
    statement = result.lead[0]
    assert statement.text.endswith(":") and statement.items, result.text
    for s in [*result.lead, *result.points]:
        assert not (s.text.endswith(":") and not s.items)


def test_pointers_are_never_quoted() -> None:
    result = answer("Wat is het salariscriterium voor kennismigranten?", [passage(SALARY, "salaris", 0)])
    assert "Meer uitleg" not in result.text


def test_the_asked_age_limit_leads_not_a_sentence_that_only_shares_words() -> None:
    result = answer(
        "tot welke leeftijd kan ik levenlanglerenkrediet lenen?", [passage(LOAN, "Levenlanglerenkrediet", 0)]
    )
    assert "57" in first_words(result, 20), result.text


def test_a_sentence_that_leans_on_the_one_before_brings_it() -> None:
    result = answer("hoe betaal ik terug, kan dat via mijn duo?", [passage(LOAN, "llk", 0)])
    for s in [*result.lead, *result.points]:
        if s.text.startswith("Dat kan"):
            pytest.fail(f"anaphoric opening without its antecedent: {result.text}")
    assert "Mijn DUO" in result.text and "terug binnen 15 jaar" in result.text


def test_free_is_the_answer_to_what_it_costs() -> None:
    result = answer("Wat kost het om bij Codam te studeren?", [passage(CODAM, "codam", 0)])
    assert "gratis" in first_words(result, 25) and "7.500" not in result.lead[0].text, result.text


def test_nothing_is_said_twice() -> None:
    result = answer(
        "Hoeveel moet een kennismigrant van 35 verdienen in 2026?", [passage(SALARY, "a", 0), passage(SALARY, "b", 1)]
    )
    lines = [s.text for s in [*result.lead, *result.points]]
    assert len(lines) == len(set(lines)), result.text


def test_a_followup_keeps_the_earlier_constraints() -> None:
    ps = [passage(SALARY_2025, "salaris", 0), passage(SALARY, "salaris", 1)]
    result = answer("en in 2025?", ps, [Turn("Wat moet een kennismigrant van 40 verdienen in 2026?")])
    assert "5.688" in first_words(result), result.text


def test_notices_write_dates_as_people_do() -> None:
    ps = [passage(SALARY, "salaris", 0, kind="migration", official_body="IND", valid_as_of="2026-01")]
    result = answer("Wat is het salariscriterium in 2026?", ps)
    assert any("januari 2026" in n for n in result.notices), result.notices
    assert "2026-01" not in result.text


def test_question_analysis() -> None:
    assert asker_age("ik ben 45 en werk in de zorg") == 45
    assert asker_age("a 32-year-old developer") == 32
    assert asker_age("hoeveel kost het in 2026") is None
    assert {"age"} <= analyse("tot welke leeftijd kan ik lenen?").kinds
    assert {"amount"} <= analyse("wat kost Codam?").kinds
    assert analyse("how long does the IND take?").kinds >= {"duration"}
    assert analyse("en in 2025?", "wat verdient iemand van 40 in 2026?").age == 40


def test_units_follow_the_stored_sentences() -> None:
    sentences = passage_sentences(SALARY)
    assert [s.text for s in sentences] == chunk_sentences(SALARY)  # one vector per stored sentence
    item = next(s for s in sentences if s.text.startswith("jonger dan 30"))
    assert unit_for(sentences, item.index) == (0, item.index)
    pointer = next(s for s in sentences if s.text.startswith("Meer uitleg"))
    assert unit_for(sentences, pointer.index) is None


FEES = (
    """In 2026 kost de erkenning als referent € 5.080, en een aanvraag voor een kennismigrant € 423 (peildatum 2026)."""
)

STUDY_YEARS = """Bij het wettelijk collegegeld zijn de maxima:

- studiejaar 2023-2024: € 2.314 voor hbo/wo en € 1.357 voor mbo;
- studiejaar 2024-2025: € 2.530 voor hbo/wo en € 1.419 voor mbo."""

PLAN = """Het Actieplan Groene en Digitale Banen wil meer dan 1 miljoen digitaal geschoolden, met vier pijlers.

Het actieplan is op 3 februari 2023 gepresenteerd door zes ministers samen."""


def test_an_employer_asking_what_to_pay_a_migrant_gets_the_salary_not_the_fees() -> None:
    ps = [passage(FEES, "leges", 0), passage(SALARY, "salaris", 1)]
    result = answer("hoeveel moet ik een kennismigrant betalen in 2026", ps)
    assert "5.942" in first_words(result) and "5.080" not in result.lead[0].text, result.text
    fees = answer("wat zijn de leges voor een kennismigrant in 2026?", ps)
    assert "423" in first_words(fees, 30), fees.text


def test_the_asked_study_year_is_not_the_row_of_the_year_before() -> None:
    result = answer("max lenen mbo 2024-2025", [passage(STUDY_YEARS, "llk", 0)])
    assert "1.419" in first_words(result, 30), result.text
    assert "1.357" not in result.text, result.text


def test_a_plan_named_in_the_question_is_not_a_question_about_plans() -> None:
    assert not analyse("wanneer is het actieplan groene en digitale banen gepresenteerd?").about_status
    assert analyse("is dat nog maar een plan?").about_status
    result = answer("wanneer is het actieplan groene en digitale banen gepresenteerd?", [passage(PLAN, "agdb", 0)])
    assert "3 februari 2023" in first_words(result, 25), result.text


LOAN_MAXIMA = """Betaal je instellingscollegegeld of cursusgeld? Dan is het maximum 5× het wettelijk collegegeld:

- studiejaar 2024-2025: € 12.650,04 voor hbo/wo en € 7.095 voor mbo.

Bij het wettelijk collegegeld of lesgeld zijn de maxima:

- studiejaar 2024-2025: € 2.530 voor hbo/wo en € 1.419 voor mbo.

In studiejaar 2024-2025 kon je voor een hbo- of wo-opleiding maximaal € 2.530 lenen."""


def test_the_general_rule_leads_not_a_case_the_asker_did_not_mention() -> None:
    result = answer("max lenen levenlanglerenkrediet mbo 2024-2025", [passage(LOAN_MAXIMA, "llk", 0)])
    assert "1.419" in first_words(result, 30), result.text
    special = answer(
        "hoeveel kan ik lenen als ik instellingscollegegeld betaal, mbo 2024-2025?", [passage(LOAN_MAXIMA, "llk", 0)]
    )
    assert "7.095" in first_words(special, 30), special.text


def test_a_table_row_is_judged_by_its_own_year_not_by_the_years_its_intro_names() -> None:
    cap = """De WNT-norm is (peildatum 2024–2026, controleer bij de Belastingdienst):

- € 233.000 in 2024;
- € 246.000 in 2025;
- € 262.000 in 2026."""
    result = answer("wat is de WNT-norm voor de 30%-regeling in 2026?", [passage(cap, "dertig", 0)])
    assert "262.000" in first_words(result, 25), result.text
    assert "233.000" not in result.text, result.text


GOALS = """Waarschijnlijk niet: de meeste prognoses verwachten dat het doel van 1 miljoen ICT'ers in 2030 niet wordt gehaald.

Het kabinet wil 1 miljoen ICT'ers in 2030. Volgens het koersdocument moet het aantal ICT-professionals met 60.000 per jaar groeien.

In alle provincies wordt het belang van de aanpak onderstreept, met bijdragen van meer dan 130 organisaties."""


def test_a_reply_to_another_yes_no_question_does_not_lead() -> None:
    result = answer(
        "hoeveel ict'ers moeten er elk jaar bij om dat miljoen in 2030 te halen?", [passage(GOALS, "doel", 0)]
    )
    assert "60.000" in first_words(result, 30), result.text
    assert not result.lead[0].text.startswith("Waarschijnlijk"), result.text
    yes_no = answer("halen we het doel van 1 miljoen ict'ers in 2030?", [passage(GOALS, "doel", 0)])
    assert yes_no.lead[0].text.startswith("Waarschijnlijk niet"), yes_no.text


def test_how_many_of_a_thing_leads_with_the_number_of_that_thing() -> None:
    result = answer("hoeveel organisaties hebben meegedacht?", [passage(GOALS, "doel", 0)])
    assert "130 organisaties" in first_words(result, 40), result.text
    lines = answer(
        "hoeveel actielijnen heeft het plan?", [passage(PLAN + "\n\nHet plan werkt met vijf actielijnen.", "p", 0)]
    )
    assert "vijf actielijnen" in first_words(lines, 20), lines.text


def test_an_article_after_an_opening_phrase_is_not_a_pronoun() -> None:
    from assistant.answering.units import leans

    assert not leans("In alle provincies wordt het belang van de aanpak onderstreept.")
    assert leans("In 2026 is het € 5.080.") and leans("In 2026 is dat € 5.080.")


PILLARS = """Het Actieplan Groene en Digitale Banen wil meer dan 1 miljoen digitaal geschoolden in 2030, met vier pijlers.

Het actieplan is in 2023 gepresenteerd. Het heeft vier pijlers:
1. meer instroom in bètatechnisch onderwijs;
2. behoud en meer instroom vanuit de arbeidsmarkt;
3. hogere arbeidsproductiviteit;
4. sterkere governance."""

STAP = """STAP verving in 2022 de fiscale scholingsaftrek. Het ging om maximaal € 1.000 per jaar.

Het STAP-budget bestaat niet meer: de regeling is per 1 januari 2024 afgeschaft.

Het budget van de laatste ronde, ca. € 10 mln, was binnen een uur op."""


def test_asked_options_lead_with_the_list_not_the_sentence_that_announces_it() -> None:
    result = answer("wat zijn de pijlers van het actieplan groene en digitale banen", [passage(PILLARS, "agdb", 0)])
    assert result.lead[0].items and "bètatechnisch" in first_words(result), result.text


def test_a_scheme_named_budget_is_not_a_question_about_an_amount() -> None:
    assert "amount" not in analyse("kan ik nog stap budget aanvragen voor een cursus?").kinds
    assert "amount" in analyse("wat is het budget van de regeling?").kinds
    result = answer("kan ik nog stap budget aanvrage voor een cursus?", [passage(STAP, "stap", 0)])
    assert "afgeschaft" in first_words(result, 25), result.text


def test_how_fast_asks_a_duration() -> None:
    result = answer("hoe snel was het laatste stap budget op?", [passage(STAP, "stap", 0)])
    assert "binnen een uur" in first_words(result, 25), result.text


BLUE_CARD = """Zonder diploma kan het ook: dan telt 3 jaar relevante werkervaring als IT-specialist. Een ervaren developer zonder diploma kan zo toch een Blauwe Kaart krijgen.

Zo'n 70% van de digitale professionals werkt niet in de ICT-sector."""


def test_a_sentence_that_points_back_inside_brings_what_it_points_to() -> None:
    result = answer("blauwe kaart voor een developer zonder diploma?", [passage(BLUE_CARD, "bk", 0)])
    for s in [*result.lead, *result.points]:
        if "zo toch" in s.text:
            assert "3 jaar relevante werkervaring" in s.text, result.text


def test_about_a_number_is_not_an_anaphoric_opening() -> None:
    from assistant.answering.units import leans

    assert not leans("Zo'n 70% van de digitale professionals werkt niet in de ICT-sector.")
    assert leans("Zo kun je het aanvragen.")


def test_what_to_check_and_a_late_conclusion_point_back() -> None:
    from assistant.answering.units import leans

    assert leans("Vraag dat na bij Codam zelf.") and leans("Controleer dit altijd bij de IND.")
    assert leans("Een losse commerciële cursus valt er dus meestal niet onder.")
    assert not leans("Bekijk het aanbod op de website van de provincie.")


def test_a_reference_number_does_not_end_a_sentence() -> None:
    text = "The strategy was published in 2022 (Kamerstuk 26 643, no. 842). It names five pillars. The answer is no."
    assert chunk_sentences(text) == [
        "The strategy was published in 2022 (Kamerstuk 26 643, no. 842).",
        "It names five pillars.",
        "The answer is no.",
    ]


def test_a_month_with_its_year_answers_when_better_than_a_bare_month() -> None:
    text = """In oktober zal het uitvoeringsplan worden gepresenteerd.

Dit koersdocument is opgesteld voor de presentatie van het uitvoeringsplan in oktober 2024."""
    result = answer("wanneer werd het uitvoeringsplan gepresenteerd?", [passage(text, "koers", 0)])
    assert "oktober 2024" in first_words(result, 25), result.text


def test_an_english_question_over_dutch_text_does_not_lead_with_an_english_passage_on_another_topic() -> None:
    dutch = passage("In 2023 daalde het aantal ICT'ers met 3.000 naar 670.000 werkenden.", "arbeidsmarkt", 0)
    off_topic = passage(
        "In December 2023 IT professionals working in the region started a new approach for 3,000 people.",
        "en/regio",
        1,
        language="en",
    )
    result = answer("How many IT professionals were working in the Netherlands in 2023?", [dutch, off_topic])
    assert "670.000" in first_words(result, 20), result.text


def test_how_much_of_asks_a_share() -> None:
    text = """Volgens het koersdocument moet het aantal ICT-professionals met 60.000 per jaar groeien.

Volgens de HCA ICT levert het ICT-onderwijs maar ca. 20% van de benodigde professionals."""
    result = answer("How much of the needed IT people does education deliver?", [passage(text, "prognoses", 0)])
    assert "20%" in first_words(result, 20), result.text


def test_a_long_lead_gives_way_to_a_short_sentence_with_the_asked_number() -> None:
    text = (
        "Om de ambities op het gebied van digitalisering te realiseren zullen er in 2030 minimaal één miljoen "
        "ICT-professionals werkzaam moeten zijn, zoals beschreven in de strategie, wat een groei van 60.000 "
        "ICT-professionals per jaar betekent, terwijl het aantal ICT-professionals in 2023 juist is gedaald.\n\n"
        "In 2023 daalde het aantal juist, met 3.000 naar 670.000."
    )
    result = answer("met hoeveel is het aantal ict professionals in 2023 gedaald?", [passage(text, "cijfers", 0)])
    assert "3.000" in first_words(result, 20), result.text


RULING = """De 30%-regeling is een vergoeding voor werknemers uit het buitenland.

Vanaf 1 januari 2027 gaat het maximum van 30% naar 27%.

Er is overgangsrecht: wie de regeling eind 2023 al had, kan er nog voor kiezen tot en met 2026."""


def test_a_rule_from_an_earlier_year_on_answers_a_later_year() -> None:
    from assistant.answering.asked import years_covered

    asked = frozenset({2028})
    assert years_covered("Vanaf 1 januari 2027 gaat het maximum van 30% naar 27%.", asked)
    assert years_covered("From 2027 the maximum is 27%.", asked)
    assert years_covered("Tot en met 2026 kun je kiezen.", asked) is False
    assert years_covered("Tot en met 2026 kun je kiezen.", frozenset({2025}))
    assert years_covered("Geen jaartal hier.", asked) is None
    result = answer("Hoeveel is de 30% regeling in 2028?", [passage(RULING, "dertig", 0)])
    assert "27%" in result.lead[0].text, result.text


def test_a_comparison_and_a_pronoun_het_are_told_apart() -> None:
    from assistant.answering.units import leans

    assert not leans("Minder dan een kwart van de ICT-specialisten in Nederland is vrouw.")
    assert leans("Vraag dan bij de gemeente naar het aanbod.")
    assert leans("Het is per 1 januari 2024 afgeschaft.")  # what "het" is stands before it
    assert not leans("Het is belangrijk dat je op tijd aanvraagt.")  # a dummy subject
    assert not leans("Het gemiddelde in de EU is 4,8%.")  # an article
    assert leans("ICT is een van die sectoren.")  # which sectors, the sentence before says
    assert not leans("ICT is een van de sectoren met tekorten.")


def test_an_age_row_is_not_a_duration() -> None:
    asked = analyse("hoelang duurt het voordat de IND beslist?")
    assert "duration" in asked.kinds
    assert not asked.specific_form("30 jaar en ouder: € 5.688 per maand")
    assert asked.specific_form("De wettelijke beslistermijn is 90 dagen.")


def test_an_example_sentence_is_not_an_answer() -> None:
    text = """Denk aan een medewerker die een bbl-opleiding volgt: hij werkt en leert.

Met de Subsidieregeling praktijkleren krijgt een werkgever een bijdrage voor een leerwerkplek."""
    result = answer("krijgt mijn werkgever subsidie als ik een bbl-opleiding volg?", [passage(text, "pl", 0)])
    assert "Denk aan" not in result.text and "praktijkleren" in result.lead[0].text, result.text


def test_who_a_route_is_for_answers_whether_it_is_for_another_level() -> None:
    text = """Make IT Work is ontwikkeld door de Hogeschool van Amsterdam.

Make IT Work is een omscholingstraject voor mensen met een hbo- of wo-diploma zonder IT-achtergrond."""
    result = answer("Is Make IT Work ook voor mbo'ers?", [passage(text, "miw", 0)])
    assert "hbo- of wo-diploma" in result.lead[0].text, result.text
    assert "yesno" in analyse("mijn baas zegt dat hij subsidie kan krijgen, klopt dat?").kinds


def test_how_long_a_permit_is_valid_is_not_how_long_the_decision_takes() -> None:
    text = """Voor de startup-verblijfsvergunning is de beslistermijn 90 dagen.

Met het startup-visum mag je 1 jaar in Nederland wonen om een bedrijf op te zetten."""
    result = answer("hoe lang is het startup visum geldig?", [passage(text, "startup", 0)])
    assert "1 jaar" in result.lead[0].text, result.text
    assert "validity" not in analyse("hoe lang duurt het voordat de IND beslist?").kinds


def test_the_word_percentage_is_not_a_percentage() -> None:
    asked = analyse("hoeveel procent subsidie krijg je bij slim")
    assert not asked.specific_form("Kleine bedrijven krijgen een lager percentage dan vroeger.")
    assert asked.specific_form("Het subsidiepercentage daalt naar 60%.")
    assert not analyse("how long is it valid?").specific_form("at least €48,013 a year")


def test_with_no_year_asked_last_years_row_does_not_follow_this_years() -> None:
    from assistant.answering.asked import CURRENT_YEAR, years_covered

    now, last = CURRENT_YEAR, CURRENT_YEAR - 1
    table = f"""Jaar van aanvraag: {now}; 30 jaar en ouder: € 5.942; Jonger dan 30: € 4.357.

Jaar van aanvraag: {last}; 30 jaar en ouder: € 5.688; Jonger dan 30: € 4.171.

Bruto salaris per maand, exclusief 8% vakantiegeld."""
    result = answer("wat is het salariscriterium voor kennismigranten boven de 30", [passage(table, "salaris", 0)])
    assert "5.942" in result.lead[0].text and "5.688" not in result.text, result.text
    # a table row that starts "begin 2024:" is replaced by the later rows, whatever it says after
    assert years_covered("begin 2024: € 6.245, vanaf juni 2024 € 5.331", frozenset({2026})) is False


def test_an_age_rule_that_excludes_the_asker_answers_their_yes_no_question() -> None:
    result = answer("kan ik als 60 jarige nog geld lenen bij duo?", [passage(LOAN, "llk", 0)])
    assert "jonger zijn dan 57" in result.lead[0].text, result.text


@pytest.mark.parametrize(
    ("question", "asked", "not_asked"),
    [
        # money named a few words after "hoeveel": an amount or share, not a count of "slim"
        (
            "we zijn een mkb bedrijf met 12 man, hoeveel slim subsidie kunnen we krijgen",
            {"amount", "percentage"},
            {"count"},
        ),
        ("hoeveel kunnen we krijgen?", {"amount"}, {"count"}),
        # "studiekosten" in a yes/no question is the topic: the answer is a rule, not a sum
        ("mag mijn werkgever studiekosten aftrekken van de belasting?", {"yesno"}, {"amount"}),
        ("wat kosten de opleidingskosten?", {"amount"}, set()),
        # how long the IND takes: the decision period
        ("what's the IND processing time for a blue card", {"duration", "decision"}, {"validity"}),
        ("hoeveel mensen kunnen meedoen?", {"count"}, {"amount"}),
        # paying yourself, or a sum per student: an amount (or "gratis") answers
        ("moet ik zelf iets betalen voor make it work?", {"amount", "yesno"}, set()),
        ("wat is de subsidie praktijkleren per student", {"amount"}, set()),
        # what a permit costs: its fees, not a salary threshold
        ("wat kost het zoekjaar bij de IND?", {"amount", "fee"}, {"salary"}),
        ("wat kost een kennismigrant met salaris?", {"amount", "fee", "salary"}, set()),
        # "what %" asks a share; the "30%" of a scheme's name does not
        ("what % of make it work people stay in IT afterwards?", {"percentage"}, set()),
        ("wat is de 30%-regeling?", {"definition"}, {"percentage"}),
    ],
)
def test_what_is_asked(question: str, asked: set[str], not_asked: set[str]) -> None:
    kinds = analyse(question).kinds
    assert asked <= kinds and not (not_asked & kinds), sorted(kinds)


def test_processing_time_leads_with_the_decision_period_not_a_contracts_length() -> None:
    contract = "For a Blue Card for IT staff you need a contract of at least 6 months with a Dutch employer."
    decision = "The decision period is 30 days with a recognised sponsor and 90 days without one."
    got = answer(
        "What's the IND processing time for a blue card for IT staff?",
        [
            passage(contract, "blauwe-kaart", 0, language="en"),
            passage(decision, "blauwe-kaart-termijn", 1, language="en"),
        ],
    )
    assert "90 days" in got.lead[0].text, got.text


def test_how_much_subsidy_leads_with_the_share() -> None:
    who = "Een samenwerkingsverband van minimaal 2 mkb-bedrijven kan SLIM-subsidie aanvragen voor scholing."
    share = "De SLIM-subsidie is 60% van de kosten van scholing."
    got = answer(
        "we zijn een mkb bedrijf met 12 man, hoeveel slim subsidie kunnen we krijgen voor scholing",
        [passage(who, "slim", 0), passage(share, "slim-bedrag", 1)],
    )
    assert "60%" in got.lead[0].text, got.text


def test_a_yes_no_question_about_study_costs_does_not_lead_with_a_sum() -> None:
    rule = "Een werkgever mag opleidingskosten onbelast vergoeden met de werkkostenregeling."
    norm = "In 2026 moet het belastbare loon minimaal € 48.013 per jaar zijn voor de 30%-regeling van de werkgever."
    got = answer(
        "mag mijn werkgever studiekosten aftrekken van de belasting?",
        [passage(rule, "fiscaal", 0), passage(norm, "dertig-procent", 1)],
    )
    assert "onbelast" in got.lead[0].text, got.text


def test_a_number_the_asker_gives_leads_to_the_rule_that_counts_it() -> None:
    text = (
        "Een werkgever met boetes kan als referent geweigerd worden. Een erkend referent krijgt een versnelde "
        "procedure. Een weigeringsgrond die al bestaat: 3 of meer boetes in 4 jaar, onder meer voor het niet "
        "betalen van het minimumloon."
    )
    got = answer(
        "we hebben 2 boetes gehad van de arbeidsinspectie, kunnen we dan nog erkend referent worden?",
        [passage(text, "referent", 0)],
    )
    assert "3 of meer boetes" in first_words(got, 25), got.text
    assert analyse("ik ben 52 jaar en heb 2 kinderen").quantified == frozenset({"kinde"})  # not the age
    assert not analyse("met hoeveel is het aantal in 2023 gedaald?").quantified  # nor a year


NORM = """Voor een aanvraag in 2026 is het salariscriterium € 5.942 bruto per maand (peildatum 2026).

Het salaris moet daarnaast marktconform zijn: passend bij wat voor die functie gebruikelijk is. Een salaris dat precies op de norm ligt, is dus niet altijd genoeg als de markt voor die functie meer betaalt.

Wisselt een kennismigrant van werkgever? Dan telt de startdatum van het nieuwe contract."""


def test_a_yes_no_question_about_a_claim_gets_the_sentence_that_settles_it_not_the_amount() -> None:
    asked = analyse("we bieden precies het salariscriterium. is dat altijd genoeg voor de ind?")
    assert "amount" not in asked.kinds and "yesno" in asked.kinds
    result = answer(
        "we bieden precies het salariscriterium. is dat altijd genoeg voor de ind?", [passage(NORM, "salaris", 0)]
    )
    assert "marktconform" in first_words(result), result.text
    # the amount asked, or a figure to compare, still wants the amount
    assert "amount" in analyse("is er een maximum bedrag voor slim?").kinds
    assert "amount" in analyse("ik ben 32. krijg ik de blauwe kaart met 5000 euro salaris?").kinds
    assert "amount" in analyse("klopt het dat de looneis voor jonge kennismigranten omhoog gaat?").kinds


def test_an_amount_named_in_a_question_about_a_date_is_its_topic() -> None:
    question = "our new hire switches to us from another dutch employer. which date counts for the salary threshold?"
    assert analyse(question).kinds & {"amount", "salary"} == set()
    assert "amount" in analyse("hoeveel salaris moet een kennismigrant verdienen?").kinds


def test_the_askers_age_does_not_make_an_age_rule_the_answer_to_how_to_apply() -> None:
    loan = LOAN + "\n\nJe vraagt het Levenlanglerenkrediet aan via Mijn DUO. Doe dit vóór de start van je opleiding."
    question = "ben 41, wil in september starten. hoe en wanneer vraag ik dat levenlanglerenkrediet aan?"
    assert {"how", "date"} <= analyse(question).kinds
    result = answer(question, [passage(loan, "llk", 0)])
    assert "Mijn DUO" in first_words(result, 25) and not result.text.startswith("Je moet jonger"), result.text


FUND = """Een O&O-fonds is een fonds van een sector waaruit werkgevers geld kunnen krijgen voor scholing.

Een werkgever vraagt een bijdrage aan bij het fonds van zijn eigen sector.

O&O-fondsen worden beheerd door sociale partners. Het geld komt meestal uit een heffing op de loonsom."""

STOPPED = """Het STAP-budget is per 1 januari 2024 gestopt: je kunt het niet meer aanvragen.

Het kabinet maakte in de Voorjaarsnota 2023 bekend dat STAP zou stoppen, als bezuiniging."""


def test_why_and_who_pays_lead_with_the_reason_and_the_source_of_the_money() -> None:
    assert "funder" in analyse("hoe komt zo'n o&o fonds eigenlijk aan zijn geld?").kinds
    assert "funder" in analyse("en wie betaalt dat eigenlijk?").kinds
    paid = answer("hoe komt zo'n o&o fonds eigenlijk aan zijn geld?", [passage(FUND, "O&O-fondsen", 0)])
    assert "loonsom" in first_words(paid, 30), paid.text
    why = answer("waarom is stap eigenlijk gestopt? was toch populair", [passage(STOPPED, "STAP", 0)])
    assert "bezuiniging" in why.text, why.text


REPORT = """McKinsey publiceerde in juni 2024 het rapport "Netherlands advanced". Daarin staat:
- de verwachte tekorten zijn ca. 105.000 in IT;
- er zijn nu ca. 110 vacatures per 100 werklozen.

Volgens samenvattingen mist 42% van de Europeanen digitale basisvaardigheden. Het EU-doel is 20 miljoen ICT-specialisten."""


def test_a_short_intro_that_leans_brings_its_sentence_and_a_share_counts_what_is_asked() -> None:
    vacancies = answer(
        "hoeveel vacatures zijn er per 100 werklozen volgens mckinsey?", [passage(REPORT, "prognoses", 0)]
    )
    assert "110 vacatures" in first_words(vacancies), vacancies.text
    assert vacancies.lead[0].text.startswith("McKinsey publiceerde"), vacancies.text  # "Daarin staat:" not alone
    share = answer("hoeveel europeanen missen digitale basisvaardigheden?", [passage(REPORT, "prognoses", 0)])
    assert "42%" in first_words(share, 20), share.text


TIGHTENING = """Het kabinet wil de kennismigrantenregeling strenger maken. Het looncriterium voor jonge kennismigranten gaat omhoog.

Werkgevers en meerdere fracties in de Tweede Kamer, onder andere D66 en VVD, waren kritisch over de plannen."""


def test_who_was_critical_of_a_planned_rule_is_answered_from_the_plan_page() -> None:
    question = "die strengere regels voor jonge kennismigranten, welke partijen in de kamer waren daar kritisch over?"
    assert analyse(question).about_status and "who" in analyse(question).kinds
    result = answer(question, [passage(TIGHTENING, "aanscherping", 0, status="planned")])
    assert "D66" in first_words(result), result.text
    assert "count" in analyse("what does mckinsey propose, and how far could the shortage drop?").kinds


MAKE_IT_WORK_ROUTE = """Make IT Work is een route voor zij-instroom naar de IT.

Je hoeft niet zelf een werkgever te zoeken: je ontmoet de bedrijven op een werkgeversmarkt."""


def test_a_question_about_a_programme_is_not_answered_by_what_the_programme_is() -> None:
    # Asked whether you must find an employer yourself, "Make IT Work is een route …" says
    # nothing new; the sentence about the employers' market answers.
    ps = [passage(MAKE_IT_WORK_ROUTE, "make-it-work", 0)]
    rare = {t: 4.0 for t in query_tokens("make it work")}
    result = answer("moet ik bij make it work zelf een werkgever zoeken?", ps, idf=rare)
    assert result.lead[0].text.startswith("Je hoeft niet zelf"), result.text
    what = answer("wat is make it work?", ps, idf=rare)  # asked what it is: the definition answers
    assert what.lead[0].text.startswith("Make IT Work is een route"), what.text
