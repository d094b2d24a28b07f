"""Scenario maps (folium/Leaflet) of one solved Result.

Layers: switchable state choropleths (new capacity per cluster type and the inputs power price,
manufacturing employment and permitting months, plus any ``extra_layers``), cluster sites
placed by the run, existing clusters, existing facilities, mineral sources, import gateways,
mineral flows and product deliveries (``flows``) and designated zones; a title block and a legend for the choropleth shown.
At county resolution (``county``) the shadings are by state, and the outlines of the counties
with capacity and the customers (market nodes) are drawn as well.

Every string from data or scenario files is HTML-escaped (``compare.esc``) before it reaches
HTML or JavaScript. Nothing here solves: the map only draws the Result it is given.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from pathlib import Path

import folium
import numpy as np
import pandas as pd
from folium.plugins import DualMap, MarkerCluster
from shapely.geometry import mapping

from optimizer import CAPACITY_UNITS, CLUSTER_TYPES, Result
from regions import RegionData

from ..atomic import atomic_write_text
from ..formatting import esc, fmt_capacity, fmt_num, fmt_usd
from ..geometry import state_shapes, zone_shape
from ..reports.labels import county_names, place_names
from .batched import Circles, Dots
from .elements import _link, _rep_point
from .fast_render import fast_render
from .flows import FLOW_LAYER, _add_minerals, add_flows
from .info import INPUT_LAYERS, TYPE_COLOURS, _table, title_html, why_html
from .legend import LEGEND_STYLE, LegendBox, fit_between_bands
from .offline import inline_assets
from .shading import (
    MAP_STYLE,
    GeoLayer,
    HtmlControl,
    Shapes,
    add_choropleth,
    permitting_notes,
    region_name,
)

# DOM classes (Leaflet ``className`` path option → SVG path class), for styling and counting.
SITE_CLASS = "cs-site"
EXISTING_CLASS = "cs-existing"
FACILITY_CLASS = "cs-facility"
ZONE_CLASS = "cs-zone"

NO_SHADING = "No shading"
US_CENTER = (39.0, -96.0)
CONUS_BOUNDS = [[24.5, -124.8], [49.4, -66.9]]  # [[south, west], [north, east]] [deg]
ZOOM_RANGE = {"minZoom": 2, "maxZoom": 12}


def capacity_layer_name(cluster_type: str) -> str:
    """Choropleth layer name of a type's new capacity, unit included."""
    return f"New {cluster_type} capacity [{CAPACITY_UNITS[cluster_type]}]"


def site_count(result: Result) -> int:
    """Number of sites the run places (rows with new capacity > 0): one map marker each."""
    return int((result.sites["new_capacity"] > 0).sum()) if len(result.sites) else 0


COST_LABELS = {
    "cost_fixed_usd_per_yr": "Fixed",
    "cost_capex_usd_per_yr": "Capital (annualised)",
    "cost_energy_usd_per_yr": "Energy",
    "cost_labor_usd_per_yr": "Labour",
    "cost_other_opex_usd_per_yr": "Other opex",
    "cost_other_materials_usd_per_yr": "Other materials",
    "cost_permitting_delay_usd_per_yr": "Permitting delay",
    "cost_credit_45x_usd_per_yr": "45X credit",
    "cost_state_incentive_usd_per_yr": "State incentive",
    "cost_minerals_usd_per_yr": "Minerals",
}


def cost_columns(sites: pd.DataFrame) -> list[str]:
    """Every ``cost_*`` column of a sites table, in table order."""
    return [c for c in sites.columns if c.startswith("cost_")]


def _cost_label(column: str) -> str:
    label = COST_LABELS.get(column)
    if label is None:
        label = column.removeprefix("cost_").removesuffix("_usd_per_yr").replace("_", " ")
        label = label[:1].upper() + label[1:]
    return f"{label} [USD/yr]"


