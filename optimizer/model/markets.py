"""Product markets: where each cluster type's output is used, and what it costs to get it there.

The national target of type k is delivered to demand nodes in proportion to their weights: node j
of type k receives ``share_j · target_k`` [type unit/yr], ``share_j = weight_j / Σ weight``. Nodes
come from ``demand.csv`` as of ``markets.as_of`` (default ``facilities_as_of``), one per
(region, type): the weights of a region's rows in the type's main unit are summed (e.g. car and
light-truck assembly jobs), rows in another unit are left out (a partial series such as
small-scale PV in MW for six states cannot be added to utility-scale MWac). A scenario may scale
a region's weight (``markets.scale``) or add a node (``markets.add``).

Outbound freight [USD/yr per unit/yr] = product mass [t per unit] × freight rate [USD/t-km] ×
circuity × great-circle distance [km] from the site's to the node's representative point.
Imports (the part of a target not made at home) arrive at the node through its nearest import
gateway and pay the same freight from the port.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from regions import RegionData
from regions.errors import DataValidationError
from regions.geodesy import haversine_km

from .scenario import Scenario
from .technology import CLUSTER_TYPES, TechnologyData

NODE_COLUMNS = [
    "node_id",
    "cluster_type",
    "region_id",
    "name",
    "weight",
    "weight_unit",
    "share",
    "lon",
    "lat",
    "gateway",
    "gateway_lon",
    "gateway_lat",
    "import_distance_km",
    "import_freight_usd_per_unit",
]
"""Market nodes: ``share`` of the type's target [fraction], ``import_freight_usd_per_unit``
[USD/yr per unit/yr] from the nearest gateway ``gateway``."""
PRODUCT_LANE_COLUMNS = ["distance_km", "freight_usd_per_unit", "origin_lon", "origin_lat"]
"""Product lanes, index (region_id, cluster_type, node_id): distance [km], outbound freight
[USD/yr per unit/yr] and the site's representative point [deg]."""


def empty_nodes() -> pd.DataFrame:
    """A node table with no rows (markets off, or no demand data)."""
    return pd.DataFrame(columns=NODE_COLUMNS).set_index("node_id")


def empty_product_lanes() -> pd.DataFrame:
    """A product-lane table with no rows."""
    index = pd.MultiIndex.from_tuples([], names=["region_id", "cluster_type", "node_id"])
    return pd.DataFrame(columns=PRODUCT_LANE_COLUMNS, index=index, dtype=float)


def freight_usd_per_unit_km(tech: TechnologyData, cluster_type: str) -> float:
    """Outbound freight of one unit/yr of capacity over one km [USD/yr per unit/yr per km]."""
    mass = tech.value(cluster_type, "product_mass_t_per_unit", default=np.nan)
    if np.isnan(mass):
        raise DataValidationError(
            "technologies.csv",
            f"markets need the product mass of {cluster_type!r}; add a row or turn markets off "
            "(markets.enabled = false)",
            field="product_mass_t_per_unit",
        )
    return mass * tech.param("freight_usd_per_tkm") * tech.param("circuity_factor")


def main_unit(rows: pd.DataFrame) -> str:
    """The weight unit that covers the most regions (ties: the first in sort order)."""
    counts = rows.groupby("weight_unit")["region_id"].nunique()
    return str(counts.sort_index().idxmax())


def market_nodes(data: RegionData, scenario: Scenario, tech: TechnologyData) -> pd.DataFrame:
    """One node per (type, region) with weight, share of the type's target and import freight.

    Empty when the scenario turns markets off; a type without demand rows gets no nodes (its
    target stays one national number).
    """
    if not scenario.markets:
        return empty_nodes()
    as_of: date = scenario.markets_as_of or scenario.facilities_as_of
    known = data.demand_as_of(as_of)
    gateways = _gateways(data)
    frames = []
    for k in CLUSTER_TYPES:
        if k not in scenario.targets:
            continue
        rows = known[known["cluster_type"] == k] if len(known) else known
        added = [n for n in scenario.market_nodes if n.cluster_type == k]
        if not len(rows) and not added:
            continue
        unit = main_unit(rows) if len(rows) else "weight"
        rows = rows[rows["weight_unit"] == unit] if len(rows) else rows
        weight = rows.groupby("region_id")["weight"].sum() if len(rows) else pd.Series(dtype=float)
        names = (
            rows.groupby("region_id")["name"].agg("; ".join) if len(rows) else pd.Series(dtype=str)
        )
        for node in added:
            weight[node.region_id] = weight.get(node.region_id, 0.0) + node.weight
            prior = names.get(node.region_id, "")
            names[node.region_id] = f"{prior}; {node.name}" if prior else node.name
        for region_id, factor in scenario.market_scale.get(k, {}).items():
            if region_id in weight.index:
                weight[region_id] *= factor
        weight = weight[weight > 0].sort_index()
        if weight.sum() <= 0:
            continue
        frame = pd.DataFrame(
            {
                "node_id": [f"{k}@{r}" for r in weight.index],
                "cluster_type": k,
                "region_id": weight.index,
                "name": names.reindex(weight.index).fillna("").to_numpy(),
                "weight": weight.to_numpy(float),
                "weight_unit": unit,
                "share": (weight / weight.sum()).to_numpy(float),
                "lon": (
                    where := node_points(
                        rows,
                        weight.index,
                        data.regions,
                        data.metadata.get("resolution") == "county",
                    )
                )["lon"].to_numpy(),
                "lat": where["lat"].to_numpy(),
            }
        )
        if len(gateways):
            dist = haversine_km(
                frame["lon"].to_numpy()[:, None],
                frame["lat"].to_numpy()[:, None],
                gateways["lon"].to_numpy()[None, :],
                gateways["lat"].to_numpy()[None, :],
            )
            nearest = np.argmin(dist, axis=1)
            frame["gateway"] = gateways.index.to_numpy()[nearest]
            frame["gateway_lon"] = gateways["lon"].to_numpy(float)[nearest]
            frame["gateway_lat"] = gateways["lat"].to_numpy(float)[nearest]
            frame["import_distance_km"] = dist[np.arange(len(frame)), nearest]
        else:
            frame["gateway"] = ""
            frame["gateway_lon"] = frame["gateway_lat"] = float("nan")
            frame["import_distance_km"] = 0.0
        frame["import_freight_usd_per_unit"] = frame["import_distance_km"] * (
            freight_usd_per_unit_km(tech, k)
        )
        frames.append(frame)
    if not frames:
        return empty_nodes()
    return pd.concat(frames, ignore_index=True).set_index("node_id")[NODE_COLUMNS[1:]]


