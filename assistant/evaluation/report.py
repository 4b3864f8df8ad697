"""``report.html``: one self-contained page a staff member can open (no scripts, no links out).

The summary with the gate, baselines side by side, bar charts per category and a latency
histogram (inline SVG), the comparison with a previous run, and every failing case with
its question, answer, expected facts and the passages that were retrieved. Every text
that comes from the dataset, the documents or the answers is HTML-escaped.

The page is Dutch by default (programme staff read it) and has an English edition
(``render(..., lang="en")``, ``wegwijzer eval --lang en``). Every heading, label, metric name
and explanation comes from ``prompts/eval_report.yaml``; numbers are written the Dutch way in
the Dutch edition (``0,755``, ``76 %``) and dates are readable (``1 december 2026``). Case data
(questions, answers, document ids) is shown as it is; the runner's reasons and gate lines
(English in ``results.jsonl`` and ``summary.json``) are said again in the page's language by
:meth:`Words.message`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from html import escape
from pathlib import Path
from typing import Any

from assistant.base.dates import human_date
from assistant.base.prompts import DEFAULT_LANG, LANGS, Texts, fill, texts
from assistant.evaluation.charts import TEXTS_FILE, category_chart, latency_histogram, local_number
from assistant.evaluation.metrics import DISPLAY, delta_style, fmt, fmt_delta

Row = dict[str, Any]
KIND = {key: kind for key, _, kind in DISPLAY} | {"n_cases": "count", "retrieval_p50_ms": "ms"}
# Metrics that are a share of cases, facts or citations (the reading guide shows them as a
# percentage); MRR and nDCG are scores between 0 and 1, not shares.
SHARES = {key for key, _, kind in DISPLAY if kind in ("ratio", "ratio_low")} - {"mrr", "ndcg@5"}
# The metrics of the reading guide at the top, in order: what programme staff read first.
GUIDE_METRICS = (
    "hit@5",
    "mrr",
    "fact_recall",
    "answers_complete",
    "first40",
    "words_median",
    "readability",
    "citation_precision",
    "abstention_f1",
    "false_refusal_rate",
    "latency_p95_ms",
)
# Answers vs the top-passage baseline: key and kind (cli.py prints the English labels).
ANSWER_BASELINE_ROWS = [
    ("fact_recall", "Fact recall", "ratio"),
    ("answers_complete", "Answers with every fact", "ratio"),
    ("first40", "Fact in the first 40 words", "ratio"),
    ("words_median", "Length, median words", "words"),
    ("words_p90", "Length, p90 words", "words"),
    ("readability", "Readability, Dutch (Flesch-Douma)", "score"),
    ("readability_en", "Readability, English (Flesch)", "score"),
]
BASELINE_COLUMNS = ("hit@1", "hit@3", "hit@5", "mrr", "ndcg@5")
BREAKDOWN_COLUMNS = (
    "n_cases",
    "hit@5",
    "mrr",
    "fact_recall",
    "first40",
    "citation_precision",
    "abstention_recall",
    "false_refusal_rate",
    "passed",
    "latency_p50_ms",
)
_NUMBER = r"-?\d+(?:\.\d+)?(?:e-?\d+)?"
# The runner's English reasons and gate lines (runner.py, metrics.py, evidence.py, gates.py) and
# the ``messages`` text that says them in the report's language.
MESSAGES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(p), key)
    for p, key in (
        (r"^error: (?P<error>.*)$", "error"),
        (r"^refused a question the documents answer$", "refused_answerable"),
        (r"^missing fact: (?P<fact>.*)$", "missing_fact"),
        (r"^no retrieved passage \(top (?P<k>\d+)\) contains the evidence$", "no_evidence_retrieved"),
        (r"^no cited passage contains the evidence$", "no_evidence_cited"),
        (r"^answered a question it should have refused$", "answered_out_of_scope"),
        (
            rf"^\[(?P<answerer>[^\]]+)\] (?P<key>\S+) = (?P<value>{_NUMBER}) is below the minimum (?P<limit>{_NUMBER})$",
            "below_minimum",
        ),
        (
            rf"^\[(?P<answerer>[^\]]+)\] (?P<key>\S+) = (?P<value>{_NUMBER}) is above the maximum (?P<limit>{_NUMBER})$",
            "above_maximum",
        ),
        (
            r"^\[(?P<answerer>[^\]]+)\] (?P<key>\S+): unknown metric in thresholds \((?P<bound>min|max)\)$",
            "unknown_metric",
        ),
        (r"^\[(?P<answerer>[^\]]+)\] (?P<key>\S+): not measurable on this dataset$", "not_measurable"),
        (r"^none of the case files the thresholds apply to \((?P<files>.*)\) ran: nothing gated$", "nothing_gated"),
        (r"^(?P<doc>.+): in corpus/ but not indexed$", "not_indexed"),
        (r"^(?P<doc>.+): indexed but no longer in corpus/$", "not_in_corpus"),
        (
            r"^(?P<file>.+?): (?P<id>[^:]+): no indexed passage contains any evidence phrase (?P<phrases>.*)$",
            "no_evidence_indexed",
        ),
        (
            r"^(?P<file>.+?): (?P<id>[^:]+): fact (?P<fact>.*) occurs in no indexed passage \(a quoting answerer can never state it\)$",
            "fact_not_indexed",
        ),
        (r"^all cases$", "all_cases"),
        (r"^the (?P<n>\d+) cases both runs share$", "shared_cases"),
        (r"^no LLM endpoint configured \(WEGWIJZER_LLM_BASE_URL is not set\)$", "no_llm"),
    )
]

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
td.meaning{font-size:.85rem;color:#4b5563}
"""


