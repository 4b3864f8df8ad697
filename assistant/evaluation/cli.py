"""``wegwijzer eval``, ``calibrate`` and ``verify-eval``: the offline tools programme staff and
developers run.

``eval`` runs the evaluation sets, prints the scores and gates on thresholds.

Exit codes: 0 all thresholds met, 1 a metric fell below its threshold (CI gates on
this), 2 the evaluation could not run (bad dataset, no index, LLM not configured).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from assistant import Assistant, get_settings
from assistant.base.settings import PROJECT_ROOT
from assistant.evaluation.dataset import NOT_CASE_FILES, DatasetError, load_cases
from assistant.evaluation.gates import EvalError, load_thresholds
from assistant.evaluation.metrics import DISPLAY, delta_style, fmt, fmt_delta
from assistant.evaluation.runner import EvalOutcome, resolve_answerers, run_eval

EVAL_DIR = PROJECT_ROOT / "eval"
RUNS_DIR = EVAL_DIR / "runs"
DEFAULT_THRESHOLDS = EVAL_DIR / "thresholds.yaml"
console = Console()


def latest_run(exclude: Path | None = None) -> Path | None:
    """The newest run folder under eval/runs with a summary.json."""
    if not RUNS_DIR.exists():
        return None
    runs = sorted(p for p in RUNS_DIR.iterdir() if (p / "summary.json").exists() and p != exclude)
    return runs[-1] if runs else None


def print_summary(outcome: EvalOutcome) -> None:
    summary = outcome.summary
    runs = summary["runs"]
    deltas = (summary.get("compare") or {}).get("deltas") or {}
    table = Table(title=f"Wegwijzer ICT eval — {summary['n_cases']} cases", show_lines=False)
    table.add_column("metric", no_wrap=True)
    for name in runs:
        table.add_column(name, justify="right")
        if name in deltas:
            table.add_column("Δ", justify="right")
    for key, label, kind in DISPLAY:
        values = [runs[n]["overall"].get(key) for n in runs]
        if all(v is None for v in values) and key.startswith(("llm_", "first_")):
            continue
        cells: list[str] = [label]
        for name in runs:
            cells.append(fmt(runs[name]["overall"].get(key), kind))
            if name in deltas:
                d = deltas[name].get(key)
                if d is None or abs(d["delta"]) < 1e-9:
                    cells.append("[dim]–[/]")
                else:
                    style = {"up": "green", "down": "red"}.get(delta_style(key, d["delta"]), "dim")
                    cells.append(f"[{style}]{fmt_delta(d['delta'], kind)}[/]")
        table.add_row(*cells)
    console.print(table)

    first = next(iter(runs))
    cat = Table(title=f"per category / language ({first})")
    cat.add_column("group", no_wrap=True, min_width=13)
    for col in ("n", "hit@5", "MRR", "facts", "1st 40", "cit.prec", "abst.rec", "passed"):
        cat.add_column(col, justify="right")
    groups_shown = [("", runs[first]["by_category"]), ("lang ", runs[first]["by_language"])]
    if len(runs[first].get("by_dataset") or {}) > 1:
        groups_shown.append(("file ", runs[first]["by_dataset"]))
    for title, groups in groups_shown:
        for name, m in groups.items():
            cat.add_row(
                f"{title}{name}",
                str(m["n_cases"]),
                fmt(m["hit@5"], "ratio"),
                fmt(m["mrr"], "ratio"),
                fmt(m["fact_recall"], "ratio"),
                fmt(m.get("first40"), "ratio"),
                fmt(m["citation_precision"], "ratio"),
                fmt(m["abstention_recall"], "ratio"),
                f"{m['passed']}/{m['n_cases']}",
            )
    console.print(cat)

    answer_base = summary.get("answer_baseline")
    if answer_base:
        from assistant.evaluation.report import ANSWER_BASELINE_ROWS

        ab = Table(title=f"answers vs baseline ({answer_base['system']}), same run")
        ab.add_column("metric", no_wrap=True)
        for name in runs:
            ab.add_column(name, justify="right")
        ab.add_column("baseline", justify="right")
        for key, label, kind in ANSWER_BASELINE_ROWS:
            ab.add_row(
                label,
                *[fmt(runs[n]["overall"].get(key), kind) for n in runs],
                fmt(answer_base["overall"].get(key), kind),
            )
        console.print(ab)
        for name, beats in (answer_base.get("beats_on_fact_recall") or {}).items():
            verdict = "n/a" if beats is None else ("[green]yes[/]" if beats else "[red]no[/]")
            console.print(f"{escape(name)} beats the baseline on fact recall: {verdict}")

    if summary.get("baselines"):
        base = Table(title="retrieval: ours vs baselines (same run)")
        cols = [("hit@1", "hit@1"), ("hit@3", "hit@3"), ("hit@5", "hit@5"), ("mrr", "MRR"), ("ndcg@5", "nDCG@5")]
        base.add_column("system", no_wrap=True)
        for _, label in cols:
            base.add_column(label, justify="right")
        base.add_column("p50", justify="right")
        for name, m in summary["baselines"].items():
            base.add_row(name, *[fmt(m.get(k), "ratio") for k, _ in cols], fmt(m.get("retrieval_p50_ms"), "ms"))
        console.print(base)

    cmp = summary.get("compare")
    if cmp:
        flipped = cmp.get("flipped") or []
        console.print(
            f"Compared with {escape(cmp['previous_dir'])} (Δ on {escape(cmp.get('deltas_on', 'all cases'))}): "
            f"{len(flipped)} case(s) flipped"
        )
        for f in flipped:
            style = "green" if f["now"] == "pass" else "red"
            console.print(
                f"  [{style}]{f['now']}[/] {escape(f['id'])} ({escape(str(f['answerer']))}): {escape(f['question'])}"
            )
    for name, why in (summary.get("skipped_answerers") or {}).items():
        console.print(f"[yellow]answerer {name} not run: {escape(why)}[/]")
    stale = summary.get("stale_index") or []
    if stale:
        console.print(
            f"[yellow bold]The index differs from corpus/ in {len(stale)} document(s)[/]: these scores are for "
            "the index as it is; run `wegwijzer ingest` first to measure the current documents."
        )
        for line in stale[:5]:
            console.print(f"  [dim]{escape(line)}[/]")
    warnings = summary.get("dataset_warnings") or []
    if warnings:
        console.print(
            f"[yellow]{len(warnings)} dataset warning(s)[/] (evidence/facts found in no indexed passage; see report)"
        )
        for w in warnings[:5]:
            console.print(f"  [dim]{escape(w)}[/]")
    gate = summary["gate"]
    scope = gate.get("datasets")
    on = f", on the {gate.get('n_cases')} cases of {', '.join(scope)}" if scope else ""
    if gate.get("thresholds_file") is None:
        console.print("[yellow]No thresholds file: the gate is off.[/]")
    elif scope and not gate.get("n_cases"):
        console.print(f"[yellow]No case file of the gate ran: nothing gated[/] ({escape(gate['thresholds_file'])})")
    elif gate["passed"]:
        console.print(f"[green bold]Thresholds met[/] ({escape(gate['thresholds_file'] + on)})")
    else:
        console.print(f"[red bold]Below thresholds[/] ({escape(gate['thresholds_file'] + on)}):")
        for v in gate["violations"]:
            console.print(f"  [red]{escape(v)}[/]")
    d = summary["duration_s"]
    console.print(
        f"{d['cases']:.1f} s for the cases, {d['total']:.1f} s in total. Written to {escape(str(outcome.out_dir))}: "
        "results.jsonl, summary.json, report.html"
    )


def eval_command(
    dataset: Annotated[
        Optional[list[Path]],
        typer.Option("--dataset", help="Case file or folder (repeatable). Default: every case file in eval/."),
    ] = None,
    out: Annotated[Optional[Path], typer.Option(help="Output folder. Default: eval/runs/<timestamp>.")] = None,
    k: Annotated[int, typer.Option(help="Passages scored for retrieval (hit@k, MRR, nDCG@5).", min=1)] = 5,
    compare: Annotated[
        Optional[str], typer.Option(help="A previous run folder to compare with ('latest' = newest in eval/runs).")
    ] = None,
    baselines: Annotated[
        bool, typer.Option("--baselines", help="Also run naive LangChain RAG, BM25-only and dense-only.")
    ] = False,
    answerer: Annotated[
        Optional[str], typer.Option(help="extractive | llm | both (default: what the channels use)")
    ] = None,
    thresholds: Annotated[Path, typer.Option(help="Thresholds file for the gate.")] = DEFAULT_THRESHOLDS,
    lang: Annotated[
        str, typer.Option("--lang", help="Language of report.html: nl (Dutch, the default) or en (English).")
    ] = "nl",
) -> None:
    """Evaluate answers, citations, abstention and retrieval on the eval sets; exit 1 below thresholds."""
    if answerer not in (None, "extractive", "llm", "both"):
        console.print(f"[red]--answerer must be extractive, llm or both, not {escape(answerer)}[/]")
        raise typer.Exit(code=2)
    if lang not in ("nl", "en"):
        console.print(f"[red]--lang must be nl or en, not {escape(lang)}[/]")
        raise typer.Exit(code=2)
    paths = dataset or [EVAL_DIR]
    try:
        cases, files, skipped = load_cases(paths)
    except DatasetError as exc:
        console.print(f"[red bold]The dataset is invalid[/] ({len(exc.problems)} problem(s)):")
        for p in exc.problems:
            console.print(f"  [red]{escape(p)}[/]")
        raise typer.Exit(code=2) from exc
    for s in skipped:
        if s.name not in NOT_CASE_FILES:
            console.print(f"[dim]skipped {escape(_rel(s))} (not a case file)[/]")
    if not thresholds.exists() and thresholds != DEFAULT_THRESHOLDS:
        console.print(f"[red]thresholds file {escape(str(thresholds))} does not exist[/]")
        raise typer.Exit(code=2)
    out_dir = out or RUNS_DIR / datetime.now().strftime("%Y%m%d-%H%M%S")
    compare_dir: Path | None = None
    if compare:
        compare_dir = latest_run(exclude=out_dir.resolve()) if compare == "latest" else Path(compare)
        if compare_dir is None:
            console.print("[yellow]--compare latest: no previous run in eval/runs; not comparing[/]")
        elif not (compare_dir / "summary.json").exists():
            console.print(
                f"[red]--compare {escape(str(compare_dir))}: no summary.json there (not an eval run folder)[/]"
            )
            raise typer.Exit(code=2)

    try:
        limits: dict[str, Any] = load_thresholds(thresholds)
        assistant = Assistant.configured(answerer if answerer in ("extractive", "llm") else None)
        if not assistant.ready:
            raise EvalError("no documents are indexed yet: run `wegwijzer ingest` first")
        resolve_answerers(assistant, answerer)  # fails before the progress bar when the LLM is missing
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=console,
            transient=False,
        ) as progress:
            task = progress.add_task("cases", total=len(cases))
            base_task = progress.add_task("baselines", total=3 * len(cases), visible=baselines)

            def on_case(case_id: str) -> None:
                progress.update(task, advance=1, description=f"cases [dim]{escape(case_id)}[/]")

            def on_baseline(system: str, case_id: str) -> None:
                progress.update(base_task, advance=1, description=f"baselines [dim]{system}[/]")

            outcome = run_eval(
                assistant,
                cases,
                out_dir,
                k=k,
                answerer=answerer,
                baselines=baselines,
                thresholds=limits,
                thresholds_file=str(thresholds) if thresholds.exists() else None,
                compare_dir=compare_dir,
                dataset_files=[_rel(f) for f in files],
                progress=on_case,
                baseline_progress=on_baseline,
            )
    except EvalError as exc:
        console.print(f"[red]{escape(str(exc))}[/]")
        raise typer.Exit(code=2) from exc
    if lang != "nl" and outcome.out_dir is not None:  # the runner writes the Dutch edition
        from assistant.evaluation.report import write_report

        write_report(outcome.out_dir / "report.html", outcome.summary, outcome.rows, lang)
    print_summary(outcome)
    raise typer.Exit(code=outcome.exit_code)


def _rel(path: Path) -> str:
    try:
        return path.resolve().relative_to(PROJECT_ROOT).as_posix()
    except ValueError:
        return str(path)


def calibrate_command(
    questions: Annotated[str, typer.Option(help="Labelled questions (YAML).")] = "calibration/relevance.yaml",
    write: Annotated[
        bool, typer.Option("--write", help="Save the fitted weights to Settings.relevance_model_file.")
    ] = False,
) -> None:
    """Fit the answer/refuse decision on labelled in- and out-of-scope questions."""
    from pathlib import Path

    import yaml

    from assistant.evaluation.calibration import fit

    settings = get_settings()
    result = fit(Assistant(settings.model_copy(update={"answerer": "extractive"})), Path(questions))
    console.print(
        f"{result.n} questions; 5-fold cross-validated accuracy {result.cv_accuracy:.3f} "
        f"(answers in-scope {result.cv_in_recall:.3f}, refuses out-of-scope {result.cv_out_recall:.3f})"
    )
    console.print(f"weights: {result.weights}")
    if write:
        settings.relevance_model_file.write_text(
            "# Written by `wegwijzer calibrate --write` (logistic regression on calibration/relevance.yaml).\n"
            + yaml.safe_dump({"weights": result.weights}, sort_keys=False)
        )
        console.print(f"saved to {settings.relevance_model_file}")


def verify_eval_command(
    fit: Annotated[bool, typer.Option("--fit", help="Refit the thresholds on the fit split first.")] = False,
    show_errors: Annotated[bool, typer.Option("--errors", help="List the misjudged pairs.")] = False,
) -> None:
    """Precision and recall of the LLM-answer verifier on eval/verification.yaml."""
    from rich.table import Table

    from assistant.evaluation.verify_eval import report

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
        table.add_row(
            split,
            str(s["pairs"]),
            str(s["supported"]),
            str(s["kept"]),
            f"{s['precision']:.3f}",
            f"{s['recall']:.3f}",
            str(s["false_keeps"]),
            str(s["false_drops"]),
        )
    console.print(table)
    cats = Table(title="Per category")
    for col in ("category", "pairs", "supported", "kept"):
        cats.add_column(col)
    for name, c in sorted(r["categories"].items()):
        cats.add_row(name, str(c["pairs"]), str(c["supported"]), str(c["kept"]))
    console.print(cats)
    console.print(f"sentences needing an embedding (borderline word overlap): {r['embedding_share']:.1%}")
    for e in r.get("errors", []):
        console.print(
            f"[yellow]{e['kind']}[/] {e['id']} ({e['split']}, {e['category']}): {escape(e['sentence'])} — {escape(e['why'])}"
        )
    ok = r["all"]["precision"] >= r["targets"]["precision"] and r["all"]["recall"] >= r["targets"]["recall"]
    console.print(
        f"targets: precision >= {r['targets']['precision']}, recall >= {r['targets']['recall']}: "
        + ("[green]met[/]" if ok else "[red]NOT met[/]")
    )
    if not ok:
        raise typer.Exit(code=1)


def register(app: typer.Typer) -> None:
    """Add ``eval``, ``calibrate`` and ``verify-eval`` to the ``wegwijzer`` app."""
    app.command("eval")(eval_command)
    app.command("calibrate")(calibrate_command)
    app.command("verify-eval")(verify_eval_command)
