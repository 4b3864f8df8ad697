"""The in-memory rate limit storage: the same decisions and waits as ``limits``' own
``MemoryStorage`` (moving window), without a timer thread per hit, and expired counts still
dropped."""

from __future__ import annotations

import threading

import pytest
from limits.storage import MemoryStorage as LimitsMemoryStorage

from assistant.channels import ratelimit
from assistant.channels.ratelimit import MemoryStorage, RateLimiter, storage

pytestmark = pytest.mark.fast


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock()
    import limits.storage.memory

    monkeypatch.setattr(limits.storage.memory.time, "time", clock)  # the module time both storages read
    return clock


def test_memory_uri_opens_the_sweeping_storage() -> None:
    assert isinstance(storage("memory://"), MemoryStorage)


def test_same_decisions_and_waits_as_limits_own_memory_storage(clock: Clock) -> None:
    ours = RateLimiter(5, "chat", MemoryStorage())
    theirs = RateLimiter(5, "chat", LimitsMemoryStorage())
    # bursts, gaps shorter and longer than the window, two keys
    steps = [0.0] * 7 + [10.0] * 3 + [25.0, 0.5, 0.5] + [59.0] * 4 + [61.0] * 6 + [0.1] * 3 + [120.0] * 2
    decisions = []
    for i, step in enumerate(steps):
        clock.now += step
        key = "a" if i % 4 else "b"
        assert ours.allows(key) == theirs.allows(key)
        got = (ours.hit(key), theirs.hit(key))
        assert got[0] == got[1], (i, got)
        decisions.append(got[0])
    assert 0 in decisions and any(decisions), decisions  # both allowed and refused hits happened


def test_no_thread_per_hit_and_expired_entries_are_dropped(clock: Clock, monkeypatch: pytest.MonkeyPatch) -> None:
    store = MemoryStorage()
    limiter = RateLimiter(3, "chat", store)
    started = []
    monkeypatch.setattr(threading.Timer, "start", lambda self: started.append(self))
    for n in range(50):
        limiter.hit(f"user-{n}")
    assert started == []
    assert len(store.events) == 50
    clock.now += 61  # every entry has expired; the next hit after a second of monotonic time sweeps them
    monkeypatch.setattr(ratelimit.time, "monotonic", lambda: store._swept + MemoryStorage.SWEEP_EVERY_S)
    assert limiter.hit("user-new") == 0
    assert sum(len(entries) for entries in store.events.values()) == 1  # only the new hit's entry is left
