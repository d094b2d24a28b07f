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
    return frame


def states_geojson(result: Result, data: RegionData, tables: Tables | None = None) -> dict:
    """State polygons (simplified for display, as on the maps) with ``state_results`` as
    properties (``tables`` is not needed: accepted as by the other GeoJSON builders)."""
    table = state_results(result, data)
    features = []
    for shape in state_shapes(data)["features"]:
        region_id = shape["id"]
        props = {"region_id": region_id}
        for key, value in table.loc[region_id].items():
            props[key] = plain(round(value, 3) + 0.0 if isinstance(value, float) else value)
        features.append({"type": "Feature", "geometry": shape["geometry"], "properties": props})
    return _collection(features)


def flows_geojson(result: Result, data: RegionData, tables: Tables | None = None) -> dict:
    """One LineString per flow: inbound minerals (source → state's representative point,
    ``flow`` = 'mineral') and outbound products (site or gateway → market node, ``flow`` =
    'product'); properties: the exported row (amounts, distance [km], costs [USD/yr]).
    ``tables``: ``export_tables(result, data)`` when already made."""
    tables = tables if tables is not None else export_tables(result, data)
    features = []
    for row in tables["flows"].to_dict("records"):
        if not row.get("tonnes_per_yr"):
            continue
        line = [[row["source_lon"], row["source_lat"]], [row["dest_lon"], row["dest_lat"]]]
        features.append(_line(line, {"flow": "mineral", **row}))
    for row in tables["products"].to_dict("records"):
        if not row.get("units_per_yr"):
            continue
        line = [[row["origin_lon"], row["origin_lat"]], [row["node_lon"], row["node_lat"]]]
        features.append(_line(line, {"flow": "product", **row}))
    return _collection(features)


def _line(coordinates: list, properties: dict) -> dict:
    return {
        "type": "Feature",
        "geometry": {"type": "LineString", "coordinates": coordinates},
        "properties": {key: plain(value) for key, value in properties.items()},
    }


__all__ = ["flows_geojson", "plain", "sites_geojson", "state_results", "states_geojson"]
