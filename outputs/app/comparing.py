"""The app's comparison of two or more scenarios: a delta table (each scenario's figures and its
difference from the first, 0 where they agree at the precision shown), a difference (waterfall)
chart per scenario against the first, the rules missed, and the comparison report to download.
Phased scenarios compare by present values. Pure functions of solved results."""

from __future__ import annotations

import dataclasses
import math
import tempfile
from collections.abc import Sequence
from pathlib import Path

from optimizer import CLUSTER_TYPES
from regions import RegionData

from ..missed import missed_rules
from ..reports.labels import kpi_difference, kpi_value, readable_units
from ..reports.summary import scenario_labels
from ..reports.waterfall import difference_steps, merge_small
from .render import folder_name, is_phased, zip_folder

TYPE_NOUNS = {"battery": "battery cells", "magnet": "NdFeB magnets", "solar": "solar modules"}
SNAPSHOT_ROWS = [
    ("System cost", "system_cost", "all"),
    ("Investor cost", "investor_cost", "all"),
    ("Public outlay (transfers)", "public_outlay", "all"),
    ("Penalty for targets missed", "shortfall_penalty", "all"),
    ("Penalty for domestic-share rules missed", "share_gap_penalty", "all"),
    ("New jobs", "jobs", "all"),
    *[(f"New {TYPE_NOUNS[k]}", "new_capacity", k) for k in CLUSTER_TYPES],
    *[(f"Levelized cost, {TYPE_NOUNS[k]}", "levelized_cost", k) for k in CLUSTER_TYPES],
    *[(f"Mean delivery distance, {TYPE_NOUNS[k]}", "mean_delivery_km", k) for k in CLUSTER_TYPES],
    ("Domestic share of mineral supply", "domestic_mineral_share", "all"),
]
PHASED_ROWS = [
    ("Present value of system cost", "present_value", "system"),
    ("Present value of investor cost", "present_value", "investor"),
    ("Present value of public outlay", "present_value", "public_outlay"),
    ("New jobs", "jobs", "all"),
    *[(f"New {TYPE_NOUNS[k]}", "new_capacity", k) for k in CLUSTER_TYPES],
    *[(f"First year producing, {TYPE_NOUNS[k]}", "first_online_year", k) for k in CLUSTER_TYPES],
    *[(f"Imports while building, {TYPE_NOUNS[k]}", "imports_weighted", k) for k in CLUSTER_TYPES],
]
UP, DOWN, TOTAL = "#c8553d", "#2e8b57", "#1f3a5f"


@dataclasses.dataclass
class Comparison:
    """What the Compare tab shows: ``headers`` and ``rows`` (each ``{"label", "cells",
    "kpi", "scope"}``, cells as ``{"text", "cls"}``), one waterfall figure per scenario after
    the first, the banner of rules missed and the key of the side-by-side map page."""

    labels: list[str]
    phased: bool
    headers: list[str]
    rows: list[dict]
    waterfalls: list[dict]
    banner: list[str]
    map_key: str | None = None


def _value(result, kpi: str, scope: str) -> tuple[float, str]:
    rows = result.kpis[(result.kpis["kpi"] == kpi) & (result.kpis["scope"] == scope)]
    if rows.empty:
        return math.nan, ""
    return float(rows["value"].iloc[0]), str(rows["unit"].iloc[0])


def _shown(value: float, unit: str, kpi: str) -> str:
    if not math.isfinite(value):
        return "—"
    if kpi == "first_online_year":
        return f"{value:.0f}"
    if kpi == "imports_weighted":
        return f"{kpi_value(value, unit.split(' x ')[0], kpi)}·yr"
    return kpi_value(value, unit, kpi)


def _table(results: Sequence, labels: list[str], specs) -> tuple[list[str], list[dict]]:
    headers = ["Figure", *labels, *(f"{label} − {labels[0]}" for label in labels[1:])]
    rows = []
    for label, kpi, scope in specs:
        values = [_value(r, kpi, scope) for r in results]
        if all(not math.isfinite(v) for v, _ in values):
            continue
        unit = next((u for v, u in values if u), "")
        cells = [{"text": _shown(v, unit, kpi), "cls": ""} for v, _ in values]
        for v, _ in values[1:]:
            if kpi == "first_online_year":
                text = _shown(v - values[0][0], "", kpi) if math.isfinite(v) else "—"
                sign = 0 if text in ("0", "—") else (1 if v > values[0][0] else -1)
                text = ("+" if sign > 0 else "") + text if sign else text
            else:
                text, sign = kpi_difference(values[0][0], v, unit.split(" x ")[0], kpi)
            cells.append({"text": text, "cls": "pos" if sign > 0 else "neg" if sign < 0 else ""})
        rows.append({"label": label, "kpi": kpi, "scope": scope, "cells": cells})
    return headers, rows


