"""Model coefficients: turn (region data, scenario, technology) into cost and limit tables.

Pure functions of their inputs. Costs are annual: [USD/yr per (type unit/yr)] for sites,
[USD/t] for mineral lanes. The model reads only these tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from regions import RegionData
from regions.dataset import COUNTING_PRODUCT
from regions.errors import DataValidationError
from regions.geodesy import haversine_km

from .scenario import Scenario
from .technology import CLUSTER_TYPES, TechnologyData, capital_recovery_factor

COST_TERMS = (
    "capex",
    "energy",
    "labor",
    "other_opex",
    "other_materials",
    "permitting_delay",
    "credit_45x",
    "state_incentive",
)
"""Per-unit cost terms of a site [USD/yr per unit/yr]; credits and incentives are negative."""


@dataclass(frozen=True)
class ModelInputs:
    """Everything the model needs, keyed by real ids.

    Attributes:
        sites: index (region_id, cluster_type); eligibility, reasons, per-unit cost terms
            (``cost_<term>``), ``unit_cost``, ``fixed_cost_usd_per_yr``, scale bounds, jobs.
        supply: index (source_id, mineral); availability, ``capacity_t_per_yr`` (NaN: uncapped).
        lanes: index (source_id, mineral, region_id); distance, ``mineral_cost_usd_per_t``,
            ``freight_usd_per_t``, ``cost_usd_per_t``.
        demand_t_per_unit: tonnes of mineral per unit of capacity per year, by (type, mineral).
        labor_limit_jobs: hires allowed per region.
        targets: national target [type unit/yr]; existing: counted capacity by type.
        penalty_usd_per_unit: shortfall penalty by type [USD/yr per unit/yr].
        mineral_penalty_usd_per_t: penalty for a tonne of mineral need left unsupplied, by mineral.
    """

    sites: pd.DataFrame
    supply: pd.DataFrame
    lanes: pd.DataFrame
    demand_t_per_unit: dict[str, dict[str, float]]
    labor_limit_jobs: pd.Series
    targets: pd.Series
    existing: pd.Series
    penalty_usd_per_unit: pd.Series
    mineral_penalty_usd_per_t: pd.Series
    months_available: int


def months_to_horizon(as_of: date, horizon_year: int) -> int:
    """Whole months from the start of ``as_of``'s month to the end of ``horizon_year``.

    >>> months_to_horizon(date(2025, 7, 1), 2030)
    66
    """
    return (horizon_year - as_of.year) * 12 + (12 - as_of.month + 1)


def check_scenario_ids(scenario: Scenario, data: RegionData) -> None:
    """Raise if the scenario names a zone, region, mineral or gateway the data does not have."""
    label = f"scenario {scenario.name!r}"
    for k, designation in scenario.zones.items():
        if designation.zone not in data.zones:
            raise DataValidationError(
                label,
                f"unknown zone {designation.zone!r} (known: {', '.join(data.zones)})",
                field=f"zones.{k}.zone",
            )
    region_maps = {
        "policy.state_incentives": scenario.state_incentives,
        "multipliers.power_price_by_region": scenario.power_price_by_region,
        "multipliers.wage_by_region": scenario.wage_by_region,
        "limits.excluded_regions": dict.fromkeys(scenario.excluded_regions),
    }
    for where, mapping in region_maps.items():
        for region_id in mapping:
            if region_id not in data.regions.index:
                raise DataValidationError(label, f"unknown region {region_id!r}", field=where)
    for mineral in scenario.min_domestic_share:
        if mineral not in data.mineral_prices.index:
            raise DataValidationError(
                label, f"unknown mineral {mineral!r}", field="minerals.min_domestic_share"
            )
    gateways = set(data.mineral_sources.loc[data.mineral_sources["foreign"], "source_id"])
    for gateway in scenario.allowed_gateways or ():
        if gateway not in gateways:
            raise DataValidationError(
                label,
                f"unknown gateway {gateway!r} (known: {', '.join(sorted(gateways))})",
                field="minerals.allowed_gateways",
            )


def _existing_tables(data: RegionData, scenario: Scenario) -> tuple[pd.Series, set]:
    """Counted existing capacity by (region, type), and the (region, type) pairs hosting any plant."""
    facilities = data.facilities
    facilities = facilities[facilities["status"].isin(scenario.existing_statuses)]
    facilities = facilities[facilities["announced_date"] <= scenario.facilities_as_of]
    hosts = set(zip(facilities["region_id"], facilities["cluster_type"], strict=True))
    counting = facilities[facilities["product"] == facilities["cluster_type"].map(COUNTING_PRODUCT)]
    capacity = counting.groupby(["region_id", "cluster_type"])["capacity_std"].sum()
    return capacity, hosts


def site_table(data: RegionData, scenario: Scenario, tech: TechnologyData) -> pd.DataFrame:
    """One row per (region, type): eligibility with reasons, and per-unit cost terms."""
    regions = data.regions
    existing, hosts = _existing_tables(data, scenario)
    months_available = months_to_horizon(scenario.facilities_as_of, scenario.horizon_year)
    labor_cap = (
        scenario.labor_share_cap
        if scenario.labor_share_cap is not None
        else tech.param("labor_share_cap")
    )
    utilization = tech.param("utilization")
    delay_fraction = tech.param("delay_cost_fraction_per_month")
    power = regions["power_price_usd_per_mwh"] * scenario.power_price_multiplier
    power = power * pd.Series(scenario.power_price_by_region, dtype=float).reindex(
        regions.index
    ).fillna(1.0)
    wage = regions["mfg_wage_usd_per_yr"] * scenario.wage_multiplier
    wage = wage * pd.Series(scenario.wage_by_region, dtype=float).reindex(regions.index).fillna(1.0)
    incentive = pd.Series(scenario.state_incentives, dtype=float).reindex(regions.index).fillna(0.0)
    rows = []
    for k in CLUSTER_TYPES:
        designation = scenario.designated_zone(k)
        zone_members = set(data.zone_members(designation.zone)) if designation else set()
        capex = tech.value(k, "capex_usd_per_unit")
        lifetime = tech.value(k, "lifetime_yr")
        rate = tech.value(k, "discount_rate")
        construction = tech.value(k, "construction_months")
        jobs = tech.value(k, "jobs_per_unit")
        min_scale, max_scale = tech.value(k, "min_scale"), tech.value(k, "max_scale")
        credit = (
            tech.value(k, "credit_45x_usd_per_unit") * utilization if scenario.apply_45x else 0.0
        )
        for region_id in regions.index:
            in_zone = region_id in zone_members
            has_existing = (region_id, k) in hosts
            existing_capacity = float(existing.get((region_id, k), 0.0))
            if np.isnan(existing_capacity):
                existing_capacity = 0.0
            green = scenario.green_lane_factor if in_zone else 1.0
            permit_months = float(regions.at[region_id, "permitting_months"]) * green
            crf = capital_recovery_factor(
                max(rate - (scenario.co_investment_rate_reduction if in_zone else 0.0), 0.0),
                lifetime,
            )
            discount = tech.value(k, "agglomeration_discount") if has_existing else 0.0
            capex_annual = capex * (1.0 - discount) * crf
            labor_limit = labor_cap * float(regions.at[region_id, "mfg_employment_jobs"])
            site_min = 0.0 if has_existing else min_scale
            reasons = []
            if region_id in scenario.excluded_regions:
                reasons.append("excluded by the scenario")
            if designation and designation.mode == "restrict" and not in_zone:
                reasons.append(f"outside designated zone {designation.zone}")
            if permit_months + construction > months_available:
                reasons.append(
                    f"permitting {permit_months:.1f} + construction {construction:.0f} months "
                    f"exceed the {months_available} months to the end of {scenario.horizon_year}"
                )
            if jobs * site_min > labor_limit + 1e-9:
                reasons.append(
                    f"labor cap: minimum scale needs {jobs * site_min:,.0f} jobs, "
                    f"cap is {labor_limit:,.0f}"
                )
            rows.append(
                {
                    "region_id": region_id,
                    "cluster_type": k,
                    "eligible": not reasons,
                    "exclusion_reason": "; ".join(reasons),
                    "in_designated_zone": in_zone,
                    "has_existing": has_existing,
                    "existing_capacity": existing_capacity,
                    "permitting_months": permit_months,
                    "min_scale": site_min,
                    "max_scale": max_scale,
                    "jobs_per_unit": jobs,
                    "fixed_cost_usd_per_yr": 0.0
                    if has_existing
                    else tech.value(k, "fixed_site_cost_usd_per_yr"),
                    "cost_capex": capex_annual,
                    "cost_energy": tech.value(k, "electricity_mwh_per_unit")
                    * utilization
                    * power[region_id],
                    "cost_labor": jobs * wage[region_id],
                    "cost_other_opex": tech.value(k, "other_opex_usd_per_unit") * utilization,
                    "cost_other_materials": tech.value(k, "other_materials_usd_per_unit")
                    * utilization,
                    "cost_permitting_delay": permit_months * delay_fraction * capex * crf,
                    "cost_credit_45x": -credit,
                    "cost_state_incentive": -incentive[region_id] * capex * crf,
                }
            )
    sites = pd.DataFrame(rows).set_index(["region_id", "cluster_type"])
    sites["unit_cost"] = sites[[f"cost_{t}" for t in COST_TERMS]].sum(axis=1)
    return sites


def supply_table(data: RegionData, scenario: Scenario, tech: TechnologyData) -> pd.DataFrame:
    """One row per (source, mineral): whether it can supply by the horizon, capacity, price."""
    sources = data.mineral_sources.set_index(["source_id", "mineral"])
    prices = data.mineral_prices
    base_price = sources.index.get_level_values("mineral").map(prices["price_usd_per_t"]).to_numpy()
    tariff = sources.index.get_level_values("mineral").map(prices["import_tariff_pct"]).to_numpy()
    premium = tech.param("gateway_premium_pct") if "gateway_premium_pct" in tech.params else 0.0
    foreign = sources["foreign"].to_numpy(dtype=bool)
    price = base_price * scenario.mineral_price_multiplier
    price = np.where(foreign, price * (1 + premium / 100) * (1 + tariff / 100), price)
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
    supply["price_usd_per_t"] = price
    supply["unavailable_reason"] = reasons
    supply["available"] = supply["unavailable_reason"] == ""
    return supply


def lane_table(
    supply: pd.DataFrame,
    sites: pd.DataFrame,
    data: RegionData,
    demand: dict[str, dict[str, float]],
    tech: TechnologyData,
) -> pd.DataFrame:
    """Source → region lanes for each mineral some possible site there needs [USD/t]."""
    regions = data.regions
    usable = sites[sites["eligible"] | (sites["existing_capacity"] > 0)].reset_index()
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
                    "distance_km": dist,
                    "mineral_cost_usd_per_t": grid["price_usd_per_t"],
                    "freight_usd_per_t": dist * freight,
                }
            )
        )
    columns = [
        "source_id",
        "mineral",
        "region_id",
        "foreign",
        "distance_km",
        "mineral_cost_usd_per_t",
        "freight_usd_per_t",
    ]
    lanes = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)
    lanes["cost_usd_per_t"] = lanes["mineral_cost_usd_per_t"] + lanes["freight_usd_per_t"]
    return drop_dominated_gateways(lanes).set_index(["source_id", "mineral", "region_id"])


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


def assemble_inputs(
    data: RegionData,
    scenario: Scenario,
    tech: TechnologyData,
    sites: pd.DataFrame,
    supply: pd.DataFrame,
    lanes: pd.DataFrame,
    demand: dict[str, dict[str, float]],
) -> ModelInputs:
    """ModelInputs from its site, supply and lane tables plus the scenario-wide limits."""
    labor_cap = (
        scenario.labor_share_cap
        if scenario.labor_share_cap is not None
        else tech.param("labor_share_cap")
    )
    prices = data.mineral_prices
    return ModelInputs(
        sites=sites,
        supply=supply,
        lanes=lanes,
        demand_t_per_unit=demand,
        labor_limit_jobs=data.regions["mfg_employment_jobs"] * labor_cap,
        targets=pd.Series({k: t.value for k, t in scenario.targets.items()}, dtype=float),
        existing=sites.groupby(level="cluster_type")["existing_capacity"].sum(),
        penalty_usd_per_unit=pd.Series({k: tech.shortfall_penalty(k) for k in CLUSTER_TYPES}),
        mineral_penalty_usd_per_t=tech.param("unsupplied_mineral_penalty_multiple")
        * prices["price_usd_per_t"]
        * (1 + prices["import_tariff_pct"] / 100),
        months_available=months_to_horizon(scenario.facilities_as_of, scenario.horizon_year),
    )


def model_inputs(data: RegionData, scenario: Scenario, tech: TechnologyData) -> ModelInputs:
    """All coefficient tables for one scenario."""
    check_scenario_ids(scenario, data)
    demand = mineral_demand(data, tech)
    sites = site_table(data, scenario, tech)
    supply = supply_table(data, scenario, tech)
    lanes = lane_table(supply, sites, data, demand, tech)
    return assemble_inputs(data, scenario, tech, sites, supply, lanes, demand)
