"""The web service over HTTP: a real uvicorn server on a free loopback port, the real core.

Covers the issue's acceptance list: JSON chat with citations and the structured answer
(lead, points, notices), the SSE stream event by event (and its error event), feedback
round trip, conversation deletion, the admin key, stats and feedback export, CORS preflight
allowed/denied, 429 + Retry-After, 422 for a too long message, 413 for a too large body,
a ``code`` in every error body (also the framework's 400/404/405), one conversation store
and one purge schedule, re-ingest during a stream of questions, health.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import re
import shutil
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from live_server import ADMIN_KEY, live_server

from assistant import Assistant, Settings
from assistant.channels.web.schemas import ChatPublic

ALLOWED_ORIGIN = "https://werkgever.example"
EMPLOYER_Q = "Welke subsidie krijg ik om personeel om te scholen naar ICT?"
ADMIN = {"X-Admin-Key": ADMIN_KEY}


@pytest.fixture(scope="module")
def base(assistant: Assistant, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with live_server(
        assistant, tmp_path_factory.mktemp("web-state"), cors_origins=[ALLOWED_ORIGIN], admin_failures_per_minute=1000
    ) as url:
        yield url


@pytest.fixture(scope="module")
def http(base: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base, timeout=60) as client:
        yield client


def chat(http: httpx.Client, message: str, **extra: Any) -> httpx.Response:
    return http.post("/api/chat", json={"message": message, **extra})


def sse_events(response: httpx.Response) -> list[tuple[str, Any]]:
    """Parse a text/event-stream body into (event, data) pairs, as a browser would."""
    events: list[tuple[str, Any]] = []
    event, data = "message", []
    for line in response.iter_lines():
        if line == "":
            if data:
                events.append((event, json.loads("\n".join(data))))
            event, data = "message", []
        elif line.startswith(":"):
            continue
        elif line.startswith("event:"):
            event = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].removeprefix(" "))
    if data:
        events.append((event, json.loads("\n".join(data))))
    return events


# --- health ---------------------------------------------------------------------------
def test_healthz_and_readyz(http: httpx.Client) -> None:
    assert http.get("/healthz").json() == {"status": "ok"}
    ready = http.get("/readyz")
    assert ready.status_code == 200
    body = ready.json()
    assert body["ready"] is True and body["chunks"] > 0 and body["documents"] > 0


# --- JSON chat ------------------------------------------------------------------------
def test_json_chat_answers_with_citations(http: httpx.Client) -> None:
    r = chat(http, EMPLOYER_Q, lang="nl", audience="employer")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/json"
    body = r.json()
    # the body is the documented schema, exactly as pydantic writes it (made without a model per answer)
    assert r.content == ChatPublic.model_validate(body).model_dump_json().encode()
    assert body["abstained"] is False
    assert body["lang"] == "nl"
    assert len(body["answer_id"]) == 32 and len(body["conversation_id"]) == 32
    assert "[1]" in body["answer"]
    assert body["citations"], body
    first = body["citations"][0]
    assert first["n"] == 1 and first["title"] and first["passage"]
    assert "location" in first and "page" in first and "section" in first
    assert any(c["source_url"] and c["source_url"].startswith("http") for c in body["citations"])
    numbers = {c["n"] for c in body["citations"]}
    cited = {int(n) for n in re.findall(r"\[(\d+)\]", body["answer"])}
    assert cited <= numbers, "every [n] in the text has a citation"
    # the structured answer: a lead that answers, points, notices; each statement names its sources
    assert body["lead"] and body["lead"][0]["text"] and body["lead"][0]["citations"]
    statements = body["lead"] + body["points"]
    assert all(set(st) == {"text", "citations", "items"} for st in statements)
    assert {n for st in statements for n in st["citations"]} == numbers
    assert all("[" not in st["text"] for st in statements), "statement texts carry no markers"
    for st in statements:  # the plain text is the same answer
        assert st["text"] in body["answer"] and all(item in body["answer"] for item in st["items"])
    assert isinstance(body["notices"], list) and all(n in body["answer"] for n in body["notices"])
    # a way onward: the bodies behind the sources (each with its official page), then the programme
    assert body["choices"] == []
    assert body["contacts"][-1] == PROGRAMME and len(body["contacts"]) >= 2
    assert all(set(c) == {"name", "url", "email"} and c["name"] for c in body["contacts"])


PROGRAMME = {"name": "Human Capital Agenda ICT", "url": "https://hcaict.nl/", "email": None}  # the defaults


def test_json_chat_refuses_out_of_scope(http: httpx.Client) -> None:
    body = chat(http, "Wat is het recept voor appeltaart met kaneel?").json()
    assert body["abstained"] is True
    assert body["citations"] == []
    assert body["mode"] == "refusal"
    assert [st["text"] for st in body["lead"]] in ([], [body["answer"]])  # the refusal is the lead
    assert body["contacts"] == [PROGRAMME]  # a refusal always says where to go on


def test_clarifying_question_and_a_picked_choice(http: httpx.Client) -> None:
    """A one-word question gets a question back with choices; sending a choice with the
    conversation id is answered, in the same conversation."""
    asked = chat(http, "subsidie", audience="employer").json()
    assert asked["mode"] == "clarify" and not asked["abstained"]
    assert 2 <= len(asked["choices"]) <= 4 and asked["citations"] == []
    assert asked["lead"] and asked["lead"][0]["text"]
    picked = chat(http, asked["choices"][0], conversation_id=asked["conversation_id"]).json()
    assert picked["conversation_id"] == asked["conversation_id"]
    assert picked["mode"] not in ("clarify", "refusal") and picked["citations"] and picked["lead"]


def test_follow_up_keeps_the_conversation(http: httpx.Client) -> None:
    first = chat(http, "Welke ICT-programma's zijn er in Friesland?", audience="employer").json()
    second = chat(http, "En in Limburg?", conversation_id=first["conversation_id"]).json()
    assert second["conversation_id"] == first["conversation_id"]
    assert second["abstained"] is False
    assert any("limburg" in (c["doc_id"] + c["title"] + (c["section"] or "")).lower() for c in second["citations"])


def test_unknown_conversation_id_starts_a_new_one(http: httpx.Client) -> None:
    body = chat(http, EMPLOYER_Q, conversation_id="0" * 32).json()
    assert body["conversation_id"] != "0" * 32


def test_too_long_message_is_a_clear_422(http: httpx.Client) -> None:
    long_nl = ("Ik wil graag weten welke subsidies er zijn voor omscholing naar ICT in mijn bedrijf. " * 15).strip()
    assert len(long_nl) > 1000
    r = chat(http, long_nl)
    assert r.status_code == 422
    body = r.json()
    assert body["code"] == "invalid_question"
    assert "te lang" in body["detail"] and "1000" in body["detail"]
    long_en = ("I would like to know which subsidies exist for retraining my staff for ICT jobs. " * 15).strip()
    r = chat(http, long_en, lang="en")
    assert r.status_code == 422 and "too long" in r.json()["detail"]


def test_empty_or_malformed_requests_are_422(http: httpx.Client) -> None:
    r = chat(http, "")
    assert r.status_code == 422 and r.json()["code"] == "invalid_request" and "message" in r.json()["detail"]
    r = http.post("/api/chat", json={"message": "Hallo?", "audience": "boss"})
    assert r.status_code == 422 and "audience" in r.json()["detail"]
    r = http.post("/api/chat", content=b"{not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 422


def test_too_large_body_is_413(http: httpx.Client) -> None:
    big = json.dumps({"message": "x" * 20_000}).encode()
    r = http.post("/api/chat", content=big, headers={"Content-Type": "application/json"})
    assert r.status_code == 413
    assert r.json()["code"] == "body_too_large"

    def chunks() -> Iterator[bytes]:  # no Content-Length: the limit applies while reading
        yield b'{"message": "'
        for _ in range(40):
            yield b"y" * 1000
        yield b'"}'

    r = http.post("/api/chat", content=chunks(), headers={"Content-Type": "application/json"})
    assert r.status_code == 413


# --- streaming ------------------------------------------------------------------------
def test_stream_sends_meta_deltas_citations_done(http: httpx.Client) -> None:
    payload = {"message": "Hoe werkt de subsidieregeling praktijkleren?", "lang": "nl", "audience": "employer"}
    with http.stream("POST", "/api/chat/stream", json=payload) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        events = sse_events(r)
    names = [e for e, _ in events]
    assert names[0] == "meta"
    assert names[-3:] == ["answer", "citations", "done"]
    assert set(names[1:-3]) == {"delta"} and len(names[1:-3]) >= 2, names
    meta, whole, citations, done = events[0][1], events[-3][1], events[-2][1], events[-1][1]
    assert meta["answer_id"] == done["answer_id"] == whole["answer_id"]
    assert meta["conversation_id"] == done["conversation_id"] == whole["conversation_id"]
    text = "".join(d["text"] for e, d in events if e == "delta")
    assert done["abstained"] is False and citations
    assert "[1]" in text and citations[0]["n"] == 1 and citations[0]["passage"]
    assert whole["citations"] == citations and whole["answer"] == text.rstrip("\n")
    assert whole["lead"] and whole["lead"][0]["citations"]
    assert {k: whole[k] for k in done} == done
    assert whole == ChatPublic.model_validate(whole).model_dump()  # the documented schema, nothing more
    # The same question as JSON gives the same answer: the JSON body is the `answer` event.
    again = chat(http, payload["message"], lang="nl", audience="employer").json()
    assert again["answer"] == text.rstrip("\n")
    ids = {"answer_id", "conversation_id", "timings_ms"}
    assert {k: v for k, v in again.items() if k not in ids} == {k: v for k, v in whole.items() if k not in ids}


def test_stream_reports_errors_as_an_error_event(http: httpx.Client) -> None:
    payload = {"message": "Welke regeling past bij mijn bedrijf en mijn medewerkers? " * 30, "lang": "nl"}
    with http.stream("POST", "/api/chat/stream", json=payload) as r:
        assert r.status_code == 200
        events = sse_events(r)
    assert [e for e, _ in events] == ["meta", "error"]
    error = events[1][1]
    assert error["code"] == "invalid_question" and "te lang" in error["message"]


def test_stream_follow_up_uses_conversation(http: httpx.Client) -> None:
    first = chat(http, "Wat doet de provincie Zeeland aan het ICT-tekort?").json()
    with http.stream(
        "POST", "/api/chat/stream", json={"message": "En Drenthe?", "conversation_id": first["conversation_id"]}
    ) as r:
        events = sse_events(r)
    assert events[0][1]["conversation_id"] == first["conversation_id"]
    assert events[-1][0] == "done"


# --- feedback and conversations ------------------------------------------------------------
def test_feedback_round_trip(http: httpx.Client) -> None:
    answer = chat(http, "Wat is de SLIM-regeling?", audience="employer").json()
    up = http.post("/api/feedback", json={"answer_id": answer["answer_id"], "rating": "up"})
    assert up.status_code == 201 and up.json()["rating"] == "up"
    down = http.post(
        "/api/feedback",
        json={"answer_id": answer["answer_id"], "rating": "down", "comment": '=HYPERLINK("x") bedrag ontbreekt'},
    )
    assert down.status_code == 201

    exported = http.get("/admin/feedback", headers=ADMIN)
    assert exported.status_code == 200
    mine = [f for f in exported.json() if f["answer_id"] == answer["answer_id"]]
    assert [f["rating"] for f in mine] == ["up", "down"]
    assert mine[1]["comment"].endswith("bedrag ontbreekt") and mine[0]["channel"] == "web"
    # what the feedback is about: the question, the answer and its citations; no conversation id
    assert mine[1]["question"] == "Wat is de SLIM-regeling?" and mine[1]["answer"] == answer["answer"]
    assert mine[1]["turns"] == [] and (mine[1]["mode"], mine[1]["lang"]) == (answer["mode"], "nl")
    assert mine[1]["citations"] == [
        {k: c[k] for k in ("n", "doc_id", "title", "location", "source_url")} for c in answer["citations"]
    ]
    assert answer["conversation_id"] not in exported.text

    as_csv = http.get("/admin/feedback", params={"format": "csv"}, headers=ADMIN)
    assert as_csv.status_code == 200 and as_csv.headers["content-type"].startswith("text/csv")
    rows = [r for r in csv.DictReader(io.StringIO(as_csv.text)) if r["answer_id"] == answer["answer_id"]]
    assert [r["rating"] for r in rows] == ["up", "down"]
    assert rows[1]["comment"].startswith("'="), "no spreadsheet formulas in the export"
    assert rows[1]["question"] == "Wat is de SLIM-regeling?" and rows[1]["answer"] == answer["answer"]
    first = answer["citations"][0]
    assert rows[1]["citations"].startswith(f"[1] {first['doc_id']}: {first['title']}")

    # a follow-up's feedback names the earlier question; a question that looks like a formula is quoted
    follow = chat(http, "=1+1 en voor kleine bedrijven?", conversation_id=answer["conversation_id"]).json()
    assert http.post("/api/feedback", json={"answer_id": follow["answer_id"], "rating": "down"}).status_code == 201
    (item,) = [f for f in http.get("/admin/feedback", headers=ADMIN).json() if f["answer_id"] == follow["answer_id"]]
    assert item["turns"] == ["Wat is de SLIM-regeling?"] and item["comment"] is None
    as_csv = http.get("/admin/feedback", params={"format": "csv"}, headers=ADMIN)
    (row,) = [r for r in csv.DictReader(io.StringIO(as_csv.text)) if r["answer_id"] == follow["answer_id"]]
    assert row["question"].startswith("'=1+1")

    assert http.post("/api/feedback", json={"answer_id": "f" * 32, "rating": "up"}).status_code == 404
    assert http.post("/api/feedback", json={"answer_id": answer["answer_id"], "rating": "meh"}).status_code == 422


def test_delete_conversation(http: httpx.Client) -> None:
    first = chat(http, "Hoe neem ik een kennismigrant in dienst?", audience="employer").json()
    cid = first["conversation_id"]
    assert http.delete(f"/api/conversations/{cid}").status_code == 204
    assert http.delete(f"/api/conversations/{cid}").status_code == 404
    # The forgotten id is not continued: the next question starts a new conversation.
    after = chat(http, "En de salarisgrens?", conversation_id=cid).json()
    assert after["conversation_id"] != cid
    assert http.delete("/api/conversations/not-valid!").status_code == 422


# --- admin --------------------------------------------------------------------------------
def test_admin_needs_the_key(http: httpx.Client) -> None:
    for method, path in (
        ("GET", "/admin/stats"),
        ("GET", "/admin/feedback"),
        ("POST", "/admin/reingest"),
        ("GET", "/admin/reingest"),
    ):
        assert http.request(method, path).status_code == 401, path
        assert http.request(method, path, headers={"X-Admin-Key": "wrong"}).status_code == 403, path


def test_every_error_body_has_a_code(http: httpx.Client) -> None:
    """Framework errors answer like the service's own: JSON with `detail` and `code`."""
    expected = [
        (http.get("/no/such/page"), 404, "not_found"),
        (http.get("/api/chat"), 405, "method_not_allowed"),
        (http.delete("/healthz"), 405, "method_not_allowed"),
        (http.get("/admin/stats"), 401, "unauthorized"),
        (http.get("/admin/stats", headers={"X-Admin-Key": "wrong"}), 403, "forbidden"),
        (http.post("/api/feedback", json={"answer_id": "f" * 32, "rating": "up"}), 404, "not_found"),
        (
            http.post("/api/chat", content=b"{not json", headers={"Content-Type": "application/json"}),
            422,
            "invalid_request",
        ),
        (chat(http, "?"), 422, "invalid_question"),
    ]
    for response, status, code in expected:
        assert response.status_code == status, (response.request.url, response.text)
        assert response.headers["content-type"].startswith("application/json")
        body = response.json()
        assert body["code"] == code and body["detail"], body
    assert expected[1][0].headers["allow"] == "POST"
    assert "bestaat niet" in expected[5][0].json()["detail"]  # the service's own message, in Dutch by default
    english = http.post(
        "/api/feedback", json={"answer_id": "f" * 32, "rating": "up"}, headers={"Accept-Language": "en"}
    )
    assert "does not exist" in english.json()["detail"]


