"""The terminal shows what the widget and the bot show: the 'automated' label, a clarifying
question's choices (numbered) and where to go on (the answer's contacts)."""

from __future__ import annotations

import pytest
from rich.console import Console

from assistant import Answer
from assistant.base.types import Contact, Statement
from assistant.channels.cli import commands

pytestmark = pytest.mark.fast


def rendered(answer: Answer, monkeypatch: pytest.MonkeyPatch) -> str:
    console = Console(record=True, width=120, color_system=None)
    monkeypatch.setattr(commands, "console", console)
    commands.print_answer(answer)
    return console.export_text()


def test_clarifying_question_lists_its_choices_numbered(monkeypatch: pytest.MonkeyPatch) -> None:
    ask = "Waar gaat je vraag over?"
    answer = Answer(
        question="subsidie", text=ask, citations=[], abstained=False, lang="nl", mode="clarify",
        lead=[Statement(ask)], choices=["SLIM-regeling", "Subsidieregeling praktijkleren"],
    )  # fmt: skip
    out = rendered(answer, monkeypatch)
    assert "Wegwijzer ICT · automatisch antwoord uit de programmadocumenten" in out
    assert "1. SLIM-regeling" in out and "2. Subsidieregeling praktijkleren" in out


def test_refusal_says_where_to_go_on(monkeypatch: pytest.MonkeyPatch) -> None:
    text = "That is not in the documents."
    answer = Answer(
        question="q", text=text, citations=[], abstained=True, lang="en", mode="refusal", lead=[Statement(text)],
        contacts=[Contact("Human Capital Agenda ICT", "https://hcaict.nl/", "info@example.org")],
    )  # fmt: skip
    out = rendered(answer, monkeypatch)
    assert "Wegwijzer ICT · automated answer from the programme documents" in out
    assert "Where to go next: Human Capital Agenda ICT https://hcaict.nl/ info@example.org" in out
