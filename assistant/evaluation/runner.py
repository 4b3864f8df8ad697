"""Run evaluation cases through the same :class:`assistant.Assistant` the channels use.

For every case the runner asks ``assistant.answer`` for the answer (scored for facts,
citations, abstention and answer shape), with the case's earlier turns as the conversation
and its audience and language as the profile, and scores retrieval on the passages that
answer was built from (``Answer.passages``), so each case is searched once. The answer
baseline (first 120 words of the top passage of that same retrieval) is scored alongside. :func:`run_eval` then
writes ``results.jsonl``, ``summary.json`` and ``report.html`` and applies the gate.
"""

from __future__ import annotations

import inspect
import json
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from assistant import Assistant, Profile, QuestionError, Turn
from assistant.base.settings import PROJECT_ROOT
from assistant.base.text import detect_language
from assistant.base.types import Answer
from assistant.evaluation.answer_shape import baseline_case, case_shape
from assistant.evaluation.answer_shape import baseline_rows as answer_baseline_rows
from assistant.evaluation.dataset import Case
from assistant.evaluation.evidence import EvidenceIndex, dataset_warnings, matched_evidence, passage_row
from assistant.evaluation.gates import (
    EvalError,
    Row,
    compare_runs,
    gated_rows,
    load_previous,
    thresholds_for,
)
from assistant.evaluation.matching import find_any
from assistant.evaluation.metrics import (
    answer_baseline_summary,
    case_retrieval,
    check_thresholds,
    metrics,
    summarize,
)

Progress = Callable[[str], None]
ANSWERERS = ("extractive", "llm")


def stale_index(assistant: Assistant) -> list[str]:
    """Documents in corpus/ that are not indexed, and indexed ones no longer in corpus/.

    The eval measures the index, not the files: a document added after the last
    ``wegwijzer ingest`` is invisible to it. (Edits inside a document are not detected.)
    """
    from ingest.load import discover, doc_id_for

    corpus = assistant.settings.corpus_dir
    try:
        in_corpus = {doc_id_for(p, corpus): p.relative_to(corpus).as_posix() for p in discover(corpus)}
        indexed = {d["doc_id"] for d in assistant.documents()}
    except Exception:
        return []
    out = [f"{rel}: in corpus/ but not indexed" for key, rel in sorted(in_corpus.items()) if key not in indexed]
    out.extend(f"{key}: indexed but no longer in corpus/" for key in sorted(indexed - set(in_corpus)))
    return out


def failures_of(row: Row) -> list[str]:
    """Why a case failed (empty list: it passed)."""
    out: list[str] = []
    if row.get("error"):
        return [f"error: {row['error']}"]
    if row["answerable"]:
        if row["abstained"]:
            out.append("refused a question the documents answer")
        for f in row["facts"]:
            if f["matched"] is None:
                out.append("missing fact: " + " / ".join(f["alternatives"]))
        if row["evidence"] and not any(p["relevant"] for p in row["retrieved"]):
            out.append(f"no retrieved passage (top {row['k']}) contains the evidence")
        cites = row["citations"]
        if row["evidence"] and cites and not row["abstained"] and not any(c["relevant"] for c in cites):
            out.append("no cited passage contains the evidence")
    elif not row["abstained"]:
        out.append("answered a question it should have refused")
    return out


# --- running ----------------------------------------------------------------------------
def resolve_answerers(assistant: Assistant, answerer: str | None) -> tuple[list[str], dict[str, str]]:
    """Which answerers to run for ``--answerer`` (None = what the channels use)."""
    has_llm = getattr(assistant, "llm", None) is not None
    skipped: dict[str, str] = {}
    if answerer in (None, "", "auto"):
        return (["llm"] if has_llm and assistant.settings.answerer != "extractive" else ["extractive"]), skipped
    if answerer == "both":
        if has_llm:
            return ["extractive", "llm"], skipped
        skipped["llm"] = "no LLM endpoint configured (WEGWIJZER_LLM_BASE_URL is not set)"
        return ["extractive"], skipped
    if answerer == "llm" and not has_llm:
        raise EvalError("the LLM answerer is not configured: set WEGWIJZER_LLM_BASE_URL (or use --answerer extractive)")
    if answerer not in ANSWERERS:
        raise EvalError(f"unknown answerer {answerer!r}: use extractive, llm or both")
    return [answerer], skipped


