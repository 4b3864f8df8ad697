"""The retention schedule: the purge, and the daily feedback export beside the database.

Feedback is what the product learns from, so it should outlive a state file that is moved
aside as corrupt: once a day all feedback items (:meth:`StateStore.feedback`: no conversation or
user ids) are written to ``exports/feedback-YYYY-MM-DD.jsonl`` (UTC day) in the data directory.
Each file is complete, written to a temporary file and renamed, so a reader never sees half a
file and two processes writing the same day's file do no harm. Files older than the retention
period are removed, like the texts they carry are purged from the database.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from assistant.base.errors import DataDirError
from assistant.channels.state.store import StateStore

PURGE_EVERY_S = 6 * 3600
EXPORT_DIR = "exports"  # in the data directory

log = logging.getLogger("wegwijzer.state")


def export_feedback(store: StateStore, folder: Path, retention_days: int, today: date | None = None) -> Path | None:
    """Write today's feedback file unless it exists, and remove those older than
    ``retention_days``; returns the file written (None: today's was there)."""
    today = today or datetime.now(UTC).date()
    DataDirError.check(folder, "export folder")
    for old in folder.glob("feedback-????-??-??.jsonl"):
        with suppress(ValueError):
            if date.fromisoformat(old.stem.removeprefix("feedback-")) < today - timedelta(days=retention_days):
                old.unlink(missing_ok=True)
    target = folder / f"feedback-{today.isoformat()}.jsonl"
    if target.exists():
        return None
    items = store.feedback()
    fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.writelines(json.dumps(item, ensure_ascii=False) + "\n" for item in items)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    log.info("feedback export: %d items to %s", len(items), target)
    return target


async def purge_once(store: StateStore, retention_days: int) -> int:
    purged = await asyncio.to_thread(store.purge, retention_days)
    log.info("retention: purged %d conversations older than %d days", purged, retention_days)
    return purged


@asynccontextmanager
async def retention(
    store: StateStore, retention_days: int, export_dir: Path, every_s: float = PURGE_EVERY_S
) -> AsyncIterator[None]:
    """The purge schedule: conversations older than ``retention_days`` are deleted when the
    block starts and every ``every_s`` seconds while it runs; after each purge the day's
    feedback export is written to ``export_dir`` if it is not there yet."""

    async def once() -> None:
        await purge_once(store, retention_days)
        await asyncio.to_thread(export_feedback, store, export_dir, retention_days)

    await once()

    async def loop() -> None:
        while True:
            await asyncio.sleep(every_s)
            try:
                await once()
            except Exception:  # a locked or full disk: try again next time
                log.exception("retention purge or feedback export failed")

    task = asyncio.create_task(loop())
    try:
        yield
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task