def site_popup_html(
    row: Mapping, data: RegionData, *, new: bool = True, why: Mapping | None = None
) -> str:
    """Popup of one cluster site (a row of ``Result.sites``, as a Series or a dict): capacity,
    jobs and the full annual cost breakdown [USD/yr], and with ``why`` (a row of ``optimizer.model.why.why_this_state``) its runner-up state.

    ``new=False`` titles it as an existing cluster (a row with existing capacity only).
    """
    cluster_type = str(row["cluster_type"])
    region_id = str(row["region_id"])
    rows = [
        ("New capacity", esc(fmt_capacity(row["new_capacity"], cluster_type))),
        ("Existing capacity", esc(fmt_capacity(row["existing_capacity"], cluster_type))),
        ("Total capacity", esc(fmt_capacity(row["total_capacity"], cluster_type))),
        ("New jobs", esc(fmt_num(row["jobs"]))),
        ("Permitting [months]", esc(fmt_num(row["permitting_months"]))),
        ("In designated zone", "yes" if bool(row["in_designated_zone"]) else "no"),
    ]
    costs = [c for c in row.keys() if str(c).startswith("cost_")]  # noqa: SIM118 - Series too
    rows += [(esc(_cost_label(c)), esc(fmt_usd(row[c]))) for c in costs]
    rows.append(("<b>Total [USD/yr]</b>", f"<b>{esc(fmt_usd(row['total_cost_usd_per_yr']))}</b>"))
    head = (
        f"<b>{esc(region_name(data, region_id))}</b> ({esc(region_id)}): "
        f"{'new' if new else 'existing'} {esc(cluster_type)} cluster"
    )
    place = "county" if data.metadata.get("resolution") == "county" else "state"
    return head + _table(rows) + (why_html(why, place) if why is not None else "")


# marker offset by type [deg lat, deg lon] so that co-located clusters of different types show
TYPE_OFFSETS = {"battery": (0.35, -0.45), "magnet": (0.35, 0.45), "solar": (-0.4, 0.0)}


def _site_point(data: RegionData, region_id: str, cluster_type: str) -> tuple[float, float]:
    lat, lon = _rep_point(data, region_id)
    dlat, dlon = TYPE_OFFSETS.get(cluster_type, (0.0, 0.0))
    if data.metadata.get("resolution") == "county":
        from .county import COUNTY_OFFSET_SCALE

        dlat, dlon = dlat * COUNTY_OFFSET_SCALE, dlon * COUNTY_OFFSET_SCALE
    return lat + dlat, lon + dlon


def _radius(value: float, largest: float, smallest: float = 6.0, biggest: float = 20.0) -> float:
    if largest <= 0 or not math.isfinite(value):
        return smallest
    return smallest + (biggest - smallest) * math.sqrt(max(value, 0.0) / largest)


SITES_LAYER = "Sites: new (filled), existing capacity (dashed)"
FACILITIES_LAYER = "Facilities (announced to operating)"
ZONES_LAYER = "Designated zones"
JOBS_LAYER = "New jobs [jobs]"


def _named(row: dict, counties: dict[str, str] | None) -> dict:
    """A why row with its runner-up and break-even sentence naming counties (county runs)."""
    if not counties:
        return row
    runner = str(row["runner_up"])
    return {
        **row,
        "runner_up": place_names(runner, counties) if runner else runner,
        "break_even": place_names(str(row["break_even"]), counties),
    }


def _add_sites(m: folium.Map, result: Result, data: RegionData) -> None:
    """One layer (on) of the sites: existing capacity as dashed rings, new sites filled."""
    sites = result.sites
    counties = county_names(data.regions)
    why = {
        (w["region_id"], w["cluster_type"]): _named(w, counties)
        for w in result.why.to_dict("records")
    }
    placed = sites[sites["new_capacity"] > 0] if len(sites) else sites
    existing = sites[sites["existing_capacity"] > 0] if len(sites) else sites
    group = folium.FeatureGroup(name=esc(SITES_LAYER), show=True)
    circles = Circles()
    most = existing.groupby("cluster_type")["existing_capacity"].max() if len(existing) else {}
    for row in existing.to_dict("records"):
        cluster_type = str(row["cluster_type"])
        largest = float(most[cluster_type])
        region = region_name(data, row["region_id"])
        text = (
            f"<b>{esc(region)}</b>: existing {esc(cluster_type)} "
            f"{esc(fmt_capacity(row['existing_capacity'], cluster_type))}"
        )
        circles.add(
            _site_point(data, row["region_id"], cluster_type),
            radius=_radius(float(row["existing_capacity"]), largest),
            color=TYPE_COLOURS.get(cluster_type, "#333333"),
            weight=2,
            dash_array="4 3",
            fill=False,
            class_name=f"{EXISTING_CLASS} {EXISTING_CLASS}-{css_token(cluster_type)}",
            tooltip=text,
            popup=site_popup_html(row, data, new=row["new_capacity"] > 0),
        )
    circles.add_to(group)
    records = placed.to_dict("records")
    for cluster_type in CLUSTER_TYPES:
        of_type = [row for row in records if row["cluster_type"] == cluster_type]
        if not of_type:
            continue
        largest = max(float(row["new_capacity"]) for row in of_type)
        circles = Circles()
        for row in of_type:
            region = region_name(data, row["region_id"])
            text = (
                f"<b>{esc(region)}</b>: new {esc(cluster_type)} "
                f"{esc(fmt_capacity(row['new_capacity'], cluster_type))}"
            )
            circles.add(
                _site_point(data, row["region_id"], cluster_type),
                radius=_radius(float(row["new_capacity"]), largest),
                color="#111111",
                weight=1.5,
                fill_color=TYPE_COLOURS.get(cluster_type, "#333333"),
                fill_opacity=0.85,
                class_name=(
                    f"{SITE_CLASS} {SITE_CLASS}-{css_token(cluster_type)} "
                    f"cs-region-{css_token(row['region_id'])}"
                ),
                tooltip=text,
                popup=site_popup_html(
                    row, data, why=why.get((row["region_id"], row["cluster_type"]))
                ),
                popup_width=420,
            )
        circles.add_to(group)
    group.add_to(m)


