"""Admin API (header ``X-Admin-Key``): re-ingest without downtime, usage stats, feedback export."""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import logging
import os
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Literal, TypeVar

from fastapi import APIRouter, HTTPException, Query, Request, Response, status
from starlette.concurrency import run_in_threadpool

import ingest
from assistant import Assistant, IngestBusyError
from assistant.channels.web.deps import AdminDep, AssistantDep, StateDep
from assistant.channels.web.schemas import (
    ErrorPublic,
    FeedbackExportItem,
    ReingestReportPublic,
    ReingestStatus,
    StatsPublic,
)

log = logging.getLogger("wegwijzer.web")
router = APIRouter(
    prefix="/admin",
    tags=["admin"],
    dependencies=[AdminDep],
    responses={
        401: {"model": ErrorPublic, "description": "No X-Admin-Key header."},
        403: {"model": ErrorPublic, "description": "Wrong key, or the admin API is disabled (no key configured)."},
        429: {
            "model": ErrorPublic,
            "description": "Too many wrong or missing keys from this address; see Retry-After.",
        },
    },
)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


T = TypeVar("T")
BACKGROUND_NICE = 10


async def in_background_thread(fn: Callable[..., T], *args: Any) -> T:
    """``fn(*args)`` in a thread of its own at a lower CPU priority (nice +10; Linux schedules
    threads one by one): a re-ingest shares the cores with the answers being served, and the
    answers should win. A thread of its own, because a thread cannot raise its priority back
    without privileges and pool threads are reused for answers."""
    loop = asyncio.get_running_loop()
    done: asyncio.Future[T] = loop.create_future()

    def work() -> None:
        with contextlib.suppress(OSError, AttributeError):  # not Linux, or not allowed: normal priority
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), BACKGROUND_NICE)
        try:
            result = fn(*args)
        except BaseException as exc:
            loop.call_soon_threadsafe(settle, None, exc)
        else:
            loop.call_soon_threadsafe(settle, result, None)

    def settle(result: T | None, exc: BaseException | None) -> None:
        if done.done():  # the waiting request went away
            return
        if exc is not None:
            done.set_exception(exc)
        else:
            done.set_result(result)  # type: ignore[arg-type]

    threading.Thread(target=work, name="reingest", daemon=True).start()
    return await done


class ReingestJob:
    """At most one re-ingest at a time, in a worker thread; answers keep using the old index
    until the core swaps in the new one."""

    def __init__(self, assistant: Assistant, on_done: Callable[[], None] | None = None):
        self.assistant = assistant
        self.on_done = on_done  # e.g. clear the answer cache once the new index is in use
        self.status = ReingestStatus(state="idle")
        self.task: asyncio.Task[None] | None = None
        self.busy = False  # the last run found another process's ingest running

    @property
    def running(self) -> bool:
        return self.task is not None and not self.task.done()

    def start(self) -> asyncio.Task[None]:
        if self.running:
            raise RuntimeError("a re-ingest is already running")
        self.status = ReingestStatus(state="running", started=_now())
        self.task = asyncio.create_task(self._run())
        return self.task

    async def _run(self) -> None:
        try:
            report = await in_background_thread(ingest.reingest, self.assistant)
        except Exception as exc:  # reported in the status; the old index stays in use
            # IngestBusyError: another process builds a generation, and every process will follow it
            self.busy = isinstance(exc, IngestBusyError)
            if not self.busy:
                log.exception("re-ingest failed")
            self.status = self.status.model_copy(update={"state": "failed", "finished": _now(), "error": str(exc)})
            return
        self.busy = False
        if self.on_done:
            self.on_done()
        summary = ReingestReportPublic(
            added=list(report.added),
            updated=list(report.updated),
            removed=list(report.removed),
            unchanged=len(report.unchanged),
            failed=dict(report.failed),
            kept=list(report.kept),
            repaired=list(report.repaired),
            resumed=report.resumed,
            generation=report.generation,
            chunks=report.chunks,
            embedded=report.embedded,
            seconds=round(report.seconds, 2),
        )
        log.info(
            "re-ingest done: generation %d, %d added, %d updated, %d removed, %d failed, %d repaired, %d chunks",
            report.generation,
            len(report.added),
            len(report.updated),
            len(report.removed),
            len(report.failed),
            len(report.repaired),
            report.chunks,
        )
        for path, why in report.failed.items():
            log.warning("re-ingest: failed %s: %s (its earlier chunks, if any, are kept)", path, why)
        self.status = self.status.model_copy(update={"state": "done", "finished": _now(), "report": summary})


