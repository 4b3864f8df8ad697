"""Scores over per-case results (the rows of ``results.jsonl``).

A row carries what the runner observed for one case: ``retrieved`` (ranked passages,
each with ``relevant``: does its text contain an evidence phrase), ``n_relevant`` (how
many passages of the whole index contain one, for the ideal DCG), ``facts`` (per group
the alternative that matched, or None), ``citations`` (each with ``relevant``),
``abstained``, ``latency_ms``, and for LLM answers ``mode``, ``sentences`` and
``timings_ms``. Which cases count where:

- retrieval (hit@k, MRR, nDCG@5): answerable cases with evidence;
- fact recall: answerable cases with facts, pooled over fact groups; ``answers_complete``
  is the share of those cases with every group found;
- citation precision: cited passages of answered, answerable cases with evidence;
- abstention: every case; the positive class is "should abstain" (``answerable: false``);
- latency: every case (wall clock of ``Assistant.answer``);
- answer shape (:mod:`.answer_shape`): ``first40`` over answerable cases with facts (a
  refusal or an error is a miss); ``words_median`` and ``words_p90`` over the answers given
  (not refused, no error); ``readability`` (mean Flesch–Douma) over the Dutch ones of those,
  ``readability_en`` (mean English Flesch Reading Ease) over the English ones.

A metric that cannot be computed on the rows given (no such cases) is ``None``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from assistant.evaluation.answer_shape import answered, shape_of

Row = dict[str, Any]
RETRIEVAL_KEYS = ("hit@1", "hit@3", "hit@5", "mrr", "ndcg@5")
FIRST_SENTENCE_KEYS = ("first_verified_ms", "first_sentence_ms", "ttfs_ms", "first_token_ms", "ttft_ms")


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0-100) with linear interpolation, like numpy's default."""
    if not values:
        return None
    xs = sorted(values)
    pos = (len(xs) - 1) * q / 100.0
    lo, hi = math.floor(pos), math.ceil(pos)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def _ratio(num: float, den: float) -> float | None:
    return num / den if den else None


def ranks_relevant(row: Row) -> list[bool]:
    return [bool(p.get("relevant")) for p in sorted(row.get("retrieved") or [], key=lambda p: p.get("rank", 0))]


def case_retrieval(row: Row) -> dict[str, float]:
    """hit@1/3/5, reciprocal rank and nDCG@5 of one case (binary relevance)."""
    rel = ranks_relevant(row)
    first = next((i for i, r in enumerate(rel, start=1) if r), None)
    out = {f"hit@{k}": 1.0 if first is not None and first <= k else 0.0 for k in (1, 3, 5)}
    out["mrr"] = 1.0 / first if first else 0.0
    dcg = sum(1.0 / math.log2(i + 1) for i, r in enumerate(rel[:5], start=1) if r)
    n_rel = row.get("n_relevant")
    n_ideal = min(max(int(n_rel) if n_rel is not None else 0, sum(rel[:5])), 5)
    idcg = sum(1.0 / math.log2(i + 1) for i in range(1, n_ideal + 1))
    out["ndcg@5"] = dcg / idcg if idcg else 0.0
    return out


def is_retrieval_case(row: Row) -> bool:
    return bool(row.get("answerable")) and bool(row.get("evidence"))


def retrieval_metrics(rows: Iterable[Row]) -> dict[str, Any]:
    scored = [case_retrieval(r) for r in rows if is_retrieval_case(r)]
    out: dict[str, Any] = {k: _ratio(sum(s[k] for s in scored), len(scored)) for k in RETRIEVAL_KEYS}
    out["n_retrieval_cases"] = len(scored)
    return out


def fact_metrics(rows: Iterable[Row]) -> dict[str, Any]:
    groups = found = cases = complete = 0
    for r in rows:
        facts = r.get("facts") or []
        if not r.get("answerable") or not facts:
            continue
        cases += 1
        hits = sum(1 for f in facts if f.get("matched") is not None)
        groups += len(facts)
        found += hits
        complete += hits == len(facts)
    return {
        "fact_recall": _ratio(found, groups),
        "answers_complete": _ratio(complete, cases),
        "n_fact_groups": groups,
        "n_fact_cases": cases,
    }


def citation_metrics(rows: Iterable[Row]) -> dict[str, Any]:
    cited = good = 0
    for r in rows:
        if not r.get("answerable") or r.get("abstained") or not r.get("evidence"):
            continue
        for c in r.get("citations") or []:
            cited += 1
            good += bool(c.get("relevant"))
    return {"citation_precision": _ratio(good, cited), "n_citations": cited}


def abstention_metrics(rows: Iterable[Row]) -> dict[str, Any]:
    tp = fp = fn = tn = 0
    for r in rows:
        should = not r.get("answerable")
        did = bool(r.get("abstained"))
        tp += should and did
        fp += (not should) and did
        fn += should and not did
        tn += (not should) and not did
    precision = _ratio(tp, tp + fp)
    recall = _ratio(tp, tp + fn)
    f1 = None
    if precision is not None and recall is not None:
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "abstention_precision": precision,
        "abstention_recall": recall,
        "abstention_f1": f1,
        "false_refusal_rate": _ratio(fp, fp + tn),
        "abstention_counts": {"tp": tp, "fp": fp, "fn": fn, "tn": tn},
    }


