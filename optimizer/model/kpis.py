"""Headline indicators of one solution, as a long table ``kpi, scope, value, unit``.

Three cost views, each summing exactly to its terms: *system* (resource) cost, *investor* cost
(system − public outlay + tariffs paid) and *public outlay* (45X, state incentives, the value of
co-investment). ``total_annual_cost`` is the scenario's objective view and equals the objective.
*Decision cost* is what the scenario decides (new capacity and the supply it needs), apart from
the cost of supplying plants that already exist.
"""

from __future__ import annotations

import pandas as pd

from regions import RegionData

from .coefficients import ModelInputs
from .extract import KPI_COLUMNS
from .technology import CAPACITY_UNITS, CLUSTER_TYPES, TechnologyData
from .terms import TRANSFER_TERMS

KG_PER_T = 1000.0
PRODUCED_UNITS = {"battery": ("USD/kWh", 1e6), "magnet": ("USD/kg", 1e3), "solar": ("USD/W", 1e9)}
"""Unit a planner reads a levelized cost in, and the number of those units in one type unit."""


def _weighted_mean(values: pd.Series, weights: pd.Series) -> float:
    total = float(weights.sum())
    return float((values * weights).sum() / total) if total > 0 else 0.0


def existing_supply_cost(sites: pd.DataFrame, view: str) -> pd.Series:
    """Per site, the supply cost [USD/yr] of its existing capacity: minerals, unsupplied need
    and outbound product freight (plus tariff in the investor view) in proportion existing /
    total capacity."""
    supply = (
        sites["cost_minerals_usd_per_yr"]
        + sites["cost_unsupplied_usd_per_yr"]
        + sites["cost_product_freight_usd_per_yr"]
    )
    if view == "investor":
        supply = supply + sites["cost_tariff_usd_per_yr"]
    total = sites["total_capacity"].where(sites["total_capacity"] > 0)
    return (supply * sites["existing_capacity"] / total).fillna(0.0)