def _add_facilities(m: folium.Map, result: Result, data: RegionData) -> None:
    """One layer (off) of the facilities as of the scenario's date, clustered, by type colour."""
    facilities = data.facilities_as_of(result.scenario.facilities_as_of)
    group = folium.FeatureGroup(name=esc(FACILITIES_LAYER), show=False)
    holder: folium.FeatureGroup | MarkerCluster = group
    if len(facilities) > 10:
        holder = MarkerCluster(control=False).add_to(group)
    for cluster_type in CLUSTER_TYPES:
        of_type = facilities[facilities["cluster_type"] == cluster_type]
        if len(of_type) == 0:
            continue
        colour = TYPE_COLOURS.get(cluster_type, "#333333")
        dots = Dots()
        for facility_id, row in zip(of_type.index, of_type.to_dict("records"), strict=True):
            if not (np.isfinite(row["lat"]) and np.isfinite(row["lon"])):
                continue
            rows = [
                ("Product", esc(row["product"])),
                ("City", esc(f"{row['city']}, {row['region_id']}")),
                ("Status", esc(row["status"])),
                ("Capacity", esc(fmt_capacity(row["capacity_std"], cluster_type))),
                ("Announced", esc(row["announced_date"])),
                ("Source", _link(row["citation"], row["url"])),
            ]
            html = f"<b>{esc(row['company'])}</b> ({esc(facility_id)})" + _table(rows)
            dots.add(
                (float(row["lat"]), float(row["lon"])),
                colour=colour,
                class_name=f"{FACILITY_CLASS} {FACILITY_CLASS}-{css_token(cluster_type)}",
                tooltip=f"{esc(row['company'])}: {esc(row['product'])}",
                popup=html,
            )
        dots.add_to(holder)
    group.add_to(m)


def designated_zones(result: Result) -> dict[str, list[str]]:
    """Zones designated by the scenario → ``['battery: restrict', …]``."""
    zones: dict[str, list[str]] = {}
    for cluster_type, designation in result.scenario.zones.items():
        zones.setdefault(designation.zone, []).append(f"{cluster_type}: {designation.mode}")
    return zones


def css_token(text: str) -> str:
    """``text`` reduced to a safe CSS class token (letters, digits, ``-``; others → ``_``)."""
    return re.sub(r"[^A-Za-z0-9-]", "_", str(text))


def _zone_class(zone_id: str) -> str:
    return f"{ZONE_CLASS} {ZONE_CLASS}-{css_token(zone_id)}"


def _add_zones(m: folium.Map, result: Result, data: RegionData) -> None:
    """One layer (on) of the outlines of the zones the scenario designates."""
    zones = designated_zones(result)
    if not zones:
        return
    group = folium.FeatureGroup(name=esc(ZONES_LAYER), show=True)
    for zone_id, uses in zones.items():
        zone = data.zones.get(zone_id)
        if zone is None or zone.geometry is None or zone.geometry.is_empty:
            continue
        geometry = zone_shape(data, zone_id)
        outline = Shapes(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "id": zone_id,
                        "properties": {},
                        "geometry": mapping(geometry),
                    }
                ],
            }
        )
        group.add_child(outline)
        group.add_child(
            GeoLayer(
                outline,
                style={"color": "#000000", "weight": 3, "dashArray": "8 5", "fill": False},
                class_name=_zone_class(zone_id),
                tips={zone_id: esc(f"Designated zone: {zone_id} ({'; '.join(uses)})")},
                interactive=True,
            )
        )
    group.add_to(m)


