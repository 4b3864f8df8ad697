"""The evaluation report speaks Dutch: a reading guide with one line per metric beside its value,
a plain name and explanation for every metric shown, Dutch numbers and dates, and the runner's
English reasons said again in Dutch. The English edition comes from the same texts."""

from __future__ import annotations

import re

import pytest

from assistant.base.prompts import texts
from assistant.evaluation.charts import local_number
from assistant.evaluation.metrics import DISPLAY
from assistant.evaluation.report import KIND, MESSAGES, Words, reading_guide

pytestmark = pytest.mark.fast


def test_the_report_explains_each_metric_in_dutch() -> None:
    summary = {
        "runs": {"extractive": {"overall": {"fact_recall": 0.755, "first40": 0.635, "latency_p95_ms": 1210.5}}},
        "answer_baseline": {"overall": {"fact_recall": 0.66}},
    }
    html = reading_guide(summary)
    assert "Zo lees je dit rapport" in html and 'lang="nl"' in html
    assert 'Feiten in de antwoorden</td><td class="num">76 %</td>' in html  # a share as a Dutch percentage
    assert "eerste 40 woorden" in html and "1210 ms" in html and "n.v.t." in html
    assert "66 %" in html  # the answer baseline, for comparison
    english = reading_guide(summary, "en")
    assert "How to read this report" in english and "76%" in english and "n/a" in english


def test_every_metric_has_a_plain_name_and_one_line_in_both_languages() -> None:
    t = texts("eval_report.yaml")
    for key in KIND:
        for lang in ("nl", "en"):
            name, short, meaning = (t(f"metrics.{key}.{part}", lang) for part in ("name", "short", "meaning"))
            assert name and short, (key, lang)
            assert "\n" not in meaning and meaning.endswith("."), (key, lang)
            for sentence in re.split(r"(?<=[.:;])\s", meaning):  # B1: short sentences
                assert len(sentence.split()) <= 22, (key, lang, sentence)
        assert t(f"metrics.{key}.name", "nl") != t(f"metrics.{key}.name", "en") or key == "mrr", key
    assert {key for key, _, _ in DISPLAY} <= set(KIND)


def test_numbers_and_dates_in_dutch() -> None:
    assert local_number("0.755") == "0,755" and local_number("+1.5 ms") == "+1,5 ms"
    assert local_number("0.755", "en") == "0.755" and local_number("hit@5") == "hit@5"
    nl, en = Words("nl"), Words("en")
    assert nl.value(0.6875, "ratio") == "0,688" and en.value(0.6875, "ratio") == "0.688"
    assert nl.value(45.25, "score") == "45,2" and nl.value(121.4, "ms") == "121 ms"
    assert nl.delta(-0.0125, "ratio") == "-0,013" and nl.value(None, "ratio") == "n.v.t."
    assert nl.percent(0.69, "fact_recall") == "69 %" and en.percent(0.69, "fact_recall") == "69%"
    assert nl.percent(0.69, "mrr") == "0,690"  # a score, not a share
    assert nl.when("2026-07-01T09:05:00+00:00") == "1 juli 2026 om 09:05 UTC"
    assert en.when("2026-07-01T09:05:00+00:00") == "1 July 2026, 09:05 UTC"


RUNNER_LINES = [
    "[extractive] hit@1 = 0.333 is below the minimum 1.01",
    "[extractive] latency_p95_ms = 812.000 is above the maximum 500",
    "[llm] hitt@5: unknown metric in thresholds (min)",
    "[extractive] abstention_recall: not measurable on this dataset",
    "none of the case files the thresholds apply to (public.yaml) ran: nothing gated",
    "missing fact: 60.000 / 60000",
    "refused a question the documents answer",
    "no retrieved passage (top 5) contains the evidence",
    "no cited passage contains the evidence",
    "answered a question it should have refused",
    "error: boom",
    "docs/a.pdf: in corpus/ but not indexed",
    "a-b: indexed but no longer in corpus/",
    "eval/users.yaml: u-01: no indexed passage contains any evidence phrase ['x']",
    "eval/users.yaml: u-01: fact '60.000' occurs in no indexed passage (a quoting answerer can never state it)",
    "all cases",
    "the 3 cases both runs share",
    "no LLM endpoint configured (WEGWIJZER_LLM_BASE_URL is not set)",
]


def test_the_runners_reasons_and_gate_lines_in_dutch() -> None:
    nl, en = Words("nl"), Words("en")
    assert len(MESSAGES) == len(RUNNER_LINES)
    for line in RUNNER_LINES:
        assert en.message(line) == line  # the English edition says them as the runner does
        assert nl.message(line) != line, line
    assert nl.message(RUNNER_LINES[0]) == "[extractive] Bewijs bovenaan (hit@1) is 0,333: lager dan het minimum 1,01"
    assert nl.message("missing fact: 60.000 / 60000") == "feit ontbreekt: 60.000 / 60000"  # case data as it is
    assert nl.message("something new") == "something new"