def test_admin_stats(http: httpx.Client) -> None:
    chat(http, "Wat is het weer morgen in Utrecht?")
    stats = http.get("/admin/stats", headers=ADMIN)
    assert stats.status_code == 200
    body = stats.json()
    assert body["documents"] > 0 and body["chunks"] > 0
    assert body["questions"] >= 1 and sum(body["questions_per_day"].values()) == body["questions"]
    assert 0 < body["abstention_rate"] < 1
    assert set(body["feedback"]) == {"up", "down"}
    assert {"entries", "hits", "misses"} <= set(body["answer_cache"])
    assert body["document_list"][0]["doc_id"]


def test_admin_disabled_without_configured_key(assistant: Assistant, tmp_path: Path) -> None:
    with live_server(assistant, tmp_path, admin_api_key=None) as url:
        r = httpx.get(f"{url}/admin/stats", headers={"X-Admin-Key": "anything"})
    assert r.status_code == 403 and "WEGWIJZER_ADMIN_API_KEY" in r.json()["detail"]


# --- CORS and headers ---------------------------------------------------------------------
def preflight(http: httpx.Client, origin: str) -> httpx.Response:
    return http.options(
        "/api/chat/stream",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )


def test_cors_preflight_allowed_and_denied(http: httpx.Client, base: str) -> None:
    ok = preflight(http, ALLOWED_ORIGIN)
    assert ok.status_code == 200
    assert ok.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    assert "POST" in ok.headers["access-control-allow-methods"]
    own = preflight(http, base)  # the service's own origin is allowed by default
    assert own.status_code == 200 and own.headers["access-control-allow-origin"] == base

    denied = preflight(http, "https://evil.example")
    assert denied.status_code == 400
    assert "access-control-allow-origin" not in denied.headers
    assert denied.json()["code"] == "cors_denied" and "origin" in denied.json()["detail"]

    actual = http.post("/api/chat", json={"message": EMPLOYER_Q}, headers={"Origin": ALLOWED_ORIGIN})
    assert actual.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    assert "retry-after" in actual.headers["access-control-expose-headers"].lower()
    other = http.post("/api/chat", json={"message": EMPLOYER_Q}, headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers


def test_security_headers_demo_page_widget_and_docs(http: httpx.Client) -> None:
    page = http.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert page.headers["x-content-type-options"] == "nosniff" and page.headers["x-frame-options"] == "DENY"
    assert '<script src="/widget.js" data-audience="employer" data-lang="nl" defer></script>' in page.text

    widget = http.get("/widget.js")
    assert widget.status_code == 200 and widget.headers["content-type"].startswith("text/javascript")
    assert '"__WEGWIJZER_CONFIG__"' not in widget.text, "the UI texts are filled in at serve time"
    assert "Vraag het de Wegwijzer" in widget.text and "Ask the Wegwijzer" in widget.text
    assert widget.headers["cross-origin-resource-policy"] == "cross-origin"
    assert http.get("/widget.js", headers={"If-None-Match": widget.headers["etag"]}).status_code == 304

    api = http.get("/healthz")
    assert api.headers["content-security-policy"] == "default-src 'none'; frame-ancestors 'none'"

    docs = http.get("/docs")
    assert docs.status_code == 200 and "/docs/assets/swagger-ui-bundle.js" in docs.text
    assert http.get("/docs/assets/swagger-ui-bundle.js").status_code == 200
    spec = http.get("/openapi.json").json()
    about = spec["info"]["description"]  # the /docs page: automated answers, and how to reach a person (NL, EN)
    assert "Wegwijzer ICT is een geautomatiseerde assistent, geen medewerker." in about
    assert "Wegwijzer ICT is an automated assistant, not a person." in about
    assert "AI-verordening, artikel 50" in about and "EU AI Act, article 50" in about
    assert "Een mens spreken: [Human Capital Agenda ICT](https://hcaict.nl/)" in about
    assert "To reach a person: [Human Capital Agenda ICT](https://hcaict.nl/)" in about
    chat_op = spec["paths"]["/api/chat"]["post"]
    assert chat_op["summary"]
    assert spec["components"]["schemas"]["ChatRequest"]["examples"][0]["message"]
    stream_doc = spec["paths"]["/api/chat/stream"]["post"]["responses"]["200"]["content"]["text/event-stream"]
    assert "event: delta" in stream_doc["example"]


# --- rate limits --------------------------------------------------------------------------
def test_rate_limits_per_ip_and_per_conversation(assistant: Assistant, tmp_path: Path) -> None:
    with (
        live_server(assistant, tmp_path, rate_limit_per_minute=5, conversation_rate_per_minute=2) as url,
        httpx.Client(base_url=url, timeout=60) as client,
    ):
        first = chat(client, EMPLOYER_Q)
        assert first.status_code == 200
        cid = first.json()["conversation_id"]
        assert chat(client, "En voor kleine bedrijven?", conversation_id=cid).status_code == 200
        assert chat(client, "En in Limburg?", conversation_id=cid).status_code == 200
        limited = chat(client, "En in Utrecht?", conversation_id=cid)
        assert limited.status_code == 429
        body = limited.json()
        assert body["code"] == "rate_limited" and body["scope"] == "conversation"
        assert 1 <= body["retry_after"] == int(limited.headers["retry-after"]) <= 60
        assert f"over {body['retry_after']} seconden" in body["detail"]
        assert chat(client, EMPLOYER_Q).status_code == 200  # 5th request of this IP
        over = client.post("/api/chat/stream", json={"message": EMPLOYER_Q}, headers={"Accept-Language": "en"})
        assert over.status_code == 429
        assert over.json()["scope"] == "ip" and "seconds" in over.json()["detail"]
        assert 1 <= int(over.headers["retry-after"]) <= 60
        assert client.get("/healthz").status_code == 200  # health is never limited
        # feedback and forgetting have their own, larger limit per IP
        assert client.delete("/api/conversations/" + cid).status_code == 204


# --- lifecycle ----------------------------------------------------------------------------
def test_retention_purge_at_startup(assistant: Assistant, tmp_path: Path) -> None:
    from assistant import Turn
    from assistant.channels.state import StateStore

    store = StateStore(tmp_path / "state.sqlite")
    store.append_turn("old0conversation0000000000000000", Turn("oude vraag", "oud antwoord"))
    store.append_turn("new0conversation0000000000000000", Turn("nieuwe vraag", "nieuw antwoord"))
    with sqlite3.connect(tmp_path / "state.sqlite") as db:
        db.execute("UPDATE conversations SET updated = ? WHERE id LIKE 'old%'", (time.time() - 40 * 86400,))
    with live_server(assistant, tmp_path, retention_days=30) as url:
        assert httpx.delete(f"{url}/api/conversations/old0conversation0000000000000000").status_code == 404
        assert httpx.delete(f"{url}/api/conversations/new0conversation0000000000000000").status_code == 204


def test_says_why_the_telegram_bot_is_not_started(
    assistant: Assistant, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from live_server import web_settings

    from assistant.main import build_web_app

    with caplog.at_level(logging.WARNING, logger="wegwijzer"):
        build_web_app(assistant, web_settings(assistant, tmp_path, 8000, telegram_token=None))
    assert "Telegram bot not started: WEGWIJZER_TELEGRAM_TOKEN is not set" in caplog.text


NEW_DOC = """---
title: "Kwartiermakersregeling Digitaal Vakmanschap (testdocument)"
kind: scheme
status: active
valid_as_of: "2026-01-01"
audience: [employer]
region: [national]
language: nl
publisher: "Testcorpus van de webtests"
sources:
  - url: "https://example.org/kwartiermakersregeling"
    type: official
    date: "2026-01"
---

# Kwartiermakersregeling Digitaal Vakmanschap

De Kwartiermakersregeling Digitaal Vakmanschap is een testregeling voor werkgevers die een kwartiermaker
aanstellen om digitaal vakmanschap in hun organisatie op te bouwen. Een werkgever krijgt een bijdrage van
vijfduizend euro per aangestelde kwartiermaker, voor ten hoogste twee kwartiermakers per werkgever.
"""


def test_reingest_during_a_stream_of_questions_loses_no_answer(
    built_settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Answers keep coming (all 200) while a re-ingest runs, each from one index generation (an
    answer of the old one never cites the document only the new one has); afterwards the new
    document is used."""
    from conftest import make_settings

    from ingest import run_ingest

    root = tmp_path_factory.mktemp("reingest")
    corpus = root / "corpus"
    shutil.copytree(built_settings.corpus_dir, corpus)
    settings = make_settings(root / "data", corpus_dir=corpus)
    run_ingest(settings)
    own = Assistant(settings)
    questions = [
        "Welke subsidie krijg ik om personeel om te scholen naar ICT?",
        "Wat is de SLIM-regeling?",
        "Hoe werkt de subsidieregeling praktijkleren?",
        "Bestaat het STAP-budget nog?",
        "Wat doet de provincie Limburg aan het ICT-tekort?",
        "Wat is het doel van de Human Capital Agenda ICT?",
        "Hoeveel krijg ik per kwartiermaker?",
    ]
    statuses: list[int] = []
    answers: list[dict[str, Any]] = []
    during: list[int] = []
    reingest_running = threading.Event()
    stop = threading.Event()
    with live_server(own, root / "web", answer_cache_size=0) as url:

        def ask_forever() -> None:
            with httpx.Client(base_url=url, timeout=60) as client:
                i = 0
                while not stop.is_set():
                    r = chat(client, questions[i % len(questions)])
                    statuses.append(r.status_code)
                    if r.status_code == 200:
                        answers.append(r.json())
                    if reingest_running.is_set():
                        during.append(r.status_code)
                    i += 1

        asker = threading.Thread(target=ask_forever)
        asker.start()
        try:
            with httpx.Client(base_url=url, timeout=300, headers=ADMIN) as admin:
                before = admin.get("/admin/stats").json()["chunks"]
                (corpus / "regelingen" / "kwartiermakersregeling.md").write_text(NEW_DOC, encoding="utf-8")
                started = admin.post("/admin/reingest")
                assert started.status_code == 202 and started.json()["state"] == "running"
                reingest_running.set()
                assert admin.post("/admin/reingest").status_code == 409  # one at a time
                deadline = time.monotonic() + 240
                while (status := admin.get("/admin/reingest").json())["state"] == "running":
                    assert time.monotonic() < deadline, "re-ingest did not finish"
                    time.sleep(0.2)
                reingest_running.clear()
                assert status["state"] == "done", status
                assert status["report"]["added"] == ["regelingen/kwartiermakersregeling"]
                assert admin.get("/admin/stats").json()["chunks"] > before
        finally:
            stop.set()
            asker.join(timeout=120)
        assert len(during) >= 3, f"only {len(during)} questions were asked during the re-ingest"
        assert set(statuses) == {200}, statuses
        old, new = own.generation - 1, own.generation
        assert {a["index_generation"] for a in answers} <= {old, new}
        for a in answers:
            cited = {c["doc_id"] for c in a["citations"]}
            if a["index_generation"] == old:
                assert "regelingen/kwartiermakersregeling" not in cited, (
                    "an old-generation answer cites the new document"
                )
        after = httpx.post(
            f"{url}/api/chat", json={"message": "Hoeveel krijg ik per kwartiermaker?"}, timeout=60
        ).json()
        assert after["abstained"] is False
        assert after["citations"][0]["doc_id"] == "regelingen/kwartiermakersregeling"


def test_chat_body_of_real_answers_is_the_validated_model(assistant: Assistant) -> None:
    """Over real answers (answers, refusals, clarifying questions) the body made directly from
    the answer is what validating ChatPublic and dumping it gives, byte for byte."""
    import yaml

    from assistant.channels.web.routes_chat import json_body, timings
    from assistant.channels.web.schemas import chat_body

    cases = yaml.safe_load((Path(__file__).parent.parent / "eval" / "users.yaml").read_text(encoding="utf-8"))
    cases = cases.get("cases", cases) if isinstance(cases, dict) else cases
    firsts = [(c.get("turns") or [c])[0] for c in cases]
    questions = [f if isinstance(f, str) else f.get("question") for f in firsts]
    questions = [q for q in questions if isinstance(q, str) and q.strip()]
    assert len(questions) >= 40
    modes = set()
    for question in questions[:80]:
        answer = assistant.answer(question)
        modes.add(answer.mode)
        timings_ms = timings(answer, False, 1.0)
        ids = {"answer_id": "a" * 32, "conversation_id": "c" * 32, "timings_ms": timings_ms}
        model = ChatPublic.model_validate(answer.to_dict() | ids)
        assert json_body(chat_body(answer, "a" * 32, "c" * 32, timings_ms)) == model.model_dump_json().encode()
    assert {"extractive", "refusal"} <= modes