def latency_metrics(rows: Iterable[Row]) -> dict[str, Any]:
    values = [float(r["latency_ms"]) for r in rows if r.get("latency_ms") is not None]
    return {"latency_p50_ms": percentile(values, 50), "latency_p95_ms": percentile(values, 95)}


def answer_metrics(rows: Iterable[Row]) -> dict[str, Any]:
    """Fact in the first 40 words, answer length and readability (see :mod:`.answer_shape`)."""
    up_front: list[bool] = []
    lengths: list[float] = []
    scores: dict[str, list[float]] = {"readability": [], "readability_en": []}
    for r in rows:
        shape = shape_of(r)
        if shape.get("first40") is not None:
            up_front.append(bool(shape["first40"]))
        if answered(r):
            if shape.get("words") is not None:
                lengths.append(float(shape["words"]))
            for key, values in scores.items():
                if shape.get(key) is not None:
                    values.append(float(shape[key]))
    return {
        "first40": _ratio(sum(up_front), len(up_front)),
        "words_median": percentile(lengths, 50),
        "words_p90": percentile(lengths, 90),
        "readability": _ratio(sum(scores["readability"]), len(scores["readability"])),
        "readability_en": _ratio(sum(scores["readability_en"]), len(scores["readability_en"])),
        "n_first40_cases": len(up_front),
        "n_answers": len(lengths),
        "n_readability": len(scores["readability"]),
        "n_readability_en": len(scores["readability_en"]),
    }


def first_sentence_ms(row: Row) -> float | None:
    """Time to the first verified sentence, if the answerer's timings carry it."""
    timings = row.get("timings_ms") or {}
    for key in FIRST_SENTENCE_KEYS:
        if timings.get(key) is not None:
            return float(timings[key])
    for key, value in timings.items():
        if "first" in key and value is not None:
            return float(value)
    return None


def llm_metrics(rows: Iterable[Row]) -> dict[str, Any]:
    """Verification and fallback figures; empty when no row came from the LLM answerer."""
    llm_rows = [r for r in rows if r.get("answerer") == "llm" or r.get("mode") in ("llm", "fallback")]
    if not llm_rows:
        return {}
    answered = [r for r in llm_rows if r.get("mode") != "refusal"]
    sentences = [s for r in llm_rows for s in (r.get("sentences") or [])]
    dropped = sum(1 for s in sentences if not s.get("kept"))
    firsts = [v for v in (first_sentence_ms(r) for r in answered) if v is not None]
    out: dict[str, Any] = {
        "llm_sentences_dropped": _ratio(dropped, len(sentences)),
        "llm_fallback_share": _ratio(sum(1 for r in answered if r.get("mode") == "fallback"), len(answered)),
        "n_llm_sentences": len(sentences),
    }
    if firsts:
        out["first_verified_p50_ms"] = percentile(firsts, 50)
        out["first_verified_p95_ms"] = percentile(firsts, 95)
    return out


def metrics(rows: Sequence[Row]) -> dict[str, Any]:
    """Every metric over ``rows``."""
    out: dict[str, Any] = {"n_cases": len(rows)}
    out.update(retrieval_metrics(rows))
    out.update(fact_metrics(rows))
    out.update(citation_metrics(rows))
    out.update(abstention_metrics(rows))
    out.update(answer_metrics(rows))
    out.update(latency_metrics(rows))
    out.update(llm_metrics(rows))
    out["passed"] = sum(1 for r in rows if r.get("passed"))
    out["errors"] = sum(1 for r in rows if r.get("error"))
    return out


def dataset_name(row: Row) -> str:
    """The case file a row came from, without its folder (``users.yaml``)."""
    return Path(str(row.get("file") or "")).name


def _groups(rows: Sequence[Row], key: str) -> dict[str, list[Row]]:
    out: dict[str, list[Row]] = {}
    for r in rows:
        out.setdefault(dataset_name(r) if key == "file" else str(r.get(key)), []).append(r)
    return dict(sorted(out.items()))


def summarize(rows: Sequence[Row]) -> dict[str, Any]:
    """Overall, per category, per language, per audience and per case file."""
    return {
        "overall": metrics(rows),
        "by_category": {k: metrics(v) for k, v in _groups(rows, "category").items()},
        "by_language": {k: metrics(v) for k, v in _groups(rows, "lang").items()},
        "by_audience": {k: metrics(v) for k, v in _groups(rows, "audience").items()},
        "by_dataset": {k: metrics(v) for k, v in _groups(rows, "file").items()},
    }


BASELINE_DESCRIPTION = "top passage of the same retrieval, first 120 words"