def _e(value: Any) -> str:
    return escape("" if value is None else str(value), quote=True)


class Html(str):
    """A value that is HTML already: filled into a text as it is, not escaped again."""


@dataclass(frozen=True)
class Words:
    """The report's texts, numbers and dates in one language (``nl`` or ``en``)."""

    lang: str = DEFAULT_LANG

    @property
    def table(self) -> Texts:
        return texts(TEXTS_FILE)

    def __call__(self, text: str, /, **values: object) -> str:
        """The text ``report.<text>`` as HTML: the text and the values filled in are escaped."""
        return self.html(f"report.{text}", **values)

    def html(self, text: str, /, **values: object) -> str:
        template = self.table.get(text, self.lang)
        return fill(_e(template), **{k: v if isinstance(v, Html) else _e(v) for k, v in values.items()})

    def plain(self, text: str, /, **values: object) -> str:
        return self.table(text, self.lang, **values)

    def name(self, key: str) -> str:
        return self.plain(f"metrics.{key}.name")

    def short(self, key: str) -> str:
        return self.plain(f"metrics.{key}.short")

    def meaning(self, key: str) -> str:
        return self.plain(f"metrics.{key}.meaning")

    def number(self, text: object) -> str:
        """A number (or a text with numbers) with the decimal separator of the language."""
        return local_number(str(text), self.lang)

    def value(self, value: Any, kind: str) -> str:
        """A metric value: ``0,755`` / ``121 ms`` in Dutch, as the terminal shows it in English."""
        if value is None:
            return self.plain("report.not_available")
        return self.number(fmt(value, kind))

    def delta(self, delta: float, kind: str) -> str:
        return self.number(fmt_delta(delta, kind))

    def percent(self, value: Any, key: str) -> str:
        """A share (:data:`SHARES`) as a percentage for the reading guide (``76 %``; ``76%`` in
        English); any other metric as its value."""
        if value is None or key not in SHARES:
            return self.value(value, KIND.get(key, "ratio"))
        return f"{value * 100:.0f} %" if self.lang == "nl" else f"{value * 100:.0f}%"

    def when(self, value: Any) -> str:
        """An ISO time stamp made readable: ``1 december 2026 om 22:51 UTC``."""
        raw = str(value or "")
        try:
            moment = datetime.fromisoformat(raw)
        except ValueError:
            return raw
        date = human_date(moment.date().isoformat(), self.lang)
        if len(raw) <= 10:
            return date
        offset = moment.utcoffset()
        zone = "" if offset is None else ("UTC" if offset == timedelta(0) else moment.strftime("UTC%z"))
        return self.plain("report.datetime", date=date, time=moment.strftime("%H:%M"), zone=zone).strip()

    def message(self, raw: Any) -> str:
        """One of the runner's English reasons or gate lines, in the report's language (plain text).

        A line that matches none of :data:`MESSAGES` is shown as it is."""
        line = str(raw)
        for pattern, key in MESSAGES:
            match = pattern.match(line)
            if not match:
                continue
            values: dict[str, object] = dict(match.groupdict())
            if "key" in values:
                metric = str(values["key"])
                values["metric"] = f"{self.name(metric)} ({metric})" if metric in KIND else metric
            for number in ("value", "limit"):
                if number in values:
                    values[number] = self.number(values[number])
            return self.plain(f"messages.{key}", **values)
        return line


