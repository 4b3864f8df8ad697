"""The ``wegwijzer`` command: ingest, ask, chat (and serve, telegram, eval, run).

A thin adapter: it calls :class:`assistant.Assistant` and formats its answers with rich.
"""

from __future__ import annotations

import json
import os
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from assistant import Answer, Assistant, Profile, QuestionError, Turn, WegwijzerError, get_settings  # noqa: E402

app = typer.Typer(help="Wegwijzer ICT: cited answers from the HCA ICT programme documents.", no_args_is_help=True)
console = Console()

Answerer = Annotated[Optional[str], typer.Option(help="extractive | llm (default: llm when WEGWIJZER_LLM_BASE_URL is set)")]


def make_assistant(answerer: str | None = None) -> Assistant:
    """The one place the CLI builds the core (with the LLM answerer when configured)."""
    settings = get_settings()
    if answerer:
        settings = settings.model_copy(update={"answerer": answerer})
    assistant = Assistant(settings)
    try:
        from assistant.llm import attach_llm
    except ImportError:  # LLM mode not installed in this build
        return assistant
    attach_llm(assistant)
    return assistant


@app.command()
def ingest(rebuild: Annotated[bool, typer.Option("--rebuild", help="Drop the index and start fresh.")] = False) -> None:
    """Index every document in the corpus folder; only changed documents are re-embedded."""
    from ingest import run_ingest

    settings = get_settings()
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console
    ) as progress:
        docs = progress.add_task("documents", total=None)
        embed = progress.add_task("embedding", total=0, visible=False)

        def on(event: str, **info: object) -> None:
            if event == "docs":
                progress.update(docs, total=info["total"])
            elif event == "doc":
                progress.update(docs, advance=1, description=f"documents: {info['name']}")
            elif event == "embed_total":
                progress.reset(embed, total=info["total"], visible=bool(info["total"]))
            elif event == "embedded":
                progress.update(embed, advance=int(info["n"]))  # type: ignore[arg-type]

        report = run_ingest(settings, rebuild=rebuild, progress=on)
    for label, items, style in (
        ("added", report.added, "green"), ("updated", report.updated, "yellow"), ("removed", report.removed, "red")
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


def print_answer(answer: Answer) -> None:
    style = "yellow" if answer.abstained else "green"
    console.print(Panel(escape(answer.text), title="Wegwijzer ICT", border_style=style))
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


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="Your question, in Dutch or English.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the answer as JSON.")] = False,
    region: Annotated[Optional[str], typer.Option(help="Province to prefer, e.g. friesland.")] = None,
    audience: Annotated[Optional[str], typer.Option(help="career_switcher | employer | staff")] = None,
    answerer: Answerer = None,
) -> None:
    """Answer one question with numbered citations."""
    assistant = make_assistant(answerer)
    try:
        answer = assistant.answer(question, profile=Profile(audience=audience, region=region), answerer=answerer)  # type: ignore[arg-type]
    except WegwijzerError as exc:
        console.print(f"[red]{escape(str(exc))}[/]")
        raise typer.Exit(code=1) from exc
    if as_json:
        typer.echo(json.dumps(answer.to_dict(with_passages=True), ensure_ascii=False, indent=2))
    else:
        print_answer(answer)


@app.command()
def chat(
    region: Annotated[Optional[str], typer.Option(help="Province to prefer, e.g. friesland.")] = None,
    answerer: Answerer = None,
) -> None:
    """An interactive conversation; follow-up questions use the earlier turns."""
    assistant = make_assistant(answerer)
    console.print(
        "[bold]Wegwijzer ICT[/] — stel je vraag over omscholen naar ICT, regelingen, kennismigratie of de regio's. "
        "Ask in English if you like. [dim](/reset: nieuw gesprek, /quit: stoppen)[/]"
    )
    history: list[Turn] = []
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
        try:
            answer = assistant.answer(question, history, Profile(region=region), answerer=answerer)
        except QuestionError as exc:
            console.print(f"[yellow]{escape(str(exc))}[/]")
            continue
        print_answer(answer)
        history.append(Turn(question, answer.text))
        history[:] = history[-6:]


@app.command()
def serve(
    host: Annotated[Optional[str], typer.Option(help="Bind address (default from settings).")] = None,
    port: Annotated[Optional[int], typer.Option(help="Port (default from settings).")] = None,
    answerer: Answerer = None,
) -> None:
    """Run the web service with the embeddable widget (and the Telegram bot when a token is set)."""
    from wegwijzer.web.server import serve as run_server

    run_server(make_assistant(answerer), host=host, port=port)


