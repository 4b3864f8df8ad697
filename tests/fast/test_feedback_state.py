"""Feedback that improves the product: what the state stores with each answer and feedback
item, the migration of an older database, the retention purge of texts, and the draft
evaluation cases of ``wegwijzer feedback cases`` (checked with the eval loader itself)."""

from __future__ import annotations

import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from assistant import Answer, Citation, Turn
from assistant.base.types import Contact, Statement
from assistant.channels.cli.feedback import draft_cases, guess_category
from assistant.channels.state import ANSWER_COLUMNS, StateStore
from assistant.evaluation.dataset import load_cases

pytestmark = pytest.mark.fast

OLD_SCHEMA = """
CREATE TABLE conversations (id TEXT PRIMARY KEY, channel TEXT, created REAL, updated REAL, turns TEXT, profile TEXT);
CREATE TABLE answers (id TEXT PRIMARY KEY, conversation_id TEXT, channel TEXT, created REAL, abstained INTEGER,
    mode TEXT, lang TEXT, latency_ms REAL);
CREATE TABLE feedback (id INTEGER PRIMARY KEY AUTOINCREMENT, answer_id TEXT, rating INTEGER, comment TEXT,
    channel TEXT, created REAL);
CREATE TABLE profiles (key TEXT PRIMARY KEY, profile TEXT, updated REAL);
INSERT INTO answers VALUES ('a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0', 'c1', 'web', 1700000000, 0, 'extractive', 'nl', 12.5);
INSERT INTO feedback (answer_id, rating, comment, channel, created)
    VALUES ('a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0', -1, 'oud', 'web', 1700000100);
"""


def slim_answer(question: str = "Wat is de SLIM-regeling?") -> Answer:
    return Answer(
        question=question,
        text="De SLIM-regeling is een subsidie voor werkgevers. [1]\nControleer bij UWV.",
        citations=[
            Citation(1, "regelingen/slim-regeling", "SLIM-regeling", None, "Wat is SLIM?", "…", 0.9, "https://uwv.nl/")
        ],
        abstained=False,
        lang="nl",
        lead=[Statement("De SLIM-regeling is een subsidie voor werkgevers.", [1])],
        notices=["Controleer bij UWV."],
        contacts=[Contact("UWV", "https://uwv.nl/"), Contact("Human Capital Agenda ICT", "https://hcaict.nl/")],
    )


def test_an_older_database_gets_the_new_columns_and_keeps_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    with sqlite3.connect(path) as db:
        db.executescript(OLD_SCHEMA)
    store = StateStore(path)
    with sqlite3.connect(path) as db:
        columns = {row[1] for row in db.execute("PRAGMA table_info(answers)")}
    assert set(ANSWER_COLUMNS) <= columns
    (old,) = store.feedback()
    assert (old["answer_id"], old["rating"], old["comment"]) == ("a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0", -1, "oud")
    assert old["question"] is None and old["citations"] == [] and old["turns"] == []
    # a new answer in the upgraded database is stored whole; opening it again changes nothing
    answer_id = store.record_answer("c2", "web", slim_answer(), 10.0, audience="employer")
    assert StateStore(path).stored_answer(answer_id)["contacts"][0] == {
        "name": "UWV",
        "url": "https://uwv.nl/",
        "email": None,
    }


def test_feedback_carries_question_answer_and_citations_but_no_conversation_id(tmp_path: Path) -> None:
    store = StateStore(tmp_path / "state.sqlite")
    answer_id = store.record_answer(
        "conversation-secret-id", "telegram", slim_answer("En voor het mkb?"), 9.0, turns=[Turn("subsidie", "…")]
    )
    store.add_feedback(answer_id, -1, "Het bedrag ontbreekt.", channel="telegram")
    (item,) = store.feedback()
    assert item["question"] == "En voor het mkb?" and item["turns"] == ["subsidie"]
    assert item["answer"].startswith("De SLIM-regeling is een subsidie")
    assert item["citations"] == [
        {
            "n": 1,
            "doc_id": "regelingen/slim-regeling",
            "title": "SLIM-regeling",
            "location": "Wat is SLIM?",
            "source_url": "https://uwv.nl/",
        }
    ]
    assert "conversation-secret-id" not in repr(item)
    last = store.stored_answer(conversation_id="conversation-secret-id")
    assert last and last["id"] == answer_id and last["choices"] == []
    assert store.feedback(since=time.time() + 60) == []


