"""``report.html``: one self-contained page a staff member can open (no scripts, no links out).

The summary with the gate, baselines side by side, bar charts per category and a latency
histogram (inline SVG), the comparison with a previous run, and every failing case with
its question, answer, expected facts and the passages that were retrieved. Every text
that comes from the dataset, the documents or the answers is HTML-escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from pathlib import Path
from typing import Any

from assistant.base.prompts import texts
from assistant.evaluation.charts import category_chart, latency_histogram
from assistant.evaluation.metrics import DISPLAY, delta_style, fmt, fmt_delta

Row = dict[str, Any]
KIND = {key: kind for key, _, kind in DISPLAY}

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1f2937;background:#f8fafc}
main{max-width:1100px;margin:0 auto;padding:24px}
h1{font-size:1.6rem;margin:0 0 4px} h2{font-size:1.25rem;margin:32px 0 8px;border-bottom:2px solid #e5e7eb;padding-bottom:4px}
.meta{color:#6b7280;font-size:.9rem} .card{background:#fff;border:1px solid #e5e7eb;border-radius:8px;padding:16px;margin:12px 0}
table{border-collapse:collapse;width:100%;font-size:.92rem;background:#fff} th,td{border:1px solid #e5e7eb;padding:6px 8px;text-align:left;vertical-align:top}
th{background:#f1f5f9} td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.badge{display:inline-block;padding:4px 12px;border-radius:999px;font-weight:700;color:#fff}
.pass{background:#059669} .fail{background:#dc2626} .up{color:#059669} .down{color:#dc2626} .flat{color:#6b7280}
.below{background:#fee2e2} details{background:#fff;border:1px solid #e5e7eb;border-radius:6px;margin:6px 0;padding:6px 10px}
summary{cursor:pointer;font-weight:600} .why{color:#b91c1c;font-weight:400} pre,.text{white-space:pre-wrap;word-wrap:break-word;font-family:inherit;margin:4px 0}
.ok{color:#059669;font-weight:700} .no{color:#dc2626;font-weight:700} .passage{border-left:3px solid #cbd5e1;padding-left:8px;margin:6px 0;font-size:.88rem}
.passage.rel{border-left-color:#059669} .small{font-size:.85rem;color:#4b5563} svg text{font-family:inherit}
"""


def _e(value: Any) -> str:
    return escape("" if value is None else str(value), quote=True)


def _value_cell(key: str, value: Any, threshold: dict[str, Any] | None = None, judged: Any = None) -> str:
    kind = KIND.get(key, "ratio")
    below = False
    judged = value if judged is None else judged
    if threshold and judged is not None:
        lo, hi = (threshold.get("min") or {}).get(key), (threshold.get("max") or {}).get(key)
        below = (lo is not None and judged < lo) or (hi is not None and judged > hi)
    return f'<td class="num{" below" if below else ""}">{_e(fmt(value, kind))}</td>'


def _delta_cell(key: str, delta: dict[str, Any] | None) -> str:
    if not delta:
        return '<td class="num flat">–</td>'
    d = delta["delta"]
    kind = KIND.get(key, "ratio")
    return f'<td class="num {delta_style(key, d)}">{_e(fmt_delta(d, kind))}</td>'


def summary_table(summary: dict[str, Any]) -> str:
    runs = summary["runs"]
    names = list(runs)
    gate = summary.get("gate") or {}
    thresholds = gate.get("thresholds") or {}
    deltas = (summary.get("compare") or {}).get("deltas") or {}
    head = "<tr><th>metric</th>"
    for n in names:
        head += f"<th>{_e(n)}</th>" + ("<th>Δ previous</th>" if n in deltas else "")
    head += "<th>threshold</th></tr>"
    body = []
    scope = gate.get("datasets")
    measured = gate.get("measured") or {}
    for key, label, kind in DISPLAY:
        if all(runs[n]["overall"].get(key) is None for n in names) and key.startswith(("llm_", "first_")):
            continue
        cells = f"<td>{_e(label)}</td>"
        for n in names:
            # a scoped gate judges the value on its own sets, so that value decides the colour
            judged = (measured.get(n) or {}).get(key, runs[n]["overall"].get(key)) if scope else None
            cells += _value_cell(key, runs[n]["overall"].get(key), thresholds.get(n), judged)
            if n in deltas:
                cells += _delta_cell(key, deltas[n].get(key))
        limits = []
        t = thresholds.get(names[0]) if names else None
        if t:
            if key in (t.get("min") or {}):
                limits.append(f"≥ {t['min'][key]}")
            if key in (t.get("max") or {}):
                limits.append(f"≤ {t['max'][key]}")
            if limits and scope and names and key in (measured.get(names[0]) or {}):
                limits.append(f"(gated sets: {fmt(measured[names[0]][key], kind)})")
        cells += f'<td class="num">{_e(" ".join(limits))}</td>'
        body.append(f"<tr>{cells}</tr>")
    n_cases = runs[names[0]]["overall"]["n_cases"] if names else 0
    note = f"{n_cases} cases per answerer."
    if scope:
        note += (
            f" The thresholds apply to the {gate.get('n_cases', 0)} cases of {', '.join(scope)}"
            " (the sets they were measured on); the other sets are reported, not gated."
        )
    deltas_on = (summary.get("compare") or {}).get("deltas_on")
    if deltas_on and deltas_on != "all cases":
        note += f" The dataset changed since the previous run: Δ is measured on {deltas_on}."
    return f'<table id="summary-table">{head}{"".join(body)}</table><p class="small">{_e(note)}</p>'


