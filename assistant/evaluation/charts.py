"""The report's two charts as inline SVG (no scripts, no files): metrics per category, and
the latency histogram with p50/p95 marked. Every label is HTML-escaped and comes from
``prompts/eval_report.yaml`` in the report's language; numbers are written the way that
language writes them (:func:`local_number`: ``0,69`` in Dutch, ``0.69`` in English)."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from html import escape
from typing import Any

from assistant.base.prompts import DEFAULT_LANG, Texts, texts

TEXTS_FILE = "eval_report.yaml"
CHART_METRICS = [
    ("hit@5", "#2563eb"),
    ("mrr", "#7c3aed"),
    ("fact_recall", "#059669"),
    ("pass_rate", "#d97706"),
]
_DECIMAL_POINT = re.compile(r"(?<=\d)\.(?=\d)")


def local_number(text: str, lang: str = DEFAULT_LANG) -> str:
    """A formatted number (or a text with numbers) as ``lang`` writes it: Dutch has a decimal comma.

    ``local_number("0.755")`` -> ``"0,755"``; ``local_number("+1.5 ms")`` -> ``"+1,5 ms"``. English is unchanged.
    """
    return _DECIMAL_POINT.sub(",", text) if lang == "nl" else text


def _e(value: Any) -> str:
    return escape("" if value is None else str(value), quote=True)


def _texts() -> Texts:
    return texts(TEXTS_FILE)


def category_chart(by_category: dict[str, Any], lang: str = DEFAULT_LANG) -> str:
    """Horizontal grouped bars per category (0-1 scale), inline SVG."""
    cats = list(by_category)
    if not cats:
        return ""
    t = _texts()
    labels = [(key, t(f"metrics.{key}.short", lang), color) for key, color in CHART_METRICS]
    label_w, bar_w, bar_h, gap = 150, 470, 11, 14
    group_h = len(labels) * (bar_h + 2) + gap
    top = 34
    height = top + group_h * len(cats) + 20
    width = label_w + bar_w + 70
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
        f'aria-label="{_e(t("charts.categories_label", lang))}" viewBox="0 0 {width} {height}">'
    ]
    x = label_w
    for i, (_, label, color) in enumerate(labels):
        lx = label_w + i * 120
        parts.append(
            f'<rect x="{lx}" y="6" width="12" height="12" fill="{color}"/>'
            f'<text x="{lx + 16}" y="16" font-size="12">{_e(label)}</text>'
        )
    for tick in (0, 0.25, 0.5, 0.75, 1.0):
        tx = x + bar_w * tick
        parts.append(
            f'<line x1="{tx:.1f}" y1="{top - 6}" x2="{tx:.1f}" y2="{height - 18}" stroke="#e5e7eb"/>'
            f'<text x="{tx:.1f}" y="{height - 4}" font-size="10" text-anchor="middle">'
            f"{_e(local_number(f'{tick:g}', lang))}</text>"
        )
    not_available = t("report.not_available", lang)
    for gi, cat in enumerate(cats):
        m = by_category[cat]
        y0 = top + gi * group_h
        parts.append(
            f'<text x="{label_w - 8}" y="{y0 + group_h / 2 - 4:.1f}" font-size="12" text-anchor="end">'
            f"{_e(cat)} (n={m.get('n_cases', 0)})</text>"
        )
        for mi, (key, label, color) in enumerate(labels):
            value = (m.get("passed", 0) / m["n_cases"]) if key == "pass_rate" and m.get("n_cases") else m.get(key)
            y = y0 + mi * (bar_h + 2)
            if value is None:
                parts.append(
                    f'<text x="{x + 4}" y="{y + bar_h - 2}" font-size="10" fill="#9ca3af">'
                    f"{_e(label)}: {_e(not_available)}</text>"
                )
                continue
            w = max(bar_w * float(value), 0.5)
            parts.append(
                f'<rect x="{x}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{color}">'
                f"<title>{_e(cat)} {_e(label)}: {_e(local_number(f'{value:.3f}', lang))}</title></rect>"
                f'<text x="{x + w + 4:.1f}" y="{y + bar_h - 2}" font-size="10">'
                f"{_e(local_number(f'{value:.2f}', lang))}</text>"
            )
    parts.append("</svg>")
    return "".join(parts)


def latency_histogram(values: Sequence[float], p50: float | None, p95: float | None, lang: str = DEFAULT_LANG) -> str:
    t = _texts()
    if not values:
        return f"<p>{_e(t('charts.no_latencies', lang))}</p>"
    n_bins = max(5, min(24, int(math.sqrt(len(values))) + 1))
    hi = max(values) * 1.02 or 1.0
    width_bin = hi / n_bins
    counts = [0] * n_bins
    for v in values:
        counts[min(int(v / width_bin), n_bins - 1)] += 1
    W, H, left, bottom, top = 720, 220, 40, 30, 16
    plot_w, plot_h = W - left - 10, H - bottom - top
    cmax = max(counts)
    bw = plot_w / n_bins
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" role="img" '
        f'aria-label="{_e(t("charts.latency_label", lang))}" viewBox="0 0 {W} {H}">',
        f'<line x1="{left}" y1="{H - bottom}" x2="{W - 10}" y2="{H - bottom}" stroke="#9ca3af"/>',
    ]
    for i, c in enumerate(counts):
        h = plot_h * c / cmax if cmax else 0
        x = left + i * bw
        lo, up = i * width_bin, (i + 1) * width_bin
        label = t("charts.bin", lang, low=f"{lo:.0f}", high=f"{up:.0f}", n=c)
        parts.append(
            f'<rect x="{x + 1:.1f}" y="{H - bottom - h:.1f}" width="{bw - 2:.1f}" height="{h:.1f}" fill="#60a5fa">'
            f"<title>{_e(label)}</title></rect>"
        )
        if c:
            parts.append(
                f'<text x="{x + bw / 2:.1f}" y="{H - bottom - h - 3:.1f}" font-size="10" text-anchor="middle">{c}</text>'
            )
    for frac in (0, 0.25, 0.5, 0.75, 1):
        x = left + plot_w * frac
        parts.append(f'<text x="{x:.1f}" y="{H - 12}" font-size="10" text-anchor="middle">{hi * frac:.0f}</text>')
    parts.append(
        f'<text x="{W - 10}" y="{H - 1}" font-size="10" text-anchor="end">{_e(t("charts.axis_ms", lang))}</text>'
    )
    for label, val, color in (("p50", p50, "#059669"), ("p95", p95, "#dc2626")):
        if val is None:
            continue
        x = left + plot_w * val / hi
        parts.append(
            f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{H - bottom}" stroke="{color}" stroke-dasharray="4 3"/>'
            f'<text x="{x + 3:.1f}" y="{top + 8}" font-size="11" fill="{color}">{label} {val:.0f} ms</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