def test_the_retention_purge_blanks_old_texts_and_keeps_the_counts(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    store = StateStore(path)
    old = store.record_answer("c-old", "web", slim_answer("oude vraag"), 5.0)
    new = store.record_answer("c-new", "web", slim_answer("nieuwe vraag"), 5.0)
    store.add_feedback(old, -1, "oude opmerking")
    store.add_feedback(new, -1, "nieuwe opmerking")
    long_ago = time.time() - 40 * 86400
    with sqlite3.connect(path) as db:
        db.execute("UPDATE answers SET created = ? WHERE id = ?", (long_ago, old))
        db.execute("UPDATE feedback SET created = ? WHERE answer_id = ?", (long_ago, old))
    store.purge(30)
    by_answer = {f["answer_id"]: f for f in store.feedback()}
    assert by_answer[old]["question"] is None and by_answer[old]["answer"] is None
    assert by_answer[old]["comment"] is None and by_answer[old]["citations"] == []
    assert by_answer[new]["question"] == "nieuwe vraag" and by_answer[new]["comment"] == "nieuwe opmerking"
    assert store.stats()["questions"] == 2 and store.stats()["feedback"]["down"] == 2
    assert store.stored_answer(conversation_id="c-old") is None  # no longer linked to its conversation
    assert store.stored_answer(conversation_id="c-new") is not None


def test_category_is_guessed_from_the_cited_documents() -> None:
    assert guess_category([{"doc_id": "kennismigratie/zoekjaar"}, {"doc_id": "regelingen/slim"}]) == "migration"
    assert guess_category([{"doc_id": "en/kennismigratie/zoekjaar"}]) == "migration"
    assert guess_category([{"doc_id": "regio/limburg"}, {"doc_id": "omscholing/codam"}, {"doc_id": "regio/x"}]) == (
        "regional"
    )
    assert guess_category([]) == "programme"


def test_draft_cases_are_valid_eval_cases_with_the_answer_in_comments(tmp_path: Path) -> None:
    store = StateStore(tmp_path / "state.sqlite")
    kept = store.record_answer("c", "web", slim_answer(), 9.0, turns=[Turn("subsidie", "")], audience="employer")
    refusal = Answer(
        question='Wat kost een "paspoort"?', text="Daar kan ik je niet mee helpen.", citations=[], abstained=True,
        lang="nl", mode="refusal",
    )  # fmt: skip
    refused = store.record_answer("c", "telegram", refusal, 3.0)
    store.add_feedback(kept, 1)
    store.add_feedback(kept, -1, "Het bedrag ontbreekt.\nEn de looptijd: #2")
    store.add_feedback(refused, -1, channel="telegram")
    text, count, skipped = draft_cases(store.feedback(), "all stored feedback", datetime(2026, 1, 5, tzinfo=UTC))
    assert (count, skipped) == (2, 0)
    path = tmp_path / "drafts.yaml"
    path.write_text(text, encoding="utf-8")
    cases, _, _ = load_cases(path)
    assert [c.id for c in cases] == ["feedback-002", "feedback-003"]
    first, second = cases
    assert (first.question, first.lang, first.audience, first.category, first.answerable) == (
        "Wat is de SLIM-regeling?",
        "nl",
        "employer",
        "funding",
        True,
    )
    assert first.facts == [] and first.evidence == [] and first.turns == ["subsidie"]
    assert (second.question, second.audience, second.category) == (
        'Wat kost een "paspoort"?',
        "career_switcher",
        "programme",
    )
    assert "#   Het bedrag ontbreekt.\n#   En de looptijd: #2\n" in text
    assert "#   De SLIM-regeling is een subsidie voor werkgevers. [1]\n" in text
    assert "#   [1] regelingen/slim-regeling: SLIM-regeling, Wat is SLIM?\n" in text
    assert "category: funding  # guessed from the cited documents" in text
    assert "the assistant refused" in text
    assert yaml.safe_load(text)[0]["id"] == "feedback-002"


def test_no_thumbs_down_gives_an_empty_list(tmp_path: Path) -> None:
    store = StateStore(tmp_path / "state.sqlite")
    store.add_feedback(store.record_answer("c", "web", slim_answer(), 1.0), 1)
    text, count, skipped = draft_cases(store.feedback(), "all stored feedback")
    assert (count, skipped) == (0, 0) and yaml.safe_load(text) == []
