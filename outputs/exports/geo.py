"""GeoJSON a GIS opens directly: new sites as points, states as polygons joined to the results,
mineral flows as lines from source to destination state."""

from __future__ import annotations

import math

import pandas as pd

from optimizer import CLUSTER_TYPES, Result
from regions import RegionData

from ..geometry import state_shapes
from .tables import export_tables

Tables = dict[str, pd.DataFrame]
"""The exported tables of a run, by name (``export_tables``)."""


def plain(value: object) -> object:
    """A JSON-ready Python value: numpy scalars unwrapped, NaN/NA as None."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _collection(features: list[dict]) -> dict:
    return {"type": "FeatureCollection", "features": features}


def sites_geojson(result: Result, data: RegionData, tables: Tables | None = None) -> dict:
    """One Point per site row with new capacity > 0, at the region's representative point
    (``rep_lon``, ``rep_lat``); the properties are the exported site row, numbers as numbers.
    ``tables``: ``export_tables(result, data)`` when already made."""
    sites = (tables if tables is not None else export_tables(result, data))["sites"]
    built = sites[sites["new_capacity"] > 0] if len(sites) else sites
    features = []
    for row in built.to_dict("records"):
        lon, lat = data.regions.loc[row["region_id"], ["rep_lon", "rep_lat"]]
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [float(lon), float(lat)]},
                "properties": {key: plain(value) for key, value in row.items()},
            }
        )
    return _collection(features)


def state_results(result: Result, data: RegionData) -> pd.DataFrame:
    """One row per region: name, new capacity per type [type unit/yr], jobs [jobs] and total
    annual cost of its sites [USD/yr] (zero where nothing is sited)."""
    sites = result.sites
    frame = pd.DataFrame(index=data.regions.index)
    frame["name"] = data.regions["name"]
    for k in CLUSTER_TYPES:
        unit = {"battery": "gwh", "magnet": "t", "solar": "gw"}.get(k, "units")
        of_type = sites[sites["cluster_type"] == k] if len(sites) else sites
        values = of_type.groupby("region_id")["new_capacity"].sum() if len(of_type) else None
        column = f"new_{k}_{unit}_per_yr"
        frame[column] = values.reindex(frame.index).fillna(0.0) if values is not None else 0.0
    for column, target in (("jobs", "jobs"), ("total_cost_usd_per_yr", "total_cost_usd_per_yr")):
        values = sites.groupby("region_id")[column].sum() if len(sites) else None
        frame[target] = values.reindex(frame.index).fillna(0.0) if values is not None else 0.0
    frame["jobs"] = frame["jobs"].round(0).astype(int)  # people: whole numbers
    return frame


def states_geojson(result: Result, data: RegionData, tables: Tables | None = None) -> dict:
    """State polygons (simplified for display, as on the maps) with ``state_results`` as
    properties (``tables`` is not needed: accepted as by the other GeoJSON builders)."""
    table = state_results(result, data)
    if data.metadata.get("resolution") == "county":
        return _county_run_states(table, data, result.sites)
    features = []
    for shape in state_shapes(data)["features"]:
        region_id = shape["id"]
        props = {"region_id": region_id}
        for key, value in table.loc[region_id].items():
            props[key] = plain(round(value, 3) + 0.0 if isinstance(value, float) else value)
        features.append({"type": "Feature", "geometry": shape["geometry"], "properties": props})
    return _collection(features)


def _county_run_states(table: pd.DataFrame, data: RegionData, sites: pd.DataFrame) -> dict:
    """A county run's ``states.geojson``: one polygon per state (the region data's state file,
    as on the county map), its counties' results summed (``name`` the state's; jobs summed
    before rounding)."""
    from ..maps.county import state_shading  # county runs only

    states = state_shading(data)
    numbers = table.drop(columns="name").groupby(states.state).sum()
    if len(sites):
        jobs = sites.groupby("region_id")["jobs"].sum()
        numbers["jobs"] = jobs.groupby(jobs.index.map(states.state)).sum().reindex(numbers.index)
        numbers["jobs"] = numbers["jobs"].fillna(0.0)
    features = []
    for shape in states.shapes["features"]:
        state = shape["id"]
        props = {"region_id": state, "name": states.names.get(state, state)}
        row = numbers.loc[state] if state in numbers.index else pd.Series(0.0, numbers.columns)
        for key, value in row.items():
            value = float(value)
            props[key] = int(round(value)) if key == "jobs" else plain(round(value, 3) + 0.0)
        features.append({"type": "Feature", "geometry": shape["geometry"], "properties": props})
    return _collection(features)


def _moving(rows: list[dict], amount: str, ends: tuple[str, str, str, str]):
    """(lines, points): rows that move something, split into those between two places and those
    within one (both ends at the same coordinates)."""
    lines, points = [], []
    for row in rows:
        if not row.get(amount):
            continue
        a = [row[ends[0]], row[ends[1]]]
        b = [row[ends[2]], row[ends[3]]]
        (points if a == b else lines).append((row, [a, b]))
    return lines, points


def flows_geojson(result: Result, data: RegionData, tables: Tables | None = None) -> dict:
    """Inbound mineral flows only, one LineString each (source → the state's representative
    point, ``flow`` = 'mineral'); properties: the exported row (tonnes [t/yr], distance [km],
    costs [USD/yr]). A flow within one place would be a line of zero length: it is left out,
    and counted in the collection's ``left_out_within_place``. ``tables``:
    ``export_tables(result, data)`` when already made."""
    tables = tables if tables is not None else export_tables(result, data)
    ends = ("source_lon", "source_lat", "dest_lon", "dest_lat")
    lines, points = _moving(tables["flows"].to_dict("records"), "tonnes_per_yr", ends)
    features = [_line(line, {"flow": "mineral", **row}) for row, line in lines]
    return {**_collection(features), "left_out_within_place": len(points)}


DELIVERY_ENDS = ("origin_lon", "origin_lat", "node_lon", "node_lat")


def deliveries_geojson(result: Result, data: RegionData, tables: Tables | None = None) -> dict:
    """Outbound product deliveries between two places, one LineString each (plant or import
    port → market node, ``flow`` = 'product'); properties: the exported row (amount in the
    row's unit, distance [km], freight [USD/yr]). Deliveries within one place are in
    ``local_deliveries.geojson`` as points."""
    tables = tables if tables is not None else export_tables(result, data)
    lines, _ = _moving(tables["products"].to_dict("records"), "units_per_yr", DELIVERY_ENDS)
    return _collection([_line(line, {"flow": "product", **row}) for row, line in lines])


def local_deliveries_geojson(
    result: Result, data: RegionData, tables: Tables | None = None
) -> dict:
    """Outbound product deliveries within one place (the plant or port and the market node at
    the same point), one Point each with the exported row as properties."""
    tables = tables if tables is not None else export_tables(result, data)
    _, points = _moving(tables["products"].to_dict("records"), "units_per_yr", DELIVERY_ENDS)
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": line[0]},
            "properties": {key: plain(value) for key, value in {"flow": "product", **row}.items()},
        }
        for row, line in points
    ]
    return _collection(features)


def _line(coordinates: list, properties: dict) -> dict:
    return {
        "type": "Feature",
        "geometry": {"type": "LineString", "coordinates": coordinates},
        "properties": {key: plain(value) for key, value in properties.items()},
    }


__all__ = [
    "deliveries_geojson",
    "flows_geojson",
    "local_deliveries_geojson",
    "plain",
    "sites_geojson",
    "state_results",
    "states_geojson",
]