def _answer_fields(answer: Answer, evidence: Sequence[str]) -> dict[str, Any]:
    data = answer.to_dict(with_passages=True)
    citations = []
    for c in data["citations"]:
        hit = matched_evidence(c["passage"], evidence)
        citations.append(
            {k: c[k] for k in ("n", "doc_id", "title", "page", "section", "location", "score", "passage", "source_url")}
            | {"relevant": hit is not None, "matched": hit}
        )
    return {
        "answer": answer.text,
        "abstained": answer.abstained,
        "mode": answer.mode,
        "answer_lang": answer.lang,
        "note": answer.note,
        "notices": list(getattr(answer, "notices", None) or []),
        "citations": citations,
        "sentences": data["sentences"],
        # the passages the answer was built from (in LLM mode, what the model saw and
        # what sentences[].citations refer to)
        "answer_passages": [
            {k: p[k] for k in ("rank", "doc_id", "page", "section", "score")} for p in data["passages"]
        ],
        "timings_ms": data["timings_ms"],
        "search_query": answer.search_query,
    }


# Modes whose ``Answer.passages`` are the whole retrieval (top ``settings.top_k``, best first);
# an LLM answer carries only the passages the model was given.
FULL_RETRIEVAL_MODES = ("extractive", "refusal")


def _is_followup(query: str | None, question: str, turns: Sequence[str]) -> bool:
    """Was the question searched in the light of an earlier turn? ``Assistant.retrieve``
    searches the question itself (perhaps with a province name added in brackets) unless it
    treats it as a follow-up; then the earlier question's topic comes first."""
    q = question.strip()
    if not any(t for t in turns) or not query:
        return False
    return not (query.strip() == q or query.startswith(f"{q} ("))


def _retrieve(assistant: Assistant, case: Case, conversation: list[Turn], profile: Profile, k: int) -> Any:
    """A retrieval of its own, as ``Assistant.answer`` does it (only when no answer carries one)."""
    kwargs: dict[str, Any] = {}
    if "lang" in inspect.signature(assistant.retrieve).parameters:
        kwargs["lang"] = detect_language(case.question, default=profile.lang or "nl")
    return assistant.retrieve(case.question, conversation, profile, k, **kwargs)


def _ask(
    assistant: Assistant, case: Case, conversation: list[Turn], profile: Profile, name: str
) -> tuple[Row, Answer | None]:
    """One answer as row fields (a QuestionError counts as not answering; other errors are errors)."""
    t1 = time.perf_counter()
    answer: Answer | None = None
    try:
        answer = assistant.answer(case.question, conversation=conversation, profile=profile, answerer=name)
        fields = _answer_fields(answer, case.evidence)
    except QuestionError as exc:
        # The channels show this message instead of an answer: it counts as not answering.
        fields = {"answer": str(exc), "abstained": True, "mode": "question_error", "error": None}
    except Exception as exc:
        fields = {"answer": "", "abstained": False, "mode": "error", "error": f"{exc.__class__.__name__}: {exc}"}
    for key, empty in (("citations", []), ("sentences", []), ("timings_ms", {}), ("note", None), ("notices", [])):
        fields.setdefault(key, empty)
    fields["latency_ms"] = round((time.perf_counter() - t1) * 1000, 2)
    return fields, answer


