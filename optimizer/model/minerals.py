"""Mineral supply: which sources can deliver by the horizon, at what price, over which lanes.

A lane is (source, mineral, region) with its great-circle distance, the mineral price (with the
gateway premium and tariff for imports) and the freight [USD/t]. Pure functions of (region
data, scenario, technology).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from regions import RegionData
from regions.geodesy import haversine_km

from .scenario import Scenario
from .technology import CLUSTER_TYPES, TechnologyData


def supply_table(data: RegionData, scenario: Scenario, tech: TechnologyData) -> pd.DataFrame:
    """One row per (source, mineral): whether it can supply by the horizon, capacity, price, and
    ``domestic_feed`` (mined or recycled at home: what a domestic-share rule counts; a refinery
    of imported feed is a domestic *source* but not domestic feed)."""
    sources = data.mineral_sources.set_index(["source_id", "mineral"])
    prices = data.mineral_prices
    base_price = sources.index.get_level_values("mineral").map(prices["price_usd_per_t"]).to_numpy()
    tariff = sources.index.get_level_values("mineral").map(prices["import_tariff_pct"]).to_numpy()
    premium = tech.param("gateway_premium_pct") if "gateway_premium_pct" in tech.params else 0.0
    foreign = sources["foreign"].to_numpy(dtype=bool)
    price = base_price * scenario.mineral_price_multiplier
    before_tariff = np.where(foreign, price * (1 + premium / 100), price)
    price = np.where(foreign, before_tariff * (1 + tariff / 100), price)
    reasons = []
    allowed = set(scenario.allowed_gateways) if scenario.allowed_gateways is not None else None
    for (source_id, _mineral), row in sources.iterrows():
        if row["foreign"]:
            reasons.append(
                ""
                if allowed is None or source_id in allowed
                else "gateway not allowed by the scenario"
            )
        elif row["status"] == "closed":
            reasons.append("closed")
        elif np.isnan(row["capacity_t_per_yr"]):
            reasons.append("capacity unknown")
        elif row["status"] != "operating" and (
            np.isnan(row["first_production_year"])
            or row["first_production_year"] > scenario.horizon_year
        ):
            year = row["first_production_year"]
            when = "no production date" if np.isnan(year) else f"first production {year:.0f}"
            reasons.append(f"{when} is after the horizon {scenario.horizon_year}")
        else:
            reasons.append("")
    supply = sources[
        ["name", "kind", "region_id", "lat", "lon", "capacity_t_per_yr", "status", "foreign"]
    ].copy()
    supply["domestic_feed"] = (
        sources["domestic_feed"].astype(bool) if "domestic_feed" in sources else ~supply["foreign"]
    )
    supply["price_usd_per_t"] = price
    supply["tariff_usd_per_t"] = price - before_tariff
    supply["unavailable_reason"] = reasons
    supply["available"] = supply["unavailable_reason"] == ""
    return supply


def lane_table(
    supply: pd.DataFrame,
    sites: pd.DataFrame,
    data: RegionData,
    demand: dict[str, dict[str, float]],
    tech: TechnologyData,
    objective: str = "investor",
) -> pd.DataFrame:
    """Source → region lanes for each mineral some possible site there needs [USD/t]."""
    regions = data.regions
    usable = sites[
        sites["eligible"] | sites["expansion_eligible"] | (sites["existing_capacity"] > 0)
    ].reset_index()
    needs = {
        (r, m)
        for r, k in zip(usable["region_id"], usable["cluster_type"], strict=True)
        for m, t in demand[k].items()
        if t > 0
    }
    available = supply[supply["available"]].reset_index()
    frames = []
    freight = tech.param("freight_usd_per_tkm") * tech.param("circuity_factor")
    for mineral, group in available.groupby("mineral", sort=False):
        targets = sorted(r for r, m in needs if m == mineral)
        if not targets:
            continue
        grid = group.merge(pd.DataFrame({"region_id_to": targets}), how="cross")
        dist = haversine_km(
            grid["lon"],
            grid["lat"],
            regions.loc[grid["region_id_to"], "rep_lon"].to_numpy(),
            regions.loc[grid["region_id_to"], "rep_lat"].to_numpy(),
        )
        frames.append(
            pd.DataFrame(
                {
                    "source_id": grid["source_id"],
                    "mineral": mineral,
                    "region_id": grid["region_id_to"],
                    "foreign": grid["foreign"],
                    "domestic_feed": grid["domestic_feed"],
                    "distance_km": dist,
                    "mineral_cost_usd_per_t": grid["price_usd_per_t"],
                    "tariff_usd_per_t": grid["tariff_usd_per_t"],
                    "freight_usd_per_t": dist * freight,
                }
            )
        )
    columns = [
        "source_id",
        "mineral",
        "region_id",
        "foreign",
        "domestic_feed",
        "distance_km",
        "mineral_cost_usd_per_t",
        "tariff_usd_per_t",
        "freight_usd_per_t",
    ]
    lanes = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)
    lanes["cost_usd_per_t"] = lane_cost(lanes, objective)
    return drop_dominated_gateways(lanes).set_index(["source_id", "mineral", "region_id"])


def lane_cost(lanes: pd.DataFrame, objective: str) -> pd.Series:
    """Objective cost of a tonne on each lane [USD/t]: mineral price + freight, less the tariff
    in the system view (a tariff is a transfer from the importer to the public)."""
    cost = lanes["mineral_cost_usd_per_t"] + lanes["freight_usd_per_t"]
    return cost - lanes["tariff_usd_per_t"] if objective == "system" else cost


def drop_dominated_gateways(lanes: pd.DataFrame) -> pd.DataFrame:
    """Keep, per (mineral, region), only the cheapest import lane (ties: first gateway id).

    Exact: gateways are uncapped and every constraint treats all foreign tonnes alike, so an
    optimum never ships through a costlier gateway to the same region.
    """
    foreign = lanes[lanes["foreign"].astype(bool)].sort_values(
        ["mineral", "region_id", "cost_usd_per_t", "source_id"]
    )
    best = foreign.drop_duplicates(["mineral", "region_id"], keep="first")
    return pd.concat([lanes[~lanes["foreign"].astype(bool)], best]).sort_index()


def mineral_demand(data: RegionData, tech: TechnologyData) -> dict[str, dict[str, float]]:
    """Tonnes of each mineral per unit of capacity per year (bill of materials × utilization)."""
    utilization = tech.param("utilization")
    return {
        k: {m: t * utilization for m, t in tech.bom(k).items() if m in data.mineral_prices.index}
        for k in CLUSTER_TYPES
    }