def _words(lang: str) -> Words:
    return Words(lang if lang in LANGS else DEFAULT_LANG)


def _value_cell(w: Words, key: str, value: Any, threshold: dict[str, Any] | None = None, judged: Any = None) -> str:
    kind = KIND.get(key, "ratio")
    below = False
    judged = value if judged is None else judged
    if threshold and judged is not None:
        lo, hi = (threshold.get("min") or {}).get(key), (threshold.get("max") or {}).get(key)
        below = (lo is not None and judged < lo) or (hi is not None and judged > hi)
    return f'<td class="num{" below" if below else ""}">{_e(w.value(value, kind))}</td>'


def _delta_cell(w: Words, key: str, delta: dict[str, Any] | None) -> str:
    if not delta:
        return '<td class="num flat">–</td>'
    d = delta["delta"]
    kind = KIND.get(key, "ratio")
    return f'<td class="num {delta_style(key, d)}">{_e(w.delta(d, kind))}</td>'


def _metric_head(w: Words, key: str) -> str:
    """A column header with the metric's short name; its one-line meaning shows on hover."""
    return f'<th title="{_e(w.meaning(key))}">{_e(w.short(key))}</th>'


def summary_table(summary: dict[str, Any], lang: str = DEFAULT_LANG) -> str:
    w = _words(lang)
    runs = summary["runs"]
    names = list(runs)
    gate = summary.get("gate") or {}
    thresholds = gate.get("thresholds") or {}
    deltas = (summary.get("compare") or {}).get("deltas") or {}
    head = f"<tr><th>{w.html('column_metric')}</th>"
    for n in names:
        head += f"<th>{_e(n)}</th>" + (f"<th>{w('col_delta')}</th>" if n in deltas else "")
    head += f"<th>{w('col_threshold')}</th><th>{w.html('column_meaning')}</th></tr>"
    body = []
    scope = gate.get("datasets")
    measured = gate.get("measured") or {}
    for key, _, kind in DISPLAY:
        if all(runs[n]["overall"].get(key) is None for n in names) and key.startswith(("llm_", "first_")):
            continue
        cells = f"<td>{_e(w.name(key))}</td>"
        for n in names:
            # a scoped gate judges the value on its own sets, so that value decides the colour
            judged = (measured.get(n) or {}).get(key, runs[n]["overall"].get(key)) if scope else None
            cells += _value_cell(w, key, runs[n]["overall"].get(key), thresholds.get(n), judged)
            if n in deltas:
                cells += _delta_cell(w, key, deltas[n].get(key))
        limits = []
        t = thresholds.get(names[0]) if names else None
        if t:
            if key in (t.get("min") or {}):
                limits.append(_e(f"≥ {w.number(t['min'][key])}"))
            if key in (t.get("max") or {}):
                limits.append(_e(f"≤ {w.number(t['max'][key])}"))
            if limits and scope and names and key in (measured.get(names[0]) or {}):
                limits.append(w("gated_sets", value=w.value(measured[names[0]][key], kind)))
        cells += f'<td class="num">{" ".join(limits)}</td><td class="meaning">{_e(w.meaning(key))}</td>'
        body.append(f"<tr>{cells}</tr>")
    n_cases = runs[names[0]]["overall"]["n_cases"] if names else 0
    note = w("note_cases", n=n_cases)
    if scope:
        note += " " + w("note_scope", n=gate.get("n_cases", 0), datasets=", ".join(scope))
    deltas_on = (summary.get("compare") or {}).get("deltas_on")
    if deltas_on and deltas_on != "all cases":
        note += " " + w("note_changed", on=w.message(deltas_on))
    return f'<table id="summary-table">{head}{"".join(body)}</table><p class="small">{note}</p>'


