"""Model coefficients: turn (region data, scenario, technology) into cost and limit tables.

Pure functions of their inputs. Costs are annual: [USD/yr per (type unit/yr)] for sites,
[USD/t] for mineral lanes. The model reads only these tables.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from regions import RegionData
from regions.errors import DataValidationError
from regions.suggest import did_you_mean, region_hint

from .markets import empty_nodes, empty_product_lanes, market_nodes, product_lanes
from .minerals import lane_table, mineral_demand, supply_table
from .scenario import Scenario
from .sites import months_to_horizon, site_table
from .technology import CLUSTER_TYPES, TechnologyData


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
            ``jobs_per_unit``, ``labor_limit_jobs`` (hires left in the region's pool shared by all
            types), permitting.
        supply: index (source_id, mineral); availability, ``capacity_t_per_yr`` (NaN: uncapped).
        lanes: index (source_id, mineral, region_id); distance, ``mineral_cost_usd_per_t`` (with
            tariff), ``tariff_usd_per_t``, ``freight_usd_per_t``, ``cost_usd_per_t`` (objective
            view: the tariff is left out of the system view, as a transfer).
        demand_t_per_unit: tonnes of mineral per unit of capacity per year, by (type, mineral).
        labor_limit_jobs: hires left in the region's shared labor pool, repeated on each
            (region_id, cluster_type) row (see ``labor_pool_jobs``).
        targets: national target [type unit/yr]; existing: counted capacity by type.
        penalty_usd_per_unit: shortfall penalty by type [USD/yr per unit/yr].
        mineral_landed_usd_per_t: landed import price of each mineral (premium, tariff) [USD/t].
        mineral_penalty_usd_per_t: penalty per tonne of a mineral rule missed [USD/t]; a tonne
            left unsupplied costs landed price + penalty.
        objective: 'investor' or 'system'.
        nodes: market nodes by node_id (``optimizer.model.markets.NODE_COLUMNS``): the share of each
            type's target delivered there and the import freight; empty without markets.
        product_lanes: index (region_id, cluster_type, node_id): outbound freight
            [USD/yr per unit/yr] from each site that can produce to each node of its type.
        ranges: (type or None, figure) → (low, base, high) of every technology figure, as
            documented (what the toss-up rule, ``optimizer.model.tossup``, reads).
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
    ranges: dict[tuple[str | None, str], tuple[float, float, float]] = field(default_factory=dict)
    ties: pd.DataFrame | None = None
    """County resolution with ``markets.jv_ties``: partner-tie requirements
    (``optimizer.model.jv_ties.tie_table``); None otherwise."""
    commuting: pd.DataFrame | None = None
    """County resolution only: index (region_id, worker_fips), ``pool_jobs`` [jobs] — who may
    hire whom (``optimizer.model.county.commuting_table``); None at state resolution."""

    @property
    def labor_pool_jobs(self) -> pd.Series:
        """Hires left for new capacity of all types together, by region_id [jobs]: one pool
        per region shared by every type (``labor_limit_jobs`` repeats it on each type's row)."""
        return self.labor_limit_jobs.groupby(level="region_id", sort=False).first()

    @property
    def unsupplied_cost_usd_per_t(self) -> pd.Series:
        """Cost of a tonne left unsupplied: landed import price plus the penalty [USD/t]."""
        return self.mineral_landed_usd_per_t + self.mineral_penalty_usd_per_t


def check_scenario_ids(scenario: Scenario, data: RegionData) -> None:
    """Raise if the scenario names a zone, region, mineral or gateway the data does not have."""
    label = f"scenario {scenario.name!r}"
    for k, designation in scenario.zones.items():
        if designation.zone not in data.zones:
            raise DataValidationError(
                label,
                f"unknown zone {designation.zone!r} (known: {', '.join(data.zones)})"
                + did_you_mean(designation.zone, data.zones),
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
    state_fips = set(data.regions["fips"].astype(str)) if "fips" in data.regions else set()
    for where, mapping in region_maps.items():
        for region_id in mapping:
            if scenario.resolution == "county" and _is_county_of(region_id, state_fips):
                continue  # a county named directly (the county view keeps or drops it)
            if region_id not in data.regions.index:
                hint = region_hint(region_id, data.regions["name"].to_dict())
                raise DataValidationError(label, f"unknown region {region_id!r}{hint}", field=where)
    for mineral in scenario.min_domestic_share:
        if mineral not in data.mineral_prices.index:
            raise DataValidationError(
                label,
                f"unknown mineral {mineral!r}" + did_you_mean(mineral, data.mineral_prices.index),
                field="minerals.min_domestic_share",
            )
    gateways = set(data.mineral_sources.loc[data.mineral_sources["foreign"], "source_id"])
    for gateway in scenario.allowed_gateways or ():
        if gateway not in gateways:
            raise DataValidationError(
                label,
                f"unknown gateway {gateway!r} (known: {', '.join(sorted(gateways))})",
                field="minerals.allowed_gateways",
            )


def _is_county_of(region_id: str, state_fips: set[str]) -> bool:
    """True for a 5-digit county FIPS code whose first two digits are a known state's."""
    return len(region_id) == 5 and region_id.isdigit() and region_id[:2] in state_fips


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
        ranges=figure_ranges(tech),
        commuting=data.metadata.get("commuting"),
        ties=_ties(data, scenario, nodes),
    )


def _ties(data: RegionData, scenario: Scenario, nodes: pd.DataFrame) -> pd.DataFrame | None:
    """Partner ties when the scenario asks for them at county resolution (else None)."""
    if not (scenario.jv_ties and data.metadata.get("resolution") == "county"):
        return None
    from .jv_ties import tie_table

    return tie_table(data, scenario, nodes)


def figure_ranges(tech: TechnologyData) -> dict[tuple[str | None, str], tuple[float, float, float]]:
    """(type or None, figure) → (low, base, high) of every technology figure."""
    return {(k, f.name): (f.low, f.base, f.high) for k, f in tech.figures()}


def model_inputs(data: RegionData, scenario: Scenario, tech: TechnologyData) -> ModelInputs:
    """All coefficient tables for one scenario.

    A county-resolution scenario needs the county view of the data
    (``optimizer.model.county.county_view``, which ``optimizer.solve`` applies); given state data
    it is refused rather than solved at the wrong resolution."""
    if scenario.resolution == "county" and data.metadata.get("resolution") != "county":
        raise DataValidationError(
            f"scenario {scenario.name!r}",
            "county resolution is solved by `clustersite run` / optimizer.solve; this command or "
            "analysis works at state resolution only (yet)",
            field="resolution",
        )
    check_scenario_ids(scenario, data)
    demand = mineral_demand(data, tech)
    sites = site_table(data, scenario, tech)
    supply = supply_table(data, scenario, tech)
    lanes = lane_table(supply, sites, data, demand, tech, scenario.objective)
    return assemble_inputs(data, scenario, tech, sites, supply, lanes, demand)