def run_cases(
    assistant: Assistant,
    cases: Sequence[Case],
    k: int = 5,
    answerers: Sequence[str] = ("extractive",),
    progress: Progress | None = None,
) -> list[Row]:
    """One row per (case, answerer): retrieval, answer, matches, ``passed``/``failures``.

    Retrieval is scored on the answer's own passages (``Answer.passages``: what the answer
    was built from), so each case is searched once. Only when no answer carries the whole
    retrieval — ``--k`` differs from ``settings.top_k``, only the LLM answerer ran (it keeps
    the passages it was given), or the question was rejected before the search — does the
    runner search once more, the way ``Assistant.answer`` does.
    """
    if not assistant.ready:
        raise EvalError("no documents are indexed yet: run `wegwijzer ingest` first")
    index = EvidenceIndex.of(assistant.retriever)
    top_k = assistant.settings.top_k
    rows: list[Row] = []
    for case in cases:
        conversation = [Turn(t) for t in case.turns]
        profile = Profile(audience=case.audience, lang=case.lang)  # type: ignore[arg-type]
        asked = {name: _ask(assistant, case, conversation, profile, name) for name in answerers}
        base: Row = case.to_dict() | {"k": k, "n_relevant": index.count(case.evidence, case.lang)}
        source = next(
            (a for _, a in asked.values() if a is not None and a.mode in FULL_RETRIEVAL_MODES and k == top_k), None
        )
        retrieved: list[dict[str, Any]] = []
        retrieval_error = None
        if source is not None:
            passages = source.passages[:k]
            relevance = getattr(source, "relevance", None)
            base |= {
                "query": source.search_query,
                "followup": _is_followup(source.search_query, case.question, case.turns),
                "relevance": round(float(relevance), 4) if relevance is not None else None,
                "retrieval_ms": source.timings_ms.get("retrieve_ms"),
                "retrieval_from": "answer",
            }
        else:
            t0 = time.perf_counter()
            passages = []
            try:
                retrieval, query, followup = _retrieve(assistant, case, conversation, profile, k)
                passages = retrieval.passages[:k]
                base |= {"query": query, "followup": followup, "relevance": round(float(retrieval.relevance), 4)}
            except QuestionError as exc:
                retrieval_error = str(exc)
            base |= {"retrieval_ms": round((time.perf_counter() - t0) * 1000, 2), "retrieval_from": "search"}
        retrieved = [passage_row(p, case.evidence, i) for i, p in enumerate(passages, start=1)]
        base["retrieved"] = retrieved
        base["retrieval_scores"] = case_retrieval(base) if case.evidence else {}
        base["answer_baseline"] = baseline_case(base)
        for name in answerers:
            fields, _ = asked[name]
            row = dict(base, answerer=name) | fields
            row.setdefault("error", None)
            if retrieval_error and not row.get("error") and row.get("mode") != "question_error":
                row["error"] = f"retrieve failed: {retrieval_error}"
            row["facts"] = [
                {"alternatives": group, "matched": None if row.get("error") else find_any(row["answer"], group)}
                for group in case.facts
            ]
            row["answer_shape"] = case_shape(row)
            row["failures"] = failures_of(row)
            row["passed"] = not row["failures"]
            rows.append(row)
        if progress:
            progress(case.id)
    return rows