def baselines_table(summary: dict[str, Any], lang: str = DEFAULT_LANG) -> str:
    table = summary.get("baselines")
    if not table:
        return ""
    w = _words(lang)
    rows = []
    for name, m in table.items():
        cells = "".join(f'<td class="num">{_e(w.value(m.get(k), "ratio"))}</td>' for k in BASELINE_COLUMNS)
        ms = m.get("retrieval_p50_ms")
        rows.append(f'<tr><td>{_e(name)}</td>{cells}<td class="num">{_e(w.value(ms, "ms"))}</td></tr>')
    head = (
        f"<tr><th>{w('col_system')}</th>"
        + "".join(_metric_head(w, k) for k in BASELINE_COLUMNS)
        + f"{_metric_head(w, 'retrieval_p50_ms')}</tr>"
    )
    return (
        f'<h2 id="baselines">{w("baselines_title")}</h2>'
        f'<table id="baselines-table">{head}{"".join(rows)}</table>'
        f'<p class="small">{w("baselines_note")}</p>'
    )


def answer_baseline_table(summary: dict[str, Any], lang: str = DEFAULT_LANG) -> str:
    """Our answers next to the first 120 words of the top passage of the same retrieval."""
    base = summary.get("answer_baseline")
    if not base:
        return ""
    w = _words(lang)
    names = list(summary["runs"])
    head = f"<tr><th>{w.html('column_metric')}</th>" + "".join(f"<th>{_e(n)}</th>" for n in names)
    head += f"<th>{w('col_baseline')}</th><th>{w.html('column_meaning')}</th></tr>"
    rows = []
    for key, _, kind in ANSWER_BASELINE_ROWS:
        cells = "".join(
            f'<td class="num">{_e(w.value(summary["runs"][n]["overall"].get(key), kind))}</td>' for n in names
        )
        rows.append(
            f"<tr><td>{_e(w.name(key))}</td>{cells}"
            f'<td class="num">{_e(w.value(base["overall"].get(key), kind))}</td>'
            f'<td class="meaning">{_e(w.meaning(key))}</td></tr>'
        )
    verdicts = []
    for n, beats in (base.get("beats_on_fact_recall") or {}).items():
        word, cls = ("not_available", "flat") if beats is None else (("word_yes", "ok") if beats else ("word_no", "no"))
        verdicts.append(f'<li>{w("beats", name=n)} <span class="{cls}">{w(word)}</span></li>')
    o = base["overall"]
    return (
        f'<h2 id="answer-baseline">{w("answer_baseline_title")}</h2>'
        f'<table id="answer-baseline-table">{head}{"".join(rows)}</table><ul>{"".join(verdicts)}</ul>'
        f'<p class="small">{w("answer_baseline_note", n=o.get("n_cases", 0))}</p>'
    )


def breakdown_table(groups: dict[str, Any], title: str, lang: str = DEFAULT_LANG) -> str:
    """One row per group (category, language, ...); ``title`` is the first column's header."""
    w = _words(lang)
    head = f"<tr><th>{_e(title)}</th>" + "".join(_metric_head(w, k) for k in BREAKDOWN_COLUMNS) + "</tr>"
    rows = []
    for name, m in groups.items():
        rows.append(
            f"<tr><td>{_e(name)}</td>"
            + "".join(f'<td class="num">{_e(w.value(m.get(k), KIND[k]))}</td>' for k in BREAKDOWN_COLUMNS)
            + "</tr>"
        )
    return f"<table>{head}{''.join(rows)}</table>"


