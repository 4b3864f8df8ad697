"""The web channel: a FastAPI service with a JSON/SSE chat API and an embeddable widget.

``create_app(assistant, settings)`` builds the app; ``serve(assistant)`` runs it with uvicorn.
Like every channel it only calls :class:`assistant.Assistant` and formats its answers.
"""

from .server import create_app, serve

__all__ = ["create_app", "serve"]
