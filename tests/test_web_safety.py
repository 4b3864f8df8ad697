"""Nothing lost, nothing broken: the web service's guards against what its callers send, over
loopback against the real service (uvicorn, the real core).

- X-Forwarded-For counts only from a trusted proxy (``WEGWIJZER_TRUSTED_PROXIES``): from
  anyone else, forged addresses share the sender's one rate limit;
- wrong or missing admin keys are limited per address (429 + Retry-After);
- a request body that stalls gets 408 (``WEGWIJZER_BODY_TIMEOUT_S``) with a JSON ``code``;
- the Telegram webhook answers 200 to anything it cannot use and takes updates larger than
  the API's body limit;
- the OpenAPI document says what the service sends (422 shape, 400, the question's length).
"""

from __future__ import annotations

import functools
import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from live_server import ADMIN_KEY, live_server
from pydantic import SecretStr

from assistant import Assistant, Settings

QUESTION = "Welke subsidie krijg ik om personeel om te scholen naar ICT?"


@pytest.fixture(params=[True, False], ids=["uvicorn-proxy-headers-on", "uvicorn-proxy-headers-off"])
def proxy_headers(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[bool]:
    """Run the server both as uvicorn defaults it (proxy_headers=True, loopback trusted) and as
    it should run behind the service's own check (proxy_headers=False)."""
    monkeypatch.setattr(uvicorn, "Config", functools.partial(uvicorn.Config, proxy_headers=request.param))
    yield request.param


def ask(client: httpx.Client, forwarded_for: str | None = None) -> int:
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    return client.post("/api/chat", json={"message": QUESTION}, headers=headers).status_code


# --- 1. trusted proxies ------------------------------------------------------------------------
def test_forged_forwarded_for_shares_the_senders_limit(
    assistant: Assistant, tmp_path: Path, proxy_headers: bool
) -> None:
    with (
        live_server(assistant, tmp_path, rate_limit_per_minute=2) as url,
        httpx.Client(base_url=url, timeout=60) as client,
    ):
        assert ask(client, "203.0.113.1") == 200
        assert ask(client, "203.0.113.2") == 200
        assert ask(client, "203.0.113.3") == 429  # a new address in the header is no new client
        assert ask(client) == 429


def test_trusted_proxy_gives_each_client_its_own_limit(
    assistant: Assistant, tmp_path: Path, proxy_headers: bool
) -> None:
    with (
        live_server(assistant, tmp_path, rate_limit_per_minute=2, trusted_proxies=["127.0.0.0/8"]) as url,
        httpx.Client(base_url=url, timeout=60) as client,
    ):
        assert [ask(client, "203.0.113.1") for _ in range(2)] == [200, 200]
        assert ask(client, "203.0.113.1") == 429
        assert [ask(client, "203.0.113.2") for _ in range(2)] == [200, 200]
        # the right-most address not a trusted proxy counts: a client cannot prepend its way out
        assert ask(client, "198.51.100.7, 203.0.113.2") == 429
        assert ask(client, "203.0.113.2, 127.0.0.1") == 429


# --- 2. admin key guesses --------------------------------------------------------------------
def test_admin_key_guesses_are_rate_limited(assistant: Assistant, tmp_path: Path) -> None:
    with (
        live_server(assistant, tmp_path, admin_failures_per_minute=3) as url,
        httpx.Client(base_url=url, timeout=60) as client,
    ):
        assert client.get("/admin/stats", headers={"X-Admin-Key": ADMIN_KEY}).status_code == 200  # not counted
        assert client.get("/admin/stats").status_code == 401
        assert client.get("/admin/stats", headers={"X-Admin-Key": "guess-1"}).status_code == 403
        assert client.get("/admin/feedback", headers={"X-Admin-Key": "guess-2"}).status_code == 403
        limited = client.get("/admin/stats", headers={"X-Admin-Key": "guess-3"})
        assert limited.status_code == 429
        body = limited.json()
        assert body["code"] == "rate_limited" and body["scope"] == "admin"
        assert 1 <= int(limited.headers["retry-after"]) <= 60 and body["retry_after"] == int(
            limited.headers["retry-after"]
        )
        # over the limit, even the right key gets no answer: a guess must not tell right from wrong
        assert client.get("/admin/stats", headers={"X-Admin-Key": ADMIN_KEY}).status_code == 429
        assert client.post("/api/chat", json={"message": QUESTION}).status_code == 200  # the public API is not


# --- 3. a stalled body ---------------------------------------------------------------------------
def test_stalled_body_gets_408(assistant: Assistant, tmp_path: Path) -> None:
    with live_server(assistant, tmp_path, body_timeout_s=1.0) as url:
        port = int(url.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(
                b"POST /api/chat HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                b'Content-Length: 200\r\n\r\n{"message": "Welke sub'
            )
            started = time.monotonic()
            raw = b""
            while b"\r\n\r\n" not in raw or not raw.rstrip().endswith(b"}"):
                chunk = sock.recv(4096)
                if not chunk:
                    break
                raw += chunk
            elapsed = time.monotonic() - started
        head, _, body = raw.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 408"), raw
        assert 0.8 <= elapsed < 5, elapsed
        error = json.loads(body)
        assert error["code"] == "body_timeout" and error["detail"]
        # the service still answers everyone else
        assert httpx.post(url + "/api/chat", json={"message": QUESTION}, timeout=60).status_code == 200


# --- 4. the Telegram webhook ---------------------------------------------------------------------
async def test_webhook_answers_200_to_what_it_cannot_use(
    assistant: Assistant, built_settings: Settings, tmp_path: Path
) -> None:
    from test_telegram_bot import TOKEN, BotApiPeer, to_chat, uvicorn_server, web_service_app

    from assistant.channels.telegram import SECRET_HEADER

    peer = BotApiPeer().start()
    try:
        settings = built_settings.model_copy(
            update={
                "data_dir": tmp_path / "bot-data",
                "telegram_token": SecretStr(TOKEN),
                "telegram_api_url": peer.base_url,
                "telegram_mode": "webhook",
                "telegram_webhook_secret": SecretStr("s3cret-Token_42"),
                "telegram_webhook_url": "https://wegwijzer.example.org/telegram/webhook",
            }
        )
        app = web_service_app(assistant, settings)
        secret = {SECRET_HEADER: "s3cret-Token_42", "Content-Type": "application/json"}
        async with uvicorn_server(app) as base, httpx.AsyncClient(base_url=base, timeout=30) as client:

            async def post(body: bytes, headers: dict[str, str] = secret) -> int:
                return (await client.post("/telegram/webhook", content=body, headers=headers)).status_code

            assert await post(b"[]") == 200
            assert await post(b"{not json") == 200
            assert await post(b"") == 200
            assert await post(b'"a string"') == 200
            assert await post(json.dumps({"update_id": 901, "some_future_kind": {"id": 1}}).encode()) == 200
            # the secret check stays
            assert await post(b"[]", {"Content-Type": "application/json"}) == 401
            assert await post(b"[]", {SECRET_HEADER: "guess"}) == 403
            # an update larger than the API's 16 KB body limit is taken and answered
            big = {"update_id": 902, "message": peer.new_message("€" * 4000)}
            data = json.dumps(big).encode()
            assert len(data) > 20_000
            mark = peer.mark()
            assert await post(data) == 200
            await peer.wait_for("sendMessage", to_chat(4242), after=mark)
            # the rest of the API keeps its limit
            api = await client.post("/api/chat", content=data, headers={"Content-Type": "application/json"})
            assert api.status_code == 413 and api.json()["code"] == "body_too_large"
    finally:
        peer.stop()


# --- 5. error bodies and the OpenAPI document ----------------------------------------------------
@pytest.fixture(scope="module")
def served(assistant: Assistant, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with live_server(assistant, tmp_path_factory.mktemp("web-safety"), rate_limit_per_minute=3) as url:
        yield url


def test_every_error_has_a_code(served: str) -> None:
    with httpx.Client(base_url=served, timeout=60) as client:
        cases: list[tuple[httpx.Response, int]] = [
            (client.post("/api/chat", content=b"message=hoi", headers={"Content-Type": "text/plain"}), 422),
            (client.get("/nowhere"), 404),
            (client.put("/api/chat"), 405),
            (client.post("/api/chat", content=b"x" * 20_000, headers={"Content-Type": "application/json"}), 413),
            (client.post("/api/chat", json={"message": ""}), 422),
            (client.post("/api/chat", json={"message": "x" * 1001}), 422),
        ]
        limited = [client.post("/api/chat", json={"message": QUESTION}) for _ in range(4)][-1]
        cases.append((limited, 429))
        # a malformed multipart body is a 400 from the framework
        bad_form = client.post(
            "/api/chat", content=b"--x\r\nbroken", headers={"Content-Type": "multipart/form-data; boundary=x"}
        )
        for response, status in cases:
            assert response.status_code == status, (response.request.url, response.text)
            body = response.json()
            assert isinstance(body["code"], str) and body["code"] and body["detail"], body
        assert bad_form.status_code in (400, 422) and bad_form.json()["code"]
        invalid = cases[4][0].json()
        assert set(invalid) == {"detail", "code", "errors"} and invalid["errors"][0]["loc"] == ["body", "message"]


def test_openapi_says_what_the_service_sends(served: str, assistant: Assistant) -> None:
    document = httpx.get(served + "/openapi.json", timeout=30).json()
    schemas = document["components"]["schemas"]
    assert "HTTPValidationError" not in schemas
    assert schemas["ChatRequest"]["properties"]["message"]["maxLength"] == assistant.settings.max_question_chars
    chat = document["paths"]["/api/chat"]["post"]["responses"]
    assert chat["422"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ValidationErrorPublic"
    }
    assert set(schemas["ValidationErrorPublic"]["properties"]) == {"detail", "code", "errors"}
    assert {"400", "408", "413", "429"} <= set(chat)
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                if status.startswith(("4", "5")) and path != "/readyz":
                    ref = response["content"]["application/json"]["schema"]["$ref"]
                    assert ref.rsplit("/", 1)[1] in ("ErrorPublic", "ValidationErrorPublic"), (method, path, status)
