"""The sweep report (tornado, capacity changes) and the break-even report."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from optimizer import CLUSTER_TYPES, Result, Scenario
from optimizer.analyses.breakeven import BreakEven
from optimizer.analyses.parameters import Parameter, kpi_column
from optimizer.analyses.sweep import SweepResult, tornado
from regions import RegionData

from ...atomic import atomic_write_text
from ...formatting import esc, fmt_num, fmt_signed, fmt_usd, fmt_value
from ...maps.scenario import save_map, scenario_map
from ..charts import (
    TORNADO_MAX_BARS,
    break_even_svg,
    tornado_svg,
)
from ..compare import _table
from ..labels import analysis_kpi_label, display_scale, parameter_label
from .common import (
    MAP_NAME,
    REPORT_NAME,
    TORNADO_KPIS,
    _failures_section,
    _header,
    _map_section,
    capacity_change_layer_name,
    html_page,
    kpi_unit,
    write_csv,
)


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


def _for_people(table: pd.DataFrame, factor: float) -> pd.DataFrame:
    """A tornado table with parameter labels and its KPI values in the shown unit."""
    out = table.copy()
    out["label"] = out["parameter"].map(parameter_label)
    for column in ("base_kpi", "delta_low", "delta_high", "swing"):
        if column in out:
            out[column] = out[column].astype(float) * factor
    return out


def _parameter_cell(name: str) -> str:
    """A parameter's label for people, its id (as the command line takes it) on hover."""
    return f'<span title="{esc(name)}">{esc(parameter_label(name))}</span>'


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
        unit, factor = display_scale(str(table["kpi_unit"].iloc[0]))
        column = kpi_column(str(kpi))
        title = f"{analysis_kpi_label(column)} [{unit}]"
        chart = tornado_svg(_for_people(table, factor), unit=unit, title=title)
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
                _parameter_cell(r["parameter"]),
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
            "<details><summary><b>Tornado table: "
            f"{esc(analysis_kpi_label('total_annual_cost').lower())}</b></summary>"
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
                _parameter_cell(r["parameter"]),
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
                f"<b>{esc(parameter_label(map_parameter))}</b> (the parameter with the largest swing among those "
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
    offline: bool = True,
    tiles: bool = False,
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
            scenario_map(base, data, offline=offline, tiles=tiles, extra_layers=layers),
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
    label = parameter_label(found.parameter)
    body = _header(
        f"Break-even: {found.scenario_a} vs {found.scenario_b} along {label}",
        scenario_a,
        data,
    )
    if found.flips:
        lead = f"The ranking flips at {label} = {found.value:.6g}."
    else:
        lead = f"No flip within bounds [{found.bounds[0]:g}, {found.bounds[1]:g}]."
    body += [
        f'<p class="lead"><b>{esc(lead)}</b> {esc(found.message)}.</p>',
        f"<p>Parameter: {esc(label)} (<code>{esc(found.parameter)}</code>): "
        f"{esc(describe_parameter(parameter, data))}, applied to both scenarios. "
        f"Ranked by {esc(analysis_kpi_label(kpi_column(found.kpi)).lower())} [{esc(unit)}], "
        "lower first; search bounds "
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
                label,
                f"{found.scenario_a} [{unit}]",
                f"{found.scenario_b} [{unit}]",
                f"{found.scenario_a} − {found.scenario_b}",
                "ranks first",
            ],
            rows,
        )
        + '<p class="note">Also in breakeven.csv.</p>'
    )
    return html_page(f"Break-even: {label}", body)


def write_breakeven(
    folder: Path, found: BreakEven, parameter: Parameter, data: RegionData, scenario_a: Scenario
) -> list[str]:
    """Write ``breakeven.csv`` and ``report.html``; return the names written."""
    folder = Path(folder)
    write_csv(breakeven_table(found), folder / "breakeven.csv")
    atomic_write_text(folder / REPORT_NAME, breakeven_report(found, parameter, data, scenario_a))
    return ["breakeven.csv", REPORT_NAME]
