"""What the analysis reports share: constants, value formatting, page scaffolding, layers."""

from __future__ import annotations

from ...maps import lazy_templates  # noqa: F401 - before folium: its templates compiled on first use

# isort: split
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path

import folium
import pandas as pd

from optimizer import CAPACITY_UNITS, CLUSTER_TYPES, Scenario
from regions import RegionData

from ...formatting import esc, fmt_num
from ...geometry import state_shapes
from ...maps.shading import GeoLayer, Shapes
from ...templating import Markup, render
from ..compare import _table
from ..labels import TERM_LABELS as TERM_LABELS  # re-exported for the analysis reports

REPORT_NAME = "report.html"
MAP_NAME = "map.html"
REGRET_ROW_CLASS = "cs-regret-row"
EXCLUDED_ROW_CLASS = "cs-excluded-row"
CANNOT_HOST_CLASS = "cs-cannot-host"
BREAKDOWN_REGIONS = 3
"""Regions in the regret cost breakdown: this many cheapest alternatives and most costly."""
TORNADO_KPIS = ("total_annual_cost", *(f"levelized_cost:{k}" for k in CLUSTER_TYPES))


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


def region_label(data: RegionData, region_id: str) -> str:
    """``Name (ID)`` as escaped HTML."""
    name = data.regions.at[region_id, "name"] if region_id in data.regions.index else region_id
    return f"{esc(name)} ({esc(region_id)})"


def write_csv(table: pd.DataFrame, path: Path, *, index: bool = False) -> Path:
    """Write a table as UTF-8 CSV with ``\\n`` line ends (numbers unrounded)."""
    table.to_csv(path, index=index, lineterminator="\n")
    return path


def html_page(title: str, body: Sequence[str]) -> str:
    """A complete HTML page (template ``analysis_page.html.j2``); ``title`` is plain text,
    ``body`` sections of escaped HTML."""
    return render("analysis_page.html.j2", title=title, sections=[Markup(s) for s in body])


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
    collection = dict(state_shapes(data))  # shared (cached): copy before filtering
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