def compare_section(summary: dict[str, Any], lang: str = DEFAULT_LANG) -> str:
    cmp = summary.get("compare")
    if not cmp:
        return ""
    w = _words(lang)
    meta = w(
        "compare_meta",
        dir=cmp["previous_dir"],
        created=w.when(cmp.get("previous_created")),
        on=w.message(cmp.get("deltas_on", "all cases")),
    )
    out = [f'<h2 id="compare">{w("compare_title")}</h2><p class="meta">{meta}</p>']
    for name, deltas in cmp["deltas"].items():
        rows = []
        for key, _, kind in DISPLAY:
            d = deltas.get(key)
            if not d:
                continue
            rows.append(
                f'<tr><td>{_e(w.name(key))}</td><td class="num">{_e(w.value(d["previous"], kind))}</td>'
                f'<td class="num">{_e(w.value(d["current"], kind))}</td>{_delta_cell(w, key, d)}</tr>'
            )
        out.append(
            f'<h3>{_e(name)}</h3><table id="compare-table"><tr><th>{w.html("column_metric")}</th>'
            f"<th>{w('col_previous')}</th><th>{w('col_now')}</th><th>Δ</th></tr>{''.join(rows)}</table>"
        )
    flipped = cmp.get("flipped") or []
    out.append(f"<h3>{w('flipped_title', n=len(flipped))}</h3>")
    if flipped:
        items = []
        for f in flipped:
            cls, word = ("ok", "now_passes") if f["now"] == "pass" else ("no", "now_fails")
            why = "; ".join(w.message(x) for x in (f["failures"] if f["now"] == "fail" else f["previous_failures"]))
            items.append(
                f'<tr><td>{_e(f["id"])}</td><td>{_e(f["answerer"])}</td><td class="{cls}">{w(word)}</td>'
                f'<td>{_e(f["question"])}</td><td class="small">{_e(why)}</td></tr>'
            )
        out.append(
            f'<table id="flipped-table"><tr><th>{w("col_case")}</th><th>{w("col_answerer")}</th>'
            f"<th>{w('col_change')}</th><th>{w('col_question')}</th><th>{w('col_failures')}</th></tr>"
            f"{''.join(items)}</table>"
        )
    if cmp.get("new_cases") or cmp.get("removed_cases"):
        none = w.plain("report.word_none")
        new = w(
            "new_removed",
            new=", ".join(cmp["new_cases"]) or none,
            removed=", ".join(cmp["removed_cases"]) or none,
        )
        out.append(f'<p class="small">{new}</p>')
    return "".join(out)


def _passages_html(w: Words, passages: Sequence[dict[str, Any]], with_rank: bool = True) -> str:
    out = []
    for p in passages:
        where = p.get("location") or (
            w.plain("report.page", page=p["page"]) if p.get("page") is not None else (p.get("section") or "")
        )
        head = f"#{p['rank']} " if with_rank and "rank" in p else f"[{p.get('n')}] "
        mark = f'<span class="ok">{w("evidence_mark")}</span>' if p.get("relevant") else '<span class="no">✗</span>'
        text = p.get("text", p.get("passage", ""))
        score = p.get("score")
        score_text = w("score", score=w.number(score)) if score is not None else ""
        out.append(
            f'<div class="passage{" rel" if p.get("relevant") else ""}"><div class="small">{_e(head)}'
            f"{_e(p.get('title'))} — {_e(where)} · {score_text} {mark}</div>"
            f'<div class="text">{_e(text)}</div></div>'
        )
    return "".join(out) or f'<p class="small">{w("word_none")}</p>'


def _shape_html(w: Words, r: Row) -> str:
    shape = r.get("answer_shape") or {}
    parts = []
    if shape.get("words") is not None:
        parts.append(w("shape_words", n=shape["words"]))
    if shape.get("first40") is not None:
        parts.append(w("shape_first40") if shape["first40"] else w("shape_no_first40"))
    if shape.get("readability") is not None:
        parts.append(w("shape_readability", score=w.number(f"{shape['readability']:.1f}")))
    if shape.get("readability_en") is not None:
        parts.append(w("shape_readability_en", score=w.number(f"{shape['readability_en']:.1f}")))
    base = r.get("answer_baseline")
    if base and base.get("facts"):
        found = sum(1 for f in base["facts"] if f.get("matched") is not None)
        parts.append(w("shape_baseline", found=found, total=len(base["facts"])))
    return f'<p class="small">{" · ".join(parts)}</p>' if parts else ""


