"""Headline indicators of one solution, as a long table ``kpi, scope, value, unit``."""

from __future__ import annotations

import pandas as pd

from regions import RegionData

from .coefficients import ModelInputs
from .extract import KPI_COLUMNS
from .technology import CAPACITY_UNITS, CLUSTER_TYPES, TechnologyData

KG_PER_T = 1000.0


def _weighted_mean(values: pd.Series, weights: pd.Series) -> float:
    total = float(weights.sum())
    return float((values * weights).sum() / total) if total > 0 else 0.0


def compute_kpis(
    sites: pd.DataFrame,
    flows: pd.DataFrame,
    inputs: ModelInputs,
    data: RegionData,
    tech: TechnologyData,
    objective: float,
    shortfall: dict[str, float],
) -> pd.DataFrame:
    """Costs, levelized cost per type, jobs, domestic share, permitting, CO2, zone shares."""
    rows: list[tuple[str, str, float, str]] = []
    add = lambda kpi, scope, value, unit: rows.append((kpi, scope, float(value), unit))  # noqa: E731
    penalties = sum(shortfall.get(k, 0.0) * inputs.penalty_usd_per_unit[k] for k in shortfall)
    add("objective", "all", objective, "USD/yr")
    add(
        "total_annual_cost",
        "all",
        sites["total_cost_usd_per_yr"].sum() if len(sites) else 0.0,
        "USD/yr",
    )
    add("shortfall_penalty", "all", penalties, "USD/yr")
    utilization = tech.param("utilization")
    new = sites[sites["new_capacity"] > 0]
    for k in CLUSTER_TYPES:
        unit = CAPACITY_UNITS[k]
        of_type = sites[sites["cluster_type"] == k]
        new_k = new[new["cluster_type"] == k]
        add("new_capacity", k, new_k["new_capacity"].sum(), unit)
        add("existing_capacity", k, of_type["existing_capacity"].sum(), unit)
        add("target", k, inputs.targets.get(k, 0.0), unit)
        add("shortfall", k, shortfall.get(k, 0.0), unit)
        add("sites_opened", k, int(new_k["open"].sum()), "count")
        produced = new_k["new_capacity"].sum() * utilization
        if produced > 0:
            mineral_share = (new_k["new_capacity"] / new_k["total_capacity"]).fillna(0.0)
            new_cost = (
                new_k["total_cost_usd_per_yr"]
                - new_k["cost_minerals_usd_per_yr"]
                + new_k["cost_minerals_usd_per_yr"] * mineral_share
            ).sum()
            unit_produced = unit.replace("/yr", "")
            add("levelized_cost", k, new_cost / produced, f"USD/{unit_produced}")
            landed = tech.tech[k].get("landed_import_price_usd_per_unit")
            if landed is not None:
                add(
                    "landed_import_price",
                    k,
                    tech.value(k, "landed_import_price_usd_per_unit"),
                    f"USD/{unit_produced}",
                )
        add(
            "mean_permitting_months",
            k,
            _weighted_mean(new_k["permitting_months"], new_k["new_capacity"]),
            "months",
        )
    add("jobs", "all", new["jobs"].sum(), "jobs")
    for zone_id in data.zones:
        members = set(data.zone_members(zone_id))
        in_zone = sites[sites["region_id"].isin(members)]
        add("jobs", f"zone:{zone_id}", in_zone["jobs"].sum(), "jobs")
        for k in CLUSTER_TYPES:
            of_type = sites[sites["cluster_type"] == k]
            zone_k = in_zone[in_zone["cluster_type"] == k]
            total_new, total_all = of_type["new_capacity"].sum(), of_type["total_capacity"].sum()
            add(
                "new_capacity_share",
                f"{k}@{zone_id}",
                zone_k["new_capacity"].sum() / total_new if total_new > 0 else 0.0,
                "fraction",
            )
            add(
                "total_capacity_share",
                f"{k}@{zone_id}",
                zone_k["total_capacity"].sum() / total_all if total_all > 0 else 0.0,
                "fraction",
            )
    tonnes = flows["tonnes_per_yr"].sum()
    domestic = flows.loc[~flows["foreign"], "tonnes_per_yr"].sum()
    add("domestic_mineral_share", "all", domestic / tonnes if tonnes > 0 else 0.0, "fraction")
    for mineral, group in flows.groupby("mineral"):
        total = group["tonnes_per_yr"].sum()
        add(
            "domestic_mineral_share",
            mineral,
            group.loc[~group["foreign"], "tonnes_per_yr"].sum() / total if total > 0 else 0.0,
            "fraction",
        )
    add(
        "mean_permitting_months",
        "all",
        _weighted_mean(new["permitting_months"], new["jobs"]),
        "months",
    )
    add(
        "max_permitting_months",
        "all",
        new["permitting_months"].max() if len(new) else 0.0,
        "months",
    )
    co2 = 0.0
    for row in new.itertuples():
        mwh = (
            row.new_capacity
            * utilization
            * tech.value(row.cluster_type, "electricity_mwh_per_unit")
        )
        co2 += mwh * float(data.regions.at[row.region_id, "grid_co2_kg_per_mwh"]) / KG_PER_T
    add("electricity_co2", "all", co2, "t CO2/yr")
    return pd.DataFrame(rows, columns=KPI_COLUMNS)
