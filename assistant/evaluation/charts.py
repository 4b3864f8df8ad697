"""The report's two charts as inline SVG (no scripts, no files): metrics per category, and
the latency histogram with p50/p95 marked. Every label is HTML-escaped."""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape
from typing import Any

CHART_METRICS = [
    ("hit@5", "hit@5", "#2563eb"),
    ("mrr", "MRR", "#7c3aed"),
    ("fact_recall", "fact recall", "#059669"),
    ("pass_rate", "cases passed", "#d97706"),
]


def _e(value: Any) -> str:
    return escape("" if value is None else str(value), quote=True)


def category_chart(by_category: dict[str, Any]) -> str:
    """Horizontal grouped bars per category (0-1 scale), inline SVG."""
    cats = list(by_category)
    if not cats:
        return ""
    label_w, bar_w, bar_h, gap = 150, 470, 11, 14
    group_h = len(CHART_METRICS) * (bar_h + 2) + gap
    top = 34
    height = top + group_h * len(cats) + 20
    width = label_w + bar_w + 70
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
        f'aria-label="metrics per category" viewBox="0 0 {width} {height}">'
    ]
    x = label_w
    for i, (_, label, color) in enumerate(CHART_METRICS):
        lx = label_w + i * 120
        parts.append(
            f'<rect x="{lx}" y="6" width="12" height="12" fill="{color}"/>'
            f'<text x="{lx + 16}" y="16" font-size="12">{_e(label)}</text>'
        )
    for tick in (0, 0.25, 0.5, 0.75, 1.0):
        tx = x + bar_w * tick
        parts.append(
            f'<line x1="{tx:.1f}" y1="{top - 6}" x2="{tx:.1f}" y2="{height - 18}" stroke="#e5e7eb"/>'
            f'<text x="{tx:.1f}" y="{height - 4}" font-size="10" text-anchor="middle">{tick:g}</text>'
        )
    for gi, cat in enumerate(cats):
        m = by_category[cat]
        y0 = top + gi * group_h
        parts.append(
            f'<text x="{label_w - 8}" y="{y0 + group_h / 2 - 4:.1f}" font-size="12" text-anchor="end">'
            f"{_e(cat)} (n={m.get('n_cases', 0)})</text>"
        )
        for mi, (key, label, color) in enumerate(CHART_METRICS):
            value = (m.get("passed", 0) / m["n_cases"]) if key == "pass_rate" and m.get("n_cases") else m.get(key)
            y = y0 + mi * (bar_h + 2)
            if value is None:
                parts.append(
                    f'<text x="{x + 4}" y="{y + bar_h - 2}" font-size="10" fill="#9ca3af">{_e(label)}: n/a</text>'
                )
                continue
            w = max(bar_w * float(value), 0.5)
            parts.append(
                f'<rect x="{x}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{color}">'
                f"<title>{_e(cat)} {_e(label)}: {value:.3f}</title></rect>"
                f'<text x="{x + w + 4:.1f}" y="{y + bar_h - 2}" font-size="10">{value:.2f}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)


def latency_histogram(values: Sequence[float], p50: float | None, p95: float | None) -> str:
    if not values:
        return "<p>No latencies recorded.</p>"
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
        f'aria-label="latency histogram" viewBox="0 0 {W} {H}">',
        f'<line x1="{left}" y1="{H - bottom}" x2="{W - 10}" y2="{H - bottom}" stroke="#9ca3af"/>',
    ]
    for i, c in enumerate(counts):
        h = plot_h * c / cmax if cmax else 0
        x = left + i * bw
        lo, up = i * width_bin, (i + 1) * width_bin
        parts.append(
            f'<rect x="{x + 1:.1f}" y="{H - bottom - h:.1f}" width="{bw - 2:.1f}" height="{h:.1f}" fill="#60a5fa">'
            f"<title>{lo:.0f}–{up:.0f} ms: {c} cases</title></rect>"
        )
        if c:
            parts.append(
                f'<text x="{x + bw / 2:.1f}" y="{H - bottom - h - 3:.1f}" font-size="10" text-anchor="middle">{c}</text>'
            )
    for frac in (0, 0.25, 0.5, 0.75, 1):
        x = left + plot_w * frac
        parts.append(f'<text x="{x:.1f}" y="{H - 12}" font-size="10" text-anchor="middle">{hi * frac:.0f}</text>')
    parts.append(f'<text x="{W - 10}" y="{H - 1}" font-size="10" text-anchor="end">ms per answer</text>')
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
