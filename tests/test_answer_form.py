"""Every answer to every evaluation question, read as a user reads it: no fragments.

Over all case files in eval/ (tuning and checking sets alike: this checks form, not facts),
no answer holds a list intro without its items, a sentence that leans on one not shown
("Dat moet …" as an opening), the same sentence twice, or a date written as 2026-01.
"""

from __future__ import annotations

import re

import pytest

from assistant import Assistant, Turn
from assistant.answering.units import leans
from assistant.base.settings import PROJECT_ROOT
from assistant.base.text import split_sentences
from assistant.evaluation.dataset import load_cases

ISO_DATE = re.compile(r"\b(19|20)\d\d-(0[1-9]|1[0-2])(-\d\d)?\b")


@pytest.fixture(scope="module")
def answers(assistant: Assistant) -> list[tuple[str, object]]:
    cases, _, _ = load_cases(PROJECT_ROOT / "eval")
    out = []
    for case in cases:
        answer = assistant.answer(case.question, [Turn(t) for t in case.turns])
        out.append((case.id, answer))
    assert len(out) >= 150
    return out


def test_no_list_intro_without_its_items(answers) -> None:
    bad = [
        (cid, st.text)
        for cid, a in answers
        for st in [*a.lead, *a.points]
        if st.text.rstrip().endswith(":") and not st.items
    ]
    assert bad == []


def test_no_answer_opens_a_unit_with_a_sentence_that_leans_on_one_not_shown(answers) -> None:
    bad = [
        (cid, st.text[:80])
        for cid, a in answers
        for st in [*a.lead, *a.points]
        if not a.abstained and st.text and leans(split_sentences(st.text)[0])
    ]
    assert bad == []


def test_nothing_is_said_twice(answers) -> None:
    bad = []
    for cid, a in answers:
        sentences = [s for st in [*a.lead, *a.points] for s in [*split_sentences(st.text), *st.items]]
        if len(sentences) != len(set(sentences)):
            bad.append(cid)
    assert bad == []


def test_dates_are_written_as_people_write_them(answers) -> None:
    bad = [(cid, ISO_DATE.search(a.text).group(0)) for cid, a in answers if ISO_DATE.search(a.text)]
    assert bad == []


def test_every_answer_leads_with_a_statement(answers) -> None:
    assert all(a.lead and a.lead[0].text for _, a in answers)
