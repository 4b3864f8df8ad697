"""The streamed answer's events come from one worker thread: in order, with the core's
exception raised to the route, and the core's stream closed when the client goes away."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator

import pytest

from assistant.channels.web.routes_chat import in_one_thread

pytestmark = pytest.mark.fast


def test_events_in_order_from_one_thread() -> None:
    threads: set[int] = set()

    def events() -> Iterator[int]:
        for n in range(20):
            threads.add(threading.get_ident())
            yield n

    async def collect() -> list[int]:
        return [n async for n in in_one_thread(events())]

    assert asyncio.run(collect()) == list(range(20))
    assert len(threads) == 1 and threading.get_ident() not in threads


def test_an_exception_of_the_stream_is_raised_to_the_consumer() -> None:
    def events() -> Iterator[str]:
        yield "a"
        raise ValueError("te lang")

    async def collect(got: list[str]) -> None:
        async for item in in_one_thread(events()):
            got.append(item)

    got: list[str] = []
    with pytest.raises(ValueError, match="te lang"):
        asyncio.run(collect(got))
    assert got == ["a"]


def test_a_consumer_that_stops_early_stops_and_closes_the_stream() -> None:
    closed = threading.Event()
    made: list[int] = []

    def events() -> Iterator[int]:
        try:
            for n in range(1000):
                made.append(n)
                yield n
                threading.Event().wait(0.002)
        finally:
            closed.set()

    async def first_two() -> list[int]:
        got = []
        stream = in_one_thread(events())
        async for n in stream:
            got.append(n)
            if len(got) == 2:
                break
        await stream.aclose()
        await asyncio.to_thread(closed.wait, 5)
        return got

    assert asyncio.run(first_two()) == [0, 1]
    assert closed.is_set() and len(made) < 1000
