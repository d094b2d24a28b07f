"""Run-folder writers of the planner analyses: siting regret, sweep and tornado, break-even,
Monte Carlo.

Each writer puts the analysis tables (CSV, numbers unrounded), a scenario map with the analysis
layers (``map.html``: the base optimum drawn by ``maps.scenario_map`` plus ``extra_layers``) and a
self-contained ``report.html`` into a folder. Charts are inline SVG drawn here (no plotting
dependency). Every string from data, scenario or technology files is HTML-escaped (``esc``).
Nothing here solves: the writers only draw the results they are given.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path

import folium
import numpy as np
import pandas as pd

from optimizer import CAPACITY_UNITS, CLUSTER_TYPES, Result, Scenario
from optimizer.regret import RegretResult
from optimizer.reuse import COST_KEYS
from optimizer.sensitivity import BreakEven, Parameter, SweepResult, kpi_column, tornado
from optimizer.uncertainty import MonteCarloResult
from regions import RegionData

from .atomic import atomic_write_text
from .compare import esc, fmt_num, fmt_pct, fmt_usd, fmt_usd_short
from .map_shading import GeoLayer, Shapes, state_shapes
from .maps import save_map, scenario_map
from .report import _CSS, _table

REPORT_NAME = "report.html"
MAP_NAME = "map.html"
REGRET_ROW_CLASS = "cs-regret-row"
EXCLUDED_ROW_CLASS = "cs-excluded-row"
CANNOT_HOST_CLASS = "cs-cannot-host"
TORNADO_BAR_CLASS = "cs-tornado-bar"
HIST_BAR_CLASS = "cs-hist-bar"
TORNADO_MAX_BARS = 30
"""Parameters drawn per tornado chart (largest swing first); the rest are in tornado.csv."""
BREAKDOWN_REGIONS = 3
"""Regions in the regret cost breakdown: this many cheapest alternatives and most costly."""
TORNADO_KPIS = ("total_annual_cost", *(f"levelized_cost:{k}" for k in CLUSTER_TYPES))
LOW_COLOUR, HIGH_COLOUR = "#4575b4", "#d73027"

_EXTRA_CSS = """
svg.chart {font: 11px system-ui, sans-serif; background: #fff; max-width: 100%; height: auto;}
svg.chart text.lbl {font-size: 12px;}
iframe.map {width: 100%; height: 600px; border: 1px solid #bbb; border-radius: 4px;}
p.lead {font-size: 15px;}
"""

TERM_LABELS = {
    "fixed": "Fixed site cost",
    "capex": "Capital (annualised)",
    "energy": "Energy",
    "labor": "Labour",
    "other_opex": "Other opex",
    "other_materials": "Other materials",
    "permitting_delay": "Permitting delay",
    "credit_45x": "45X credit",
    "state_incentive": "State incentive",
    "minerals": "Minerals",
    "freight": "Mineral freight",
    "shortfall_penalty": "Target shortfall penalty",
    "unsupplied_penalty": "Unsupplied mineral penalty",
}


# ---------------------------------------------------------------------------------------------
# shared helpers
# ---------------------------------------------------------------------------------------------


def regret_layer_name(cluster_type: str) -> str:
    """Map layer of a type's siting regret."""
    return f"Siting regret {cluster_type} [USD/yr]"


def probability_layer_name(cluster_type: str) -> str:
    """Map layer of the Monte Carlo probability that a type's cluster is sited."""
    return f"P(site) {cluster_type}"


def capacity_change_layer_name(cluster_type: str, parameter: str, level: str, value: float) -> str:
    """Map layer of the change of a type's new capacity in one sweep run."""
    return (
        f"Change in new {cluster_type} capacity [{CAPACITY_UNITS[cluster_type]}]: "
        f"{parameter} {level} ({fmt_num(value)})"
    )


def kpi_unit(column: str) -> str:
    """Unit of a sweep/Monte Carlo KPI column (``levelized_cost_battery`` → ``USD/GWh``)."""
    for k in CLUSTER_TYPES:
        unit = CAPACITY_UNITS[k]
        if column == f"levelized_cost_{k}":
            return f"USD/{unit.split('/')[0]}"
        if column == f"new_capacity_{k}":
            return unit
    return {
        "total_annual_cost": "USD/yr",
        "objective": "USD/yr",
        "jobs": "jobs",
        "domestic_mineral_share": "fraction",
    }.get(column, "")


def fmt_value(value: float, unit: str) -> str:
    """A KPI value with its unit for tables."""
    if value is None or not math.isfinite(float(value)):
        return "n/a"
    if unit == "fraction":
        return fmt_pct(value)
    if unit.startswith("USD"):
        return f"{fmt_usd(value)}{unit[3:]}"
    return f"{fmt_num(value)} {unit}".rstrip()


def fmt_signed(value: float, unit: str = "USD/yr", *, short: bool = False) -> str:
    """A signed change: ``+USD 1,250,000/yr``, ``−USD 2.5 million/yr``, ``0``, ``n/a``."""
    if value is None or not math.isfinite(float(value)):
        return "n/a"
    value = float(value)
    size = abs(value)
    if value == 0 or (unit.startswith("USD") and size < 0.5):
        return "0"
    sign = "+" if value > 0 else "−"
    if unit == "fraction":
        return f"{sign}{100 * size:.1f} pp"
    if unit.startswith("USD"):
        text = fmt_usd_short(size) if short else fmt_usd(size)
        return f"{sign}{text}{unit[3:]}"
    return f"{sign}{fmt_num(size)} {unit}".rstrip()


def region_label(data: RegionData, region_id: str) -> str:
    """``Name (ID)`` as escaped HTML."""
    name = data.regions.at[region_id, "name"] if region_id in data.regions.index else region_id
    return f"{esc(name)} ({esc(region_id)})"


def write_csv(table: pd.DataFrame, path: Path, *, index: bool = False) -> Path:
    """Write a table as UTF-8 CSV with ``\\n`` line ends (numbers unrounded)."""
    table.to_csv(path, index=index, lineterminator="\n")
    return path


def html_page(title: str, body: Sequence[str]) -> str:
    """A complete HTML page; ``title`` is plain text, ``body`` escaped HTML."""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title><style>{_CSS}{_EXTRA_CSS}</style></head>"
        f"<body>{''.join(body)}</body></html>\n"
    )


def _header(heading: str, scenario: Scenario, data: RegionData, extra: str = "") -> list[str]:
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    description = str(scenario.description).strip()
    if description and description[-1] not in ".!?":
        description += "."
    return [
        f"<h1>{esc(heading)}</h1>",
        f'<p class="meta">Scenario <b>{esc(scenario.name)}</b>: {esc(description)} '
        f"Facilities as of {esc(scenario.facilities_as_of)}; horizon "
        f"{esc(scenario.horizon_year)}. {len(data.regions)} regions. Generated {esc(stamp)} "
        f"by clustersite. {extra}</p>",
    ]


def _map_section(note: str) -> str:
    return (
        "<h2>Map</h2>"
        f'<p class="note">{note} Open <a href="{MAP_NAME}">{MAP_NAME}</a> on its own for a full '
        "window; switch layers with the button at its top right.</p>"
        f'<iframe class="map" title="map" src="{MAP_NAME}"></iframe>'
    )


def _failures_section(failures: pd.DataFrame) -> str:
    if failures is None or failures.empty:
        return "<h2>Failed runs</h2><p>None: every run solved.</p>"
    rows = [
        [esc(r["parameters"]), esc(r["status"]), esc(r["error"]), esc(r["run_key"])]
        for _, r in failures.iterrows()
    ]
    return (
        f"<h2>Failed runs ({len(failures)})</h2>"
        '<p class="note">Runs that raised or found no solution, with their parameters '
        "(also in failures.csv). The other runs' results are unaffected.</p>"
        + _table(["Parameters", "status", "error", "run key"], rows, left=4)
    )


def _with_overlay(m: folium.Map, group: folium.FeatureGroup) -> None:
    """Add ``group`` to ``m`` before its layer control (which must be rendered last)."""
    group.add_to(m)
    for key, child in list(m._children.items()):
        if isinstance(child, folium.LayerControl):
            m._children.move_to_end(key)


def add_reason_overlay(
    m: folium.Map, data: RegionData, reasons: Mapping[str, str], name: str
) -> None:
    """A hatched grey overlay of the regions in ``reasons`` whose tooltip is the reason (text)."""
    shown = {r: t for r, t in reasons.items() if r in data.geometry}
    if not shown:
        return
    collection = state_shapes(data)
    collection["features"] = [f for f in collection["features"] if f["id"] in shown]
    shapes = Shapes(collection)
    tips = {r: f"<b>{region_label(data, r)}</b><br>{esc(t)}" for r, t in shown.items()}
    group = folium.FeatureGroup(name=esc(name), overlay=True, show=False)
    group.add_child(shapes)
    group.add_child(
        GeoLayer(
            shapes,
            colours=dict.fromkeys(shown, "#8c8c8c"),
            tips=tips,
            style={"fillOpacity": 0.55, "dashArray": "4 3", "color": "#444444"},
            class_name=CANNOT_HOST_CLASS,
        )
    )
    _with_overlay(m, group)


# ---------------------------------------------------------------------------------------------
# SVG charts
# ---------------------------------------------------------------------------------------------


def _svg_text(x: float, y: float, text: str, anchor: str = "start", css: str = "") -> str:
    cls = f' class="{css}"' if css else ""
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"{cls}>{esc(text)}</text>'


def tornado_svg(table: pd.DataFrame, *, unit: str = "USD/yr", title: str = "") -> str:
    """Tornado chart of a ``tornado()`` table: per parameter a bar from the base to the KPI change
    at the low value (blue, upper half) and at the high value (red, lower half), labelled with the
    parameter, its values and the changes. One ``<g class="cs-tornado-bar">`` per parameter."""
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
        tip = (
            f"{name}: low {fmt_num(row['low_value'])} → {fmt_signed(row['delta_low'], unit)}; "
            f"high {fmt_num(row['high_value'])} → {fmt_signed(row['delta_high'], unit)} "
            f"(base {fmt_num(row['base_value'])} {row['unit']})"
        )
        group = [
            f'<g class="{TORNADO_BAR_CLASS}" data-parameter="{esc(name)}"><title>{esc(tip)}</title>',
            _svg_text(label_w - 8, y + 11, name, "end", "lbl"),
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


# ---------------------------------------------------------------------------------------------
# regret
# ---------------------------------------------------------------------------------------------


def regret_layers(result: RegretResult) -> dict[str, pd.Series]:
    """Map layers: regret [USD/yr] by region for each analysed type (NaN: cannot host)."""
    return {regret_layer_name(k): result.to_layer(k) for k in result.cluster_types}


def cannot_host(result: RegretResult, cluster_type: str) -> dict[str, str]:
    """Regions without a regret value for ``cluster_type`` and why (region_id → reason)."""
    rows = result.table[
        (result.table["cluster_type"] == cluster_type) & result.table["regret_usd_per_yr"].isna()
    ]
    return {str(r["region_id"]): str(r["reason"]) for _, r in rows.iterrows()}


def _regret_type_section(
    result: RegretResult, cluster_type: str, data: RegionData, base_objective: float
) -> str:
    unit = CAPACITY_UNITS[cluster_type]
    rows = result.table[result.table["cluster_type"] == cluster_type]
    valued = rows[rows["regret_usd_per_yr"].notna()]
    excluded = rows[rows["regret_usd_per_yr"].isna()]
    minimum = rows["min_capacity"].iloc[0] if len(rows) else math.nan
    optimum = ", ".join(valued.loc[valued["in_base_optimum"], "region_id"].astype(str))
    parts = [
        f"<h2>{esc(cluster_type)}: siting regret</h2>",
        f'<p class="lead">{len(rows)} regions analysed; {len(valued)} can host a '
        f"minimum-scale {esc(cluster_type)} cluster ({esc(fmt_num(minimum))} {esc(unit)}), "
        f"{len(excluded)} cannot. Base optimum sites: {esc(optimum or 'none')}.</p>",
    ]
    table_rows, attrs = [], []
    for rank, (_, r) in enumerate(valued.iterrows(), start=1):
        notes = [str(r["reason"])] if str(r["reason"]) not in ("", "nan") else []
        if bool(r["clipped"]):
            notes.append("solver noise clipped to 0")
        if math.isfinite(r["overshoot"]) and r["overshoot"] > 0:
            notes.append(
                f"the minimum scale exceeds the remaining target: {fmt_num(r['overshoot'])} "
                f"{unit} built beyond it, paid in the regret"
            )
        note = "; ".join(notes)
        table_rows.append(
            [
                esc(rank),
                region_label(data, str(r["region_id"])),
                esc(fmt_usd(r["regret_usd_per_yr"])),
                esc(f"{r['regret_pct']:.3f}%") if math.isfinite(r["regret_pct"]) else "n/a",
                "yes" if bool(r["in_base_optimum"]) else "no",
                esc(fmt_num(r["forced_new_capacity"])),
                esc(fmt_num(r["overshoot"])),
                esc(r["displaced"] or "—"),
                esc(note),
            ]
        )
        attrs.append(
            f'class="{REGRET_ROW_CLASS}" data-type="{esc(cluster_type)}" '
            f'data-region="{esc(r["region_id"])}"'
        )
    parts.append(
        "<h3>Regions that can host, cheapest first</h3>"
        + _table(
            [
                "#",
                "Region",
                "Regret [USD/yr]",
                "Regret [% of base]",
                "In base optimum",
                f"Forced new capacity [{unit}]",
                f"Overshoot [{unit}]",
                f"Displaced elsewhere [{unit}]",
                "Note",
            ],
            table_rows,
            left=2,
            row_attrs=attrs,
        )
    )
    if len(excluded):
        ex_rows, ex_attrs = [], []
        for reason, group in excluded.groupby("reason", sort=False):
            ids = [str(r) for r in group["region_id"]]
            ex_rows.append(
                [esc(reason), esc(len(ids)), ", ".join(region_label(data, r) for r in ids)]
            )
            ex_attrs.append(
                f'class="{EXCLUDED_ROW_CLASS}" data-type="{esc(cluster_type)}" '
                f'data-regions="{esc(" ".join(ids))}"'
            )
        parts.append(
            f"<h3>Regions that cannot host a {esc(cluster_type)} cluster ({len(excluded)})</h3>"
            + _table(["Reason", "count", "Regions"], ex_rows, left=3, row_attrs=ex_attrs)
        )
    parts.append(_breakdown(valued, data))
    return "".join(parts)


def _breakdown(valued: pd.DataFrame, data: RegionData) -> str:
    """Objective-term differences of the cheapest alternatives and the most costly regions."""
    ranked = valued.reset_index(drop=True)
    others = ranked[~ranked["in_base_optimum"].astype(bool)]
    if others.empty:
        return ""
    cheap = others.head(BREAKDOWN_REGIONS)
    costly = others.tail(BREAKDOWN_REGIONS)
    shown = pd.concat([cheap, costly[~costly.index.isin(cheap.index)]])
    terms = [
        t
        for t in COST_KEYS
        if f"d_{t}_usd_per_yr" in shown and shown[f"d_{t}_usd_per_yr"].abs().max() >= 0.5
    ]
    names = data.regions["name"] if "name" in data.regions else pd.Series(dtype=str)
    headers = ["Objective term [USD/yr]"] + [
        f"{names.get(r, r)} ({r}), #{i + 1} of {len(ranked)}"
        for i, r in zip(shown.index, shown["region_id"].astype(str), strict=True)
    ]
    rows = [
        [esc(TERM_LABELS.get(t, t))]
        + [esc(fmt_signed(v)) for v in shown[f"d_{t}_usd_per_yr"].to_numpy(float)]
        for t in terms
    ]
    rows.append(
        ["<b>Regret (sum)</b>"]
        + [f"<b>{esc(fmt_signed(v))}</b>" for v in shown["regret_usd_per_yr"].to_numpy(float)]
    )
    return (
        "<h3>Why: cost-term changes of the cheapest alternatives and the most costly regions</h3>"
        '<p class="note">Each column is the forced run minus the unforced optimum, by objective '
        "term; the terms sum to the regret. Negative = saved.</p>" + _table(headers, rows)
    )


def regret_report(
    result: RegretResult,
    data: RegionData,
    scenario: Scenario,
    *,
    with_map: bool = True,
) -> str:
    """The regret report page (HTML)."""
    base_objective = float(result.base.get("objective") or math.nan)
    types = ", ".join(result.cluster_types)
    body = _header(
        f"Siting regret: {scenario.name} ({types})",
        scenario,
        data,
        f"Unforced optimum: {esc(fmt_usd(base_objective))}/yr.",
    )
    body.append(
        '<p class="lead">The <b>siting regret</b> of a region is the extra total system cost per '
        "year of forcing a minimum-scale cluster there, everything else re-optimized, compared "
        "with the unforced optimum: the cost penalty of siting here. Regions in the optimum have "
        "0. Regions that cannot host the type get no value, and the reason.</p>"
    )
    for k in result.cluster_types:
        body.append(_regret_type_section(result, k, data, base_objective))
    if with_map:
        body.append(
            _map_section(
                "The map shows the unforced optimum; the layers "
                + ", ".join(f"<i>{esc(regret_layer_name(k))}</i>" for k in result.cluster_types)
                + " shade each region by its regret (no data: cannot host), and the overlays "
                "<i>Cannot host …</i> give the reason in their tooltips."
            )
        )
    body.append(_failures_section(result.failures))
    body.append(
        '<p class="note">Method: every forced run is solved with a relative MIP gap of at most '
        "1e-6; regrets within 1e-6 of the base objective below zero are solver noise and shown "
        "as 0. Tables: regret.csv (one row per region and type, with every cost-term change), "
        "failures.csv.</p>"
    )
    return html_page(f"Siting regret: {scenario.name}", body)


def write_regret(
    folder: Path,
    result: RegretResult,
    data: RegionData,
    scenario: Scenario,
    *,
    base: Result | None = None,
    offline: bool = False,
) -> list[str]:
    """Write ``regret.csv``, ``failures.csv``, ``map.html`` (with ``base``) and ``report.html``
    into ``folder``; return the file names written."""
    folder = Path(folder)
    write_csv(result.table, folder / "regret.csv")
    write_csv(result.failures, folder / "failures.csv")
    written = ["regret.csv", "failures.csv"]
    if base is not None and base.ok:
        m = scenario_map(base, data, offline=offline, extra_layers=regret_layers(result))
        for k in result.cluster_types:
            add_reason_overlay(m, data, cannot_host(result, k), f"Cannot host {k} (reason)")
        save_map(m, folder / MAP_NAME, offline=offline)
        written.append(MAP_NAME)
    page = regret_report(result, data, scenario, with_map=MAP_NAME in written)
    atomic_write_text(folder / REPORT_NAME, page)
    return [*written, REPORT_NAME]


# ---------------------------------------------------------------------------------------------
# sweep
# ---------------------------------------------------------------------------------------------


def tornado_tables(result: SweepResult, kpis: Sequence[str] = TORNADO_KPIS) -> pd.DataFrame:
    """``tornado()`` for each KPI, stacked with a leading ``kpi`` column (each KPI's rows sorted
    by swing, largest first). KPIs without a value in any run (e.g. the levelized cost of a type
    that builds nothing) are left out."""
    frames = []
    for kpi in kpis:
        table = tornado(result, kpi)
        if table.empty or table[["delta_low", "delta_high"]].isna().all().all():
            continue
        table.insert(0, "kpi", kpi)
        table.insert(1, "kpi_unit", kpi_unit(kpi_column(kpi)))
        frames.append(table)
    if not frames:
        return pd.DataFrame(columns=["kpi", "kpi_unit", "parameter", "swing"])
    return pd.concat(frames, ignore_index=True)


def top_moving_parameter(result: SweepResult, tornado_table: pd.DataFrame) -> str | None:
    """The parameter with the largest total-cost swing among those whose runs moved sites."""
    moved = set(result.table.loc[result.table["sites_changed"].eq(True), "parameter"])
    ranked = tornado_table.loc[tornado_table["kpi"] == "total_annual_cost", "parameter"]
    for name in ranked:
        if name in moved:
            return str(name)
    return None


def sweep_layers(result: SweepResult, parameter: str | None) -> dict[str, pd.Series]:
    """Capacity-change layers of ``parameter``'s runs that moved sites (per level and type)."""
    if parameter is None:
        return {}
    layers = {}
    runs = result.table[
        (result.table["parameter"] == parameter) & result.table["sites_changed"].eq(True)
    ]
    for _, run in runs.iterrows():
        for k in CLUSTER_TYPES:
            series = result.capacity_change(parameter, run["level"], k)
            if (series.abs() > 1e-9).any():
                name = capacity_change_layer_name(k, parameter, run["level"], run["value"])
                layers[name] = series
    return layers


def sweep_report(
    result: SweepResult,
    tornado_table: pd.DataFrame,
    data: RegionData,
    scenario: Scenario,
    *,
    map_parameter: str | None = None,
) -> str:
    """The sweep report page (HTML): tornado charts, runs that moved sites, failures."""
    base_cost = result.base["kpis"].get("total_annual_cost")
    n_runs = int(result.table["run_key"].nunique())
    body = _header(
        f"One-at-a-time sensitivity: {scenario.name}",
        scenario,
        data,
        f"{len(result.parameters)} parameters, {n_runs} distinct runs besides the base. "
        f"Base total annual cost {esc(fmt_usd(base_cost))}/yr.",
    )
    body.append(
        '<p class="lead">Each parameter is set to its low and then its high value, all others at '
        "base, and the siting re-optimized. The tornado charts rank parameters by swing (|change "
        "at high − change at low|).</p>"
    )
    for kpi, table in tornado_table.groupby("kpi", sort=False):
        unit = str(table["kpi_unit"].iloc[0])
        column = kpi_column(str(kpi))
        title = f"{column} [{unit}]"
        chart = tornado_svg(table, unit=unit, title=title)
        more = len(table) - min(len(table), TORNADO_MAX_BARS)
        note = f'<p class="note">{more} more parameters with smaller swings in tornado.csv.</p>'
        tail = note if more > 0 else ""
        if kpi == "total_annual_cost":
            body.append(f"<h2>Tornado: {esc(title)}</h2>{chart}{tail}")
        else:
            body.append(
                f"<details><summary><b>Tornado: {esc(title)}</b></summary>{chart}{tail}</details>"
            )
    total = tornado_table[tornado_table["kpi"] == "total_annual_cost"]
    if len(total):
        rows = [
            [
                esc(r["parameter"]),
                esc(r["unit"]),
                esc(fmt_num(r["base_value"])),
                esc(fmt_num(r["low_value"])),
                esc(fmt_num(r["high_value"])),
                esc(fmt_signed(r["delta_low"])),
                esc(fmt_signed(r["delta_high"])),
                esc(fmt_usd(r["swing"])),
            ]
            for _, r in total.iterrows()
        ]
        body.append(
            "<details><summary><b>Tornado table: total annual cost</b></summary>"
            + _table(
                [
                    "Parameter",
                    "unit",
                    "base",
                    "low",
                    "high",
                    "change at low [USD/yr]",
                    "change at high [USD/yr]",
                    "swing [USD/yr]",
                ],
                rows,
                left=2,
            )
            + "</details>"
        )
    moved = result.table[result.table["sites_changed"].eq(True)]
    if len(moved):
        rows = [
            [
                esc(r["parameter"]),
                esc(r["level"]),
                esc(f"{fmt_num(r['value'])} {r['unit']}".strip()),
                esc(r["sites_added"] or "—"),
                esc(r["sites_removed"] or "—"),
                esc(fmt_signed(r["d_total_annual_cost"])),
            ]
            for _, r in moved.iterrows()
        ]
        body.append(
            f"<h2>Runs where sites moved ({len(moved)})</h2>"
            + _table(
                [
                    "Parameter",
                    "level",
                    "value",
                    "sites added (region/type)",
                    "sites removed",
                    "change of total cost [USD/yr]",
                ],
                rows,
                left=5,
            )
        )
    else:
        body.append("<h2>Runs where sites moved</h2><p>None: no parameter moved a site.</p>")
    if map_parameter is not None:
        body.append(
            _map_section(
                f"The map shows the base optimum with layers of the change in new capacity when "
                f"<b>{esc(map_parameter)}</b> (the parameter with the largest swing among those "
                "that moved sites) is at its low or high value."
            )
        )
    body.append(_failures_section(result.failures))
    body.append(
        '<p class="note">Tables: sweep.csv (one row per parameter and level, every KPI and its '
        "change), capacity.csv (new capacity per run), tornado.csv (per KPI, largest swing "
        "first), failures.csv.</p>"
    )
    return html_page(f"Sensitivity: {scenario.name}", body)


def write_sweep(
    folder: Path,
    result: SweepResult,
    data: RegionData,
    scenario: Scenario,
    *,
    base: Result | None = None,
    offline: bool = False,
) -> list[str]:
    """Write ``sweep.csv``, ``capacity.csv``, ``tornado.csv``, ``failures.csv``, ``map.html``
    (when sites moved and ``base`` is given) and ``report.html``; return the names written."""
    folder = Path(folder)
    table = tornado_tables(result)
    write_csv(result.table, folder / "sweep.csv")
    write_csv(result.capacity, folder / "capacity.csv")
    write_csv(table, folder / "tornado.csv")
    write_csv(result.failures, folder / "failures.csv")
    written = ["sweep.csv", "capacity.csv", "tornado.csv", "failures.csv"]
    parameter = top_moving_parameter(result, table)
    layers = sweep_layers(result, parameter)
    if base is not None and base.ok and layers:
        save_map(
            scenario_map(base, data, offline=offline, extra_layers=layers),
            folder / MAP_NAME,
            offline=offline,
        )
        written.append(MAP_NAME)
    page = sweep_report(
        result,
        table,
        data,
        scenario,
        map_parameter=parameter if MAP_NAME in written else None,
    )
    atomic_write_text(folder / REPORT_NAME, page)
    return [*written, REPORT_NAME]


# ---------------------------------------------------------------------------------------------
# break-even
# ---------------------------------------------------------------------------------------------


def describe_parameter(parameter: Parameter, data: RegionData) -> str:
    """Plain text: what the parameter changes (regions named for zone parameters)."""
    if parameter.kind == "region_multiplier":
        table, members = parameter.key
        lever = str(table).removesuffix("_by_region").replace("_", " ")
        return f"multiplier on the {lever} in {', '.join(members)} (base 1)"
    if parameter.kind == "regions":
        column, members = parameter.key
        return f"factor on {column} in {', '.join(members)} (base 1)"
    if parameter.kind == "scenario":
        return f"scenario lever {'.'.join(parameter.key)} (base {fmt_num(parameter.base)})"
    unit = f" {parameter.unit}" if parameter.unit else ""
    return f"technology figure {parameter.name} (base {fmt_num(parameter.base)}{unit})"


def breakeven_table(found: BreakEven) -> pd.DataFrame:
    """The evaluations with the parameter and scenario names (breakeven.csv)."""
    table = found.evaluations.copy()
    table.insert(0, "parameter", found.parameter)
    table["scenario_a"] = found.scenario_a
    table["scenario_b"] = found.scenario_b
    table["kpi"] = found.kpi
    return table


def breakeven_report(
    found: BreakEven, parameter: Parameter, data: RegionData, scenario_a: Scenario
) -> str:
    """The break-even report page (HTML)."""
    unit = kpi_unit(kpi_column(found.kpi))
    body = _header(
        f"Break-even: {found.scenario_a} vs {found.scenario_b} along {found.parameter}",
        scenario_a,
        data,
    )
    if found.flips:
        lead = f"The ranking flips at {found.parameter} = {found.value:.6g}."
    else:
        lead = f"No flip within bounds [{found.bounds[0]:g}, {found.bounds[1]:g}]."
    body += [
        f'<p class="lead"><b>{esc(lead)}</b> {esc(found.message)}.</p>',
        f"<p>Parameter: {esc(describe_parameter(parameter, data))}, applied to both scenarios. "
        f"Ranked by {esc(found.kpi)} [{esc(unit)}], lower first; search bounds "
        f"[{esc(f'{found.bounds[0]:g}')}, {esc(f'{found.bounds[1]:g}')}].</p>",
        break_even_svg(found, unit=unit),
    ]
    if found.other_flips:
        brackets = "; ".join(f"[{a:.6g}, {b:.6g}]" for a, b in found.other_flips)
        body.append(f"<p>Further sign changes on the grid: {esc(brackets)}.</p>")
    rows = [
        [
            esc(f"{r['value']:.6g}"),
            esc(fmt_value(r["kpi_a"], unit)),
            esc(fmt_value(r["kpi_b"], unit)),
            esc(fmt_signed(r["difference"], unit)),
            esc(found.scenario_a if r["cheaper"] == "a" else found.scenario_b)
            if r["cheaper"] != "tie"
            else "tie",
        ]
        for _, r in found.evaluations.iterrows()
    ]
    body.append(
        "<h2>Evaluations</h2>"
        + _table(
            [
                found.parameter,
                f"{found.scenario_a} [{unit}]",
                f"{found.scenario_b} [{unit}]",
                f"{found.scenario_a} − {found.scenario_b}",
                "ranks first",
            ],
            rows,
        )
        + '<p class="note">Also in breakeven.csv.</p>'
    )
    return html_page(f"Break-even: {found.parameter}", body)


def write_breakeven(
    folder: Path, found: BreakEven, parameter: Parameter, data: RegionData, scenario_a: Scenario
) -> list[str]:
    """Write ``breakeven.csv`` and ``report.html``; return the names written."""
    folder = Path(folder)
    write_csv(breakeven_table(found), folder / "breakeven.csv")
    atomic_write_text(folder / REPORT_NAME, breakeven_report(found, parameter, data, scenario_a))
    return ["breakeven.csv", REPORT_NAME]


# ---------------------------------------------------------------------------------------------
# Monte Carlo
# ---------------------------------------------------------------------------------------------


def probability_layers(result: MonteCarloResult) -> dict[str, pd.Series]:
    """Map layers: probability that a cluster of each type is sited, by region."""
    return {probability_layer_name(k): result.layer(k) for k in CLUSTER_TYPES}


def _plain_number(value: float | None, unit: str) -> str:
    """A table cell without the unit (the unit has its own column)."""
    if value is None or not math.isfinite(float(value)):
        return "n/a"
    if unit == "fraction":
        return fmt_pct(value)
    if abs(float(value)) < 1e-9:
        return "0"
    if unit.startswith("USD"):
        return fmt_usd_short(value).removeprefix("USD ")
    return fmt_num(value)


def _summary_section(result: MonteCarloResult) -> str:
    columns = ["mean", "std", "min", "p5", "p25", "p50", "p75", "p95", "max"]
    rows = []
    for kpi, r in result.summary.iterrows():
        unit = kpi_unit(str(kpi))
        cells = [esc(kpi), esc(unit), esc(fmt_num(r["n"]))]
        cells += [esc(_plain_number(r.get(c), unit)) for c in columns]
        rows.append(cells)
    return (
        "<h2>KPI distribution</h2>"
        + _table(["KPI", "unit", "runs", *columns], rows, left=2)
        + '<p class="note">Percentiles over the runs that solved (summary.csv).</p>'
    )


def _probability_section(result: MonteCarloResult, data: RegionData) -> str:
    table = result.probability.pivot(
        index="region_id", columns="cluster_type", values="probability"
    )
    means = result.probability.pivot(
        index="region_id", columns="cluster_type", values="mean_new_capacity"
    )
    types = [k for k in CLUSTER_TYPES if k in table.columns]
    table = table[types]
    shown = table[(table > 0).any(axis=1)]
    order = shown.max(axis=1).sort_values(ascending=False, kind="stable").index
    rows = []
    for region_id in order:
        cells = [region_label(data, str(region_id))]
        cells += [esc(fmt_pct(table.at[region_id, k])) for k in types]
        cells += [esc(fmt_num(means.at[region_id, k])) for k in types]
        rows.append(cells)
    headers = (
        ["Region"]
        + [f"P(site) {k}" for k in types]
        + [f"mean new {k} [{CAPACITY_UNITS[k]}]" for k in types]
    )
    n = int(result.probability["n_runs"].iloc[0]) if len(result.probability) else 0
    return (
        "<h2>Where clusters go: probability by region and type</h2>"
        f'<p class="note">Share of the {n} solved runs that site new capacity of the type in '
        f"the region; regions never chosen are left out ({len(table) - len(shown)} of "
        f"{len(table)}). Full table: probability.csv.</p>" + _table(headers, rows)
    )


def _parameters_section(result: MonteCarloResult) -> str:
    rows = [
        [
            esc(p.name),
            esc(p.unit),
            esc(fmt_num(p.low)),
            esc(fmt_num(p.base)),
            esc(fmt_num(p.high)),
        ]
        for p in result.parameters
    ]
    return (
        f"<details><summary><b>Sampled parameters ({len(result.parameters)})</b>"
        "</summary>"
        + _table(["Parameter", "unit", "low", "base", "high"], rows, left=2)
        + "</details>"
    )


def montecarlo_report(
    result: MonteCarloResult, data: RegionData, scenario: Scenario, *, with_map: bool = True
) -> str:
    """The Monte Carlo report page (HTML)."""
    solved = int(result.runs["status"].isin(("optimal", "feasible")).sum())
    body = _header(
        f"Monte Carlo: {scenario.name}",
        scenario,
        data,
        f"{result.n} runs (seed {result.seed}), {solved} solved, {len(result.failures)} failed.",
    )
    body.append(
        '<p class="lead">Every parameter is drawn uniformly between its low and high value '
        f"(Latin hypercube, {result.n} strata each, seed {result.seed}); the same seed gives "
        "the same samples and results.</p>"
    )
    body.append(_summary_section(result))
    body.append(
        histogram_svg(
            result.runs["total_annual_cost"].to_numpy(float),
            unit="USD/yr",
            title="Total annual cost",
        )
    )
    body.append(_probability_section(result, data))
    if with_map:
        body.append(
            _map_section(
                "The map shows the base optimum; the layers "
                + ", ".join(f"<i>{esc(probability_layer_name(k))}</i>" for k in CLUSTER_TYPES)
                + " shade each region by the probability that a cluster of the type is sited "
                "there."
            )
        )
    body.append(_parameters_section(result))
    body.append(_failures_section(result.failures))
    body.append(
        '<p class="note">Tables: samples.csv (sampled values per run), runs.csv (samples and '
        "KPIs), summary.csv, probability.csv, capacity.csv (new capacity per run), "
        "failures.csv.</p>"
    )
    return html_page(f"Monte Carlo: {scenario.name}", body)


def write_montecarlo(
    folder: Path,
    result: MonteCarloResult,
    data: RegionData,
    scenario: Scenario,
    *,
    base: Result | None = None,
    offline: bool = False,
) -> list[str]:
    """Write ``samples.csv``, ``runs.csv``, ``summary.csv``, ``probability.csv``,
    ``capacity.csv``, ``failures.csv``, ``map.html`` (with ``base``) and ``report.html``."""
    folder = Path(folder)
    write_csv(result.samples, folder / "samples.csv")
    write_csv(result.runs, folder / "runs.csv")
    write_csv(result.summary, folder / "summary.csv", index=True)
    write_csv(result.probability, folder / "probability.csv")
    write_csv(result.capacity, folder / "capacity.csv")
    write_csv(result.failures, folder / "failures.csv")
    written = [
        "samples.csv",
        "runs.csv",
        "summary.csv",
        "probability.csv",
        "capacity.csv",
        "failures.csv",
    ]
    if base is not None and base.ok:
        m = scenario_map(base, data, offline=offline, extra_layers=probability_layers(result))
        save_map(m, folder / MAP_NAME, offline=offline)
        written.append(MAP_NAME)
    page = montecarlo_report(result, data, scenario, with_map=MAP_NAME in written)
    atomic_write_text(folder / REPORT_NAME, page)
    return [*written, REPORT_NAME]


__all__ = [
    "MAP_NAME",
    "REPORT_NAME",
    "add_reason_overlay",
    "break_even_svg",
    "cannot_host",
    "fmt_signed",
    "kpi_unit",
    "top_moving_parameter",
    "breakeven_report",
    "breakeven_table",
    "capacity_change_layer_name",
    "histogram_svg",
    "montecarlo_report",
    "probability_layer_name",
    "probability_layers",
    "regret_layer_name",
    "regret_layers",
    "regret_report",
    "sweep_layers",
    "sweep_report",
    "tornado_svg",
    "tornado_tables",
    "write_breakeven",
    "write_montecarlo",
    "write_regret",
    "write_sweep",
]
