"""The ``wegwijzer`` command and the processes it starts: the one module that composes channels.

Channels never import each other; this module wires them: the terminal commands, the
evaluation tools, and the web service with the Telegram bot mounted inside it (webhook or
polling) when ``WEGWIJZER_TELEGRAM_TOKEN`` is set. A process opens one conversation store
(:class:`~assistant.channels.state.StateStore`) and hands it to the web service and the
bot; the web service runs its retention purge (the bot does when it runs alone).
"""

from __future__ import annotations

import errno
import logging
import os
import socket
import sys
from typing import Annotated, Any, Optional

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")  # before chromadb is first imported

import typer
from fastapi import FastAPI

from assistant import Assistant, Settings, get_settings
from assistant.base.errors import DataDirError, IngestBusyError, SharedStateError
from assistant.channels.cli import commands as terminal
from assistant.channels.cli import feedback
from assistant.channels.state import StateStore
from assistant.evaluation import cli as evaluation

log = logging.getLogger("wegwijzer")

app = typer.Typer(help="Wegwijzer ICT: cited answers from the HCA ICT programme documents.", no_args_is_help=True)
terminal.register(app)
feedback.register(app)
evaluation.register(app)

TELEGRAM_NO_TOKEN = "Telegram bot not started: WEGWIJZER_TELEGRAM_TOKEN is not set"
Answerer = Annotated[
    Optional[str], typer.Option(help="extractive | llm (default: llm when WEGWIJZER_LLM_BASE_URL is set)")
]
Host = Annotated[Optional[str], typer.Option(help="Bind address (default: WEGWIJZER_HOST).")]
Port = Annotated[Optional[int], typer.Option(help="Port (default: WEGWIJZER_PORT, 8000).")]


def build_web_app(assistant: Assistant, settings: Settings | None = None) -> FastAPI:
    """The web service and widget, with the Telegram bot inside it when a token is set;
    both share one conversation store."""
    from assistant.channels.web.server import create_app

    settings = settings or assistant.settings
    store = StateStore.from_settings(settings)
    extensions = []
    if settings.telegram_token:
        from assistant.channels.telegram import mount

        extensions.append(lambda web: mount(web, assistant, settings, store))
    else:
        log.warning(TELEGRAM_NO_TOKEN)
    return create_app(assistant, settings, extensions, store)


def port_free(host: str, port: int) -> bool:
    """Can the service bind ``host:port``? (Asked before uvicorn, to say why it cannot.)"""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                return False
            raise
    return True


def require_free_port(host: str | None, port: int | None) -> None:
    """Stop at once, with the way out, when the service's port is taken (checked before the
    index is loaded or the corpus ingested, so the user does not wait for the bad news)."""
    settings = get_settings()
    host, port = host or settings.host, port or settings.port
    if port_free(host, port):
        return
    print(
        f"Port {port} on {host} is already in use (another Wegwijzer or another program).\n"
        f"Stop that one, or choose another port: `wegwijzer serve --port 8001`, `wegwijzer run --port 8001` "
        f"or WEGWIJZER_PORT=8001 make run.",
        file=sys.stderr,
    )
    raise typer.Exit(code=2)


def serve_web(assistant: Assistant, host: str | None = None, port: int | None = None) -> None:
    """Run the web service (and the bot when a token is set) until Ctrl+C."""
    import uvicorn

    settings = assistant.settings
    updates: dict[str, Any] = {k: v for k, v in {"host": host, "port": port}.items() if v is not None}
    if updates:
        settings = settings.model_copy(update=updates)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    require_free_port(settings.host, settings.port)
    if not assistant.ready:
        print(
            "Warning: no documents are indexed yet; run `wegwijzer ingest` (answers return 503 until then).",
            file=sys.stderr,
        )
    web = build_web_app(assistant, settings)
    base = settings.public_url or f"http://{settings.host}:{settings.port}"
    print(
        f"Wegwijzer ICT web service: {base}/  (widget {base}/widget.js, API docs {base}/docs); stop with Ctrl+C",
        flush=True,
    )
    if not settings.telegram_token:
        print(TELEGRAM_NO_TOKEN, flush=True)
    # X-Forwarded-For is honoured by the app only from WEGWIJZER_TRUSTED_PROXIES, never by uvicorn
    uvicorn.run(web, host=settings.host, port=settings.port, log_level="info", proxy_headers=False)


@app.command()
def serve(host: Host = None, port: Port = None, answerer: Answerer = None) -> None:
    """Run the web service with the embeddable widget (and the Telegram bot when a token is set)."""
    require_free_port(host, port)
    serve_web(Assistant.configured(answerer), host=host, port=port)


@app.command()
def telegram(answerer: Answerer = None) -> None:
    """Run the Telegram bot: long polling here, or in webhook mode inside the web service."""
    from assistant.channels.telegram.bot import run_polling

    assistant = Assistant.configured(answerer)
    if assistant.settings.telegram_token and assistant.settings.telegram_mode == "webhook":
        serve_web(assistant)
        return
    run_polling(assistant, StateStore.from_settings(assistant.settings))


@app.command()
def run(host: Host = None, port: Port = None, answerer: Answerer = None) -> None:
    """What `make run` does after installing: ingest, then serve web + bot."""
    require_free_port(host, port)
    terminal.ingest(rebuild=False)
    serve(host=host, port=port, answerer=answerer)


def cli() -> None:
    """The console entry point: the app, with a data folder Wegwijzer cannot use, an unreachable
    shared Redis, or another process's ingest said in one line (naming the path or address) and
    exit code 2, whichever command ran into it."""
    try:
        app()
    except (DataDirError, SharedStateError, IngestBusyError) as exc:
        print(str(exc), file=sys.stderr)
        raise SystemExit(2) from None


if __name__ == "__main__":
    cli()
