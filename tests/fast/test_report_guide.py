"""The evaluation report opens with a Dutch reading guide: one line per metric beside its value."""

from __future__ import annotations

import pytest

from assistant.evaluation.report import reading_guide

pytestmark = pytest.mark.fast


def test_the_report_explains_each_metric_in_dutch() -> None:
    summary = {
        "runs": {"extractive": {"overall": {"fact_recall": 0.755, "first40": 0.635, "latency_p95_ms": 121.0}}},
        "answer_baseline": {"overall": {"fact_recall": 0.66}},
    }
    html = reading_guide(summary)
    assert "Zo lees je dit rapport" in html and 'lang="nl"' in html
    assert 'Feiten in de antwoorden</td><td class="num">0.755</td>' in html
    assert "eerste 40 woorden" in html and "121 ms" in html
    assert "0.660" in html  # the answer baseline, for comparison
    assert "How to read this report" in reading_guide(summary, "en")