def baselines_table(summary: dict[str, Any]) -> str:
    table = summary.get("baselines")
    if not table:
        return ""
    cols = [("hit@1", "hit@1"), ("hit@3", "hit@3"), ("hit@5", "hit@5"), ("mrr", "MRR"), ("ndcg@5", "nDCG@5")]
    rows = []
    for name, m in table.items():
        cells = "".join(f'<td class="num">{_e(fmt(m.get(k), "ratio"))}</td>' for k, _ in cols)
        ms = m.get("retrieval_p50_ms")
        rows.append(f'<tr><td>{_e(name)}</td>{cells}<td class="num">{_e(fmt(ms, "ms"))}</td></tr>')
    head = "<tr><th>system</th>" + "".join(f"<th>{_e(label)}</th>" for _, label in cols) + "<th>retrieval p50</th></tr>"
    return (
        '<h2 id="baselines">Baselines (retrieval, same dataset and corpus)</h2>'
        f'<table id="baselines-table">{head}{"".join(rows)}</table>'
        '<p class="small">naive_langchain: RecursiveCharacterTextSplitter 1000/200 characters, dense Chroma search, '
        "question only. bm25 / dense: our retriever with one signal switched off.</p>"
    )


ANSWER_BASELINE_ROWS = [
    ("fact_recall", "Fact recall", "ratio"),
    ("answers_complete", "Answers with every fact", "ratio"),
    ("first40", "Fact in the first 40 words", "ratio"),
    ("words_median", "Length, median words", "words"),
    ("words_p90", "Length, p90 words", "words"),
    ("readability", "Readability, Dutch (Flesch-Douma)", "score"),
    ("readability_en", "Readability, English (Flesch)", "score"),
]


def answer_baseline_table(summary: dict[str, Any]) -> str:
    """Our answers next to the first 120 words of the top passage of the same retrieval."""
    base = summary.get("answer_baseline")
    if not base:
        return ""
    names = list(summary["runs"])
    head = "<tr><th>metric</th>" + "".join(f"<th>{_e(n)}</th>" for n in names)
    head += f"<th>baseline: {_e(base.get('system'))}</th></tr>"
    rows = []
    for key, label, kind in ANSWER_BASELINE_ROWS:
        cells = "".join(f'<td class="num">{_e(fmt(summary["runs"][n]["overall"].get(key), kind))}</td>' for n in names)
        rows.append(
            f'<tr><td>{_e(label)}</td>{cells}<td class="num">{_e(fmt(base["overall"].get(key), kind))}</td></tr>'
        )
    verdicts = []
    for n, beats in (base.get("beats_on_fact_recall") or {}).items():
        word, cls = ("n/a", "flat") if beats is None else (("yes", "ok") if beats else ("no", "no"))
        verdicts.append(f'<li>{_e(n)} beats the baseline on fact recall: <span class="{cls}">{word}</span></li>')
    o = base["overall"]
    return (
        '<h2 id="answer-baseline">Answers vs the top-passage baseline (same run, same retrieval)</h2>'
        f'<table id="answer-baseline-table">{head}{"".join(rows)}</table><ul>{"".join(verdicts)}</ul>'
        f'<p class="small">Baseline: for each of the {o.get("n_cases", 0)} answerable cases, the first 120 words of '
        "the best passage our retrieval found, scored with the same fact matching. Fact recall and "
        "the first-40-words share count answerable cases with facts (a refusal is a miss); length and "
        "readability count the answers given. Readability is Flesch-Douma (206.835 − 0.93 × words per "
        "sentence − 77 × syllables per word; higher is easier) on the Dutch texts, English Flesch "
        "Reading Ease (206.835 − 1.015 × words per sentence − 84.6 × syllables per word) on the English "
        "ones (the scales differ), without citation markers, URLs and notices.</p>"
    )


