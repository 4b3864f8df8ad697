"""The web channel: a FastAPI service with a JSON/SSE chat API and an embeddable widget.

``create_app(assistant, settings, extensions)`` builds the app; :mod:`assistant.main` runs it
with uvicorn (and passes the Telegram bot as an extension). Like every channel it only calls
:class:`assistant.Assistant` and formats its answers.
"""

from assistant.channels.web.server import create_app

__all__ = ["create_app"]
