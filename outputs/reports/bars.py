"""Horizontal bar charts as inline SVG (no red in the palette: red marks a rule missed) (one chart library for every report: ``charts`` draws
the tornado, histograms and break-even plot the same way). No script, no network, prints well.

Each bar is ``<rect class="cs-bar" data-category=… data-series=… data-value=…>`` so tests and
readers can check the drawn numbers against the results.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence

from ..formatting import esc, fmt_num

BAR_CLASS = "cs-bar"
PALETTE = (
    "#4e79a7",
    "#f28e2b",
    "#59a14f",
    "#8cd17d",
    "#76b7b2",
    "#edc948",
    "#b07aa1",
    "#499894",
    "#9c755f",
    "#bab0ac",
    "#86bcb6",
    "#d37295",
)


def nice_step(span: float, ticks: int = 5) -> float:
    """A round tick step (1, 2, 2.5 or 5 × 10^k) giving about ``ticks`` ticks over ``span``.

    >>> nice_step(88_364_839), nice_step(1.0), nice_step(0)
    (20000000.0, 0.2, 1.0)
    """
    if span <= 0:
        return 1.0
    raw = span / ticks
    power = 10.0 ** math.floor(math.log10(raw))
    for factor in (1.0, 2.0, 2.5, 5.0, 10.0):
        if raw <= factor * power:
            return factor * power
    return 10.0 * power  # pragma: no cover


def _text(x: float, y: float, text: str, anchor: str = "start", css: str = "") -> str:
    cls = f' class="{css}"' if css else ""
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"{cls}>{esc(text)}</text>'


def bar_chart_svg(
    categories: Sequence[str],
    series: Mapping[str, Sequence[float]],
    *,
    title: str,
    unit: str,
    stacked: bool = False,
    fmt: Callable[[float], str] = fmt_num,
    scale: float = 1.0,
    colours: Mapping[str, str] | None = None,
) -> str:
    """Horizontal bars: one row per category, one bar (grouped) or segment (``stacked``; negative
    values stack left of zero) per series. Values are divided by ``scale`` for the axis, whose
    unit is ``unit`` (e.g. ``USD million/yr`` with ``scale=1e6``); ``fmt`` labels bar values."""
    names = list(series)
    colours = dict(colours or {})
    for i, name in enumerate(names):
        colours.setdefault(name, PALETTE[i % len(PALETTE)])
    values = {n: [float(v) / scale for v in series[n]] for n in names}
    n_cat = len(categories)
    if stacked:
        lows = [sum(min(values[n][i], 0.0) for n in names) for i in range(n_cat)]
        highs = [sum(max(values[n][i], 0.0) for n in names) for i in range(n_cat)]
    else:
        lows = [min([0.0, *(values[n][i] for n in names)]) for i in range(n_cat)]
        highs = [max([0.0, *(values[n][i] for n in names)]) for i in range(n_cat)]
    low, high = min(lows, default=0.0), max(highs, default=0.0)
    step = nice_step(high - low)
    low = math.floor(low / step) * step
    high = math.ceil(high / step) * step if high > 0 else 0.0
    if high <= low:
        high = low + step
    label_w, plot_w, legend_h = 170.0, 560.0, 22.0 * math.ceil(len(names) / 4)
    bar_h = 14.0 if stacked else 10.0
    row_h = (bar_h + 10.0) if stacked else max(len(names) * (bar_h + 2.0) + 10.0, 24.0)
    top = 30.0 + legend_h
    height = top + row_h * n_cat + 36.0
    width = label_w + plot_w + 90.0

    def x(v: float) -> float:
        return label_w + (v - low) / (high - low) * plot_w

    parts = [
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} '
        f'{height:.0f}" width="{width:.0f}" height="{height:.0f}" role="img" '
        f'aria-label="{esc(title)}">',
        _text(4, 16, title, css="lbl"),
    ]
    for i, name in enumerate(names):  # legend, four per line
        lx, ly = 4 + (i % 4) * 200.0, 30.0 + (i // 4) * 20.0
        parts.append(
            f'<rect x="{lx:.0f}" y="{ly - 9:.0f}" width="10" height="10" fill="{colours[name]}"/>'
        )
        parts.append(_text(lx + 14, ly, name))
    tick = low
    while tick <= high + step / 2:
        tx = x(tick)
        parts.append(
            f'<line x1="{tx:.1f}" y1="{top - 4:.1f}" x2="{tx:.1f}" y2="{top + row_h * n_cat:.1f}" '
            f'stroke="{"#888" if abs(tick) < step / 1e6 else "#e4e4e4"}"/>'
        )
        parts.append(_text(tx, top + row_h * n_cat + 14, fmt_num(tick), "middle"))
        tick += step
    parts.append(_text(label_w + plot_w / 2, top + row_h * n_cat + 30, unit, "middle"))
    for c, category in enumerate(categories):
        y0 = top + c * row_h + 5.0
        parts.append(_text(label_w - 6, y0 + (row_h - 10) / 2 + 4, category, "end", "lbl"))
        pos = neg = 0.0
        for s, name in enumerate(names):
            v = values[name][c]
            if stacked:
                start, pos, neg = (pos, pos + v, neg) if v >= 0 else (neg + v, pos, neg + v)
                x1, x2, y = x(start), x(start + abs(v)), y0
            else:
                x1, x2, y = x(min(v, 0.0)), x(max(v, 0.0)), y0 + s * (bar_h + 2.0)
            raw = v * scale
            parts.append(
                f'<rect class="{BAR_CLASS}" data-category="{esc(category)}" '
                f'data-series="{esc(name)}" data-value="{raw:.6g}" x="{x1:.1f}" y="{y:.1f}" '
                f'width="{max(x2 - x1, 0.0):.1f}" height="{bar_h:.0f}" fill="{colours[name]}">'
                f"<title>{esc(category)}, {esc(name)}: {esc(fmt(raw))}</title></rect>"
            )
        if stacked:
            total = sum(values[n][c] for n in names) * scale
            parts.append(_text(x(max(pos, 0.0)) + 4, y0 + bar_h - 3, fmt(total)))
    parts.append("</svg>")
    return "".join(parts)


__all__ = ["BAR_CLASS", "PALETTE", "bar_chart_svg", "nice_step"]
