"""Rate limits and the answer cache shared through a real Redis (``WEGWIJZER_REDIS_URL``).

Two web services (two apps with their own state, as two processes would have, over one
index) share one ``redis-server``: the per-IP limit counts the requests to both, an answer
one of them cached is served complete by the other, and a Redis that goes away mid-way
costs neither its answers. A Redis that is not there at start-up stops the service with one
line naming its address, never its password.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
from live_server import free_port, live_server
from support.redis_server import redis_server, redis_url  # noqa: F401  (redis_url: the session fixture)

from assistant import Answer, Assistant, Final, Profile, Settings
from assistant.channels.ratelimit import DEFAULT_STORAGE, RateLimiter, storage, storage_uri
from assistant.channels.shared import SharedStoreUnavailable, redacted
from assistant.channels.web.cache import AnswerCache, answer_cache, cache_key
from assistant.channels.web.cache_redis import RedisAnswerCache, answer_from_json, answer_json
from assistant.channels.web.routes_chat import Prepared, answer_events

QUESTION = "Welke subsidie krijg ik om personeel om te scholen naar ICT?"
OTHER_QUESTIONS = ("Wat is de SLIM-regeling?", "Bestaat het STAP-budget nog?", "Wat is de Human Capital Agenda ICT?")
DB = 3  # this module's Redis database: its counts and answers start empty, apart from other tests'


@pytest.fixture
def shared(redis_url: str) -> Iterator[str]:
    """This module's database on the session's Redis, emptied before each test."""
    url = redis_url.rsplit("/", 1)[0] + f"/{DB}"
    client = redis.Redis.from_url(url)
    client.flushdb()
    client.close()
    yield url


def ask(base: str, message: str, **extra: Any) -> httpx.Response:
    return httpx.post(f"{base}/api/chat", json={"message": message, **extra}, timeout=60)


def test_the_storage_uri_comes_from_one_place(tmp_path: Path) -> None:
    s = Settings(data_dir=tmp_path, redis_url=None, rate_limit_storage=DEFAULT_STORAGE)
    assert storage_uri(s) == DEFAULT_STORAGE
    assert storage_uri(s.model_copy(update={"redis_url": "redis://cache:6379/2"})) == "redis://cache:6379/2"
    explicit = {"redis_url": "redis://cache:6379/2", "rate_limit_storage": "memcached://mc:11211"}
    assert storage_uri(s.model_copy(update=explicit)) == "memcached://mc:11211"  # an explicit storage wins
    assert storage_uri(s.model_copy(update={"redis_url": "unix:///run/redis.sock"})) == "redis+unix:///run/redis.sock"


def test_the_per_ip_limit_counts_the_requests_to_both_services(
    assistant: Assistant, shared: str, tmp_path: Path
) -> None:
    limit = 4
    settings = {"redis_url": shared, "rate_limit_per_minute": limit}
    with (
        live_server(assistant, tmp_path / "a", **settings) as a,
        live_server(assistant, tmp_path / "b", **settings) as b,
    ):
        statuses = [ask(a, QUESTION).status_code for _ in range(limit // 2)]
        statuses += [ask(b, QUESTION).status_code for _ in range(limit - limit // 2)]
        assert statuses == [200] * limit
        refused = ask(b, QUESTION)  # the (limit+1)-th request in the minute, on the second service
        assert refused.status_code == 429
        assert refused.json()["scope"] == "ip" and 1 <= int(refused.headers["Retry-After"]) <= 60
        assert ask(a, QUESTION).status_code == 429  # and the first one knows it too


def test_an_answer_cached_by_one_service_is_served_complete_by_the_other(
    assistant: Assistant, shared: str, tmp_path: Path
) -> None:
    with (
        live_server(assistant, tmp_path / "a", redis_url=shared) as a,
        live_server(assistant, tmp_path / "b", redis_url=shared) as b,
    ):
        first = ask(a, QUESTION, audience="employer")
        assert first.status_code == 200 and "cached" not in first.json()["timings_ms"]
        second = ask(b, QUESTION, audience="employer")
        assert second.status_code == 200
        fresh, cached = first.json(), second.json()
        assert cached["timings_ms"].get("cached") == 1.0, "the second service answered from the shared cache"
        ids = {"answer_id", "conversation_id", "timings_ms"}
        assert {k: v for k, v in cached.items() if k not in ids} == {k: v for k, v in fresh.items() if k not in ids}
        assert fresh["citations"] and fresh["lead"]
        assert cached["answer_id"] != fresh["answer_id"]  # each request its own record
        other_profile = ask(b, QUESTION, audience="career_switcher").json()
        assert "cached" not in other_profile["timings_ms"]  # another profile is another key

        # the follow-up of the cached answer finds its conversation on the service that served it
        follow_up = ask(b, "En hoe zit dat in Gelderland?", conversation_id=cached["conversation_id"])
        assert follow_up.status_code == 200 and follow_up.json()["conversation_id"] == cached["conversation_id"]

    keys = redis.Redis.from_url(shared).keys("wegwijzer:answers:v1:*")
    assert keys and all(k.decode().startswith("wegwijzer:answers:v1:g") for k in keys)


def test_a_cached_answer_keeps_every_field(assistant: Assistant, shared: str) -> None:
    """What the Redis cache stores is the whole Answer the in-memory one keeps."""
    answer = assistant.answer(QUESTION)
    restored = answer_from_json(answer_json(answer))
    assert isinstance(restored, Answer)
    assert restored.to_dict(with_passages=True) == answer.to_dict(with_passages=True)
    assert restored.search_query == answer.search_query and restored.timings_ms == pytest.approx(answer.timings_ms)
    assert [p.chunk.chunk_id for p in restored.passages] == [p.chunk.chunk_id for p in answer.passages]

    settings = assistant.settings.model_copy(update={"redis_url": shared, "answer_cache_ttl_s": 60})
    cache = answer_cache(settings)
    assert isinstance(cache, RedisAnswerCache)
    key = cache_key(QUESTION, Profile(), generation=7)
    assert cache.get(key) is None
    cache.put(key, answer, cache.generation)
    got = cache.get(key)
    assert got is not None and got.to_dict() == answer.to_dict()
    assert cache.get(cache_key(QUESTION, Profile(), generation=8)) is None  # another index generation: a miss
    ttl = redis.Redis.from_url(shared).pttl(cache.name(key))
    assert 0 < ttl <= 60_000
    stale = cache.generation
    cache.clear()  # a re-ingest here: everything goes, and an answer computed before it is not stored
    assert cache.get(key) is None
    cache.put(key, answer, stale)
    assert cache.get(key) is None and cache.stats()["entries"] == 0
    without = answer_cache(settings.model_copy(update={"redis_url": None}))
    assert isinstance(without, AnswerCache)


def test_a_fallback_answer_is_not_cached() -> None:
    """An LLM outage of a moment must not be served from the (shared) cache for its whole TTL."""

    class Core:
        generation = 4

        def __init__(self, mode: str):
            self.mode = mode

        def stream(self, question: str, turns: Any, profile: Any) -> Iterator[Final]:
            yield Final(Answer(question=question, text="t", citations=[], abstained=False, lang="nl", mode=self.mode))

    prepared = Prepared("c1", [], Profile())
    for mode, stored in (("fallback", 0), ("llm", 1)):
        cache = AnswerCache(8, 60)
        list(answer_events(Core(mode), cache, QUESTION, prepared))  # type: ignore[arg-type]
        assert len(cache) == stored
        assert (cache.get(cache_key(QUESTION, Profile(), generation=4)) is not None) == bool(stored)


def test_clearing_keeps_the_answers_of_the_generation_served_now(assistant: Assistant, shared: str) -> None:
    """A process that moves to a new index generation after another one did clears the old
    generation's answers, not the ones the first process already cached for the new one."""
    answer = assistant.answer(QUESTION)
    served = [7]
    cache = RedisAnswerCache(redis.Redis.from_url(shared), 60, served=lambda: served[0])
    old, new = cache_key(QUESTION, Profile(), generation=7), cache_key(QUESTION, Profile(), generation=8)
    cache.put(old, answer)
    cache.put(new, answer)  # stored by a process already on generation 8
    served[0] = 8
    cache.clear()
    assert cache.get(old) is None and cache.get(new) is not None
    assert cache.stats()["entries"] == 1