def failing_cases(rows: Sequence[Row], lang: str = DEFAULT_LANG) -> str:
    w = _words(lang)
    failing = [r for r in rows if not r.get("passed")]
    out = [f'<h2 id="failing">{w("failing_title", n=len(failing), total=len(rows))}</h2>']
    if not failing:
        out.append(f"<p>{w('all_passed')}</p>")
    none = w("word_none")
    for r in failing:
        facts = (
            "".join(
                f'<li><span class="{"ok" if f["matched"] is not None else "no"}">{"✓" if f["matched"] is not None else "✗"}</span> '
                f"{_e(' / '.join(f['alternatives']))}</li>"
                for f in r.get("facts", [])
            )
            or f"<li>{none}</li>"
        )
        turns = "".join(f"<li>{_e(t)}</li>" for t in r.get("turns") or [])
        evidence = _e(" | ".join(r.get("evidence") or [])) or none
        expect = w("expect_answer") if r.get("answerable") else w("expect_refuse")
        why = "; ".join(w.message(f) for f in r.get("failures", []))
        latency = w.value(r.get("latency_ms"), "ms") if r.get("latency_ms") is not None else ""
        out.append(
            f'<details class="case" id="case-{_e(r["id"])}-{_e(r.get("answerer"))}"><summary>{_e(r["id"])} · {_e(r["category"])} · '
            f'{_e(r["lang"])} · {_e(r.get("answerer"))} — <span class="why">{_e(why)}</span></summary>'
            f"<p><b>{w('question')}</b> ({_e(r.get('audience'))}, {_e(r.get('file'))}): {_e(r['question'])}</p>"
            + (f"<p><b>{w('earlier_turns')}</b></p><ol>{turns}</ol>" if turns else "")
            + f"<p><b>{w('expected')}</b>: {expect}. <b>{w('searched_for')}</b>: {_e(r.get('query'))}"
            + (f" · {w('relevance', value=w.number(r['relevance']))}" if r.get("relevance") is not None else "")
            + "</p>"
            f"<p><b>{w('answer')}</b> {w('answer_meta', mode=r.get('mode'), ms=latency)}:</p><pre>{_e(r.get('answer'))}</pre>"
            + _shape_html(w, r)
            + f"<p><b>{w('expected_facts')}</b></p><ul>{facts}</ul><p><b>{w('evidence')}</b>: {evidence} "
            f"{w('evidence_in', n=r.get('n_relevant'))}</p>"
            f"<p><b>{w('cited')}</b></p>{_passages_html(w, r.get('citations') or [], with_rank=False)}"
            f"<p><b>{w('retrieved')}</b> {w('retrieved_top', k=r.get('k'))}</p>{_passages_html(w, r.get('retrieved') or [])}"
            "</details>"
        )
    return "".join(out)


def reading_guide(summary: dict[str, Any], lang: str = DEFAULT_LANG) -> str:
    """One line per metric in plain language (prompts/eval_report.yaml), beside this run's value:
    what programme staff read first. Shares are shown as percentages."""
    w = _words(lang)
    names = list(summary["runs"])
    if not names:
        return ""
    overall = summary["runs"][names[0]]["overall"]
    rows = []
    for key in GUIDE_METRICS:
        rows.append(
            f'<tr><td>{_e(w.name(key))}</td><td class="num">{_e(w.percent(overall.get(key), key))}</td>'
            f"<td>{_e(w.meaning(key))}</td></tr>"
        )
    baseline = ((summary.get("answer_baseline") or {}).get("overall") or {}).get("fact_recall")
    extra = (
        f'<p class="small">{w.html("baseline", value=w.percent(baseline, "fact_recall"))}</p>'
        if baseline is not None
        else ""
    )
    head = f"<tr><th>{w.html('column_metric')}</th><th>{w.html('column_value')}</th><th>{w.html('column_meaning')}</th></tr>"
    return (
        f'<h2 id="guide" lang="{w.lang}">{w.html("title")}</h2><p lang="{w.lang}">{w.html("intro")}</p>'
        f'<table id="guide-table" lang="{w.lang}">{head}{"".join(rows)}</table>{extra}'
    )


