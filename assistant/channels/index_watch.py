"""Every service process follows the live index generation.

With a shared Chroma server several processes (on one or more machines) answer from the same
index; an ingest started on any of them switches the generation pointer (a file, or a Redis key
with ``WEGWIJZER_REDIS_URL``). Each process checks that pointer every ``generation_poll_s``
seconds and, when it moved, loads the new generation in the background and swaps it in whole
(:meth:`Assistant.follow`): answers under way finish on the old one. With the embedded store
one process owns the index and switches itself after its own ingest, so nothing is watched.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress

from starlette.concurrency import run_in_threadpool

from assistant import Assistant

log = logging.getLogger("wegwijzer.index")


def watches(assistant: Assistant) -> bool:
    """Does this deployment need watching (several processes may read one index)?"""
    return bool(assistant.settings.chroma_url)


@asynccontextmanager
async def follow_generations(assistant: Assistant, on_change: Callable[[], None] | None = None) -> AsyncIterator[None]:
    """While the block runs, follow the live generation (see the module docstring);
    ``on_change`` runs after each move (e.g. to clear an answer cache)."""
    if not watches(assistant):
        yield
        return
    every = max(assistant.settings.generation_poll_s, 0.1)

    async def loop() -> None:
        while True:
            await asyncio.sleep(every)
            try:
                moved = await run_in_threadpool(assistant.follow)
            except Exception:  # the store or Redis away for a moment: keep serving, try again
                log.exception("index: could not check for a new generation")
                continue
            if moved:
                log.info("index: now serving generation %d", assistant.generation)
                if on_change:
                    on_change()

    task = asyncio.create_task(loop())
    try:
        yield
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task
