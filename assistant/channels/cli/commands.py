"""The terminal channel: ``wegwijzer ingest``, ``ask`` and ``chat``.

A thin adapter: it calls :class:`assistant.Assistant` and renders its answers with rich,
from the answer's data: the lead in bold, the points, list items as bullets, each with its
citation numbers, the notices dimmed under the answer, a clarifying question's choices
numbered (in ``chat`` a number picks one), then the sources as footnotes and where to go on
(the answer's contacts), under a panel title that says the answer is automated.
:func:`register` adds the commands to the ``wegwijzer`` app of :mod:`assistant.main`.
"""

from __future__ import annotations

import json
import os
from typing import Annotated, Any, Optional

import typer
from rich.console import Console, Group
from rich.markup import escape
from rich.panel import Panel
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.text import Text

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from assistant import Answer, Assistant, Profile, QuestionError, Turn, WegwijzerError, get_settings
from assistant.base.types import Statement

console = Console()

Answerer = Annotated[
    Optional[str], typer.Option(help="extractive | llm (default: llm when WEGWIJZER_LLM_BASE_URL is set)")
]
NOT_INDEXED = "No documents are indexed yet: run `wegwijzer ingest` (or `make run`) first."


def ready_assistant(answerer: str | None = None) -> Assistant:
    """The configured assistant, or a clear message and exit code 2 when nothing is indexed."""
    assistant = Assistant.configured(answerer)
    if not assistant.ready:
        console.print(f"[red]{NOT_INDEXED}[/]")
        raise typer.Exit(code=2)
    return assistant


def ingest(rebuild: Annotated[bool, typer.Option("--rebuild", help="Drop the index and start fresh.")] = False) -> None:
    """Index every document in the corpus folder; only changed documents are re-embedded."""
    from ingest import run_ingest

    settings = get_settings()
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console
    ) as progress:
        docs = progress.add_task("documents", total=None)
        embed = progress.add_task("embedding", total=0, visible=False)

        def on(event: str, **info: Any) -> None:
            if event == "docs":
                progress.update(docs, total=info["total"])
            elif event == "doc":
                progress.update(docs, advance=1, description=f"documents: {info['name']}")
            elif event == "embed_total":
                progress.reset(embed, total=info["total"], visible=bool(info["total"]))
            elif event == "embedded":
                progress.update(embed, advance=int(info["n"]))

        report = run_ingest(settings, rebuild=rebuild, progress=on)
    for label, items, style in (
        ("added", report.added, "green"),
        ("updated", report.updated, "yellow"),
        ("removed", report.removed, "red"),
    ):
        for item in items:
            console.print(f"[{style}]{label}[/] {item}")
    for path, why in report.failed.items():
        console.print(f"[red bold]failed[/] {path}: {why} (its earlier chunks, if any, are kept)")
    summary = (
        f"{len(report.added)} added, {len(report.updated)} updated, {len(report.removed)} removed, "
        f"{len(report.unchanged)} unchanged; {report.embedded} texts embedded; {report.chunks} chunks in the index "
        f"({report.seconds:.1f} s)"
    )
    console.print(summary if report.changed or report.failed else f"Nothing changed. {summary}")
    if report.failed:
        raise typer.Exit(code=2)


def statement_text(statement: Statement, style: str = "") -> Text:
    """A statement: its text with its citation numbers, then its list items as bullets."""
    line = Text(statement.text, style=style)
    if statement.citations:
        line.append(" " + "".join(f"[{n}]" for n in statement.citations), style="bold cyan")
    for item in statement.items:
        line.append("\n  • " + item)
    return line


def answer_body(answer: Answer) -> Group | Text:
    """The answer as rich renderables: lead, points, notices (without a lead: the plain text)."""
    if not answer.lead:
        return Text(answer.text)
    parts: list[Text] = [statement_text(s, "" if answer.abstained else "bold") for s in answer.lead]
    parts += [statement_text(s) for s in answer.points]
    parts += [Text(notice, style="italic dim") for notice in answer.notices]
    spaced: list[Text] = []
    for part in parts:
        spaced += [part, Text("")]
    return Group(*spaced[:-1])


AUTOMATED = {
    "nl": "automatisch antwoord uit de programmadocumenten",
    "en": "automated answer from the programme documents",
}
ONWARD = {"nl": "Hier kun je verder", "en": "Where to go next"}