@app.command()
def telegram(answerer: Answerer = None) -> None:
    """Run only the Telegram bot (long polling, or webhook settings permitting)."""
    from wegwijzer.telegram.bot import run_standalone

    run_standalone(make_assistant(answerer))


@app.command()
def run(answerer: Answerer = None) -> None:
    """What `make run` does after installing: ingest, then serve web + bot."""
    ingest(rebuild=False)
    serve(host=None, port=None, answerer=answerer)


@app.command()
def calibrate(
    questions: Annotated[str, typer.Option(help="Labelled questions (YAML).")] = "calibration/relevance.yaml",
    write: Annotated[bool, typer.Option("--write", help="Save the fitted weights to assistant/relevance.yaml.")] = False,
) -> None:
    """Fit the answer/refuse decision on labelled in- and out-of-scope questions."""
    from pathlib import Path

    import yaml

    from assistant.calibration import fit
    from assistant.retrieval import RELEVANCE_MODEL

    result = fit(make_assistant("extractive"), Path(questions))
    console.print(
        f"{result.n} questions; 5-fold cross-validated accuracy {result.cv_accuracy:.3f} "
        f"(answers in-scope {result.cv_in_recall:.3f}, refuses out-of-scope {result.cv_out_recall:.3f})"
    )
    console.print(f"weights: {result.weights}")
    if write:
        RELEVANCE_MODEL.write_text(
            "# Written by `wegwijzer calibrate --write` (logistic regression on calibration/relevance.yaml).\n"
            + yaml.safe_dump({"weights": result.weights}, sort_keys=False)
        )
        console.print(f"saved to {RELEVANCE_MODEL}")


@app.command("verify-eval")
def verify_eval(
    fit: Annotated[bool, typer.Option("--fit", help="Refit the thresholds on the fit split first.")] = False,
    show_errors: Annotated[bool, typer.Option("--errors", help="List the misjudged pairs.")] = False,
) -> None:
    """Precision and recall of the LLM-answer verifier on eval/verification.yaml."""
    from rich.table import Table

    from assistant.verify_eval import report

    r = report(get_settings(), refit=fit, show_errors=show_errors)
    t = r["thresholds"]
    console.print(
        f"thresholds ({'fitted on the fit split' if r['fitted'] else 'shipped defaults'}): "
        f"overlap_keep={t.overlap_keep} overlap_min={t.overlap_min} similarity_keep={t.similarity_keep} "
        f"similarity_keep_cross={t.similarity_keep_cross}"
    )
    table = Table(title="Verifier on labelled sentence–passage pairs (positive = kept)")
    for col in ("split", "pairs", "supported", "kept", "precision", "recall", "false keeps", "false drops"):
        table.add_column(col)
    for split in ("fit", "test", "all"):
        s = r[split]
        table.add_row(split, str(s["pairs"]), str(s["supported"]), str(s["kept"]), f"{s['precision']:.3f}",
                      f"{s['recall']:.3f}", str(s["false_keeps"]), str(s["false_drops"]))
    console.print(table)
    cats = Table(title="Per category")
    for col in ("category", "pairs", "supported", "kept"):
        cats.add_column(col)
    for name, c in sorted(r["categories"].items()):
        cats.add_row(name, str(c["pairs"]), str(c["supported"]), str(c["kept"]))
    console.print(cats)
    console.print(f"sentences needing an embedding (borderline word overlap): {r['embedding_share']:.1%}")
    for e in r.get("errors", []):
        console.print(f"[yellow]{e['kind']}[/] {e['id']} ({e['split']}, {e['category']}): {escape(e['sentence'])} — {escape(e['why'])}")
    ok = r["all"]["precision"] >= r["targets"]["precision"] and r["all"]["recall"] >= r["targets"]["recall"]
    console.print(
        f"targets: precision >= {r['targets']['precision']}, recall >= {r['targets']['recall']}: "
        + ("[green]met[/]" if ok else "[red]NOT met[/]")
    )
    if not ok:
        raise typer.Exit(code=1)


def _register_eval() -> None:
    try:
        from wegwijzer.evaluation.cli import register
    except ImportError:
        return
    register(app)


_register_eval()


if __name__ == "__main__":
    app()
