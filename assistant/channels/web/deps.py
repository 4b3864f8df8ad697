"""FastAPI dependencies: the core, the channel state, the rate limits and the admin key check.

As in the FastAPI full-stack template, each dependency has an ``Annotated`` alias so a
route simply declares ``assistant: AssistantDep``.
"""

from __future__ import annotations

import ipaddress
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import APIKeyHeader

from assistant import Assistant, Settings
from assistant.base.prompts import Texts
from assistant.channels.metrics import Metrics
from assistant.channels.ratelimit import RateLimited, RateLimiter, storage, storage_uri
from assistant.channels.state import StateStore
from assistant.channels.web.cache import Cache

ADMIN_HEADER = "X-Admin-Key"


@dataclass
class Limits:
    """The rate limiters of one app: questions per client IP and per conversation, and the
    other public calls (feedback, forgetting a conversation) per client IP."""

    per_ip: RateLimiter
    per_conversation: RateLimiter
    other_per_ip: RateLimiter
    admin_failures: RateLimiter

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        store = storage(storage_uri(settings))
        return cls(
            per_ip=RateLimiter(settings.rate_limit_per_minute, "web-chat-ip", store),
            per_conversation=RateLimiter(settings.conversation_rate_per_minute, "web-conversation", store),
            other_per_ip=RateLimiter(max(settings.rate_limit_per_minute * 2, 60), "web-other-ip", store),
            admin_failures=RateLimiter(settings.admin_failures_per_minute, "web-admin-failures", store),
        )


# The getters are ``async``: FastAPI runs a plain ``def`` dependency in the thread pool, and
# a thread hop per dependency cost more than the rest of a request's web layer together
# (profiled under load: about 0.4 ms of CPU each, five per chat request).
async def get_assistant(request: Request) -> Assistant:
    return request.app.state.assistant


async def get_state(request: Request) -> StateStore:
    return request.app.state.store


async def get_web_settings(request: Request) -> Settings:
    return request.app.state.settings


async def get_limits(request: Request) -> Limits:
    return request.app.state.limits


async def get_cache(request: Request) -> Cache:
    return request.app.state.answer_cache


async def get_metrics(request: Request) -> Metrics:
    return request.app.state.metrics


async def get_texts(request: Request) -> Texts:
    return request.app.state.texts


AssistantDep = Annotated[Assistant, Depends(get_assistant)]
CacheDep = Annotated[Cache, Depends(get_cache)]
MetricsDep = Annotated[Metrics, Depends(get_metrics)]
StateDep = Annotated[StateStore, Depends(get_state)]
SettingsDep = Annotated[Settings, Depends(get_web_settings)]
LimitsDep = Annotated[Limits, Depends(get_limits)]
TextsDep = Annotated[Texts, Depends(get_texts)]  # prompts/widget.yaml

admin_key_header = APIKeyHeader(
    name=ADMIN_HEADER, auto_error=False, description="The admin API key (WEGWIJZER_ADMIN_API_KEY)."
)


def admin_guessing(limiter: RateLimiter, ip: str) -> int:
    """Seconds ``ip`` must wait before its next admin key attempt (0: it may try). Asked
    before the key is compared, so an address over its limit learns nothing from a guess."""
    if limiter.allows(ip):
        return 0
    return limiter.hit(ip)  # refused: no count added, the seconds to wait


def require_admin(
    request: Request,
    settings: SettingsDep,
    limits: LimitsDep,
    key: Annotated[str | None, Depends(admin_key_header)],
) -> None:
    """401 without a key, 403 with a wrong key or when no admin key is configured; 429 once an
    address has made ``admin_failures_per_minute`` failed attempts in a minute."""
    ip = client_ip(request)
    wait = admin_guessing(limits.admin_failures, ip)
    if wait:
        raise RateLimited(wait, "admin")
    configured = settings.admin_api_key.get_secret_value() if settings.admin_api_key else ""
    if key and configured and secrets.compare_digest(key.encode(), configured.encode()):
        return
    limits.admin_failures.hit(ip)
    if not key:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, f"Missing {ADMIN_HEADER} header.", headers={"WWW-Authenticate": "ApiKey"}
        )
    if not configured:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "The admin API is disabled: WEGWIJZER_ADMIN_API_KEY is not set.")
    raise HTTPException(status.HTTP_403_FORBIDDEN, "Wrong admin API key.")


AdminDep = Depends(require_admin)

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
# uvicorn's ProxyHeadersMiddleware (proxy_headers=True, its default) replaces the peer by an
# X-Forwarded-For entry when the peer is in FORWARDED_ALLOW_IPS (default loopback), with
# port 0 when the entry has none. A real TCP peer never has port 0: seeing it with the header
# present, the peer was such a trusted host, taken here as uvicorn's default, loopback.
UVICORN_REWRITTEN_PEER = "127.0.0.1"


def trusted_networks(entries: Iterable[str]) -> tuple[Network, ...]:
    """``WEGWIJZER_TRUSTED_PROXIES`` parsed: IPs and CIDRs (an IP is a /32 or /128)."""
    return tuple(ipaddress.ip_network(e.strip(), strict=False) for e in entries if e.strip())


def _trusted(host: str, networks: tuple[Network, ...]) -> bool:
    try:
        address = ipaddress.ip_address(host.strip().strip("[]"))
    except ValueError:
        return False
    return any(address in net for net in networks)


def forwarded_client(peer: str, forwarded_for: list[str], networks: tuple[Network, ...]) -> str:
    """The client of a request from ``peer``: ``peer`` itself unless it is a trusted proxy;
    then the right-most X-Forwarded-For address that is not a trusted proxy (or the left-most
    when all are)."""
    if not networks or not forwarded_for or not _trusted(peer, networks):
        return peer
    hops = [hop.strip() for value in forwarded_for for hop in value.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _trusted(hop, networks):
            return hop
    return hops[0] if hops else peer


def client_ip(request: Request) -> str:
    """The caller's address: the direct peer, or what trusted proxies
    (``WEGWIJZER_TRUSTED_PROXIES``) say in X-Forwarded-For; never what anyone else says."""
    networks: tuple[Network, ...] = getattr(request.app.state, "trusted_proxies", ())
    forwarded_for = request.headers.getlist("x-forwarded-for")
    client = request.scope.get("client")
    if not client:
        return "unknown"
    peer, port = str(client[0]), client[1]
    if port == 0 and forwarded_for:
        peer = UVICORN_REWRITTEN_PEER
    return forwarded_client(peer, forwarded_for, networks)