def job(request: Request) -> ReingestJob:
    return request.app.state.reingest


@router.post(
    "/reingest",
    response_model=ReingestStatus,
    status_code=status.HTTP_202_ACCEPTED,
    responses={
        200: {"model": ReingestStatus, "description": "With `wait=true`: the finished re-ingest."},
        409: {"model": ErrorPublic, "description": "A re-ingest is already running (here or in another process)."},
    },
    summary="Run the incremental ingest without stopping the service",
    description="Only changed documents are re-embedded. Answers keep working during the ingest and "
    "switch to the new index when it is complete. Returns 202 at once (poll `GET /admin/reingest`), "
    "or waits with `wait=true`.",
)
async def reingest(request: Request, response: Response, wait: bool = Query(False)) -> ReingestStatus:
    current = job(request)
    try:
        task = current.start()
    except RuntimeError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from exc
    if wait:
        await asyncio.shield(task)
        if current.busy:
            raise HTTPException(status.HTTP_409_CONFLICT, current.status.error or "a re-ingest is already running")
        response.status_code = status.HTTP_200_OK
    return current.status


@router.get("/reingest", response_model=ReingestStatus, summary="State of the last re-ingest")
async def reingest_status(request: Request) -> ReingestStatus:
    return job(request).status


@router.get("/stats", response_model=StatsPublic, summary="Documents, chunks, questions per day, abstention, feedback")
async def stats(request: Request, assistant: AssistantDep, state: StateDep) -> StatsPublic:
    usage = await run_in_threadpool(state.stats)
    documents = assistant.documents()
    return StatsPublic(
        documents=len(documents),
        chunks=assistant.retriever.size,
        document_list=documents,
        reingest=job(request).status,
        answer_cache=request.app.state.answer_cache.stats(),
        **usage,
    )


def _export_rows(rows: list[dict[str, Any]]) -> list[FeedbackExportItem]:
    return [
        FeedbackExportItem(
            id=r["id"],
            answer_id=r["answer_id"],
            rating="up" if r["rating"] > 0 else "down",
            comment=r["comment"],
            channel=r["channel"],
            created=datetime.fromtimestamp(r["created"], UTC).isoformat(timespec="seconds"),
            question=r["question"],
            turns=r["turns"],
            answer=r["answer"],
            citations=r["citations"],
            mode=r["mode"],
            lang=r["lang"],
        )
        for r in rows
    ]


def _csv_cell(value: Any) -> Any:
    """A spreadsheet cell: lists flattened; text that a spreadsheet would run as a formula quoted."""
    if isinstance(value, list):
        value = "; ".join(
            f"[{v['n']}] {v['doc_id']}: {v['title']}" + (f", {v['location']}" if v["location"] else "")
            if isinstance(v, dict)
            else str(v)
            for v in value
        )
    if isinstance(value, str) and value and value[0] in "=+-@\t\r":
        return "'" + value
    return value


@router.get(
    "/feedback",
    response_model=list[FeedbackExportItem],
    responses={
        200: {
            "content": {
                "text/csv": {
                    "example": "id,answer_id,rating,comment,channel,created,question,turns,answer,citations,mode,lang\n"
                }
            }
        }
    },
    summary="Export all feedback with its question, answer and citations (JSON, or CSV with format=csv)",
    description="Question, answer and comment texts are kept for the retention period, then they are empty. "
    "`wegwijzer feedback cases` turns the 👎 items into draft evaluation cases.",
)
async def feedback_export(state: StateDep, format: Literal["json", "csv"] = Query("json")) -> Any:
    items = _export_rows(await run_in_threadpool(state.feedback))
    if format == "json":
        return items
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(FeedbackExportItem.model_fields))
    writer.writeheader()
    for item in items:
        writer.writerow({k: _csv_cell(v) for k, v in item.model_dump().items()})  # no formulas in a spreadsheet
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="wegwijzer-feedback.csv"'},
    )