# ---------------------------------------------------------------------------------------------
# public API
# ---------------------------------------------------------------------------------------------


def add_scenario_layers(
    m: folium.Map,
    result: Result,
    data: RegionData,
    *,
    extra_layers: Mapping[str, pd.Series] | None = None,
    compact: bool = False,
    tiles: bool = False,
) -> folium.Map:
    """Draw every layer of ``result`` onto an existing map (used for both sides of a DualMap);
    ``compact`` starts the legend folded (the info panel is folded on every map, so that it
    covers no site). The state polygons are the basemap; ``tiles``
    adds an online OpenStreetMap basemap underneath (the page then requests tiles). At county
    resolution ``extra_layers`` are keyed by state (the shadings are drawn by state)."""
    if tiles:
        folium.TileLayer("OpenStreetMap", control=False).add_to(m)
    m.options.update(ZOOM_RANGE)  # no tile layer sets them; marker clustering needs maxZoom
    fit_between_bands(m, CONUS_BOUNDS)
    m.get_root().header.add_child(folium.Element(MAP_STYLE + LEGEND_STYLE), name="cs_style")
    states = None
    if data.metadata.get("resolution") == "county":  # shade by state; the module only then
        from .county import (
            CUSTOMERS_LAYER,
            add_county_outlines,
            add_customers,
            jobs_by_state,
            state_input_layers,
            state_shading,
        )

        states = state_shading(data)
    shapes = Shapes(state_shapes(data) if states is None else states.shapes)
    m.add_child(shapes)
    legends: dict[str, str] = {}
    blank = folium.FeatureGroup(name=NO_SHADING, overlay=False, show=False)
    blank.add_to(m)
    initial = None
    layers: list[tuple[str, pd.Series, str | list[str], bool]] = []
    notes = {}
    if states is None:
        jobs = result.sites[result.sites["new_capacity"] > 0] if len(result.sites) else result.sites
        jobs = jobs.groupby("region_id")["jobs"].sum() if len(jobs) else pd.Series(dtype=float)
        jobs = jobs.reindex(data.regions.index, fill_value=0.0)
        layers.append((JOBS_LAYER, jobs, "Greens_09", True))
        for column, (label, palette) in INPUT_LAYERS.items():
            if column in data.regions.columns:
                layers.append((label, data.regions[column], palette, False))
        notes = {INPUT_LAYERS["permitting_months"][0]: permitting_notes(data)}
    else:
        layers.append((JOBS_LAYER, jobs_by_state(result, states), "Greens_09", True))
        for label, values, palette, note in state_input_layers(data, states):
            layers.append((label, values, palette, False))
            notes[label] = note
    for label, values in (extra_layers or {}).items():
        layers.append((str(label), values, "viridis", False))
    first = len(layers) - len(extra_layers or {}) if extra_layers else 0  # analysis layer first
    for i, (label, values, palette, zero_blank) in enumerate(layers):
        name, legend = add_choropleth(
            m,
            shapes,
            data,
            label,
            values,
            palette,
            show=(i == first),
            zero_is_blank=zero_blank,
            notes=notes.get(label),
            names=None if states is None else states.names,
        )
        legends[name] = legend
        initial = name if i == first else initial
    _add_zones(m, result, data)
    _add_facilities(m, result, data)
    _add_minerals(m, data)
    customers = add_customers(m, result) if states is not None else None
    flows = add_flows(m, result, data)
    if states is not None:
        add_county_outlines(m, result, data)
    _add_sites(m, result, data)
    title = title_html(result, data, compact=True)
    m.add_child(HtmlControl(title, position="topleft", class_name="cs-title"))
    toggled = {esc(FLOW_LAYER): flows} if flows else {}
    if states is not None and customers:
        toggled[esc(CUSTOMERS_LAYER)] = customers
    m.add_child(
        LegendBox(
            sites_key(result),
            legends,
            initial or NO_SHADING,
            toggled=toggled,
            initially_on=list(toggled),
            folded=compact,
        )
    )
    folium.LayerControl(collapsed=True, position="topright").add_to(m)
    return m