def answer_baseline_summary(baseline: Sequence[Row], runs: dict[str, Any]) -> dict[str, Any]:
    """Fact recall and answer shape of the answer baseline (rows of
    :func:`assistant.evaluation.answer_shape.baseline_rows`), and per answerer whether it
    beats the baseline on fact recall (strictly higher; None when not measurable)."""

    def scores(rows: Sequence[Row]) -> dict[str, Any]:
        return {"n_cases": len(rows)} | fact_metrics(rows) | answer_metrics(rows)

    overall = scores(baseline)
    beats: dict[str, bool | None] = {}
    for name, run in runs.items():
        ours, theirs = run["overall"].get("fact_recall"), overall.get("fact_recall")
        beats[name] = None if ours is None or theirs is None else ours > theirs
    return {
        "system": BASELINE_DESCRIPTION,
        "overall": overall,
        "by_category": {k: scores(v) for k, v in _groups(baseline, "category").items()},
        "by_dataset": {k: scores(v) for k, v in _groups(baseline, "file").items()},
        "beats_on_fact_recall": beats,
    }


def check_thresholds(overall: dict[str, Any], thresholds: dict[str, Any]) -> tuple[list[str], list[str]]:
    """(violations, skipped) of ``overall`` against ``{"min": {...}, "max": {...}}``.

    A metric that is ``None`` on this dataset (e.g. abstention recall without
    out-of-scope cases) is skipped, not failed; an unknown metric name is a violation,
    so a typo in the thresholds file cannot silently disable the gate.
    """
    violations: list[str] = []
    skipped: list[str] = []
    for bound in ("min", "max"):
        for name, limit in (thresholds.get(bound) or {}).items():
            if name not in overall:
                violations.append(f"{name}: unknown metric in thresholds ({bound})")
                continue
            value = overall[name]
            if value is None:
                skipped.append(f"{name}: not measurable on this dataset")
                continue
            if bound == "min" and value < limit:
                violations.append(f"{name} = {value:.3f} is below the minimum {limit}")
            if bound == "max" and value > limit:
                violations.append(f"{name} = {value:.3f} is above the maximum {limit}")
    return violations, skipped


# What the terminal table and the report show, in order: key, label, kind.
# kind: "ratio" (0-1, higher is better), "ratio_low" (lower is better), "ms", "count", "count_low",
# "words" (a length: neither direction is better), "score" (a readability score, higher is easier).
DISPLAY: list[tuple[str, str, str]] = [
    ("hit@1", "Retrieval hit@1", "ratio"),
    ("hit@3", "Retrieval hit@3", "ratio"),
    ("hit@5", "Retrieval hit@5", "ratio"),
    ("mrr", "MRR", "ratio"),
    ("ndcg@5", "nDCG@5", "ratio"),
    ("fact_recall", "Fact recall", "ratio"),
    ("answers_complete", "Answers with every fact", "ratio"),
    ("citation_precision", "Citation precision", "ratio"),
    ("abstention_precision", "Abstention precision", "ratio"),
    ("abstention_recall", "Abstention recall", "ratio"),
    ("abstention_f1", "Abstention F1", "ratio"),
    ("false_refusal_rate", "Answerable questions refused", "ratio_low"),
    ("first40", "Answers with a fact in the first 40 words", "ratio"),
    ("words_median", "Answer length, median words", "words"),
    ("words_p90", "Answer length, p90 words", "words"),
    ("readability", "Readability of Dutch answers (Flesch-Douma)", "score"),
    ("readability_en", "Readability of English answers (Flesch)", "score"),
    ("latency_p50_ms", "Latency p50", "ms"),
    ("latency_p95_ms", "Latency p95", "ms"),
    ("llm_sentences_dropped", "LLM sentences dropped by verification", "ratio_low"),
    ("llm_fallback_share", "LLM answers that fell back", "ratio_low"),
    ("first_verified_p50_ms", "First verified sentence p50", "ms"),
    ("first_verified_p95_ms", "First verified sentence p95", "ms"),
    ("passed", "Cases passed", "count"),
    ("errors", "Errors", "count_low"),
]
LOWER_IS_BETTER = {key for key, _, kind in DISPLAY if kind in ("ms", "ratio_low", "count_low")}
NEUTRAL = {key for key, _, kind in DISPLAY if kind == "words"}


def _format(kind: str) -> tuple[str, str]:
    """Decimals and unit of a metric kind, shared by values and their deltas."""
    if kind == "ms":
        return ".0f", " ms"
    if kind.startswith("count") or kind == "words":
        return ".0f", ""
    if kind == "score":
        return ".1f", ""
    return ".3f", ""


def fmt(value: Any, kind: str) -> str:
    if value is None:
        return "n/a"
    spec, unit = _format(kind)
    return f"{value:{spec}}{unit}"


def fmt_delta(delta: float, kind: str) -> str:
    spec, unit = _format(kind)
    return f"{delta:+{spec}}{unit}"


def is_improvement(key: str, delta: float) -> bool:
    return delta < 0 if key in LOWER_IS_BETTER else delta > 0


def delta_style(key: str, delta: float) -> str:
    """ "up" (better), "down" (worse) or "flat" (no change, or a length: no better direction)."""
    if abs(delta) < 1e-9 or key in NEUTRAL:
        return "flat"
    return "up" if is_improvement(key, delta) else "down"
