"""Charts drawn as inline SVG on the server: no script, no library, works offline."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from optimizer.analyses.breakeven import BreakEven

from ..formatting import esc, fmt_num, fmt_signed, fmt_usd_short, fmt_value

HIST_BAR_CLASS = "cs-hist-bar"
TORNADO_BAR_CLASS = "cs-tornado-bar"
TORNADO_MAX_BARS = 30
"""Parameters drawn per tornado chart (largest swing first); the rest are in tornado.csv."""
LOW_COLOUR, HIGH_COLOUR = "#4575b4", "#d73027"


def _svg_text(x: float, y: float, text: str, anchor: str = "start", css: str = "") -> str:
    cls = f' class="{css}"' if css else ""
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"{cls}>{esc(text)}</text>'


def tornado_svg(table: pd.DataFrame, *, unit: str = "USD/yr", title: str = "") -> str:
    """Tornado chart of a ``tornado()`` table: per parameter a bar from the base to the KPI change
    at the low value (blue, upper half) and at the high value (red, lower half), labelled with the
    parameter (its ``label`` column when there is one), its values and the changes. One
    ``<g class="cs-tornado-bar" data-parameter=id>`` per parameter."""
    rows = table.head(TORNADO_MAX_BARS)
    label_w, chart_w, room = 330.0, 660.0, 160.0  # room: space kept for the value labels
    row_h, top = 26.0, 44.0
    width = label_w + chart_w + 10
    height = top + row_h * len(rows) + 34.0
    deltas = rows[["delta_low", "delta_high"]].to_numpy(float)
    reach = float(np.nanmax(np.abs(deltas))) if np.isfinite(deltas).any() else 0.0
    reach = reach if reach > 0 else 1.0
    x0 = label_w + chart_w / 2
    scale = (chart_w / 2 - room) / reach
    short = unit.startswith("USD")
    parts = [
        f'<svg class="chart tornado" xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" '
        f'height="{height:.0f}" viewBox="0 0 {width:.0f} {height:.0f}" role="img">',
        f"<title>{esc(title or 'Tornado chart')}</title>",
        _svg_text(label_w, 14, title, css="lbl"),
        f'<rect x="{label_w:.0f}" y="22" width="10" height="10" fill="{LOW_COLOUR}"/>',
        _svg_text(label_w + 14, 31, "parameter at its low value"),
        f'<rect x="{label_w + 170:.0f}" y="22" width="10" height="10" fill="{HIGH_COLOUR}"/>',
        _svg_text(label_w + 184, 31, "at its high value"),
    ]
    for i, (_, row) in enumerate(rows.iterrows()):
        y = top + i * row_h
        name = str(row["parameter"])
        shown = str(row["label"]) if "label" in row and isinstance(row["label"], str) else name
        tip = (
            f"{shown}: low {fmt_num(row['low_value'])} → {fmt_signed(row['delta_low'], unit)}; "
            f"high {fmt_num(row['high_value'])} → {fmt_signed(row['delta_high'], unit)} "
            f"(base {fmt_num(row['base_value'])} {row['unit']})"
        )
        group = [
            f'<g class="{TORNADO_BAR_CLASS}" data-parameter="{esc(name)}"><title>{esc(tip)}</title>',
            _svg_text(label_w - 8, y + 11, shown, "end", "lbl"),
            _svg_text(
                label_w - 8,
                y + 22,
                f"{fmt_num(row['low_value'])} / {fmt_num(row['high_value'])} {row['unit']}".strip(),
                "end",
            ),
        ]
        for level, colour, dy in (("low", LOW_COLOUR, 2.0), ("high", HIGH_COLOUR, 13.0)):
            delta = float(row[f"delta_{level}"])
            if not math.isfinite(delta):
                group.append(_svg_text(x0 + 4, y + dy + 9, f"{level}: run failed"))
                continue
            x1 = x0 + delta * scale
            left, w = min(x0, x1), max(abs(x1 - x0), 0.5)
            group.append(
                f'<rect class="cs-{level}" x="{left:.1f}" y="{y + dy:.1f}" width="{w:.1f}" '
                f'height="10" fill="{colour}" data-delta="{delta!r}"/>'
            )
            text = f"{fmt_num(row[f'{level}_value'])}: {fmt_signed(delta, unit, short=short)}"
            if delta >= 0:
                group.append(_svg_text(max(x1, x0) + 4, y + dy + 9, text))
            else:
                group.append(_svg_text(min(x1, x0) - 4, y + dy + 9, text, "end"))
        group.append("</g>")
        parts.append("".join(group))
    bottom = top + row_h * len(rows)
    parts.append(
        f'<line x1="{x0:.1f}" y1="{top - 4:.1f}" x2="{x0:.1f}" y2="{bottom:.1f}" '
        'stroke="#222" stroke-width="1"/>'
    )
    for frac in (-1.0, -0.5, 0.5, 1.0):
        x = x0 + frac * reach * scale
        parts.append(
            f'<line x1="{x:.1f}" y1="{bottom:.1f}" x2="{x:.1f}" y2="{bottom + 4:.1f}" '
            'stroke="#888"/>'
        )
        if abs(frac) == 1.0:
            text = fmt_signed(frac * reach, unit, short=short)
            parts.append(_svg_text(x, bottom + 15, text, "middle"))
    base = rows["base_kpi"].iloc[0] if len(rows) else math.nan
    parts.append(
        _svg_text(x0, bottom + 29, f"change from the base ({fmt_value(base, unit)})", "middle")
    )
    parts.append("</svg>")
    return "".join(parts)


def histogram_svg(
    values: Sequence[float], *, unit: str = "USD/yr", title: str = "", bins: int | None = None
) -> str:
    """Histogram of ``values`` (NaN dropped) with the 5th, 50th and 95th percentiles marked.
    One ``<rect class="cs-hist-bar" data-count=…>`` per bin."""
    data = np.asarray([v for v in values if v is not None and math.isfinite(v)], dtype=float)
    width, height, left, right, top, bottom = 760.0, 300.0, 56.0, 20.0, 28.0, 52.0
    parts = [
        f'<svg class="chart histogram" xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" '
        f'height="{height:.0f}" viewBox="0 0 {width:.0f} {height:.0f}" role="img">',
        f"<title>{esc(title or 'Histogram')}</title>",
        _svg_text(left, 16, title, css="lbl"),
    ]
    if data.size == 0:
        parts.append(_svg_text(width / 2, height / 2, "no solved runs", "middle"))
        return "".join(parts) + "</svg>"
    n_bins = bins or int(min(30, max(5, round(math.sqrt(data.size)))))
    lo, hi = float(data.min()), float(data.max())
    if hi <= lo:
        lo, hi = lo - 0.5 * max(abs(lo), 1.0) * 1e-6, hi + 0.5 * max(abs(hi), 1.0) * 1e-6
    counts, edges = np.histogram(data, bins=n_bins, range=(lo, hi))
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max(int(counts.max()), 1)
    bar_w = plot_w / n_bins

    def xpos(v: float) -> float:
        return left + (v - lo) / (hi - lo) * plot_w

    for i, count in enumerate(counts):
        h = plot_h * count / peak
        parts.append(
            f'<rect class="{HIST_BAR_CLASS}" x="{left + i * bar_w + 0.5:.1f}" '
            f'y="{top + plot_h - h:.1f}" width="{max(bar_w - 1, 0.5):.1f}" height="{h:.1f}" '
            f'fill="#6a8fbf" data-count="{int(count)}" data-low="{edges[i]!r}" '
            f'data-high="{edges[i + 1]!r}"><title>{esc(fmt_value(edges[i], unit))} – '
            f"{esc(fmt_value(edges[i + 1], unit))}: {int(count)} runs</title></rect>"
        )
    base_y = top + plot_h
    parts.append(
        f'<line x1="{left}" y1="{base_y:.1f}" x2="{left + plot_w:.1f}" y2="{base_y:.1f}" '
        'stroke="#222"/>'
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{base_y:.1f}" stroke="#222"/>'
    )
    for frac in (0.0, 0.5, 1.0):
        count = peak * frac
        y = base_y - plot_h * frac
        parts.append(_svg_text(left - 5, y + 4, fmt_num(count), "end"))
    short = unit.startswith("USD")
    for v in (lo, (lo + hi) / 2, hi):
        text = fmt_usd_short(v) if short else fmt_num(v)
        parts.append(_svg_text(xpos(v), base_y + 15, text, "middle"))
    for q, value in zip((5, 50, 95), np.percentile(data, (5, 50, 95)), strict=True):
        x = xpos(float(value))
        parts.append(
            f'<line class="cs-p{q}" x1="{x:.1f}" y1="{top:.1f}" x2="{x:.1f}" y2="{base_y:.1f}" '
            'stroke="#a4260e" stroke-dasharray="4 3"/>'
        )
        parts.append(_svg_text(x, top - 2, f"p{q}", "middle"))
    parts.append(
        _svg_text(
            left + plot_w / 2,
            height - 10,
            f"{title} [{unit}] — {data.size} runs, {n_bins} bins; count per bin on the left",
            "middle",
        )
    )
    parts.append("</svg>")
    return "".join(parts)


def break_even_svg(found: BreakEven, *, unit: str = "USD/yr") -> str:
    """KPI(A) − KPI(B) against the parameter value, with zero and the flip marked."""
    ev = found.evaluations.sort_values("value")
    width, height, left, right, top, bottom = 760.0, 260.0, 140.0, 20.0, 20.0, 44.0
    plot_w, plot_h = width - left - right, height - top - bottom
    lo, hi = found.bounds
    diffs = ev["difference"].to_numpy(float)
    reach = float(np.nanmax(np.abs(diffs))) if len(diffs) else 1.0
    reach = reach if reach > 0 else 1.0

    def xpos(v: float) -> float:
        return left + (v - lo) / (hi - lo) * plot_w

    def ypos(d: float) -> float:
        return top + plot_h / 2 - d / reach * (plot_h / 2 - 4)

    points = " ".join(
        f"{xpos(v):.1f},{ypos(d):.1f}" for v, d in zip(ev["value"], diffs, strict=True)
    )
    parts = [
        f'<svg class="chart breakeven" xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" '
        f'height="{height:.0f}" viewBox="0 0 {width:.0f} {height:.0f}" role="img">',
        f"<title>{esc(found.kpi)}: {esc(found.scenario_a)} minus {esc(found.scenario_b)}</title>",
        f'<line x1="{left}" y1="{ypos(0):.1f}" x2="{left + plot_w:.1f}" y2="{ypos(0):.1f}" '
        'stroke="#888" stroke-dasharray="3 3"/>',
        f'<polyline points="{points}" fill="none" stroke="#4575b4" stroke-width="1.5"/>',
    ]
    for v, d in zip(ev["value"], diffs, strict=True):
        parts.append(
            f'<circle class="cs-eval" cx="{xpos(v):.1f}" cy="{ypos(d):.1f}" r="3" '
            f'fill="#4575b4"><title>{esc(fmt_num(v))}: {esc(fmt_signed(d, unit))}</title></circle>'
        )
    if found.flips and found.value is not None:
        x = xpos(found.value)
        parts.append(
            f'<line class="cs-flip" x1="{x:.1f}" y1="{top}" x2="{x:.1f}" '
            f'y2="{top + plot_h:.1f}" stroke="#d73027"/>'
        )
        parts.append(_svg_text(x + 4, top + 10, f"flip ≈ {found.value:.4g}"))
    for v in (lo, (lo + hi) / 2, hi):
        parts.append(_svg_text(xpos(v), top + plot_h + 15, fmt_num(v), "middle"))
    for d in (-reach, 0.0, reach):
        parts.append(_svg_text(left - 5, ypos(d) + 4, fmt_signed(d, unit, short=True), "end"))
    parts.append(
        _svg_text(
            left + plot_w / 2,
            height - 6,
            f"{found.parameter}; above the line {found.scenario_b} is cheaper",
            "middle",
        )
    )
    parts.append("</svg>")
    return "".join(parts)


GANTT_BAR_CLASS = "cs-gantt-bar"
TYPE_COLOURS = {"battery": "#1b9e77", "magnet": "#7570b3", "solar": "#e6ab02"}


def gantt_svg(schedule: pd.DataFrame, years: Sequence[int], *, title: str = "") -> str:
    """Build schedule as a Gantt chart: per site a pale bar from its decision year to its online
    year (permitting + construction) and a solid bar from then to the last period (producing).
    One ``<g class="cs-gantt-bar" data-site=… data-decision=… data-online=…>`` per site."""
    label_w, chart_w, row_h, top = 230.0, 620.0, 22.0, 40.0
    first = min([int(min(years)), *schedule["decision_year"].astype(int).tolist()])
    last = int(max(years)) + 1  # bars run to the end of the last period year
    span = max(last - first, 1)
    width, height = label_w + chart_w + 20, top + row_h * max(len(schedule), 1) + 40

    def xpos(year: float) -> float:
        return label_w + (year - first) / span * chart_w

    parts = [
        f'<svg class="chart gantt" xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" '
        f'height="{height:.0f}" viewBox="0 0 {width:.0f} {height:.0f}" role="img">',
        f"<title>{esc(title or 'Build schedule')}</title>",
        _svg_text(4, 16, title, css="lbl"),
    ]
    for year in range(first, last + 1):
        x = xpos(year)
        parts.append(
            f'<line x1="{x:.1f}" y1="{top - 6:.1f}" x2="{x:.1f}" y2="{height - 34:.1f}" '
            'stroke="#ddd"/>'
        )
        if year < last:
            parts.append(_svg_text(x + chart_w / span / 2, top - 10, str(year), "middle"))
    if schedule.empty:
        parts.append(_svg_text(width / 2, top + row_h, "nothing built", "middle"))
    for i, row in enumerate(schedule.itertuples()):
        y = top + i * row_h
        colour = TYPE_COLOURS.get(row.cluster_type, "#666")
        site = f"{row.region_id} {row.cluster_type} ({row.mode})"
        x0, x1, x2 = xpos(row.decision_year), xpos(row.online_year), xpos(last)
        label = (
            f"{site}: decided {row.decision_year}, online {row.online_year} "
            f"({row.permitting_months:.1f} permitting + {row.construction_months:.0f} "
            f"construction months), {fmt_num(row.capacity)} {row.unit}"
        )
        parts.append(
            f'<g class="{GANTT_BAR_CLASS}" data-site="{esc(site)}" '
            f'data-decision="{int(row.decision_year)}" data-online="{int(row.online_year)}">'
            f"<title>{esc(label)}</title>"
            + _svg_text(label_w - 6, y + row_h * 0.7, f"{site} {fmt_num(row.capacity)}", "end")
            + f'<rect x="{x0:.1f}" y="{y + 4:.1f}" width="{max(x1 - x0, 1):.1f}" '
            f'height="{row_h - 8:.1f}" fill="{colour}" fill-opacity="0.3"/>'
            f'<rect x="{x1:.1f}" y="{y + 4:.1f}" width="{max(x2 - x1, 1):.1f}" '
            f'height="{row_h - 8:.1f}" fill="{colour}"/></g>'
        )
    parts.append(
        _svg_text(
            label_w,
            height - 12,
            "pale: permitting + construction after the decision; solid: producing",
        )
    )
    parts.append("</svg>")
    return "".join(parts)