def choices_text(answer: Answer) -> Text | None:
    """A clarifying question's choices, numbered."""
    if answer.mode != "clarify" or not answer.choices:
        return None
    return Text("\n".join(f"  {i}. {choice}" for i, choice in enumerate(answer.choices, start=1)), style="cyan")


def print_answer(answer: Answer) -> None:
    style = "yellow" if answer.abstained else "green"
    body = answer_body(answer)
    choices = choices_text(answer)
    if choices is not None:
        body = Group(body, Text(""), choices)
    title = f"Wegwijzer ICT · {AUTOMATED.get(answer.lang, AUTOMATED['nl'])}"
    console.print(Panel(body, title=title, border_style=style))
    if answer.citations:
        console.print(f"[bold]{'Sources' if answer.lang == 'en' else 'Bronnen'}[/]")
    for c in answer.citations:
        where = " — ".join(part for part in (c.title, c.location) if part)
        console.print(f"[bold][{c.n}][/] {escape(where)}")
        passage = c.passage if len(c.passage) < 400 else c.passage[:400].rsplit(" ", 1)[0] + " …"
        marker = "(in Dutch) " if answer.lang == "en" and c.language == "nl" else ""
        console.print(f"    [dim]{escape(marker + passage)}[/]", highlight=False)
        if c.source_url:
            console.print(f"    {escape(c.source_url)}", highlight=False)
    if answer.note:
        console.print(f"[dim]{escape(answer.note)}[/]")
    if answer.contacts:
        where = " · ".join(
            " ".join(part for part in (c.name, c.url or "", c.email or "") if part) for c in answer.contacts
        )
        console.print(f"[bold]{ONWARD.get(answer.lang, ONWARD['nl'])}:[/] {escape(where)}", highlight=False)


def ask(
    question: Annotated[str, typer.Argument(help="Your question, in Dutch or English.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the answer as JSON.")] = False,
    region: Annotated[Optional[str], typer.Option(help="Province to prefer, e.g. friesland.")] = None,
    audience: Annotated[Optional[str], typer.Option(help="career_switcher | employer | staff")] = None,
    answerer: Answerer = None,
) -> None:
    """Answer one question with numbered citations."""
    assistant = ready_assistant(answerer)
    try:
        answer = assistant.answer(question, profile=Profile(audience=audience, region=region), answerer=answerer)  # type: ignore[arg-type]
    except WegwijzerError as exc:
        console.print(f"[red]{escape(str(exc))}[/]")
        raise typer.Exit(code=1) from exc
    if as_json:
        typer.echo(json.dumps(answer.to_dict(with_passages=True), ensure_ascii=False, indent=2))
    else:
        print_answer(answer)


def chat(
    region: Annotated[Optional[str], typer.Option(help="Province to prefer, e.g. friesland.")] = None,
    answerer: Answerer = None,
) -> None:
    """An interactive conversation; follow-up questions use the earlier turns."""
    assistant = ready_assistant(answerer)
    console.print(
        "[bold]Wegwijzer ICT[/] — stel je vraag over omscholen naar ICT, regelingen, kennismigratie of de regio's. "
        "Ask in English if you like. Je praat met een geautomatiseerde assistent: de antwoorden komen uit de "
        "programmadocumenten. [dim](/reset: nieuw gesprek, /quit: stoppen)[/]"
    )
    history: list[Turn] = []
    choices: list[str] = []
    while True:
        try:
            question = console.input("[bold cyan]jij>[/] ").strip()
        except (EOFError, KeyboardInterrupt):
            console.print()
            break
        if question in {"/quit", "/exit", "quit", "exit"}:
            break
        if question == "/reset":
            history.clear()
            console.print("[dim]Nieuw gesprek.[/]")
            continue
        if not question:
            continue
        if question.isdigit() and 1 <= int(question) <= len(choices):  # a choice of the clarifying question
            question = choices[int(question) - 1]
            console.print(f"[dim]→ {escape(question)}[/]")
        try:
            answer = assistant.answer(question, history, Profile(region=region), answerer=answerer)
        except QuestionError as exc:
            console.print(f"[yellow]{escape(str(exc))}[/]")
            continue
        print_answer(answer)
        choices = list(answer.choices) if answer.mode == "clarify" else []
        history.append(Turn(question, answer.text))
        history[:] = history[-6:]


def register(app: typer.Typer) -> None:
    """Add ``ingest``, ``ask`` and ``chat`` to the ``wegwijzer`` app."""
    app.command()(ingest)
    app.command()(ask)
    app.command()(chat)