def _git_commit() -> str | None:
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            timeout=5,
        ).stdout.strip()
        return head + ("-dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return None


# --- the whole run ----------------------------------------------------------------------
@dataclass
class EvalOutcome:
    summary: dict[str, Any]
    rows: list[Row]
    baseline_rows: dict[str, list[Row]] = field(default_factory=dict)
    out_dir: Path | None = None

    @property
    def passed(self) -> bool:
        return bool(self.summary["gate"]["passed"])

    @property
    def exit_code(self) -> int:
        return 0 if self.passed else 1


def run_eval(
    assistant: Assistant,
    cases: Sequence[Case],
    out_dir: Path,
    *,
    k: int = 5,
    answerer: str | None = None,
    baselines: bool = False,
    thresholds: dict[str, Any] | None = None,
    thresholds_file: str | None = None,
    compare_dir: Path | None = None,
    dataset_files: Sequence[str] = (),
    progress: Progress | None = None,
    baseline_progress: Callable[[str, str], None] | None = None,
) -> EvalOutcome:
    """Run, score, gate, compare and write ``results.jsonl``, ``summary.json``, ``report.html``."""
    from assistant.evaluation.report import write_report

    started = time.perf_counter()
    answerers, skipped = resolve_answerers(assistant, answerer)
    previous = load_previous(compare_dir) if compare_dir else None  # fail early on a bad folder
    rows = run_cases(assistant, cases, k, answerers, progress)
    eval_seconds = time.perf_counter() - started
    index = EvidenceIndex.of(assistant.retriever)
    s = assistant.settings
    summary: dict[str, Any] = {
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "git": _git_commit(),
        "dataset": list(dataset_files),
        "n_cases": len(cases),
        "k": k,
        "answerers": answerers,
        "skipped_answerers": skipped,
        "settings": {
            "top_k": s.top_k,
            "candidates": s.candidates,
            "rrf_k": s.rrf_k,
            "abstain_threshold": s.abstain_threshold,
            "chunk_tokens": s.chunk_tokens,
            "chunk_overlap": s.chunk_overlap,
            "answer_words": s.answer_words,
            "llm_model": s.llm_model if "llm" in answerers else None,
        },
        "corpus": {"documents": len(assistant.documents()), "chunks": assistant.retriever.size},
        "runs": {name: summarize([r for r in rows if r["answerer"] == name]) for name in answerers},
        "dataset_warnings": dataset_warnings(cases, index),
        "stale_index": stale_index(assistant),
    }
    baseline_rows: dict[str, list[Row]] = {}
    if baselines:
        from assistant.evaluation.baselines import baseline_table, run_baselines

        baseline_rows = run_baselines(assistant, cases, k, progress=baseline_progress)
        ours = [r for r in rows if r["answerer"] == answerers[0]]
        summary["baselines"] = baseline_table(ours, baseline_rows)
    summary["answer_baseline"] = answer_baseline_summary(
        answer_baseline_rows([r for r in rows if r["answerer"] == answerers[0]]), summary["runs"]
    )
    gate: dict[str, Any] = {"thresholds_file": thresholds_file, "violations": [], "skipped": [], "passed": True}
    if thresholds:
        in_scope, scope = gated_rows(rows, thresholds)
        gate["datasets"] = scope
        gate["n_cases"] = len({r["id"] for r in in_scope})
        gate["measured"] = {}
        if not in_scope:
            gate["skipped"].append(
                f"none of the case files the thresholds apply to ({', '.join(scope or [])}) ran: nothing gated"
            )
        for name in answerers if in_scope else ():
            limits = thresholds_for(thresholds, name)
            overall = (
                summary["runs"][name]["overall"]
                if scope is None
                else metrics([r for r in in_scope if r["answerer"] == name])
            )
            violations, skipped_metrics = check_thresholds(overall, limits)
            gate["violations"] += [f"[{name}] {v}" for v in violations]
            gate["skipped"] += [f"[{name}] {v}" for v in skipped_metrics]
            gate["measured"][name] = {
                key: overall.get(key) for bound in ("min", "max") for key in (limits.get(bound) or {})
            }
        gate["thresholds"] = {name: thresholds_for(thresholds, name) for name in answerers}
    gate["passed"] = not gate["violations"]
    summary["gate"] = gate
    if previous:
        summary["compare"] = compare_runs(summary, rows, previous[0], previous[1], str(compare_dir))
    summary["duration_s"] = {"cases": round(eval_seconds, 2), "total": round(time.perf_counter() - started, 2)}

    out_dir.mkdir(parents=True, exist_ok=True)
    with (out_dir / "results.jsonl").open("w", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    if baseline_rows:
        with (out_dir / "baselines.jsonl").open("w", encoding="utf-8") as fh:
            for name, brows in baseline_rows.items():
                for r in brows:
                    fh.write(json.dumps(r | {"system": name}, ensure_ascii=False) + "\n")
    (out_dir / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2), encoding="utf-8")
    write_report(out_dir / "report.html", summary, rows)
    return EvalOutcome(summary, rows, baseline_rows, out_dir)