def compute_kpis(
    sites: pd.DataFrame,
    flows: pd.DataFrame,
    inputs: ModelInputs,
    data: RegionData,
    tech: TechnologyData,
    objective: float,
    shortfall: dict[str, float],
    share_gap: dict[str, float] | None = None,
    unsupplied: dict[str, float] | None = None,
    products: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Cost views, decision cost, levelized cost and import parity per type, public outlay per
    job and unit, jobs, domestic share, permitting, CO2, zone shares, outbound logistics.

    Freight of imports from their gateway to the market nodes counts in every cost view (it is
    not a site's cost), like the penalties."""
    rows: list[tuple[str, str, float, str]] = []
    add = lambda kpi, scope, value, unit: rows.append((kpi, scope, float(value), unit))  # noqa: E731
    share_gap = share_gap or {}
    shortfall_cost = sum(shortfall.get(k, 0.0) * inputs.penalty_usd_per_unit[k] for k in shortfall)
    gap_cost = sum(t * float(inputs.mineral_penalty_usd_per_t[m]) for m, t in share_gap.items())
    products = products if products is not None else pd.DataFrame()
    imports = products[products["origin_kind"] == "import"] if len(products) else products.iloc[:0]
    import_freight = float(imports["freight_cost_usd_per_yr"].sum()) if len(imports) else 0.0
    penalties = shortfall_cost + gap_cost + import_freight
    total = lambda column: float(sites[column].sum()) if len(sites) else 0.0  # noqa: E731
    add("objective", "all", objective, "USD/yr")
    add("total_annual_cost", "all", total("total_cost_usd_per_yr") + penalties, "USD/yr")
    add("system_cost", "all", total("system_cost_usd_per_yr") + penalties, "USD/yr")
    add("investor_cost", "all", total("investor_cost_usd_per_yr") + penalties, "USD/yr")
    add("public_outlay", "all", total("public_outlay_usd_per_yr"), "USD/yr")
    for term in TRANSFER_TERMS:
        add("public_outlay", term, -total(f"cost_{term}_usd_per_yr"), "USD/yr")
    add("tariff_paid", "all", total("cost_tariff_usd_per_yr"), "USD/yr")
    add("shortfall_penalty", "all", shortfall_cost, "USD/yr")
    add("share_gap_penalty", "all", gap_cost, "USD/yr")
    for k, amount in shortfall.items():  # by rule missed, where one was
        if amount > 0:
            add("shortfall_penalty", k, amount * inputs.penalty_usd_per_unit[k], "USD/yr")
    for m, amount in share_gap.items():
        if amount > 0:
            add(
                "share_gap_penalty",
                m,
                amount * float(inputs.mineral_penalty_usd_per_t[m]),
                "USD/yr",
            )
    market_kpis(add, products, import_freight)
    for view in ("system", "investor"):
        existing = existing_supply_cost(sites, view).sum() if len(sites) else 0.0
        add("existing_supply_cost", view, existing, "USD/yr")
        add("decision_cost", view, total(f"{view}_cost_usd_per_yr") - existing, "USD/yr")
    utilization = tech.param("utilization")
    new = sites[sites["new_capacity"] > 0]
    jobs = float(new["jobs"].sum())
    outlay = float(new["public_outlay_usd_per_yr"].sum())
    add("public_outlay_per_new_job", "all", outlay / jobs if jobs > 0 else 0.0, "USD/yr per job")
    for k in CLUSTER_TYPES:
        unit = CAPACITY_UNITS[k]
        of_type = sites[sites["cluster_type"] == k]
        new_k = new[new["cluster_type"] == k]
        built = float(new_k["new_capacity"].sum())
        add("new_capacity", k, built, unit)
        add("expansion_capacity", k, new_k["expansion_capacity"].sum(), unit)
        add("existing_capacity", k, of_type["existing_capacity"].sum(), unit)
        add("target", k, inputs.targets.get(k, 0.0), unit)
        add("shortfall", k, shortfall.get(k, 0.0), unit)
        add("sites_opened", k, int(new_k["open"].sum()), "count")
        add(
            "public_outlay_per_unit",
            k,
            new_k["public_outlay_usd_per_yr"].sum() / built if built > 0 else 0.0,
            f"USD/yr per {unit}",
        )
        unit_produced = unit.replace("/yr", "")
        landed = tech.landed_import_price(k)
        add("landed_import_price", k, landed, f"USD/{unit_produced}")
        produced = built * utilization
        if produced > 0:
            for view, name in (
                ("system", "levelized_cost"),
                ("investor", "levelized_investor_cost"),
            ):
                cost = new_k[f"{view}_cost_usd_per_yr"] - existing_supply_cost(new_k, view)
                add(name, k, cost.sum() / produced, f"USD/{unit_produced}")
                if view == "investor":
                    add("import_parity", k, cost.sum() / produced / landed, "ratio")
        add(
            "mean_permitting_months",
            k,
            _weighted_mean(new_k["permitting_months"], new_k["new_capacity"]),
            "months",
        )
    add("jobs", "all", jobs, "jobs")
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
    supply_kpis(add, flows, unsupplied or {}, inputs.supply)
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


def market_kpis(add, products: pd.DataFrame, import_freight: float) -> None:
    """Outbound logistics apart from inbound minerals: product freight from sites and from
    gateways [USD/yr], and per type the mean delivery distance [km, weighted by units]."""
    from_sites = products[products["origin_kind"] == "site"] if len(products) else products
    site_freight = float(from_sites["freight_cost_usd_per_yr"].sum()) if len(products) else 0.0
    add("product_freight", "all", site_freight + import_freight, "USD/yr")
    add("product_freight", "imports", import_freight, "USD/yr")
    for k in CLUSTER_TYPES:
        of_type = from_sites[from_sites["cluster_type"] == k] if len(products) else from_sites
        if not len(of_type):
            continue
        add("product_freight", k, of_type["freight_cost_usd_per_yr"].sum(), "USD/yr")
        add(
            "mean_delivery_km",
            k,
            _weighted_mean(of_type["distance_km"], of_type["units_per_yr"]),
            "km",
        )


def supply_kpis(
    add, flows: pd.DataFrame, unsupplied: dict[str, float], supply: pd.DataFrame | None = None
) -> None:
    """Domestic share of the minerals plants use: tonnes from feed mined or recycled at home
    (``supply.domestic_feed``; without ``supply``, every non-gateway source) over all tonnes;
    unsupplied need [t/yr by mineral] counts in the total as non-domestic."""
    if supply is not None and "domestic_feed" in supply and len(flows):
        home = supply["domestic_feed"].to_dict()
        keys = zip(flows["source_id"], flows["mineral"], strict=True)
        domestic_flows = flows[[bool(home.get(key, False)) for key in keys]]
    else:
        domestic_flows = flows[~flows["foreign"].astype(bool)]
    tonnes = flows["tonnes_per_yr"].sum() + sum(unsupplied.values())
    domestic = domestic_flows["tonnes_per_yr"].sum()
    add("domestic_mineral_share", "all", domestic / tonnes if tonnes > 0 else 0.0, "fraction")
    for mineral in sorted(set(flows["mineral"]) | {m for m, t in unsupplied.items() if t > 0}):
        total = flows.loc[flows["mineral"] == mineral, "tonnes_per_yr"].sum()
        total += unsupplied.get(mineral, 0.0)
        mine = domestic_flows.loc[domestic_flows["mineral"] == mineral, "tonnes_per_yr"].sum()
        add("domestic_mineral_share", mineral, mine / total if total > 0 else 0.0, "fraction")
        add("unsupplied", mineral, unsupplied.get(mineral, 0.0), "t/yr")
