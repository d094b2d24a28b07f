"""The difference chart: what makes up the gap in system cost between two scenarios, as a
waterfall from 0 (the reference) through the change of each cost term to the total difference.

Drawn on a zero-based axis of the difference itself, so a gap of 0.19 bn USD/yr between two
totals of 42 bn fills the chart instead of vanishing in a stacked bar. Each step is
``<rect class="cs-step" data-term=… data-value=…>`` (value in USD/yr) and the total
``<rect class="cs-step-total" data-value=…>``; a penalty for a rule missed keeps its own step.

>>> steps = [("Energy", -109e6), ("Labour", -75e6), ("Capital (annualised)", -2e6)]
>>> [s[0] for s in merge_small(steps, 5e6)]
['Energy', 'Labour', 'Other terms']
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd

from optimizer import Result

from ..formatting import esc, fmt_num
from ..missed import RULE_TERM_PREFIX
from .bars import nice_step
from .figures import system_cost_terms

STEP_CLASS = "cs-step"
TOTAL_CLASS = "cs-step-total"
UP, DOWN, TOTAL, RULE = "#c8553d", "#2e8b57", "#1f3a5f", "#8e1b10"
"""Colours: a term that costs more (red), less (green), the total, a penalty for a rule missed."""
MOST_STEPS = 8
OTHER = "Other terms"


def difference_steps(a: Result, b: Result) -> list[tuple[str, float]]:
    """(term label, change of the term B − A [USD/yr]) for every term that changed, largest
    first; the changes sum to B's system cost minus A's."""
    terms = system_cost_terms(b).sub(system_cost_terms(a), fill_value=0.0)
    terms = terms[terms.abs() > 0.5].sort_values(key=lambda s: s.abs(), ascending=False)
    return [(str(t), float(v)) for t, v in terms.items()]


def merge_small(steps: Sequence[tuple[str, float]], floor: float, most: int = MOST_STEPS):
    """``steps`` with those below ``floor`` [USD/yr] (and beyond the ``most`` largest) summed
    into one ``'Other terms'`` step; penalties for rules missed are never merged."""
    keep, rest = [], 0.0
    for label, value in steps:
        big = abs(value) >= floor and len(keep) < most
        if big or label.startswith(RULE_TERM_PREFIX):
            keep.append((label, value))
        else:
            rest += value
    if abs(rest) > 0.5:
        keep.append((OTHER, rest))
    return keep


def _money(value: float) -> str:
    """A signed amount in USD million/yr for bar labels: ``'+109'``, ``'−0.4'``."""
    millions = value / 1e6
    text = fmt_num(abs(millions))
    if text == "0":
        return "0"
    return ("+" if millions > 0 else "−") + text


def waterfall_svg(a_label: str, b_label: str, steps: Sequence[tuple[str, float]]) -> str:
    """The waterfall of ``steps`` (label, change [USD/yr]) from ``a_label`` (0) to the total
    ``b_label − a_label``, horizontal bars, axis in USD million/yr."""
    total = sum(v for _, v in steps)
    shown = merge_small(steps, max(abs(total) * 0.02, 1e6))
    level, spans = 0.0, []
    for label, value in shown:
        spans.append((label, value, level, level + value))
        level += value
    ends = [0.0, total, *(s[2] for s in spans), *(s[3] for s in spans)]
    low, high = min(ends) / 1e6, max(ends) / 1e6
    step = nice_step(high - low if high > low else 1.0)
    low, high = math.floor(low / step) * step, math.ceil(high / step) * step
    if high <= low:
        high = low + step
    label_w, plot_w, row_h, top = 300.0, 520.0, 24.0, 40.0
    rows = len(spans) + 2
    width, height = label_w + plot_w + 90.0, top + row_h * rows + 40.0

    def x(v: float) -> float:
        return label_w + (v / 1e6 - low) / (high - low) * plot_w

    title = f"What makes up the difference: {b_label} − {a_label} [USD million/yr]"
    parts = [
        f'<svg class="chart waterfall" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 '
        f'{width:.0f} {height:.0f}" width="{width:.0f}" height="{height:.0f}" role="img" '
        f'aria-label="{esc(title)}">',
        f'<text x="4" y="16" class="lbl">{esc(title)}</text>',
        '<text x="4" y="32">system cost; red: costs more, green: costs less; a rule missed '
        "in dark red</text>",
    ]
    tick = low
    bottom = top + row_h * rows
    while tick <= high + step / 2:
        tx = x(tick * 1e6)
        colour = "#888" if abs(tick) < step / 1e6 else "#e4e4e4"
        parts.append(
            f'<line x1="{tx:.1f}" y1="{top - 4:.1f}" x2="{tx:.1f}" y2="{bottom:.1f}" '
            f'stroke="{colour}"/><text x="{tx:.1f}" y="{bottom + 14:.1f}" '
            f'text-anchor="middle">{esc(fmt_num(tick))}</text>'
        )
        tick += step
    parts.append(
        f'<text x="{label_w + plot_w / 2:.1f}" y="{bottom + 30:.1f}" text-anchor="middle">'
        "change of system cost [USD million/yr]</text>"
    )

    def row(i: int, label: str, text: str, x1: float, x2: float, attrs: str, fill: str) -> None:
        y = top + i * row_h + 5
        left, w = min(x1, x2), max(abs(x2 - x1), 1.0)
        parts.append(
            f'<text x="{label_w - 6:.1f}" y="{y + 11:.1f}" text-anchor="end" class="lbl">'
            f"{esc(label)}</text>"
            f'<rect {attrs} x="{left:.1f}" y="{y:.1f}" width="{w:.1f}" height="14" '
            f'fill="{fill}"><title>{esc(label)}: {esc(text)} USD million/yr</title></rect>'
            f'<text x="{max(x1, x2) + 4:.1f}" y="{y + 11:.1f}">{esc(text)}</text>'
        )

    row(0, f"{a_label} (reference)", "0", x(0.0), x(0.0), 'class="cs-step-start"', "#888")
    for i, (label, value, begin, end) in enumerate(spans, start=1):
        fill = RULE if label.startswith(RULE_TERM_PREFIX) else UP if value > 0 else DOWN
        attrs = (
            f'class="{STEP_CLASS}" data-term="{esc(label)}" data-value="{value:.6g}" '
            f'data-from="{begin:.6g}" data-to="{end:.6g}"'
        )
        row(i, label, _money(value), x(begin), x(end), attrs, fill)
    attrs = f'class="{TOTAL_CLASS}" data-value="{total:.6g}"'
    row(rows - 1, f"{b_label} − {a_label}", _money(total), x(0.0), x(total), attrs, TOTAL)
    parts.append("</svg>")
    return "".join(parts)


def steps_frame(a: Result, b: Result) -> pd.DataFrame:
    """The steps of ``difference_steps`` as a table (term, change [USD/yr])."""
    return pd.DataFrame(difference_steps(a, b), columns=["term", "change_usd_per_yr"])


__all__ = ["difference_steps", "merge_small", "steps_frame", "waterfall_svg"]
