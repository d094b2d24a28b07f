"""The parts of a scenario map that differ at county resolution.

A county run's regions are counties (5-digit FIPS), but the county view of the data carries each
county's *state* polygon as its geometry, so the map draws:

- the shadings by state: new jobs summed over each state's counties, permitting months (a state
  figure), on the state polygons of the run's region data (``regions.geojson``), one per state;
- the outlines of the counties with new or existing capacity in the result, from the embedded
  county outlines (``regions/data/counties.geojson``, read here only);
- the customers (the market nodes of the result) as small points coloured by type.

Nothing here is used at state resolution, whose maps stay as they were.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from pathlib import Path

import folium
import pandas as pd
from shapely.geometry import mapping

from optimizer import CLUSTER_TYPES, Result
from regions import RegionData
from regions.boundaries import load_county_outlines, read_boundaries

from ..formatting import esc, fmt_capacity, fmt_num
from ..geometry import display_geometry
from .batched import Circles
from .info import INPUT_LAYERS, TYPE_COLOURS, _table
from .shading import GeoLayer, Shapes, permitting_notes, region_name

COUNTY_CLASS = "cs-county"
CUSTOMER_CLASS = "cs-customer"
COUNTIES_LAYER = "Counties with capacity (outline)"
CUSTOMERS_LAYER = "Customers (market nodes)"
CUSTOMER_RADIUS_PX = 3.5
COUNTY_OFFSET_SCALE = 0.25
"""Site markers of different types in one county are set apart by a quarter of the state map's
offsets (about 0.1 deg), so that they stay near their county."""
STATE_LAYERS = ("permitting_months",)
"""Input shadings that are state figures at county resolution (drawn by state); the county
figures (power price, commuting pool) are in the county outlines' tooltips instead."""


def is_county(data: RegionData) -> bool:
    """True when ``data`` is a county view (``optimizer.model.county.county_view``)."""
    return data.metadata.get("resolution") == "county"


@dataclass(frozen=True)
class StateShading:
    """State polygons for the shadings of a county map: ``shapes`` (GeoJSON FeatureCollection,
    feature id = USPS code), ``names`` (USPS code → state name) and ``state`` (county FIPS →
    USPS code of the run's counties)."""

    shapes: dict
    names: dict[str, str]
    state: pd.Series


def state_shading(data: RegionData) -> StateShading:
    """The states of a county view, from the region data's state file (every state, once);
    without one, the states of the view's counties (their geometry is the state's)."""
    state = data.regions["state"].astype(str)
    path = data.files.get("regions.geojson")
    if path is not None and Path(path).exists():
        shapes, names = _state_file_shapes(str(path), Path(path).stat().st_mtime_ns)
    else:
        first = state.reset_index().drop_duplicates("state").set_index("state").iloc[:, 0]
        names = {s: s for s in sorted(first.index)}
        shapes = _collection({s: data.geometry[first[s]] for s in names})
    return StateShading(shapes, dict(names), state)


@functools.lru_cache(maxsize=2)
def _state_file_shapes(path: str, mtime_ns: int) -> tuple[dict, dict[str, str]]:
    """(display FeatureCollection, USPS code → name) of a state file, once per file version."""
    table, geometry, _ = read_boundaries(Path(path))
    names = dict(zip(table["region_id"].astype(str), table["name"].astype(str), strict=True))
    return _collection({s: geometry[s] for s in names}), names


def _collection(geometries: dict) -> dict:
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": key,
                "properties": {},
                "geometry": mapping(display_geometry(g)),
            }
            for key, g in geometries.items()
        ],
    }


def jobs_by_state(result: Result, states: StateShading) -> pd.Series:
    """New jobs [jobs] of the sites with new capacity, summed over each state's counties; every
    state of ``states`` (0 where none)."""
    sites = result.sites
    placed = sites[sites["new_capacity"] > 0] if len(sites) else sites
    if not len(placed):
        return pd.Series(0.0, index=list(states.names))
    by_state = placed["jobs"].groupby(placed["region_id"].map(states.state)).sum()
    return by_state.reindex(list(states.names), fill_value=0.0).astype(float)


def state_input_layers(
    data: RegionData, states: StateShading
) -> list[tuple[str, pd.Series, str, dict[str, str]]]:
    """(layer name, value by state, palette, tooltip notes by state) of the input shadings that
    are state figures (``STATE_LAYERS``): the value of the state's first county."""
    notes = permitting_notes(data)
    layers = []
    for column in STATE_LAYERS:
        if column not in data.regions.columns:
            continue
        label, palette = INPUT_LAYERS[column]
        first = data.regions[column].groupby(states.state).first()
        note = {}
        if column == "permitting_months":
            fips = states.state.reset_index().drop_duplicates("state")
            pairs = zip(fips.iloc[:, 0], fips["state"], strict=True)
            note = {s: notes[f] for f, s in pairs if f in notes}
        layers.append((label, first, palette, note))
    return layers