def waterfall_figure(a_label: str, b_label: str, steps: Sequence[tuple[str, float]]) -> dict:
    """A plotly waterfall of the system-cost difference B − A by term [USD million/yr]: each
    term's change, then the total; a penalty for a rule missed keeps its own bar."""
    total = sum(v for _, v in steps)
    shown = merge_small(steps, max(abs(total) * 0.02, 1e6))
    names = [label for label, _ in shown] + [f"{b_label} − {a_label}"]
    values = [round(v / 1e6, 3) for _, v in shown] + [round(total / 1e6, 3)]
    return {
        "data": [
            {
                "type": "waterfall",
                "orientation": "h",
                "y": names,
                "x": values,
                "measure": ["relative"] * len(shown) + ["total"],
                "increasing": {"marker": {"color": UP}},
                "decreasing": {"marker": {"color": DOWN}},
                "totals": {"marker": {"color": TOTAL}},
                "texttemplate": "%{x:+,.1f}",
                "textposition": "outside",
                "hovertemplate": "%{y}: %{x:+,.1f} USD million/yr<extra></extra>",
            }
        ],
        "layout": {
            "title": {
                "text": f"What makes up the difference: {b_label} − {a_label} [USD million/yr]",
                "font": {"size": 13},
            },
            "margin": {"l": 260, "r": 40, "t": 40, "b": 40},
            "height": 120 + 28 * len(names),
            "yaxis": {"autorange": "reversed"},
            "xaxis": {"title": {"text": "change of system cost [USD million/yr]"}},
            "paper_bgcolor": "white",
            "plot_bgcolor": "white",
            "font": {"family": "system-ui, sans-serif", "size": 12},
        },
    }


def compare_results(results: Sequence, data: RegionData) -> Comparison:
    """The comparison of ``results`` (the first is the reference); phased only with phased."""
    results = list(results)
    phased = [is_phased(r) for r in results]
    if any(phased) and not all(phased):
        raise ValueError("compare phased scenarios with phased ones only (a [periods] table)")
    labels = scenario_labels(results)
    headers, rows = _table(results, labels, PHASED_ROWS if all(phased) else SNAPSHOT_ROWS)
    waterfalls = []
    if not any(phased):
        for label, result in zip(labels[1:], results[1:], strict=True):
            if results[0].ok and result.ok:
                steps = difference_steps(results[0], result)
                waterfalls.append(waterfall_figure(labels[0], label, steps))
    banner = [
        readable_units(rule.sentence())
        for label, r in zip(labels, results, strict=True)
        if not is_phased(r)
        for rule in missed_rules(r, label)
    ]
    if all(phased):
        from ..phased.report import goals_missed

        banner = [s for r in results for s in goals_missed(r)]
    return Comparison(labels, all(phased), headers, rows, waterfalls, banner)


def report_download(results: Sequence, data: RegionData) -> tuple[str, bytes]:
    """(file name, bytes) of the comparison report: ``report.html`` as ``clustersite compare``
    writes it (self-contained), or for phased scenarios a zip of the report and the maps."""
    labels = scenario_labels(list(results))
    stem = folder_name("-vs-".join(labels))[:80]
    with tempfile.TemporaryDirectory(prefix="clustersite-report-") as tmp:
        folder = Path(tmp)
        if all(is_phased(r) for r in results):
            from ..phased.export import export_phased_run
            from ..phased.report import write_phased_report

            names = [folder_name(r.scenario.name) for r in results]
            for result, name in zip(results, names, strict=True):
                export_phased_run(result, data, folder / name)
            write_phased_report(list(results), folder, names)
            return f"{stem}.zip", zip_folder(folder, stem)
        from ..reports.compare import write_report

        path = write_report(list(results), data, folder)
        return f"{stem}.html", path.read_bytes()


__all__ = ["Comparison", "compare_results", "report_download", "waterfall_figure"]
