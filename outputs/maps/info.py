"""The info panel of a scenario map: scenario, description, dates, vintages, headline KPIs,
new sites; collapsible so it does not cover the map."""

from __future__ import annotations

from collections.abc import Mapping

from optimizer import CAPACITY_UNITS, CLUSTER_TYPES, Result
from regions import RegionData

from ..formatting import esc, fmt_capacity, fmt_num, fmt_pct, fmt_usd_short
from ..reports.labels import kpi_value, readable_units
from .shading import region_name

TYPE_COLOURS = {"battery": "#1b7837", "magnet": "#762a83", "solar": "#e66101"}
"""Marker colour of each cluster type."""
INPUT_LAYERS = {
    "power_price_usd_per_mwh": ("Power price [USD/MWh]", "YlOrRd_09"),
    "mfg_employment_jobs": ("Manufacturing employment [jobs]", "Blues_09"),
    "permitting_months": ("Permitting [months]", "Purples_09"),
}
"""Region-table columns shown as shading layers: column → (layer name with unit, palette)."""


def _table(rows: list[tuple[str, str]]) -> str:
    """Two-column HTML table; cells are HTML already escaped by the caller."""
    body = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows)
    return f'<table class="cs-t">{body}</table>'


def _vintage(data: RegionData, table: str, column: str) -> str:
    rows = data.sources[(data.sources["table"] == table) & (data.sources["column"] == column)]
    return str(rows["vintage"].iloc[0]) if len(rows) else "unknown"


def headline_kpis(result: Result) -> list[tuple[str, str]]:
    """(label, formatted value) pairs for the title block: cost, new capacity, jobs, minerals."""
    if not result.ok:
        return []
    rows = [
        (label, f"{fmt_usd_short(result.kpi(kpi))}/yr")
        for label, kpi in (
            ("System cost", "system_cost"),
            ("Investor cost", "investor_cost"),
            ("Public outlay", "public_outlay"),
        )
    ]
    for cluster_type in CLUSTER_TYPES:
        try:
            value = result.kpi("new_capacity", cluster_type)
        except KeyError:
            continue
        rows.append((f"New {cluster_type}", fmt_capacity(value, cluster_type)))
    for label, kpi in (("New jobs", "jobs"), ("Domestic mineral share", "domestic_mineral_share")):
        try:
            value = result.kpi(kpi)
        except KeyError:
            continue
        unit = str(result.kpis.loc[result.kpis["kpi"] == kpi, "unit"].iloc[0])
        rows.append((label, fmt_pct(value) if unit == "fraction" else fmt_num(value)))
    return rows


def title_html(result: Result, data: RegionData, *, compact: bool = False) -> str:
    """The map's info panel (escaped HTML): scenario, description, dates, vintages, KPIs, in a
    ``<details>`` the reader folds away (closed from the start when ``compact``, as on the
    side-by-side maps; there the description and vintages fold separately too).
    """
    scenario = result.scenario
    boundaries = data.metadata.get("vintage", "unknown")
    vintages = [f"state boundaries {boundaries}"] + [
        f"{label.split(' [')[0].lower()} {_vintage(data, 'regions.csv', column)}"
        for column, (label, _) in INPUT_LAYERS.items()
    ]
    about = [
        f"<p>{esc(scenario.description)}</p>",
        f"<p>Facilities as of {esc(scenario.facilities_as_of)}; horizon "
        f"{esc(scenario.horizon_year)}; solver {esc(result.report.status.value)}.</p>",
        f"<p>Data vintages: {esc('; '.join(vintages))}.</p>",
    ]
    if compact:
        about = [f"<details><summary>About this scenario</summary>{''.join(about)}</details>"]
    parts = list(about)
    kpis = headline_kpis(result)
    if kpis:
        parts.append(_table([(esc(k), esc(v)) for k, v in kpis]))
    else:
        parts.append(f"<p><b>No solution</b>: {esc(result.report.message)}</p>")
    key = " ".join(
        f'<span style="color:{TYPE_COLOURS[t]}">&#9679;</span> {esc(t)}'
        for t in CLUSTER_TYPES
        if t in TYPE_COLOURS
    )
    parts.append(f"<p>{key}; filled = new site, dashed = existing capacity</p>")
    placed = result.sites[result.sites["new_capacity"] > 0] if len(result.sites) else result.sites
    if len(placed):
        items = "".join(
            f"<li>{esc(region_name(data, r['region_id']))}: {esc(r['cluster_type'])} "
            f"{esc(fmt_capacity(r['new_capacity'], r['cluster_type']))}</li>"
            for _, r in placed.iterrows()
        )
        parts.append(
            f"<details><summary>New sites ({len(placed)})</summary>"
            f'<ul style="margin:2px 0;padding-left:16px">{items}</ul></details>'
        )
    state = "" if compact else " open"
    return (
        f'<details class="cs-info"{state}><summary><b>Scenario: {esc(scenario.name)}</b>'
        "</summary>" + "".join(parts) + "</details>"
    )


def why_html(row: Mapping, place: str = "state") -> str:
    """The "why this state" block of a site popup (escaped HTML), from one row of
    ``optimizer.model.why.why_this_state``: the runner-up and its cost per unit, the binding
    constraints around the site and the one-sentence break-even."""
    unit = CAPACITY_UNITS.get(str(row["cluster_type"]), "unit/yr")
    per_unit = f"USD/yr per {unit}"
    rows = [("Cost here", esc(kpi_value(row["cost_usd_per_unit"], per_unit)))]
    if row["runner_up"]:
        gap = float(row["gap_pct"])
        rows += [
            ("Runner-up", esc(f"{row['runner_up']} ({row['runner_up_option']})")),
            (
                "Runner-up cost",
                esc(f"{kpi_value(row['runner_up_cost_usd_per_unit'], per_unit)} ({gap:+.2f} %)"),
            ),
        ]
    rows.append(("Binding here", esc(readable_units(row["binding"] or "none"))))
    return (
        f'<div class="cs-why"><b>Why this {esc(place)}</b>'
        + _table(rows)
        + f'<p style="margin:2px 0">{esc(readable_units(row["break_even"]))}</p></div>'
    )
