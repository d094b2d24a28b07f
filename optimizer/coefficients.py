"""Model coefficients: turn (region data, scenario, technology) into cost and limit tables.

Pure functions of their inputs. Costs are annual: [USD/yr per (type unit/yr)] for sites,
[USD/t] for mineral lanes. The model reads only these tables.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from regions import RegionData
from regions.dataset import COUNTING_PRODUCT
from regions.errors import DataValidationError
from regions.geodesy import haversine_km

from .markets import empty_nodes, empty_product_lanes, market_nodes, product_lanes
from .scenario import Scenario
from .technology import CLUSTER_TYPES, TechnologyData, capital_recovery_factor

SYSTEM_TERMS = (
    "capex",
    "energy",
    "labor",
    "other_opex",
    "other_materials",
    "permitting_delay",
)
"""Per-unit resource-cost terms of a site [USD/yr per unit/yr]: what the country spends."""
TRANSFER_TERMS = ("credit_45x", "state_incentive", "co_investment")
"""Per-unit transfers from the public to the investor [USD/yr per unit/yr], stored negative:
investor cost = system cost + these terms; public outlay = − these terms."""
COST_TERMS = SYSTEM_TERMS + TRANSFER_TERMS
"""Every per-unit term of a site, in report order."""
OBJECTIVES = ("investor", "system")
"""What the siting decision minimises: investor cost (firms under today's incentives) or system
(resource) cost (the country's least-cost plan)."""
CAPEX_TERMS = ("capex", "permitting_delay", "state_incentive", "co_investment")
"""Terms proportional to capex; an expansion's agglomeration discount scales exactly these."""


@dataclass(frozen=True)
class ModelInputs:
    """Everything the model needs, keyed by real ids.

    Attributes:
        sites: index (region_id, cluster_type). Greenfield: ``eligible``, ``exclusion_reason``,
            ``min_scale``, ``max_scale`` (room left under the cluster maximum),
            ``fixed_cost_usd_per_yr``, per-unit terms ``cost_<term>`` and ``unit_cost`` (the
            objective view). Expansion of an operating cluster: ``host``, ``host_reason``,
            ``expansion_eligible``, ``expansion_reason``, ``expansion_limit``,
            ``expansion_fixed_cost_usd_per_yr``, ``exp_cost_<term>``, ``expansion_unit_cost``.
            Shared: ``existing_capacity`` (counted), ``operating_capacity``, ``room``,
            ``jobs_per_unit``, ``labor_limit_jobs`` (hires left for new capacity), permitting.
        supply: index (source_id, mineral); availability, ``capacity_t_per_yr`` (NaN: uncapped).
        lanes: index (source_id, mineral, region_id); distance, ``mineral_cost_usd_per_t`` (with
            tariff), ``tariff_usd_per_t``, ``freight_usd_per_t``, ``cost_usd_per_t`` (objective
            view: the tariff is left out of the system view, as a transfer).
        demand_t_per_unit: tonnes of mineral per unit of capacity per year, by (type, mineral).
        labor_limit_jobs: hires allowed for new capacity by (region_id, cluster_type).
        targets: national target [type unit/yr]; existing: counted capacity by type.
        penalty_usd_per_unit: shortfall penalty by type [USD/yr per unit/yr].
        mineral_landed_usd_per_t: landed import price of each mineral (premium, tariff) [USD/t].
        mineral_penalty_usd_per_t: penalty per tonne of a mineral rule missed [USD/t]; a tonne
            left unsupplied costs landed price + penalty.
        objective: 'investor' or 'system'.
        nodes: market nodes by node_id (``optimizer.markets.NODE_COLUMNS``): the share of each
            type's target delivered there and the import freight; empty without markets.
        product_lanes: index (region_id, cluster_type, node_id): outbound freight
            [USD/yr per unit/yr] from each site that can produce to each node of its type.
    """

    sites: pd.DataFrame
    supply: pd.DataFrame
    lanes: pd.DataFrame
    demand_t_per_unit: dict[str, dict[str, float]]
    labor_limit_jobs: pd.Series
    targets: pd.Series
    existing: pd.Series
    penalty_usd_per_unit: pd.Series
    mineral_landed_usd_per_t: pd.Series
    mineral_penalty_usd_per_t: pd.Series
    months_available: int
    objective: str = "investor"
    nodes: pd.DataFrame = field(default_factory=empty_nodes)
    product_lanes: pd.DataFrame = field(default_factory=empty_product_lanes)

    @property
    def unsupplied_cost_usd_per_t(self) -> pd.Series:
        """Cost of a tonne left unsupplied: landed import price plus the penalty [USD/t]."""
        return self.mineral_landed_usd_per_t + self.mineral_penalty_usd_per_t


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
        "markets.add": {node.region_id: None for node in scenario.market_nodes},
        **{f"markets.scale.{k}": dict(by_region) for k, by_region in scenario.market_scale.items()},
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


MONTHS = {
    m: i
    for i, m in enumerate(
        (
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        ),
        start=1,
    )
}


def vintage_date(vintage: str) -> date | None:
    """The last day a vintage like 'April 2025' covers; '2025' reads as its mid-year (1 July).

    >>> vintage_date("April 2025"), vintage_date("2026")
    (datetime.date(2025, 4, 30), datetime.date(2026, 7, 1))
    """
    words = str(vintage).replace(",", " ").split()
    if len(words) == 1 and words[0].isdigit() and len(words[0]) == 4:
        return date(int(words[0]), 7, 1)
    if len(words) == 2 and words[0].lower() in MONTHS and words[1].isdigit():
        year, month = int(words[1]), MONTHS[words[0].lower()]
        following = date(year + month // 12, month % 12 + 1, 1)
        return date.fromordinal(following.toordinal() - 1)
    return None


def employment_dates(data: RegionData) -> pd.Series:
    """Date of each region's manufacturing-employment figure (from the citations table)."""
    rows = data.sources[
        (data.sources["table"] == "regions.csv") & (data.sources["column"] == "mfg_employment_jobs")
    ]
    default = rows[rows["region_id"] == ""]
    fallback = vintage_date(default["vintage"].iloc[0]) if len(default) else None
    out = {}
    for region_id in data.regions.index:
        own = rows[rows["region_id"] == region_id]
        when = vintage_date(own["vintage"].iloc[0]) if len(own) else fallback
        if when is None:
            raise DataValidationError(
                "sources.csv",
                "the vintage of regions.csv mfg_employment_jobs must read 'Month YYYY' or 'YYYY'",
                field="vintage",
                row_id=region_id,
            )
        out[region_id] = when
    return pd.Series(out)


def _counting(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[frame["product"] == frame["cluster_type"].map(COUNTING_PRODUCT)]


def existing_tables(data: RegionData, scenario: Scenario) -> pd.DataFrame:
    """By (region_id, cluster_type): counted and operating capacity of the counting product as of
    ``facilities_as_of`` [type unit/yr], the share of it not yet operating at the date of the
    region's employment figure (its hires are not in that figure), and a host description."""
    seen = _counting(data.facilities_as_of(scenario.facilities_as_of))
    seen = seen.assign(capacity_std=seen["capacity_std"].fillna(0.0))
    counted = seen[seen["status"].isin(scenario.existing_statuses)]
    operating = seen[seen["status"] == "operating"]
    emp_dates = employment_dates(data)
    hiring = []
    for when, group in counted.groupby(counted["region_id"].map(emp_dates)):
        then = data.facilities_as_of(when)
        running_then = set(then.index[then["status"] == "operating"])
        hiring.append(group[~group.index.isin(running_then)])
    hiring = pd.concat(hiring) if hiring else counted.iloc[:0]
    keys = ["region_id", "cluster_type"]
    table = pd.DataFrame(
        {
            "existing_capacity": counted.groupby(keys)["capacity_std"].sum(),
            "operating_capacity": operating.groupby(keys)["capacity_std"].sum(),
            "hiring_capacity": hiring.groupby(keys)["capacity_std"].sum(),
        }
    ).fillna(0.0)
    names: dict = {}
    for facility_id, row in operating.iterrows():
        key = (row["region_id"], row["cluster_type"])
        names.setdefault(key, []).append(f"{facility_id} ({row['capacity_std']:g})")
    table["host_plants"] = [", ".join(names.get(key, [])) for key in table.index]
    return table


def site_table(
    data: RegionData,
    scenario: Scenario,
    tech: TechnologyData,
    existing: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per (region, type): greenfield and expansion options, eligibility with reasons,
    per-unit cost terms of each option, hires left for new capacity.

    ``existing``: :func:`existing_tables` of (data, scenario) when the caller holds it."""
    regions = data.regions
    existing = existing if existing is not None else existing_tables(data, scenario)
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
    # plain dicts: one lookup per (region, type) row below, not a pandas index lookup each
    power, wage, incentive = power.to_dict(), wage.to_dict(), incentive.to_dict()
    permitting = regions["permitting_months"].astype(float).to_dict()
    employment = regions["mfg_employment_jobs"].astype(float).to_dict()
    counted_by, operating_by, hiring_by, hosts_by = (
        existing[c].to_dict()
        for c in ("existing_capacity", "operating_capacity", "hiring_capacity", "host_plants")
    )
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
        discount = tech.value(k, "agglomeration_discount")
        fixed = tech.value(k, "fixed_site_cost_usd_per_yr")
        credit = (
            tech.value(k, "credit_45x_usd_per_unit")
            * utilization
            * tech.credit_fraction(k, scenario.horizon_year)
            if scenario.apply_45x
            else 0.0
        )
        crf_base = capital_recovery_factor(rate, lifetime)
        for region_id in regions.index:
            in_zone = region_id in zone_members
            key = (region_id, k)
            counted = float(counted_by.get(key, 0.0))
            operating = float(operating_by.get(key, 0.0))
            hiring = float(hiring_by.get(key, 0.0))
            host = operating > 0
            green = scenario.green_lane_factor if in_zone else 1.0
            permit_months = permitting[region_id] * green
            crf_investor = capital_recovery_factor(
                max(rate - (scenario.co_investment_rate_reduction if in_zone else 0.0), 0.0),
                lifetime,
            )
            labor_limit = max(
                labor_cap * employment[region_id] - jobs * hiring,
                0.0,
            )
            room = max(max_scale - counted, 0.0)
            common = []
            if region_id in scenario.excluded_regions:
                common.append("excluded by the scenario")
            if designation and designation.mode == "restrict" and not in_zone:
                common.append(f"outside designated zone {designation.zone}")
            if permit_months + construction > months_available:
                common.append(
                    f"permitting {permit_months:.1f} + construction {construction:.0f} months "
                    f"exceed the {months_available} months to the end of {scenario.horizon_year}"
                )
            if labor_limit <= 1e-9:
                common.append(
                    f"labor cap: plants since the employment figure already hire "
                    f"{jobs * hiring:,.0f} of {labor_cap * employment[region_id]:,.0f} jobs"
                )
            green_reasons = list(common)
            if room < min_scale - 1e-9:
                green_reasons.append(
                    f"cluster maximum: {counted:,.4g} of {max_scale:,.4g} already counted, "
                    f"no room for the {min_scale:,.4g} minimum scale"
                )
            elif jobs * min_scale > labor_limit + 1e-9 and labor_limit > 1e-9:
                green_reasons.append(
                    f"labor cap: minimum scale needs {jobs * min_scale:,.0f} jobs, "
                    f"{labor_limit:,.0f} can still be hired"
                )
            limit = min(tech.value(k, "expansion_share") * operating, room) if host else 0.0
            exp_reasons = list(common)
            if not host:
                exp_reasons.append("no operating plant of the counting product")
            elif limit <= 1e-9:
                exp_reasons.append(
                    f"cluster maximum reached ({counted:,.4g} of {max_scale:,.4g} counted)"
                )
            terms = {
                "capex": capex * crf_base,
                "energy": tech.value(k, "electricity_mwh_per_unit")
                * utilization
                * power[region_id],
                "labor": jobs * wage[region_id],
                "other_opex": tech.value(k, "other_opex_usd_per_unit") * utilization,
                "other_materials": tech.value(k, "other_materials_usd_per_unit") * utilization,
                "permitting_delay": permit_months * delay_fraction * capex * crf_base,
                "credit_45x": -credit,
                "state_incentive": -incentive[region_id] * capex * crf_investor,
                "co_investment": -capex * (crf_base - crf_investor),
            }
            row = {
                "region_id": region_id,
                "cluster_type": k,
                "eligible": not green_reasons,
                "exclusion_reason": "; ".join(green_reasons),
                "in_designated_zone": in_zone,
                "host": host,
                "host_reason": (
                    f"operating {COUNTING_PRODUCT[k]} plants as of "
                    f"{scenario.facilities_as_of}: {hosts_by.get(key, '')}"
                    if host
                    else ""
                ),
                "existing_capacity": counted,
                "operating_capacity": operating,
                "room": room,
                "permitting_months": permit_months,
                "min_scale": min_scale,
                "max_scale": min(max_scale, room),
                "jobs_per_unit": jobs,
                "labor_limit_jobs": labor_limit,
                "fixed_cost_usd_per_yr": fixed,
                "expansion_eligible": not exp_reasons,
                "expansion_reason": "; ".join(exp_reasons),
                "expansion_limit": limit,
                "expansion_fixed_cost_usd_per_yr": fixed
                * tech.value(k, "expansion_fixed_cost_fraction"),
            }
            for term, value in terms.items():
                row[f"cost_{term}"] = value
                row[f"exp_cost_{term}"] = value * (1.0 - discount) if term in CAPEX_TERMS else value
            rows.append(row)
    sites = pd.DataFrame(rows).set_index(["region_id", "cluster_type"])
    view = objective_terms(scenario.objective)
    sites["unit_cost"] = sites[[f"cost_{t}" for t in view]].sum(axis=1)
    sites["expansion_unit_cost"] = sites[[f"exp_cost_{t}" for t in view]].sum(axis=1)
    return sites


def objective_terms(objective: str) -> tuple[str, ...]:
    """The per-unit terms the objective view sums: system terms, plus transfers for investors."""
    if objective not in OBJECTIVES:
        raise ValueError(f"objective must be one of {OBJECTIVES}, got {objective!r}")
    return COST_TERMS if objective == "investor" else SYSTEM_TERMS


def supply_table(data: RegionData, scenario: Scenario, tech: TechnologyData) -> pd.DataFrame:
    """One row per (source, mineral): whether it can supply by the horizon, capacity, price."""
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
    prices = data.mineral_prices
    premium = tech.param("gateway_premium_pct") if "gateway_premium_pct" in tech.params else 0.0
    landed = (
        prices["price_usd_per_t"]
        * scenario.mineral_price_multiplier
        * (1 + premium / 100)
        * (1 + prices["import_tariff_pct"] / 100)
    )
    return ModelInputs(
        sites=sites,
        supply=supply,
        lanes=lanes,
        demand_t_per_unit=demand,
        labor_limit_jobs=sites["labor_limit_jobs"],
        targets=pd.Series({k: t.value for k, t in scenario.targets.items()}, dtype=float),
        existing=sites.groupby(level="cluster_type")["existing_capacity"].sum(),
        penalty_usd_per_unit=pd.Series({k: tech.shortfall_penalty(k) for k in CLUSTER_TYPES}),
        mineral_landed_usd_per_t=landed,
        mineral_penalty_usd_per_t=tech.param("unsupplied_mineral_penalty_multiple") * landed,
        months_available=months_to_horizon(scenario.facilities_as_of, scenario.horizon_year),
        objective=scenario.objective,
        nodes=(nodes := market_nodes(data, scenario, tech)),
        product_lanes=product_lanes(nodes, sites, data, tech),
    )


def model_inputs(data: RegionData, scenario: Scenario, tech: TechnologyData) -> ModelInputs:
    """All coefficient tables for one scenario."""
    check_scenario_ids(scenario, data)
    demand = mineral_demand(data, tech)
    sites = site_table(data, scenario, tech)
    supply = supply_table(data, scenario, tech)
    lanes = lane_table(supply, sites, data, demand, tech, scenario.objective)
    return assemble_inputs(data, scenario, tech, sites, supply, lanes, demand)