def test_redis_going_away_costs_no_answer(
    assistant: Assistant, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Fail open: with Redis gone the limits allow (an error is logged) and the cache misses."""
    with (
        redis_server(tmp_path / "redis") as server,
        live_server(assistant, tmp_path / "web", redis_url=server.url, rate_limit_per_minute=3) as base,
    ):
        assert ask(base, QUESTION).status_code == 200
        server.stop()
        with caplog.at_level(logging.INFO):
            answers = [ask(base, q) for q in (QUESTION, *OTHER_QUESTIONS)]  # more than the limit of 3
        assert [r.status_code for r in answers] == [200] * len(answers)
        assert all(r.json()["answer"] for r in answers)
        assert all("cached" not in r.json()["timings_ms"] for r in answers)
        stats = httpx.get(f"{base}/admin/stats", headers={"X-Admin-Key": "test-admin-key-0123456789"}, timeout=30)
        assert stats.status_code == 200 and stats.json()["answer_cache"]["entries"] == -1
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert any("rate limit storage failed" in m for m in errors), errors
    assert sum("answer cache: Redis failed" in m for m in errors) == 1, "the cache logs an outage once"


def test_an_unreachable_redis_at_start_up_is_one_line_naming_it(assistant: Assistant) -> None:
    port = free_port()  # nothing listens there
    url = f"redis://:s3cret-pw@127.0.0.1:{port}/0"
    settings = assistant.settings.model_copy(update={"redis_url": url})
    for start in (lambda: storage(storage_uri(settings)), lambda: answer_cache(settings)):
        with pytest.raises(SharedStoreUnavailable) as failed:
            start()
        message = str(failed.value)
        assert f"127.0.0.1:{port}" in message and "s3cret" not in message and "\n" not in message
    assert redacted(url) == f"redis://:***@127.0.0.1:{port}/0"
    assert redacted("redis://127.0.0.1:6379/0") == "redis://127.0.0.1:6379/0"


def test_a_limiter_over_redis_fails_open(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with redis_server(tmp_path / "redis") as server:
        limiter = RateLimiter(1, "test-open", storage(server.url))
        assert limiter.hit("k") == 0 and 59 <= limiter.hit("k") <= 60 and not limiter.allows("k")
        server.stop()
        with caplog.at_level(logging.ERROR):
            assert [limiter.hit("k") for _ in range(3)] == [0, 0, 0] and limiter.allows("k")
    assert len([r for r in caplog.records if "rate limit storage failed" in r.getMessage()]) == 1