def sites_key(result: Result) -> str:
    """The sites' part of the legend: one colour per type, filled new, dashed existing."""
    swatches = "<br>".join(
        f'<span style="color:{TYPE_COLOURS[k]}">&#9679;</span> {esc(k)} [{esc(CAPACITY_UNITS[k])}]'
        for k in CLUSTER_TYPES
    )
    return (
        "<b>Sites</b> (area: capacity)<br>"
        '<svg width="14" height="12"><circle cx="7" cy="6" r="5" fill="#777"/></svg> new '
        '<svg width="14" height="12"><circle cx="7" cy="6" r="5" fill="none" stroke="#777" '
        f'stroke-dasharray="2 2"/></svg> existing<br>{swatches}'
    )


def scenario_map(
    result: Result,
    data: RegionData,
    *,
    offline: bool = True,
    tiles: bool = False,
    extra_layers: Mapping[str, pd.Series] | None = None,
) -> folium.Map:
    """Interactive map of one solved scenario.

    Args:
        result: the solved scenario (not re-solved). data: the region data it was solved on.
        offline: self-contained page (``save_map``/``render_html`` inline the vendored JS/CSS);
            False links them from their CDNs (a small file that needs internet).
        tiles: add an online basemap (tile requests); without it the state polygons are the
            basemap and the page makes no network request.
        extra_layers: more switchable choropleths, layer name (with unit, e.g.
            ``"Siting regret [USD/yr]"``) → value by region_id.
    """
    m = folium.Map(location=US_CENTER, zoom_start=4, tiles=None, control_scale=False)
    add_scenario_layers(m, result, data, extra_layers=extra_layers, tiles=tiles)
    m._cs_offline = offline  # read by render_html / save_map
    return m


def dual_map(
    left: Result,
    right: Result,
    data: RegionData,
    *,
    offline: bool = True,
    tiles: bool = False,
    extra_layers: tuple[Mapping[str, pd.Series] | None, Mapping[str, pd.Series] | None] = (
        None,
        None,
    ),
) -> DualMap:
    """Two synchronised scenario maps side by side (pan/zoom one, the other follows)."""
    dual = start_dual_map(left, data, tiles=tiles, extra_layers=extra_layers[0])
    dual = finish_dual_map(dual, right, data, tiles=tiles, extra_layers=extra_layers[1])
    dual._cs_offline = offline
    return dual


def start_dual_map(
    left: Result,
    data: RegionData,
    *,
    tiles: bool = False,
    extra_layers: Mapping[str, pd.Series] | None = None,
) -> DualMap:
    """A side-by-side map with ``left`` drawn on its left half (``finish_dual_map`` draws the
    right one), so the left half can be drawn while the right scenario is still being solved."""
    dual = DualMap(location=US_CENTER, zoom_start=4, tiles=None, control_scale=False)
    add_scenario_layers(dual.m1, left, data, extra_layers=extra_layers, compact=True, tiles=tiles)
    return dual


def finish_dual_map(
    dual: DualMap,
    right: Result,
    data: RegionData,
    *,
    tiles: bool = False,
    extra_layers: Mapping[str, pd.Series] | None = None,
) -> DualMap:
    """Draw ``right`` on the right half of a map from ``start_dual_map``; returns it."""
    add_scenario_layers(dual.m2, right, data, extra_layers=extra_layers, compact=True, tiles=tiles)
    return dual


def render_html(m: folium.Map | DualMap, *, offline: bool | None = None) -> str:
    """The complete HTML page of a map; self-contained (vendored assets inlined) unless
    ``offline`` is False or the map was built with ``offline=False``."""
    with fast_render():
        page = m.get_root().render()
    if offline is None:
        offline = getattr(m, "_cs_offline", True)
    if offline:
        page = inline_assets(page)
    return page


def save_map(m: folium.Map | DualMap, path: Path, *, offline: bool | None = None) -> Path:
    """Write a map's HTML to ``path`` atomically (temp file in the same folder, then
    ``os.replace``); self-contained when offline. Creates the folder. Returns ``path``."""
    path = Path(path)
    page = render_html(m, offline=offline)
    path.parent.mkdir(parents=True, exist_ok=True)
    return atomic_write_text(path, page)


__all__ = [
    "SITE_CLASS",
    "add_scenario_layers",
    "capacity_layer_name",
    "dual_map",
    "finish_dual_map",
    "render_html",
    "save_map",
    "scenario_map",
    "site_count",
    "start_dual_map",
]