def breakdown_table(groups: dict[str, Any], title: str) -> str:
    keys = [
        ("n_cases", "n", "count"),
        ("hit@5", "hit@5", "ratio"),
        ("mrr", "MRR", "ratio"),
        ("fact_recall", "fact recall", "ratio"),
        ("first40", "fact in first 40 words", "ratio"),
        ("citation_precision", "citation precision", "ratio"),
        ("abstention_recall", "abstention recall", "ratio"),
        ("false_refusal_rate", "answerable refused", "ratio"),
        ("passed", "passed", "count"),
        ("latency_p50_ms", "p50", "ms"),
    ]
    head = f"<tr><th>{_e(title)}</th>" + "".join(f"<th>{_e(label)}</th>" for _, label, _ in keys) + "</tr>"
    rows = []
    for name, m in groups.items():
        rows.append(
            f"<tr><td>{_e(name)}</td>"
            + "".join(f'<td class="num">{_e(fmt(m.get(k), kind))}</td>' for k, _, kind in keys)
            + "</tr>"
        )
    return f"<table>{head}{''.join(rows)}</table>"


def compare_section(summary: dict[str, Any]) -> str:
    cmp = summary.get("compare")
    if not cmp:
        return ""
    out = [
        f'<h2 id="compare">Compared with the previous run</h2><p class="meta">previous: {_e(cmp["previous_dir"])} '
        f"({_e(cmp.get('previous_created'))}); deltas on {_e(cmp.get('deltas_on', 'all cases'))}</p>"
    ]
    for name, deltas in cmp["deltas"].items():
        rows = []
        for key, label, kind in DISPLAY:
            d = deltas.get(key)
            if not d:
                continue
            rows.append(
                f'<tr><td>{_e(label)}</td><td class="num">{_e(fmt(d["previous"], kind))}</td>'
                f'<td class="num">{_e(fmt(d["current"], kind))}</td>{_delta_cell(key, d)}</tr>'
            )
        out.append(
            f'<h3>{_e(name)}</h3><table id="compare-table"><tr><th>metric</th><th>previous</th>'
            f"<th>now</th><th>Δ</th></tr>{''.join(rows)}</table>"
        )
    flipped = cmp.get("flipped") or []
    out.append(f"<h3>Cases that flipped ({len(flipped)})</h3>")
    if flipped:
        items = []
        for f in flipped:
            cls, word = ("ok", "now passes") if f["now"] == "pass" else ("no", "now fails")
            why = "; ".join(f["failures"] if f["now"] == "fail" else f["previous_failures"])
            items.append(
                f'<tr><td>{_e(f["id"])}</td><td>{_e(f["answerer"])}</td><td class="{cls}">{word}</td>'
                f'<td>{_e(f["question"])}</td><td class="small">{_e(why)}</td></tr>'
            )
        out.append(
            '<table id="flipped-table"><tr><th>case</th><th>answerer</th><th>change</th><th>question</th>'
            f"<th>{'failures (now / before)'}</th></tr>{''.join(items)}</table>"
        )
    if cmp.get("new_cases") or cmp.get("removed_cases"):
        out.append(
            f'<p class="small">New cases: {_e(", ".join(cmp["new_cases"]) or "none")}. '
            f"Removed cases: {_e(', '.join(cmp['removed_cases']) or 'none')}.</p>"
        )
    return "".join(out)


def _passages_html(passages: Sequence[dict[str, Any]], with_rank: bool = True) -> str:
    out = []
    for p in passages:
        where = p.get("location") or (f"p. {p['page']}" if p.get("page") is not None else (p.get("section") or ""))
        head = f"#{p['rank']} " if with_rank and "rank" in p else f"[{p.get('n')}] "
        mark = '<span class="ok">✓ evidence</span>' if p.get("relevant") else '<span class="no">✗</span>'
        text = p.get("text", p.get("passage", ""))
        out.append(
            f'<div class="passage{" rel" if p.get("relevant") else ""}"><div class="small">{_e(head)}'
            f"{_e(p.get('title'))} — {_e(where)} · score {_e(p.get('score'))} {mark}</div>"
            f'<div class="text">{_e(text)}</div></div>'
        )
    return "".join(out) or '<p class="small">none</p>'


