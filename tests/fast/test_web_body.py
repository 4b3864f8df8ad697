"""The web API's answer body is made directly from the answer (no pydantic model per answer):
it must be exactly what validating :class:`ChatPublic` and dumping it gives, byte for byte, and
the field-by-field serialisation of the core's data must be exactly ``dataclasses.asdict``."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from assistant import Answer, Citation, Profile, Turn
from assistant.base.types import Contact, SentenceCheck, Statement
from assistant.channels.state import store as state_store
from assistant.channels.web.routes_chat import DONE_FIELDS, DONE_ORDER, json_body, timings
from assistant.channels.web.schemas import ChatPublic, chat_body

pytestmark = pytest.mark.fast

PASSAGE = 'Tekst met "aanhalingstekens", een \\ backslash,\ttab, regels\nen € 2.700 — per leerplaats \u2028 \x01.'


def citation(n: int, page: int | None) -> Citation:
    return Citation(
        n=n,
        doc_id=f"regelingen/doc-{n}",
        title=f"Document {n} (ééN)",
        page=page,
        section=None if page else f"Sectie {n}",
        passage=PASSAGE,
        score=0.1 * n,
        source_url="https://www.uwv.nl/" if n % 2 else None,
        language="nl",
        status="active" if n == 1 else None,
        valid_as_of="2025-03-03" if n == 1 else None,
    )


def answers() -> list[Answer]:
    full = Answer(
        question="Welke subsidie krijg ik?",
        text="De SLIM-subsidie. [1]\n- punt [2]\nLet op.",
        citations=[citation(1, None), citation(2, 16), citation(3, 0)],
        abstained=False,
        lang="nl",
        mode="extractive",
        timings_ms={"embed_ms": 30.123456, "retrieve_ms": 0, "total_ms": 35.555, "big_ms": 123456.789},
        sentences=[SentenceCheck("Zin.", [1], True), SentenceCheck("Weg.", [], False, "unsupported")],
        note="over hoe",
        lead=[Statement("De SLIM-subsidie.", [1])],
        points=[Statement("Lijst:", [2, 3], ["a", "b — c"]), Statement("Los.")],
        notices=["Peildatum maart 2025."],
        choices=[],
        contacts=[Contact("UWV", "https://www.uwv.nl/"), Contact("HCA ICT", None, "info@example.nl")],
        generation=7,
    )
    refusal = Answer("appeltaart?", "Dat staat niet in de documenten.", [], True, "en", "refusal")
    clarify = Answer("hoeveel?", "Waarover?", [], False, "nl", "clarify", choices=["A?", "B?"], generation=None)
    return [full, refusal, clarify]


def asdict_form(answer: Answer) -> dict[str, Any]:
    """What Answer.to_dict gave when it was made with dataclasses.asdict."""
    data = {
        "question": answer.question,
        "answer": answer.text,
        "abstained": answer.abstained,
        "lang": answer.lang,
        "mode": answer.mode,
        "note": answer.note,
        "lead": [dataclasses.asdict(st) for st in answer.lead],
        "points": [dataclasses.asdict(st) for st in answer.points],
        "notices": list(answer.notices),
        "choices": list(answer.choices),
        "contacts": [dataclasses.asdict(c) for c in answer.contacts],
        "citations": [dataclasses.asdict(c) | {"location": c.location} for c in answer.citations],
        "sentences": [dataclasses.asdict(s) for s in answer.sentences],
        "timings_ms": {k: round(v, 2) for k, v in answer.timings_ms.items()},
        "index_generation": answer.generation,
    }
    return data


@pytest.mark.parametrize("answer", answers(), ids=["answer", "refusal", "clarify"])
def test_to_dict_is_asdict_field_by_field(answer: Answer) -> None:
    made = answer.to_dict()
    assert made == asdict_form(answer)
    assert [list(x) for x in made["citations"]] == [list(x) for x in asdict_form(answer)["citations"]]  # same order
    # no shared lists: changing the dict leaves the answer alone (as asdict's copies did)
    for st in made["lead"] + made["points"]:
        st["citations"].append(99)
        st["items"].append("x")
    assert all(99 not in st.citations and "x" not in st.items for st in answer.lead + answer.points)


@pytest.mark.parametrize("kind", [Citation, Statement, Contact, SentenceCheck, Turn, Profile])
def test_every_field_is_serialised(kind: type) -> None:
    """A field added to one of these dataclasses must be added to its serialisation too."""
    names = {f.name for f in dataclasses.fields(kind)}
    sample = {
        Citation: citation(1, 3).to_dict(),
        Statement: Statement("t", [1], ["i"]).to_dict(),
        Contact: Contact("n", "u", "e").to_dict(),
        SentenceCheck: SentenceCheck("t", [1], True, "r").to_dict(),
        Turn: state_store._turn(Turn("q", "a")),
        Profile: state_store._profile(Profile("employer", "limburg", "nl")),
    }[kind]
    assert set(sample) - {"location"} == names


@pytest.mark.parametrize("answer", answers(), ids=["answer", "refusal", "clarify"])
@pytest.mark.parametrize("cached", [False, True])
def test_chat_body_is_the_validated_model(answer: Answer, cached: bool) -> None:
    timings_ms = timings(answer, cached, 12.3456)
    ids = {"answer_id": "a" * 32, "conversation_id": "c" * 32, "timings_ms": timings_ms}
    model = ChatPublic.model_validate(answer.to_dict() | ids)
    body = chat_body(answer, "a" * 32, "c" * 32, timings_ms)
    assert body == model.model_dump()
    assert list(body) == list(model.model_dump())  # field order too
    assert [list(c) for c in body["citations"]] == [list(c) for c in model.model_dump()["citations"]]
    assert json_body(body) == model.model_dump_json().encode()  # the JSON body, byte for byte
    assert {name: body[name] for name in DONE_ORDER} == model.model_dump(include=DONE_FIELDS)
    assert list(DONE_ORDER) == list(model.model_dump(include=DONE_FIELDS))
