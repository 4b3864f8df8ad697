"""Run a real uvicorn server for the web tests: a free loopback port, a background thread."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import uvicorn

from assistant import Assistant, Settings

ADMIN_KEY = "test-admin-key-0123456789"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def web_settings(assistant: Assistant, data_dir: Path, port: int, **overrides: Any) -> Settings:
    """The assistant's settings with the web parts for one test server (own state directory)."""
    values: dict[str, Any] = {
        "data_dir": data_dir,
        "host": "127.0.0.1",
        "port": port,
        "admin_api_key": ADMIN_KEY,
        "rate_limit_per_minute": 10_000,
        "conversation_rate_per_minute": 10_000,
        "telegram_token": None,
    }
    values.update(overrides)
    # model_copy skips validation: secrets must be SecretStr like the env would make them.
    from pydantic import SecretStr

    if isinstance(values.get("admin_api_key"), str):
        values["admin_api_key"] = SecretStr(values["admin_api_key"])
    return assistant.settings.model_copy(update=values)


@contextmanager
def live_server(assistant: Assistant, data_dir: Path, **overrides: Any) -> Iterator[str]:
    """Start the web service as `wegwijzer serve` composes it, under uvicorn; yields the base URL."""
    from assistant.main import build_web_app

    port = free_port()
    settings = web_settings(assistant, data_dir, port, **overrides)
    app = build_web_app(assistant, settings)
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)