def _shape_html(r: Row) -> str:
    shape = r.get("answer_shape") or {}
    parts = []
    if shape.get("words") is not None:
        parts.append(f"{shape['words']} words")
    if shape.get("first40") is not None:
        parts.append("a fact in the first 40 words" if shape["first40"] else "no fact in the first 40 words")
    if shape.get("readability") is not None:
        parts.append(f"readability {shape['readability']:.1f} (Flesch-Douma)")
    if shape.get("readability_en") is not None:
        parts.append(f"readability {shape['readability_en']:.1f} (English Flesch)")
    base = r.get("answer_baseline")
    if base and base.get("facts"):
        found = sum(1 for f in base["facts"] if f.get("matched") is not None)
        parts.append(f"top-passage baseline has {found} of {len(base['facts'])} fact groups")
    return f'<p class="small">{_e(" · ".join(parts))}</p>' if parts else ""


def failing_cases(rows: Sequence[Row]) -> str:
    failing = [r for r in rows if not r.get("passed")]
    out = [f'<h2 id="failing">Failing cases ({len(failing)} of {len(rows)})</h2>']
    if not failing:
        out.append("<p>Every case passed.</p>")
    for r in failing:
        facts = (
            "".join(
                f'<li><span class="{"ok" if f["matched"] is not None else "no"}">{"✓" if f["matched"] is not None else "✗"}</span> '
                f"{_e(' / '.join(f['alternatives']))}</li>"
                for f in r.get("facts", [])
            )
            or "<li>none</li>"
        )
        turns = "".join(f"<li>{_e(t)}</li>" for t in r.get("turns") or [])
        evidence = _e(" | ".join(r.get("evidence") or [])) or "none"
        expect = "answer with citations" if r.get("answerable") else "refuse (out of scope)"
        out.append(
            f'<details class="case" id="case-{_e(r["id"])}-{_e(r.get("answerer"))}"><summary>{_e(r["id"])} · {_e(r["category"])} · '
            f'{_e(r["lang"])} · {_e(r.get("answerer"))} — <span class="why">{_e("; ".join(r.get("failures", [])))}</span></summary>'
            f"<p><b>Question</b> ({_e(r.get('audience'))}, {_e(r.get('file'))}): {_e(r['question'])}</p>"
            + (f"<p><b>Earlier turns</b></p><ol>{turns}</ol>" if turns else "")
            + f"<p><b>Expected</b>: {expect}. <b>Searched for</b>: {_e(r.get('query'))}"
            + (f" · relevance {_e(r.get('relevance'))}" if r.get("relevance") is not None else "")
            + "</p>"
            f"<p><b>Answer</b> (mode {_e(r.get('mode'))}, {_e(r.get('latency_ms'))} ms):</p><pre>{_e(r.get('answer'))}</pre>"
            + _shape_html(r)
            + f"<p><b>Expected facts</b></p><ul>{facts}</ul><p><b>Evidence</b>: {evidence} "
            f"(in {_e(r.get('n_relevant'))} indexed passages)</p>"
            f"<p><b>Cited passages</b></p>{_passages_html(r.get('citations') or [], with_rank=False)}"
            f"<p><b>Retrieved passages</b> (top {_e(r.get('k'))})</p>{_passages_html(r.get('retrieved') or [])}"
            "</details>"
        )
    return "".join(out)


def reading_guide(summary: dict[str, Any], lang: str = "nl") -> str:
    """One line per metric in plain Dutch (prompts/eval_report.yaml), beside this run's value:
    what programme staff read first."""
    t = texts("eval_report.yaml")
    names = list(summary["runs"])
    if not names:
        return ""
    overall = summary["runs"][names[0]]["overall"]
    rows = []
    for key in t.get("metrics", lang) or {}:
        if key not in KIND:
            continue
        label, meaning = t(f"metrics.{key}.name", lang), t(f"metrics.{key}.meaning", lang)
        rows.append(
            f'<tr><td>{_e(label)}</td><td class="num">{_e(fmt(overall.get(key), KIND[key]))}</td><td>{_e(meaning)}</td></tr>'
        )
    baseline = ((summary.get("answer_baseline") or {}).get("overall") or {}).get("fact_recall")
    extra = (
        f'<p class="small">{_e(t("baseline", lang, value=fmt(baseline, "ratio")))}</p>' if baseline is not None else ""
    )
    head = f"<tr><th>{_e(t('column_metric', lang))}</th><th>{_e(t('column_value', lang))}</th><th>{_e(t('column_meaning', lang))}</th></tr>"
    return (
        f'<h2 id="guide" lang="{lang}">{_e(t("title", lang))}</h2><p lang="{lang}">{_e(t("intro", lang))}</p>'
        f'<table id="guide-table" lang="{lang}">{head}{"".join(rows)}</table>{extra}'
    )


