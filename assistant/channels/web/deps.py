"""FastAPI dependencies: the core, the channel state, the rate limits and the admin key check.

As in the FastAPI full-stack template, each dependency has an ``Annotated`` alias so a
route simply declares ``assistant: AssistantDep``.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import APIKeyHeader

from assistant import Assistant, Settings
from assistant.base.prompts import Texts
from assistant.channels.ratelimit import RateLimiter, storage, storage_uri
from assistant.channels.state import StateStore
from assistant.channels.web.cache import AnswerCache

ADMIN_HEADER = "X-Admin-Key"


@dataclass
class Limits:
    """The rate limiters of one app: questions per client IP and per conversation, and the
    other public calls (feedback, forgetting a conversation) per client IP."""

    per_ip: RateLimiter
    per_conversation: RateLimiter
    other_per_ip: RateLimiter

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        store = storage(storage_uri(settings))
        return cls(
            per_ip=RateLimiter(settings.rate_limit_per_minute, "web-chat-ip", store),
            per_conversation=RateLimiter(settings.conversation_rate_per_minute, "web-conversation", store),
            other_per_ip=RateLimiter(max(settings.rate_limit_per_minute * 2, 60), "web-other-ip", store),
        )


def get_assistant(request: Request) -> Assistant:
    return request.app.state.assistant


def get_state(request: Request) -> StateStore:
    return request.app.state.store


def get_web_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_limits(request: Request) -> Limits:
    return request.app.state.limits


def get_cache(request: Request) -> AnswerCache:
    return request.app.state.answer_cache


def get_texts(request: Request) -> Texts:
    return request.app.state.texts


AssistantDep = Annotated[Assistant, Depends(get_assistant)]
CacheDep = Annotated[AnswerCache, Depends(get_cache)]
StateDep = Annotated[StateStore, Depends(get_state)]
SettingsDep = Annotated[Settings, Depends(get_web_settings)]
LimitsDep = Annotated[Limits, Depends(get_limits)]
TextsDep = Annotated[Texts, Depends(get_texts)]  # prompts/widget.yaml

admin_key_header = APIKeyHeader(
    name=ADMIN_HEADER, auto_error=False, description="The admin API key (WEGWIJZER_ADMIN_API_KEY)."
)


def require_admin(settings: SettingsDep, key: Annotated[str | None, Depends(admin_key_header)]) -> None:
    """401 without a key, 403 with a wrong key or when no admin key is configured."""
    if not key:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, f"Missing {ADMIN_HEADER} header.", headers={"WWW-Authenticate": "ApiKey"}
        )
    configured = settings.admin_api_key.get_secret_value() if settings.admin_api_key else ""
    if not configured:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "The admin API is disabled: WEGWIJZER_ADMIN_API_KEY is not set.")
    if not secrets.compare_digest(key.encode(), configured.encode()):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "Wrong admin API key.")


AdminDep = Depends(require_admin)


def client_ip(request: Request) -> str:
    """The caller's address (uvicorn resolves X-Forwarded-For from trusted proxies only)."""
    return request.client.host if request.client else "unknown"
