"""The gate and the comparison: thresholds a run must meet, and what changed since an earlier run.

Split from the runner: these read files and compare summaries; they never ask the assistant.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from assistant.evaluation.metrics import dataset_name, metrics

Row = dict[str, Any]


class EvalError(RuntimeError):
    """The evaluation cannot run as asked (no index, LLM not configured, ...)."""


def load_thresholds(path: Path | None) -> dict[str, Any]:
    if path is None or not path.exists():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise EvalError(f"{path}: thresholds must be a mapping with 'min' and/or 'max'")
    scope = data.get("datasets")
    if scope is not None and (not isinstance(scope, list) or not all(isinstance(x, str) and x for x in scope)):
        raise EvalError(f"{path}: 'datasets' must be a list of case file names (e.g. [public.yaml])")
    return data


def gated_rows(rows: Sequence[Row], thresholds: dict[str, Any]) -> tuple[list[Row], list[str] | None]:
    """The rows the gate is applied to: all, or those of the case files in ``datasets``.

    Bounds are measured on particular sets; ``datasets`` keeps them applying to those sets
    when other sets are run alongside (their figures are reported, not gated).
    """
    scope = thresholds.get("datasets")
    if not scope:
        return list(rows), None
    names = sorted({Path(x).name for x in scope})
    return [r for r in rows if dataset_name(r) in names], names


def thresholds_for(thresholds: dict[str, Any], answerer: str) -> dict[str, Any]:
    """Base ``min``/``max`` with an optional ``answerers: {llm: {min:..., max:...}}`` override."""
    override = (thresholds.get("answerers") or {}).get(answerer) or {}
    return {bound: {**(thresholds.get(bound) or {}), **(override.get(bound) or {})} for bound in ("min", "max")}


def load_previous(run_dir: Path) -> tuple[dict[str, Any], list[Row]]:
    summary_path = run_dir / "summary.json"
    if not summary_path.exists():
        raise EvalError(f"{run_dir}: no summary.json (is this an eval run folder?)")
    summary = json.loads(summary_path.read_text(encoding="utf-8"))
    rows: list[Row] = []
    results = run_dir / "results.jsonl"
    if results.exists():
        rows = [json.loads(line) for line in results.read_text(encoding="utf-8").splitlines() if line.strip()]
    return summary, rows


def compare_runs(
    summary: dict[str, Any], rows: Sequence[Row], prev_summary: dict[str, Any], prev_rows: Sequence[Row], prev_dir: str
) -> dict[str, Any]:
    """Metric deltas per answerer and the cases whose pass/fail flipped."""
    now_ids = {r["id"] for r in rows}
    prev_ids = {r["id"] for r in prev_rows}
    same_cases = not prev_rows or now_ids == prev_ids
    common = now_ids & prev_ids
    deltas: dict[str, dict[str, Any]] = {}
    for name, run in summary["runs"].items():
        prev = (prev_summary.get("runs") or {}).get(name)
        if not prev:
            continue
        if same_cases:
            now_overall, prev_overall = run["overall"], prev["overall"]
        else:  # the dataset changed: compare on the cases both runs share
            now_overall = metrics([r for r in rows if r.get("answerer") == name and r["id"] in common])
            prev_overall = metrics([r for r in prev_rows if r.get("answerer") == name and r["id"] in common])
        d: dict[str, Any] = {}
        for key, value in now_overall.items():
            old = prev_overall.get(key)
            if isinstance(value, (int, float)) and isinstance(old, (int, float)) and not isinstance(value, bool):
                d[key] = {"previous": old, "current": value, "delta": value - old}
        deltas[name] = d
    baseline_deltas: dict[str, Any] = {}
    for name, run in (summary.get("baselines") or {}).items():
        prev = (prev_summary.get("baselines") or {}).get(name)
        if prev:
            baseline_deltas[name] = {
                k: {"previous": prev.get(k), "current": v, "delta": v - prev[k]}
                for k, v in run.items()
                if isinstance(v, (int, float)) and isinstance(prev.get(k), (int, float))
            }
    before = {(r["id"], r.get("answerer")): r for r in prev_rows}
    flipped: list[dict[str, Any]] = []
    for r in rows:
        old = before.get((r["id"], r.get("answerer")))
        if old is not None and bool(old.get("passed")) != bool(r.get("passed")):
            flipped.append(
                {
                    "id": r["id"],
                    "answerer": r.get("answerer"),
                    "question": r["question"],
                    "category": r["category"],
                    "now": "pass" if r["passed"] else "fail",
                    "failures": r.get("failures", []),
                    "previous_failures": old.get("failures", []),
                }
            )
    return {
        "previous_dir": prev_dir,
        "previous_created": prev_summary.get("created"),
        "deltas": deltas,
        "deltas_on": "all cases" if same_cases else f"the {len(common)} cases both runs share",
        "baseline_deltas": baseline_deltas,
        "flipped": flipped,
        "new_cases": sorted(now_ids - prev_ids),
        "removed_cases": sorted(prev_ids - now_ids),
    }
