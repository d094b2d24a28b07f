"""The Monte Carlo report: how often each region is sited under uncertain inputs."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from optimizer import CAPACITY_UNITS, CLUSTER_TYPES, Result, Scenario
from optimizer.analyses.montecarlo import MonteCarloResult
from regions import RegionData

from ...atomic import atomic_write_text
from ...formatting import esc, fmt_num, fmt_pct, fmt_usd_short
from ...maps.scenario import save_map, scenario_map
from ..charts import (
    histogram_svg,
)
from ..compare import _table
from ..labels import analysis_kpi_label, display_scale, parameter_label
from .common import (
    MAP_NAME,
    REPORT_NAME,
    _failures_section,
    _header,
    _map_section,
    html_page,
    kpi_unit,
    probability_layer_name,
    region_label,
    write_csv,
)


def probability_layers(result: MonteCarloResult) -> dict[str, pd.Series]:
    """Map layers: probability that a cluster of each type is sited, by region."""
    return {probability_layer_name(k): result.layer(k) for k in CLUSTER_TYPES}


def _plain_number(value: float | None, unit: str) -> str:
    """A table cell without the unit (the unit has its own column); per-unit costs are given
    in their shown unit already (USD/kWh, USD/kg, USD/W)."""
    if value is None or not math.isfinite(float(value)):
        return "n/a"
    if unit == "fraction":
        return fmt_pct(value)
    if abs(float(value)) < 1e-9:
        return "0"
    if unit in ("USD/kWh", "USD/kg", "USD/W"):
        size = abs(float(value))
        return f"{value:,.3f}" if size < 1 else f"{value:,.2f}" if size < 100 else f"{value:,.0f}"
    if unit.startswith("USD"):
        return fmt_usd_short(value).removeprefix("USD ")
    return fmt_num(value)


def _summary_section(result: MonteCarloResult) -> str:
    columns = ["mean", "std", "min", "p5", "p25", "p50", "p75", "p95", "max"]
    rows = []
    for kpi, r in result.summary.iterrows():
        unit, factor = display_scale(kpi_unit(str(kpi)))
        shown = "%" if unit == "fraction" else unit
        cells = [
            f'<span title="{esc(kpi)}">{esc(analysis_kpi_label(str(kpi)))}</span>',
            esc(shown),
            esc(fmt_num(r["n"])),
        ]
        cells += [esc(_plain_number(_scaled(r.get(c), factor), unit)) for c in columns]
        rows.append(cells)
    return (
        "<h2>KPI distribution</h2>"
        + _table(["KPI", "unit", "runs", *columns], rows, left=2)
        + '<p class="note">Percentiles over the runs that solved (summary.csv).</p>'
    )


def _scaled(value: float | None, factor: float) -> float | None:
    return None if value is None else float(value) * factor


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
            f'<span title="{esc(p.name)}">{esc(parameter_label(p.name))}</span>',
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
            title=analysis_kpi_label("total_annual_cost"),
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
    offline: bool = True,
    tiles: bool = False,
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
        m = scenario_map(
            base, data, offline=offline, tiles=tiles, extra_layers=probability_layers(result)
        )
        save_map(m, folder / MAP_NAME, offline=offline)
        written.append(MAP_NAME)
    page = montecarlo_report(result, data, scenario, with_map=MAP_NAME in written)
    atomic_write_text(folder / REPORT_NAME, page)
    return [*written, REPORT_NAME]
