"""``GET /metrics`` on the real uvicorn service: what the channels record, in Prometheus' text format.

After an answered question, a refused one and a rate-limited request, the counters carry the
right channel, route template, status, mode and scope labels; the generation gauge is the
generation the process serves; /metrics needs no admin key, is not rate limited and is not in
the public OpenAPI document. The Telegram bot inside the web service records into the same
metrics (webhook updates from a local Bot API peer).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
from live_server import live_server
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr
from test_telegram_bot import QUESTION, TOKEN, BotApiPeer, to_chat, uvicorn_server

from assistant import Answer, Assistant, Settings
from assistant.channels.metrics import Metrics
from assistant.channels.shared import served_generation
from assistant.channels.telegram import SECRET_HEADER

ANSWERED = "Welke subsidie krijg ik om personeel om te scholen naar ICT?"
REFUSED = "Wat is het recept voor appeltaart met kaneel?"

pytestmark = pytest.mark.filterwarnings("ignore:.*retry_after.*:DeprecationWarning")


def samples(exposition: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of a Prometheus text exposition: (name, labels) -> value."""
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(exposition)
        for s in family.samples
    }


def value(found: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str) -> float:
    """The sum of the samples of ``name`` whose labels include ``labels`` (0 when none)."""
    wanted = set(labels.items())
    return sum(v for (n, ls), v in found.items() if n == name and wanted <= ls)


def test_metrics_count_answers_refusals_and_rate_limits(assistant: Assistant, tmp_path: Path) -> None:
    with (
        live_server(assistant, tmp_path / "web", rate_limit_per_minute=3) as base,
        httpx.Client(base_url=base, timeout=60) as http,
    ):
        answered = http.post("/api/chat", json={"message": ANSWERED})
        refused = http.post("/api/chat", json={"message": REFUSED})
        assert (answered.status_code, refused.status_code) == (200, 200)
        assert not answered.json()["abstained"] and refused.json()["abstained"]
        conversation = answered.json()["conversation_id"]
        assert http.delete(f"/api/conversations/{conversation}").status_code == 204
        assert http.post("/api/chat", json={"message": ANSWERED}).status_code == 200  # from the cache
        limited = http.post("/api/chat", json={"message": ANSWERED})
        assert limited.status_code == 429

        scrape = http.get("/metrics")  # no admin key, and not rate limited although the IP is over its limit
        assert scrape.status_code == 200 and scrape.headers["content-type"].startswith("text/plain")
        text = scrape.text
        found = samples(text)

        requests = "wegwijzer_requests_total"
        assert value(found, requests, channel="web", route="/api/chat", status="200") == 3
        assert value(found, requests, channel="web", route="/api/chat", status="429") == 1
        assert value(found, requests, channel="web", route="/api/conversations/{conversation_id}", status="204") == 1
        assert conversation not in text, "routes are labelled by their template, never the raw path"
        assert value(found, "wegwijzer_request_duration_seconds_count", channel="web", route="/api/chat") == 4

        answers = "wegwijzer_answers_total"
        mode = answered.json()["mode"]
        assert value(found, answers, channel="web", mode=mode, cached="false") == 1
        assert value(found, answers, channel="web", mode="refusal", cached="false") == 1
        assert value(found, answers, channel="web", cached="true") == 1
        assert value(found, "wegwijzer_answer_duration_seconds_count", channel="web") == 3
        assert value(found, "wegwijzer_refusals_total", channel="web") == 1
        assert ("wegwijzer_llm_fallbacks_total", frozenset({("channel", "web")})) in found  # present, at 0
        assert value(found, "wegwijzer_llm_fallbacks_total", channel="web") == 0
        assert value(found, "wegwijzer_rate_limited_total", channel="web", scope="ip") == 1

        generation = served_generation(assistant)
        assert value(found, "wegwijzer_index_generation") == generation
        if "index_generation" in answered.json():
            assert answered.json()["index_generation"] == generation

        document = http.get("/openapi.json").json()
        assert "/metrics" not in document["paths"]


def test_the_metrics_of_an_answer_come_from_what_the_core_returned() -> None:
    """The channels record from the Answer: mode, refusal, and the LLM fallback (not again when cached)."""
    metrics = Metrics()
    fallback = Answer(question="q", text="t", citations=[], abstained=False, lang="nl", mode="fallback")
    refusal = Answer(question="q", text="t", citations=[], abstained=True, lang="nl", mode="refusal")
    metrics.answered("telegram", fallback, 1.5)
    metrics.answered("web", fallback, 0.01, cached=True)
    metrics.answered("telegram", refusal, 0.2)
    metrics.refused("telegram", "user")
    metrics.serve_generation(lambda: 7)
    found = samples(metrics.exposition().decode())
    assert value(found, "wegwijzer_llm_fallbacks_total", channel="telegram") == 1
    assert value(found, "wegwijzer_llm_fallbacks_total", channel="web") == 0
    assert value(found, "wegwijzer_refusals_total", channel="telegram") == 1
    assert value(found, "wegwijzer_answers_total", channel="web", mode="fallback", cached="true") == 1
    assert value(found, "wegwijzer_rate_limited_total", channel="telegram", scope="user") == 1
    assert value(found, "wegwijzer_index_generation") == 7
    assert samples(Metrics().exposition().decode()) != found  # each app its own registry


async def test_the_bot_inside_the_web_service_records_into_its_metrics(
    assistant: Assistant, built_settings: Settings, tmp_path: Path
) -> None:
    from assistant.main import build_web_app

    peer = BotApiPeer().start()
    try:
        settings = built_settings.model_copy(
            update={
                "data_dir": tmp_path / "bot-data",
                "telegram_token": SecretStr(TOKEN),
                "telegram_api_url": peer.base_url,
                "telegram_mode": "webhook",
                "telegram_webhook_secret": SecretStr("metrics-Secret_1"),
                "telegram_webhook_url": "https://wegwijzer.example.org/telegram/webhook",
                "telegram_rate_per_minute": 1,
            }
        )
        app = build_web_app(assistant, settings)
        async with uvicorn_server(app) as base, httpx.AsyncClient(base_url=base, timeout=30) as client:
            hook = {SECRET_HEADER: "metrics-Secret_1"}
            for n, text in enumerate((QUESTION, "Wat is de SLIM-regeling?")):
                mark = peer.mark()
                update = {"update_id": 700 + n, "message": peer.new_message(text)}
                assert (await client.post("/telegram/webhook", json=update, headers=hook)).status_code == 200
                await peer.wait_for("sendMessage", to_chat(4242), after=mark)
            await asyncio.sleep(0.2)
            found = samples((await client.get("/metrics")).text)
    finally:
        peer.stop()
    assert value(found, "wegwijzer_answers_total", channel="telegram") == 1
    assert value(found, "wegwijzer_answer_duration_seconds_count", channel="telegram") == 1
    assert value(found, "wegwijzer_rate_limited_total", channel="telegram", scope="user") == 1
    assert value(found, "wegwijzer_requests_total", channel="telegram", route="text", status="received") == 2
    assert value(found, "wegwijzer_requests_total", channel="web", route="/telegram/webhook", status="200") == 2