def render(summary: dict[str, Any], rows: Sequence[Row]) -> str:
    gate = summary.get("gate") or {}
    passed = gate.get("passed", True)
    badge = f'<span class="badge {"pass" if passed else "fail"}" id="gate">{"PASS" if passed else "FAIL"}</span>'
    violations = "".join(f"<li>{_e(v)}</li>" for v in gate.get("violations", []))
    names = list(summary["runs"])
    first = names[0] if names else None
    sections = [
        f'<h1>Wegwijzer ICT — evaluation report</h1><p class="meta">{_e(summary.get("created"))} · commit '
        f"{_e(summary.get('git'))} · {summary.get('n_cases')} cases from {_e(', '.join(summary.get('dataset', [])))} · "
        f"{summary['corpus']['documents']} documents, {summary['corpus']['chunks']} passages · k = {summary.get('k')} · "
        f"answerer(s): {_e(', '.join(names))} · {summary.get('duration_s', {}).get('total', '?')} s</p>",
        f'<div class="card">Thresholds gate ({_e(gate.get("thresholds_file") or "none")}): {badge}'
        + (
            f' <span class="small">on the {_e(gate.get("n_cases"))} cases of {_e(", ".join(gate["datasets"]))}</span>'
            if gate.get("datasets") and gate.get("n_cases")
            else ""
        )
        + (f"<ul>{violations}</ul>" if violations else "")
        + "".join(f'<p class="small">{_e(x)}</p>' for x in gate.get("skipped") or [] if "nothing gated" in x)
        + "</div>",
    ]
    stale = summary.get("stale_index") or []
    if stale:
        sections.append(
            f'<div class="card below">The index differs from corpus/ in {len(stale)} document(s); these scores '
            "are for the index as it was. Run <code>wegwijzer ingest</code> first.<ul>"
            + "".join(f"<li>{_e(x)}</li>" for x in stale)
            + "</ul></div>"
        )
    for name, why in (summary.get("skipped_answerers") or {}).items():
        sections.append(f'<p class="small">Answerer {_e(name)} not run: {_e(why)}</p>')
    sections.append(reading_guide(summary))
    sections.append(f'<h2 id="summary">Summary</h2>{summary_table(summary)}')
    sections.append(answer_baseline_table(summary))
    sections.append(baselines_table(summary))
    if first:
        run = summary["runs"][first]
        sections.append(
            f'<h2 id="categories">Per category ({_e(first)})</h2><div class="card">'
            f"{category_chart(run['by_category'])}</div>{breakdown_table(run['by_category'], 'category')}"
        )
        sections.append(
            f'<h2 id="languages">Per language ({_e(first)})</h2>{breakdown_table(run["by_language"], "language")}'
            f"<h3>Per audience</h3>{breakdown_table(run['by_audience'], 'audience')}"
            + (
                f"<h3>Per case file</h3>{breakdown_table(run['by_dataset'], 'case file')}"
                if len(run.get("by_dataset") or {}) > 1
                else ""
            )
        )
        lat = [r["latency_ms"] for r in rows if r.get("answerer") == first and r.get("latency_ms") is not None]
        o = run["overall"]
        sections.append(
            f'<h2 id="latency">Latency ({_e(first)})</h2><div class="card">'
            f"{latency_histogram(lat, o.get('latency_p50_ms'), o.get('latency_p95_ms'))}</div>"
        )
    sections.append(compare_section(summary))
    warnings = summary.get("dataset_warnings") or []
    if warnings:
        sections.append(
            f'<h2 id="warnings">Dataset warnings ({len(warnings)})</h2><details><summary>Evidence or facts '
            "that occur in no indexed passage</summary><ul>"
            + "".join(f"<li>{_e(w)}</li>" for w in warnings)
            + "</ul></details>"
        )
    sections.append(failing_cases(rows))
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Wegwijzer ICT evaluation — {_e(summary.get('created'))}</title><style>{CSS}</style></head>"
        f"<body><main>{''.join(sections)}</main></body></html>"
    )


def write_report(path: Path, summary: dict[str, Any], rows: Sequence[Row]) -> Path:
    path.write_text(render(summary, rows), encoding="utf-8")
    return path