def chosen_counties(result: Result) -> list[str]:
    """FIPS of the counties with new or existing capacity in ``result``, sorted."""
    sites = result.sites
    if not len(sites):
        return []
    held = sites[(sites["new_capacity"] > 0) | (sites["existing_capacity"] > 0)]
    return sorted(set(held["region_id"].astype(str)))


def county_outlines(result: Result) -> dict:
    """The outlines of ``chosen_counties`` as a GeoJSON FeatureCollection (id = FIPS), from the
    embedded county file; counties not in it are left out."""
    outlines = load_county_outlines()
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "id": f, "properties": {}, "geometry": outlines[f].geometry}
            for f in chosen_counties(result)
            if f in outlines
        ],
    }


def _county_tip(result: Result, data: RegionData, fips: str) -> str:
    """Tooltip of one county outline: name, capacity by type, new jobs, power price."""
    sites = result.sites[result.sites["region_id"] == fips]
    rows = []
    for row in sites.to_dict("records"):
        k = str(row["cluster_type"])
        if row["new_capacity"] > 0:
            rows.append((f"New {esc(k)}", esc(fmt_capacity(row["new_capacity"], k))))
        if row["existing_capacity"] > 0:
            rows.append((f"Existing {esc(k)}", esc(fmt_capacity(row["existing_capacity"], k))))
    new = sites[sites["new_capacity"] > 0]
    rows.append(("New jobs", esc(fmt_num(float(new["jobs"].sum())))))
    if "power_price_usd_per_mwh" in data.regions.columns and fips in data.regions.index:
        price = float(data.regions.at[fips, "power_price_usd_per_mwh"])
        rows.append(("Power price [USD/MWh]", esc(fmt_num(price)) if math.isfinite(price) else ""))
    return f"<b>{esc(region_name(data, fips))}</b> ({esc(fips)})" + _table(rows)


def add_county_outlines(m: folium.Map, result: Result, data: RegionData) -> None:
    """One layer (on) of the outlines of the counties with capacity, with a tooltip each."""
    collection = county_outlines(result)
    if not collection["features"]:
        return
    group = folium.FeatureGroup(name=esc(COUNTIES_LAYER), show=True)
    shapes = Shapes(collection)
    group.add_child(shapes)
    tips = {f["id"]: _county_tip(result, data, f["id"]) for f in collection["features"]}
    style = {"color": "#111111", "weight": 1.6, "fill": True, "fillOpacity": 0.0}
    group.add_child(GeoLayer(shapes, tips=tips, style=style, class_name=COUNTY_CLASS))
    group.add_to(m)


def add_customers(m: folium.Map, result: Result) -> str | None:
    """One layer (on) of the market nodes as small points coloured by type, each with a popup
    (name, weight and unit); returns the layer's legend part, or None without nodes."""
    nodes = result.inputs.nodes
    if not len(nodes):
        return None
    group = folium.FeatureGroup(name=esc(CUSTOMERS_LAYER), show=True)
    for cluster_type in CLUSTER_TYPES:
        of_type = nodes[nodes["cluster_type"] == cluster_type]
        if not len(of_type):
            continue
        colour = TYPE_COLOURS.get(cluster_type, "#333333")
        circles = Circles()
        for node_id, row in zip(of_type.index, of_type.to_dict("records"), strict=True):
            lon, lat = float(row["lon"]), float(row["lat"])
            if not (math.isfinite(lon) and math.isfinite(lat)):
                continue
            weight = f"{fmt_num(float(row['weight']))} {row['weight_unit']}"
            popup = f"<b>{esc(row['name'])}</b> ({esc(node_id)})" + _table(
                [("Customer of", esc(cluster_type)), ("Weight", esc(weight))]
            )
            circles.add(
                (lat, lon),
                radius=CUSTOMER_RADIUS_PX,
                color="#ffffff",
                weight=0.8,
                fill_color=colour,
                fill_opacity=0.9,
                class_name=f"{CUSTOMER_CLASS} {CUSTOMER_CLASS}-{cluster_type}",
                tooltip=f"{esc(row['name'])}: {esc(weight)}",
                popup=popup,
            )
        circles.add_to(group)
    group.add_to(m)
    return customers_key(sorted(set(nodes["cluster_type"])))


def customers_key(types: list[str]) -> str:
    """The customers' legend part: one small dot per type."""
    dots = "<br>".join(
        f'<svg width="10" height="10"><circle cx="5" cy="5" r="3.5" '
        f'fill="{TYPE_COLOURS.get(k, "#333333")}"/></svg> {esc(k)}'
        for k in types
    )
    return f"<div><b>Customers</b> (market nodes)<br>{dots}</div>"


__all__ = [
    "COUNTIES_LAYER",
    "COUNTY_CLASS",
    "CUSTOMERS_LAYER",
    "CUSTOMER_CLASS",
    "StateShading",
    "add_county_outlines",
    "add_customers",
    "chosen_counties",
    "county_outlines",
    "is_county",
    "jobs_by_state",
    "state_input_layers",
    "state_shading",
]