def node_points(
    rows: pd.DataFrame, region_ids: pd.Index, regions: pd.DataFrame, own_points: bool = False
) -> pd.DataFrame:
    """Where each node sits [deg]: the region's representative point (state resolution), or
    with ``own_points`` the weight-weighted centre of the node's demand rows' own points
    (county resolution: customer points in a county, or the PV additions of a state). Columns
    ``lon``, ``lat``, indexed like ``region_ids``."""
    out = pd.DataFrame(index=region_ids, columns=["lon", "lat"], dtype=float)
    known = region_ids[region_ids.isin(regions.index)] if not own_points else region_ids[:0]
    out.loc[known, "lon"] = regions.loc[known, "rep_lon"].to_numpy(float)
    out.loc[known, "lat"] = regions.loc[known, "rep_lat"].to_numpy(float)
    for region_id in region_ids.difference(known, sort=False):
        points = rows[rows["region_id"] == region_id]
        if not len(points) or "lon" not in points or points["lon"].isna().any():
            raise KeyError(f"demand node {region_id!r} is neither a region nor located by its rows")
        w = points["weight"].to_numpy(float)
        w = w if w.sum() > 0 else np.ones(len(points))
        out.loc[region_id] = [
            np.average(points["lon"], weights=w),
            np.average(points["lat"], weights=w),
        ]
    return out


def _gateways(data: RegionData) -> pd.DataFrame:
    """Import gateways (the foreign-source ports) with their coordinates, by source id."""
    sources = data.mineral_sources
    ports = sources[sources["foreign"].astype(bool)].drop_duplicates("source_id")
    return ports.set_index("source_id")[["lon", "lat"]].sort_index()


def product_lanes(
    nodes: pd.DataFrame, sites: pd.DataFrame, data: RegionData, tech: TechnologyData
) -> pd.DataFrame:
    """Lanes from every site that can produce type k (new or existing capacity) to every node
    of type k: great-circle distance [km] and outbound freight [USD/yr per unit/yr]."""
    if not len(nodes):
        return empty_product_lanes()
    producing = sites[
        sites["eligible"] | sites["expansion_eligible"] | (sites["existing_capacity"] > 0)
    ]
    regions = data.regions
    frames = []
    for k, of_type in nodes.groupby("cluster_type", sort=True):
        origins = producing.index[producing.index.get_level_values("cluster_type") == k]
        origin_ids = origins.get_level_values("region_id").to_numpy()
        if not len(origin_ids):
            continue
        dist = haversine_km(
            regions.loc[origin_ids, "rep_lon"].to_numpy(float)[:, None],
            regions.loc[origin_ids, "rep_lat"].to_numpy(float)[:, None],
            of_type["lon"].to_numpy(float)[None, :],
            of_type["lat"].to_numpy(float)[None, :],
        )
        rate = freight_usd_per_unit_km(tech, str(k))
        index = pd.MultiIndex.from_product(
            [origin_ids, [str(k)], of_type.index], names=["region_id", "cluster_type", "node_id"]
        )
        n_nodes = len(of_type)
        frames.append(
            pd.DataFrame(
                {
                    "distance_km": dist.ravel(),
                    "freight_usd_per_unit": dist.ravel() * rate,
                    "origin_lon": np.repeat(regions.loc[origin_ids, "rep_lon"].to_numpy(), n_nodes),
                    "origin_lat": np.repeat(regions.loc[origin_ids, "rep_lat"].to_numpy(), n_nodes),
                },
                index=index,
            )
        )
    return pd.concat(frames) if frames else empty_product_lanes()
