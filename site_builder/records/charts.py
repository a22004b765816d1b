"""Small inline SVG bar charts: no JavaScript, no external resources, deterministic."""

from __future__ import annotations

from decimal import Decimal
from html import escape

COLORS = ["#b71c1c", "#1e5aa8", "#2e7d32", "#6a4c93"]  # AA contrast on white
# The Chinese face by name (else a PDF renderer picks the Japanese Noto shapes); pages override it with CSS.
FONT = "Noto Sans CJK SC, Source Han Sans SC, sans-serif"
# 360 units wide with 14-unit labels: at least 12 px on a 390 px phone, 11 pt on paper at 110 mm (print.css).
WIDTH, LABEL_W, VALUE_W, BAR_H, GAP, TEXT, SMALL = 360, 100, 84, 18, 10, 14, 13


def _fmt(value: Decimal) -> str:
    return f"{value:,.2f}"


def bar_chart(title: str, labels: list[str], series: list[tuple[str, list[Decimal]]]) -> str:
    """Grouped horizontal bars, one group per label; returns SVG markup (all text escaped)."""
    if not labels:
        return ""
    top = max((v for _, values in series for v in values), default=Decimal(0)) or Decimal(1)
    bar_h, gap, label_w, width = BAR_H, GAP, LABEL_W, WIDTH
    group_h = bar_h * len(series) + gap
    legend_h = 28
    height = legend_h + group_h * len(labels) + 10
    plot_w = width - label_w - VALUE_W
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}" class="chart" font-family="{FONT}"><title>{escape(title)}</title>'
    ]
    for i, (name, _) in enumerate(series):
        x = i * 110
        parts.append(
            f'<rect x="{x}" y="6" width="14" height="14" fill="{COLORS[i % len(COLORS)]}"/>'
            f'<text x="{x + 18}" y="19" font-size="{TEXT}">{escape(name)}</text>'
        )
    for g, label in enumerate(labels):
        y0 = legend_h + g * group_h
        parts.append(
            f'<text x="{label_w - 6}" y="{y0 + group_h / 2}" font-size="{TEXT}" text-anchor="end" '
            f'dominant-baseline="middle">{escape(label)}</text>'
        )
        for i, (_, values) in enumerate(series):
            value = values[g]
            if not value:
                continue  # an empty bar says nothing; its 0.00 label only clutters
            w = int(plot_w * float(max(value, Decimal(0)) / top)) if value else 0
            y = y0 + i * bar_h
            parts.append(
                f'<rect x="{label_w}" y="{y}" width="{w}" height="{bar_h - 2}" '
                f'fill="{COLORS[i % len(COLORS)]}"/>'
                f'<text x="{label_w + w + 3}" y="{y + bar_h - 5}" font-size="{SMALL}">{_fmt(value)}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)