def render(summary: dict[str, Any], rows: Sequence[Row], lang: str = DEFAULT_LANG) -> str:
    """The whole page in ``lang`` (``nl``, the default, or ``en``)."""
    w = _words(lang)
    gate = summary.get("gate") or {}
    passed = gate.get("passed", True)
    badge = f'<span class="badge {"pass" if passed else "fail"}" id="gate">{w("gate_pass" if passed else "gate_fail")}</span>'
    violations = "".join(f"<li>{_e(w.message(v))}</li>" for v in gate.get("violations", []))
    names = list(summary["runs"])
    first = names[0] if names else None
    created = w.when(summary.get("created"))
    meta = w(
        "meta",
        created=created,
        commit=summary.get("git"),
        n_cases=summary.get("n_cases"),
        datasets=", ".join(summary.get("dataset", [])),
        documents=summary["corpus"]["documents"],
        chunks=summary["corpus"]["chunks"],
        k=summary.get("k"),
        answerers=", ".join(names),
        seconds=w.number(summary.get("duration_s", {}).get("total", "?")),
    )
    gate_file = gate.get("thresholds_file") or w.plain("report.gate_no_file")
    sections = [
        f'<h1>{w("heading")}</h1><p class="meta">{meta}</p>',
        f'<div class="card">{w("gate", file=gate_file)} {badge}'
        + (
            f' <span class="small">{w("gate_scope", n=gate.get("n_cases"), datasets=", ".join(gate["datasets"]))}</span>'
            if gate.get("datasets") and gate.get("n_cases")
            else ""
        )
        + (f"<ul>{violations}</ul>" if violations else "")
        + "".join(f'<p class="small">{_e(w.message(x))}</p>' for x in gate.get("skipped") or [] if "nothing gated" in x)
        + f'<p class="small">{w("gate_meaning")}</p>'
        + "</div>",
    ]
    stale = summary.get("stale_index") or []
    if stale:
        sections.append(
            f'<div class="card below">{w("stale", n=len(stale), command=Html("<code>wegwijzer ingest</code>"))}<ul>'
            + "".join(f"<li>{_e(w.message(x))}</li>" for x in stale)
            + "</ul></div>"
        )
    for name, why in (summary.get("skipped_answerers") or {}).items():
        sections.append(f'<p class="small">{w("answerer_skipped", name=name, why=w.message(why))}</p>')
    sections.append(reading_guide(summary, w.lang))
    sections.append(f'<h2 id="summary">{w("summary_title")}</h2>{summary_table(summary, w.lang)}')
    sections.append(answer_baseline_table(summary, w.lang))
    sections.append(baselines_table(summary, w.lang))
    if first:
        run = summary["runs"][first]
        sections.append(
            f'<h2 id="categories">{w("categories_title", name=first)}</h2><div class="card">'
            f"{category_chart(run['by_category'], w.lang)}</div>"
            f"{breakdown_table(run['by_category'], w.plain('report.col_category'), w.lang)}"
        )
        sections.append(
            f'<h2 id="languages">{w("languages_title", name=first)}</h2>'
            f"{breakdown_table(run['by_language'], w.plain('report.col_language'), w.lang)}"
            f"<h3>{w('audiences_title')}</h3>{breakdown_table(run['by_audience'], w.plain('report.col_audience'), w.lang)}"
            + (
                f"<h3>{w('datasets_title')}</h3>"
                f"{breakdown_table(run['by_dataset'], w.plain('report.col_dataset'), w.lang)}"
                if len(run.get("by_dataset") or {}) > 1
                else ""
            )
        )
        lat = [r["latency_ms"] for r in rows if r.get("answerer") == first and r.get("latency_ms") is not None]
        o = run["overall"]
        sections.append(
            f'<h2 id="latency">{w("latency_title", name=first)}</h2><div class="card">'
            f"{latency_histogram(lat, o.get('latency_p50_ms'), o.get('latency_p95_ms'), w.lang)}</div>"
        )
    sections.append(compare_section(summary, w.lang))
    warnings = summary.get("dataset_warnings") or []
    if warnings:
        sections.append(
            f'<h2 id="warnings">{w("warnings_title", n=len(warnings))}</h2><details><summary>'
            f"{w('warnings_summary')}</summary><ul>"
            + "".join(f"<li>{_e(w.message(x))}</li>" for x in warnings)
            + "</ul></details>"
        )
    sections.append(failing_cases(rows, w.lang))
    return (
        f'<!doctype html><html lang="{w.lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{w('page_title', date=created)}</title><style>{CSS}</style></head>"
        f"<body><main>{''.join(sections)}</main></body></html>"
    )


def write_report(path: Path, summary: dict[str, Any], rows: Sequence[Row], lang: str = DEFAULT_LANG) -> Path:
    """Write the page in ``lang`` (Dutch by default) to ``path``."""
    path.write_text(render(summary, rows, lang), encoding="utf-8")
    return path
